package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
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

// TestServeStopsOnSIGTERM sends SIGTERM to a real `wk serve` while a login is in flight:
// the server has read the request's headers and waits for the rest of its body. The
// login must still get its answer, new connections must be refused, and wk must exit 0.
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
	addr := strings.TrimPrefix(waitForListen(t, &logs), "http://")

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"email":"ada@example.com","password":"correct horse battery"}`
	fmt.Fprintf(conn, "POST /api/auth/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"+
		"Content-Length: %d\r\n\r\n%s", addr, len(body), body[:10])

	// Give the server time to read the headers, which makes the request active.
	time.Sleep(200 * time.Millisecond)
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break // the listener is closed
		}
		c.Close()
		if i == 100 {
			t.Fatal("wk serve still accepts connections 5s after SIGTERM")
		}
		time.Sleep(50 * time.Millisecond)
	}

	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatalf("finish the request after SIGTERM: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer of the login in flight: %v\n%s", err, logs.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("login in flight during SIGTERM answered %d, want 200", resp.StatusCode)
	}

	if err := serve.Wait(); err != nil {
		t.Errorf("wk serve after SIGTERM: %v\n%s", err, logs.String())
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
