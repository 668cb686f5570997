// Command benchserver runs wk's HTTP API over a throwaway store for bench/serve.sh. It
// creates the store in -dir with one user (bench@example.com, password from
// -password-file), writes that user's API token to <dir>/token (mode 0600), prints the
// listening address on stdout, and serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/server"
	"github.com/wk-tools/wk/internal/store"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	dir := flag.String("dir", "", "folder for the store and the token file (required)")
	pwFile := flag.String("password-file", "", "file holding the bench user's password (required)")
	burst := flag.Int("auth-burst", 1<<30, "per-address login bucket size; large so logins are measured, not refused")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *dir == "" || *pwFile == "" {
		return fmt.Errorf("check flags: -dir and -password-file are required")
	}
	pw, err := os.ReadFile(*pwFile)
	if err != nil {
		return fmt.Errorf("read password: %w", err)
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("create profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := store.Create(ctx, filepath.Join(*dir, "wk.db"))
	if err != nil {
		return fmt.Errorf("create store: %w", err)
	}
	defer db.Close()
	if err := seed(ctx, db, strings.TrimSpace(string(pw)), filepath.Join(*dir, "token")); err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	fmt.Println(ln.Addr().String())
	return server.New(db, server.Config{AuthBurst: *burst}).Serve(ctx, ln)
}

// seed makes the bench user and writes their API token to tokenPath.
func seed(ctx context.Context, db *store.DB, password, tokenPath string) error {
	anon := db.Backend(store.BackendOptions{})
	_, err := anon.Init(ctx, account.InitRequest{OrganizationName: "Bench Lab",
		Email: "bench@example.com", FirstName: "Bench", LastName: "Mark", Password: password})
	if err != nil {
		return fmt.Errorf("init store: %w", err)
	}
	res, err := anon.Login(ctx, "bench@example.com", password)
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	tok, err := db.Backend(store.BackendOptions{Credential: res.Credential}).Token(ctx)
	if err != nil {
		return fmt.Errorf("make token: %w", err)
	}
	if err := os.WriteFile(tokenPath, []byte(tok.Secret+"\n"), 0o600); err != nil {
		return fmt.Errorf("write token: %w", err)
	}
	return nil
}
