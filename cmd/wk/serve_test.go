package main

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildWK compiles wk into a temporary folder for tests that need the real binary.
func buildWK(t *testing.T, ctx context.Context) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "wk")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestServeStopsOnSIGTERM sends SIGTERM to a real `wk serve` while logins are in flight:
// every login must still get its answer, and wk must exit 0.
func TestServeStopsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds wk")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := &wkRunner{t: t, ctx: ctx, bin: buildWK(t, ctx), env: isolatedEnv(t.TempDir())}
	w.ok("correct horse battery\n", "init", "--org", "Lab", "--email", "ada@example.com",
		"--name", "Ada Lovelace", "--password-stdin")

	var logs lockedBuffer
	serve := w.command("", "serve", "--listen", "127.0.0.1:0")
	serve.Stderr = &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	base := waitForListen(t, &logs)

	// Password hashing runs a few at a time, so these logins queue up in the server.
	const logins = 6
	codes := make([]int, logins)
	var wg sync.WaitGroup
	for i := range logins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := strings.NewReader(`{"email":"ada@example.com","password":"correct horse battery"}`)
			resp, err := http.Post(base+"/api/auth/login", "application/json", body)
			if err != nil {
				t.Errorf("login %d: %v", i, err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		}()
	}
	time.Sleep(30 * time.Millisecond)
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	if err := serve.Wait(); err != nil {
		t.Errorf("wk serve after SIGTERM: %v\n%s", err, logs.String())
	}
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("login %d in flight during SIGTERM answered %d, want 200", i, c)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("log lacks the stop record:\n%s", logs.String())
	}
}

// waitForListen reads the address from wk serve's "listening on" line.
func waitForListen(t *testing.T, logs *lockedBuffer) string {
	t.Helper()
	for range 200 {
		for _, line := range strings.Split(logs.String(), "\n") {
			if _, rest, ok := strings.Cut(line, "listening on "); ok {
				addr, _, _ := strings.Cut(rest, " ")
				return addr
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("wk serve did not start:\n%s", logs.String())
	return ""
}
