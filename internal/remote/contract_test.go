package remote_test

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/remote"
	"github.com/wk-tools/wk/internal/secret"
	"github.com/wk-tools/wk/internal/server"
	"github.com/wk-tools/wk/internal/store"
)

// TestContract runs the Backend contract suite against the remote client talking to
// wk serve, in process, over a real store in a temporary folder.
func TestContract(t *testing.T) {
	accounttest.Run(t, accounttest.HarnessFunc(func(t *testing.T) *accounttest.Env {
		path := filepath.Join(t.TempDir(), "wk.db")
		db, err := store.Create(t.Context(), path)
		if err != nil {
			t.Fatalf("store.Create(%s) = %v", path, err)
		}
		t.Cleanup(func() { db.Close() })
		clock := accounttest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
		rec := &accounttest.Recorder{}
		local := db.Backend(store.BackendOptions{Notifier: rec, Now: clock.Now})
		if _, err := local.Init(t.Context(), accounttest.DefaultInit); err != nil {
			t.Fatalf("Init = %v", err)
		}

		// The address limit is tested in the server's own tests; the suite logs in
		// more often than a person would.
		srv := server.New(db, server.Config{Notifier: rec, Now: clock.Now, AuthBurst: 1000})
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)

		return &accounttest.Env{
			Backend: func(cred account.Credential) account.Backend {
				c, err := remote.New(hs.URL, remote.Options{Credential: cred, UserAgent: "wk-contract"})
				if err != nil {
					t.Fatalf("remote.New(%s) = %v", hs.URL, err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
			Init: accounttest.DefaultInit,
			// Reset mails go out after the answer; wait for them before reading.
			Notices: func() []account.Notice { srv.WaitForMail(); return rec.Notices() },
			Advance: clock.Advance,
			AddUser: func(t *testing.T, email, password string) { addUser(t, path, clock.Now(), email, password) },
		}
	}))
}

// addUser inserts an active user into the store's organization the way an
// administrator will, straight into the SQLite file, since the Backend has no call
// for it yet.
func addUser(t *testing.T, path string, now time.Time, email, password string) {
	t.Helper()
	phc, err := secret.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	id := make([]byte, 12)
	rand.Read(id)
	_, err = db.ExecContext(t.Context(), `INSERT INTO users (id, organization, email,
		first_name, last_name, password_hash, is_active, created, last_activity)
		SELECT ?, id, ?, 'Grace', 'Hopper', ?, 1, ?, ? FROM organizations LIMIT 1`,
		hex.EncodeToString(id), account.NormalizeEmail(email), phc, now.UnixMilli(), now.UnixMilli())
	if err != nil {
		t.Fatalf("add user %s: %v", email, err)
	}
}
