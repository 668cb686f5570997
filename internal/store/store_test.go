package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/secret"
)

// testEnv is a fresh initialized store with a manual clock and a notice recorder.
type testEnv struct {
	db    *DB
	clock *accounttest.Clock
	rec   *accounttest.Recorder
	path  string
}

func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wk", "wk.db")
	db, err := Create(t.Context(), path)
	if err != nil {
		t.Fatalf("Create(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	e := &testEnv{db: db, path: path, rec: &accounttest.Recorder{},
		clock: accounttest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}
	if _, err := e.backend(account.Credential{}).Init(t.Context(), accounttest.DefaultInit); err != nil {
		t.Fatalf("Init = %v", err)
	}
	return e
}

func (e *testEnv) backend(cred account.Credential) account.Backend {
	return e.db.Backend(BackendOptions{Credential: cred, UserAgent: "store-test",
		Notifier: e.rec, Now: e.clock.Now})
}

// addUser inserts an active user into the first organization, as `wk user add` will.
func (e *testEnv) addUser(t *testing.T, email, password string) string {
	t.Helper()
	phc, err := secret.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	id, now := newID(), ms(e.clock.Now())
	_, err = e.db.sql.ExecContext(t.Context(), `INSERT INTO users (id, organization, email,
		first_name, last_name, password_hash, is_active, created, last_activity)
		SELECT ?, id, ?, 'Grace', 'Hopper', ?, 1, ?, ? FROM organizations LIMIT 1`,
		id, account.NormalizeEmail(email), phc, now, now)
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
	return id
}

func TestContract(t *testing.T) {
	accounttest.Run(t, accounttest.HarnessFunc(func(t *testing.T) *accounttest.Env {
		e := newTestEnv(t)
		return &accounttest.Env{
			Backend: e.backend,
			Init:    accounttest.DefaultInit,
			Notices: e.rec.Notices,
			Advance: e.clock.Advance,
			AddUser: func(t *testing.T, email, password string) { e.addUser(t, email, password) },
			CanInit: true,
		}
	}))
}
