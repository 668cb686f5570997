package passkey_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey"
	"github.com/wk-tools/wk/internal/passkey/passkeytest"
)

// TestBrowserEndToEnd registers a passkey and logs in with it in headless Chromium,
// through the real pages, with e2e/passkey.mjs driving a CDP virtual authenticator.
// It needs node, Chromium (/usr/bin/chromium or $CHROMIUM) and `npm ci` in e2e/.
func TestBrowserEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	nodePath, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no Chromium at %s", chromium)
	}
	e2e, _ := filepath.Abs(filepath.Join("..", "..", "e2e"))
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		t.Skip("playwright-core is not installed: run npm ci in e2e/")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodePath, "passkey.mjs", "--timeout", "30000", "-")
	cmd.Dir = e2e
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	urls, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = urls.Close()
		_ = cmd.Wait()
		t.Logf("passkey.mjs stderr:\n%s", stderr.String())
	}()
	lines := bufio.NewScanner(stdout)

	backend := passkeytest.New(testUser, nil)
	pk := browserCeremony(t, ctx, passkey.ModeRegister, urls, lines,
		func(rp account.RelyingParty) passkey.BeginFunc {
			return func(ctx context.Context) (*account.Ceremony, error) {
				return backend.BeginPasskeyRegistration(ctx, "Chromium test key", rp)
			}
		}, backend.FinishPasskeyRegistration)
	if pk.Name != "Chromium test key" || pk.Authenticator != "Chromium virtual authenticator" {
		t.Errorf("registered %+v, want name Chromium test key from the Chromium virtual authenticator", pk)
	}

	res := browserCeremony(t, ctx, passkey.ModeLogin, urls, lines,
		func(rp account.RelyingParty) passkey.BeginFunc {
			return func(ctx context.Context) (*account.Ceremony, error) { return backend.BeginPasskeyLogin(ctx, rp) }
		}, backend.FinishPasskeyLogin)
	if res.User.ID != testUser.ID {
		t.Errorf("logged in as %q, want %q", res.User.ID, testUser.ID)
	}
	cred, _ := backend.Credential(pk.ID)
	if cred.SignCount == 0 || !cred.UserVerified {
		t.Errorf("stored credential sign count %d, user verified %v; want a counted, verified login",
			cred.SignCount, cred.UserVerified)
	}

	if err := urls.Close(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("passkey.mjs: %v", err)
	}
}

// browserCeremony runs one hand-off, hands its URL to the driver, and checks that the
// driver saw the page succeed.
func browserCeremony[T any](t *testing.T, ctx context.Context, mode passkey.Mode, urls io.Writer,
	lines *bufio.Scanner, begin func(account.RelyingParty) passkey.BeginFunc, finish passkey.FinishFunc[T]) T {
	t.Helper()
	h, err := passkey.Listen(mode)
	if err != nil {
		t.Fatal(err)
	}
	h.Timeout = time.Minute
	out := runHandoff(t, ctx, h, begin(h.RelyingParty("wk e2e")), finish)
	if _, err := fmt.Fprintln(urls, h.URL()); err != nil {
		t.Fatalf("hand the URL to passkey.mjs: %v", err)
	}

	got := wait(t, out)
	if got.err != nil {
		t.Fatalf("Run(%s) in Chromium: %v", mode, got.err)
	}
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "ok ") {
		t.Fatalf("passkey.mjs said %q after the %s page, want ok", lines.Text(), mode)
	}
	return got.v
}
