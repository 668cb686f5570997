package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
)

// oneProcess is what one wk process does to the shared account: open the store on its
// own connection pool, log in, change the profile, get the token, log out.
func oneProcess(ctx context.Context, path string, n int) error {
	db, err := Open(ctx, path, Options{})
	if err != nil {
		return err
	}
	defer db.Close()

	rec := &accounttest.Recorder{}
	res, err := db.Backend(BackendOptions{Notifier: rec}).Login(ctx, accounttest.DefaultInit.Email,
		accounttest.DefaultInit.Password)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	b := db.Backend(BackendOptions{Credential: res.Credential, Notifier: rec})
	if _, err := b.SetName(ctx, "Ada", fmt.Sprintf("Worker%d", n)); err != nil {
		return fmt.Errorf("set name: %w", err)
	}
	theme := []account.Theme{account.ThemeDark, account.ThemeLight}[n%2]
	if _, err := b.SetTheme(ctx, theme); err != nil {
		return fmt.Errorf("set theme: %w", err)
	}
	if _, err := b.Token(ctx); err != nil {
		return fmt.Errorf("token: %w", err)
	}
	if _, err := b.Sessions(ctx); err != nil {
		return fmt.Errorf("sessions: %w", err)
	}
	if err := b.Logout(ctx); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

func checkAfterWorkers(t *testing.T, e *testEnv) {
	t.Helper()
	var live, sessions, audits int
	e.db.sql.QueryRow("SELECT count(*) FROM api_tokens WHERE revoked IS NULL").Scan(&live)
	e.db.sql.QueryRow("SELECT count(*) FROM sessions").Scan(&sessions)
	e.db.sql.QueryRow("SELECT count(*) FROM audit_log WHERE action = 'logout'").Scan(&audits)
	if live != 1 || sessions != 0 || audits != 8 {
		t.Errorf("after 8 workers: %d live tokens, %d sessions, %d logouts; want 1, 0, 8", live, sessions, audits)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	e := newTestEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = oneProcess(t.Context(), e.path, i) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("worker %d: %v", i, err)
		}
	}
	checkAfterWorkers(t, e)
}

// TestConcurrentProcesses runs eight real processes, this test binary re-executed
// with WK_STORE_WORKER set, against one store file.
func TestConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts eight processes")
	}
	e := newTestEnv(t)
	cmds := make([]*exec.Cmd, 8)
	outs := make([]bytes.Buffer, 8)
	for i := range cmds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$", "-test.v")
		cmd.Env = append(os.Environ(), "WK_STORE_WORKER="+e.path, fmt.Sprintf("WK_STORE_WORKER_N=%d", i))
		cmd.Stdout, cmd.Stderr = &outs[i], &outs[i]
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds[i] = cmd
	}
	for i, cmd := range cmds {
		err := cmd.Wait()
		if err != nil || !bytes.Contains(outs[i].Bytes(), []byte("--- PASS: TestWorkerProcess")) {
			t.Errorf("worker process %d: %v\n%s", i, err, outs[i].String())
		}
	}
	checkAfterWorkers(t, e)
}

func TestWorkerProcess(t *testing.T) {
	path := os.Getenv("WK_STORE_WORKER")
	if path == "" {
		t.Skip("run by TestConcurrentProcesses")
	}
	var n int
	fmt.Sscan(os.Getenv("WK_STORE_WORKER_N"), &n)
	if err := oneProcess(context.Background(), path, n); err != nil {
		t.Fatal(err)
	}
}
