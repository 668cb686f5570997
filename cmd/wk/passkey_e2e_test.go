package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/passkey"
)

// TestPasskeyBrowserEndToEnd builds the real wk, registers a passkey with
// `wk passkey register --no-browser` and signs in with `wk login --passkey --no-browser`,
// while e2e/passkey.mjs plays the person in headless Chromium with a CDP virtual
// authenticator. It reads each page's URL from wk's stderr line "Open this page to
// continue: URL".
//
// It needs node, Chromium (/usr/bin/chromium or $CHROMIUM) and `npm ci` in e2e/. It
// skips without them, or with -short, unless WK_E2E_REQUIRED=1 (as CI sets), which turns
// a missing part into a failure.
func TestPasskeyBrowserEndToEnd(t *testing.T) {
	node, chromium, e2e := e2eParts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bin := buildWK(t, ctx)
	w := &wkRunner{t: t, ctx: ctx, bin: bin, env: isolatedEnv(t.TempDir())}
	w.ok("correct horse battery\n", "init", "--org", "Lab", "--email", "ada@example.com",
		"--name", "Ada Lovelace", "--password-stdin")
	w.ok("correct horse battery\n", "login", "--email", "ada@example.com", "--password-stdin")

	// One driver, one tab and one virtual authenticator for both pages, so the passkey
	// made on the first is there for the second.
	drv := startDriver(t, ctx, node, chromium, e2e)

	out := w.ceremony(drv, "passkey", "register", "--name", "Chromium key", "--no-browser", "--json")
	var added account.Passkey
	if err := json.Unmarshal(out, &added); err != nil {
		t.Fatalf("register printed %q: %v", out, err)
	}
	if added.Name != "Chromium key" || added.Authenticator != "Chromium virtual authenticator" {
		t.Errorf("registered %+v, want Chromium key from the Chromium virtual authenticator", added)
	}

	w.ok("", "logout")
	w.ceremony(drv, "login", "--passkey", "--no-browser")
	drv.close()

	var sessions []account.Session
	w.json(&sessions, "sessions", "list", "--json")
	if len(sessions) != 1 || sessions[0].OpenedWith != account.OpenedWithPasskey || !sessions[0].Current {
		t.Errorf("sessions after passkey login = %+v, want one current session opened with passkey", sessions)
	}
	var keys []account.Passkey
	w.json(&keys, "passkey", "list", "--json")
	if len(keys) != 1 || keys[0].ID != added.ID || keys[0].LastUsed.IsZero() {
		t.Errorf("passkeys after login = %+v, want %s with a last use", keys, added.ID)
	}
}

// TestPasskeyServerPagesEndToEnd runs `wk serve` with --public-url http://localhost:PORT
// and registers and signs in through the server's own passkey pages with WK_URL set,
// while e2e/passkey.mjs plays the person in headless Chromium. It needs what
// TestPasskeyBrowserEndToEnd needs.
func TestPasskeyServerPagesEndToEnd(t *testing.T) {
	node, chromium, e2e := e2eParts(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bin := buildWK(t, ctx)
	local := &wkRunner{t: t, ctx: ctx, bin: bin, env: isolatedEnv(t.TempDir())}
	local.ok("correct horse battery\n", "init", "--org", "Lab", "--email", "ada@example.com",
		"--name", "Ada Lovelace", "--password-stdin")

	base := startServe(t, ctx, local)
	w := &wkRunner{t: t, ctx: ctx, bin: bin, env: append(isolatedEnv(t.TempDir()), "WK_URL="+base)}
	w.ok("correct horse battery\n", "login", "--email", "ada@example.com", "--password-stdin")

	drv := startDriver(t, ctx, node, chromium, e2e)
	out := w.ceremony(drv, "passkey", "register", "--name", "Server key", "--no-browser", "--json")
	var added account.Passkey
	if err := json.Unmarshal(out, &added); err != nil {
		t.Fatalf("register printed %q: %v", out, err)
	}
	if added.Name != "Server key" || added.Authenticator != "Chromium virtual authenticator" {
		t.Errorf("registered %+v, want Server key from the Chromium virtual authenticator", added)
	}

	w.ok("", "logout")
	w.ceremony(drv, "login", "--passkey", "--no-browser")
	drv.close()

	var sessions []account.Session
	w.json(&sessions, "sessions", "list", "--json")
	var current []string
	for _, s := range sessions {
		if s.Current {
			current = append(current, s.OpenedWith)
		}
	}
	if len(current) != 1 || current[0] != account.OpenedWithPasskey {
		t.Errorf("current session opened with %v, want passkey (sessions %+v)", current, sessions)
	}
	var keys []account.Passkey
	w.json(&keys, "passkey", "list", "--json")
	if len(keys) != 1 || keys[0].ID != added.ID || keys[0].LastUsed.IsZero() {
		t.Errorf("passkeys after login = %+v, want %s with a last use", keys, added.ID)
	}
}

// startServe runs `wk serve` on a free loopback port with its public URL at
// http://localhost:PORT, waits until it answers, and stops it when the test ends.
func startServe(t *testing.T, ctx context.Context, w *wkRunner) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()

	base := fmt.Sprintf("http://localhost:%d", port)
	var logs lockedBuffer
	cmd := w.command("", "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--public-url", base)
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("wk serve log:\n%s", logs.String())
		}
	})

	for i := 0; ; i++ {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		if err == nil {
			resp.Body.Close()
			return base
		}
		if i == 100 || ctx.Err() != nil {
			t.Fatalf("wk serve did not answer: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// e2eParts finds node, Chromium and the e2e folder with playwright-core installed.
func e2eParts(t *testing.T) (node, chromium, e2e string) {
	t.Helper()
	required := os.Getenv("WK_E2E_REQUIRED") == "1"
	missing := func(format string, args ...any) {
		t.Helper()
		if required {
			t.Fatalf("WK_E2E_REQUIRED=1 but "+format, args...)
		}
		t.Skipf(format, args...)
	}
	if testing.Short() && !required {
		t.Skip("starts a browser")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		missing("no Chromium at %s", chromium)
	}
	e2e, _ = filepath.Abs(filepath.Join("..", "..", "e2e"))
	if _, err := os.Stat(filepath.Join(e2e, "node_modules", "playwright-core")); err != nil {
		missing("playwright-core is not installed: run npm ci in e2e/")
	}
	return node, chromium, e2e
}

// isolatedEnv is the environment of a wk with its own HOME and no browser to open.
func isolatedEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "WK_"), strings.HasPrefix(name, "XDG_"),
			name == "HOME", name == "BROWSER", name == "DISPLAY", name == "WAYLAND_DISPLAY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"), "NO_COLOR=1")
}

// wkRunner runs the built wk.
type wkRunner struct {
	t   *testing.T
	ctx context.Context
	bin string
	env []string
}

func (w *wkRunner) command(stdin string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(w.ctx, w.bin, args...)
	cmd.Env = w.env
	cmd.Stdin = strings.NewReader(stdin)
	return cmd
}

// ok runs wk to the end and returns its stdout; any failure ends the test.
func (w *wkRunner) ok(stdin string, args ...string) []byte {
	w.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := w.command(stdin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		w.t.Fatalf("wk %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

func (w *wkRunner) json(v any, args ...string) {
	w.t.Helper()
	out := w.ok("", args...)
	if err := json.Unmarshal(out, v); err != nil {
		w.t.Fatalf("wk %s printed %q: %v", strings.Join(args, " "), out, err)
	}
}

// ceremony runs a wk command that serves a passkey page, hands the URL from its
// stderr to the driver, and returns wk's stdout once both are done.
func (w *wkRunner) ceremony(drv *driver, args ...string) []byte {
	w.t.Helper()
	var stdout bytes.Buffer
	cmd := w.command("", args...)
	cmd.Stdout = &stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}

	var said strings.Builder
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		said.WriteString(lines.Text() + "\n")
		if u, ok := strings.CutPrefix(lines.Text(), passkey.URLPrefix); ok {
			drv.open(u)
			break
		}
	}
	rest, _ := io.ReadAll(stderr)
	said.Write(rest)
	if err := cmd.Wait(); err != nil {
		w.t.Fatalf("wk %s: %v\nstderr:\n%s", strings.Join(args, " "), err, said.String())
	}
	if !strings.Contains(said.String(), passkey.URLPrefix) {
		w.t.Fatalf("wk %s printed no page address:\n%s", strings.Join(args, " "), said.String())
	}
	return stdout.Bytes()
}

// driver is a running e2e/passkey.mjs that opens each URL written to its stdin.
type driver struct {
	t      *testing.T
	cmd    *exec.Cmd
	urls   io.WriteCloser
	said   *bufio.Scanner
	stderr lockedBuffer
}

// lockedBuffer is a bytes.Buffer that a process writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startDriver(t *testing.T, ctx context.Context, node, chromium, dir string) *driver {
	t.Helper()
	d := &driver{t: t}
	d.cmd = exec.CommandContext(ctx, node, "passkey.mjs", "--timeout", "30000", "-")
	d.cmd.Dir = dir
	d.cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	d.cmd.Stderr = &d.stderr
	var err error
	if d.urls, err = d.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	d.said = bufio.NewScanner(out)
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.urls.Close()
		_ = d.cmd.Wait()
		t.Logf("passkey.mjs stderr:\n%s", d.stderr.String())
	})
	return d
}

// open has the driver run the page at url and waits until the page reports success.
func (d *driver) open(url string) {
	d.t.Helper()
	if _, err := fmt.Fprintln(d.urls, url); err != nil {
		d.t.Fatalf("hand the URL to passkey.mjs: %v", err)
	}
	if !d.said.Scan() || !strings.HasPrefix(d.said.Text(), "ok ") {
		d.t.Fatalf("passkey.mjs said %q, want ok; its stderr:\n%s", d.said.Text(), d.stderr.String())
	}
}

// close ends the driver and checks that it exited cleanly.
func (d *driver) close() {
	d.t.Helper()
	_ = d.urls.Close()
	if err := d.cmd.Wait(); err != nil {
		d.t.Errorf("passkey.mjs: %v", err)
	}
}
