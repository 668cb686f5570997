// Command demo runs wk's passkey hand-off against an in-memory account, so the pages
// can be tried in a real browser before the store and CLI exist. It registers a
// passkey, then logs in with it, printing each page's URL on stdout (one line each)
// and progress on stderr:
//
//	go run ./internal/passkey/cmd/demo | node e2e/passkey.mjs -
//
// With -open it also tries to open a browser at each URL.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey"
	"github.com/wk-tools/wk/internal/passkey/passkeytest"
)

func main() {
	timeout := flag.Duration("timeout", account.CeremonyTimeout, "how long each page waits for the browser")
	open := flag.Bool("open", false, "open a browser at each page")
	name := flag.String("name", "demo key", "name of the passkey to register")
	flag.Parse()

	if err := run(*timeout, *open, *name); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(timeout time.Duration, open bool, name string) error {
	ctx := context.Background()
	user := account.User{ID: "0123456789abcdef01234567", Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace"}
	backend := passkeytest.New(user, nil)

	pk, err := handoff(ctx, passkey.ModeRegister, timeout, open,
		func(rp account.RelyingParty) passkey.BeginFunc {
			return func(ctx context.Context) (*account.Ceremony, error) {
				return backend.BeginPasskeyRegistration(ctx, name, rp)
			}
		}, backend.FinishPasskeyRegistration)
	if err != nil {
		return fmt.Errorf("register passkey: %w", err)
	}
	if err := show("registered", pk); err != nil {
		return err
	}

	res, err := handoff(ctx, passkey.ModeLogin, timeout, open,
		func(rp account.RelyingParty) passkey.BeginFunc {
			return func(ctx context.Context) (*account.Ceremony, error) { return backend.BeginPasskeyLogin(ctx, rp) }
		}, backend.FinishPasskeyLogin)
	if err != nil {
		return fmt.Errorf("log in with passkey: %w", err)
	}
	fmt.Fprintf(os.Stderr, "demo: logged in as %s\n", res.User.Email)
	cred, _ := backend.Credential(pk.ID)
	fmt.Fprintf(os.Stderr, "demo: stored sign count %d\n", cred.SignCount)
	return nil
}

// handoff listens, announces the URL, and runs one ceremony.
func handoff[T any](ctx context.Context, mode passkey.Mode, timeout time.Duration, open bool,
	begin func(account.RelyingParty) passkey.BeginFunc, finish passkey.FinishFunc[T]) (T, error) {
	h, err := passkey.Listen(mode)
	if err != nil {
		var zero T
		return zero, err
	}
	h.Timeout = timeout
	fmt.Println(h.URL())
	if open {
		if err := passkey.OpenBrowser(h.URL()); err != nil {
			fmt.Fprintf(os.Stderr, "demo: %v: open the URL above yourself\n", err)
		}
	}
	return passkey.Run(ctx, h, begin(h.RelyingParty("wk demo")), finish)
}

func show(what string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", what, err)
	}
	fmt.Fprintf(os.Stderr, "demo: %s %s\n", what, b)
	return nil
}
