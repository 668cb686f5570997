package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
)

// TestPasskeyLinkLogin follows a login link through the store and checks that no
// session secret waits in it: the session exists only once the poller asks.
func TestPasskeyLinkLogin(t *testing.T) {
	ctx := context.Background()
	db, err := Create(ctx, filepath.Join(t.TempDir(), "wk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clock := accounttest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	opts := BackendOptions{Now: clock.Now, UserAgent: "wk-test"}
	if _, err := db.Backend(opts).Init(ctx, accounttest.DefaultInit); err != nil {
		t.Fatal(err)
	}
	res, err := db.Backend(opts).Login(ctx, accounttest.DefaultInit.Email, accounttest.DefaultInit.Password)
	if err != nil {
		t.Fatal(err)
	}
	user := opts
	user.Credential = res.Credential

	rp := account.RelyingParty{ID: "localhost", Origins: []string{"http://localhost:8080"}}
	auth := softauthn.New("http://localhost:8080")
	play := func(l PasskeyLinks, link string) error {
		mode, c, err := l.BeginPasskeyLink(ctx, link, rp)
		if err != nil {
			return err
		}
		var resp []byte
		if mode == account.PasskeyPageRegister {
			resp, err = auth.Register(c.Options)
		} else {
			resp, err = auth.Login(c.Options)
		}
		if err != nil {
			return err
		}
		_, err = l.FinishPasskeyLink(ctx, link, resp)
		return err
	}

	reg, err := db.PasskeyLinks(user).StartPasskeyLink(ctx, account.PasskeyPageRegister, "laptop")
	if err != nil {
		t.Fatalf("StartPasskeyLink(register) = %v", err)
	}
	if err := play(db.PasskeyLinks(opts), reg.Link); err != nil {
		t.Fatalf("register page = %v", err)
	}
	if _, err := db.PasskeyLinks(user).StartPasskeyLink(ctx, account.PasskeyPageRegister, "Laptop"); !errors.Is(err, account.ErrConflict) {
		t.Errorf("StartPasskeyLink(taken name) = %v, want ErrConflict", err)
	}

	l := db.PasskeyLinks(opts)
	login, err := l.StartPasskeyLink(ctx, account.PasskeyPageLogin, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := play(l, login.Link); err != nil {
		t.Fatalf("login page = %v", err)
	}
	var data string
	if err := db.sql.QueryRowContext(ctx, `SELECT data FROM ceremonies WHERE kind = ?`, ceremonyLink).Scan(&data); err != nil {
		t.Fatalf("read the finished link: %v", err)
	}
	if strings.Contains(data, "wks_") || strings.Contains(data, login.Link) || strings.Contains(data, login.Poll) {
		t.Errorf("the finished link row holds a secret in plain form: %s", data)
	}
	before, _ := db.Backend(user).Sessions(ctx)

	got, err := l.PollPasskeyLink(ctx, login.Poll)
	if err != nil || !got.Done || got.Login == nil || got.Login.Credential.Kind != account.CredentialSession {
		t.Fatalf("PollPasskeyLink = %+v, %v; want a new session", got, err)
	}
	after, _ := db.Backend(user).Sessions(ctx)
	if len(after) != len(before)+1 {
		t.Errorf("sessions before the poll %d, after %d; want one made by the poll", len(before), len(after))
	}
	if _, err := l.PollPasskeyLink(ctx, login.Poll); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("second PollPasskeyLink = %v, want ErrNotFound (one use)", err)
	}
}
