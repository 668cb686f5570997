package store

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
)

// TestCredentialCacheSeesOtherWriters changes the store through a connection of its
// own, as another wk process would, after the credentials were checked (and cached),
// and expects the very next call to see the change.
func TestCredentialCacheSeesOtherWriters(t *testing.T) {
	tests := []struct {
		name    string
		change  string
		session bool // check the session credential, else the API token
		wantErr error
		check   func(t *testing.T, u *account.User)
	}{
		{name: "token_revoked", change: `UPDATE api_tokens SET revoked = 1`,
			wantErr: account.ErrUnauthenticated},
		{name: "session_ended", change: `DELETE FROM sessions`, session: true,
			wantErr: account.ErrUnauthenticated},
		{name: "user_deactivated_token", change: `UPDATE users SET is_active = 0`,
			wantErr: account.ErrUnauthenticated},
		{name: "user_deactivated_session", change: `UPDATE users SET is_active = 0`, session: true,
			wantErr: account.ErrUnauthenticated},
		{name: "renamed", change: `UPDATE users SET first_name = 'Grace'`, session: true,
			check: func(t *testing.T, u *account.User) {
				if u.FirstName != "Grace" {
					t.Errorf("FirstName = %q, want Grace", u.FirstName)
				}
			}},
		{name: "joined_team", change: `INSERT INTO teams (id, organization, name, created)
				SELECT 'aaaaaaaaaaaaaaaaaaaaaaaa', id, 'Imaging', 0 FROM organizations;
			INSERT INTO team_members (team, user, is_team_manager)
				SELECT 'aaaaaaaaaaaaaaaaaaaaaaaa', id, 1 FROM users`,
			check: func(t *testing.T, u *account.User) {
				want := []account.TeamMembership{
					{ID: "aaaaaaaaaaaaaaaaaaaaaaaa", Name: "Imaging", IsTeamManager: true}}
				if diff := cmp.Diff(want, u.Teams); diff != "" {
					t.Errorf("Teams differ (-want +got):\n%s", diff)
				}
				if !u.IsTeamManager() {
					t.Errorf("IsTeamManager() = false, want true")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestEnv(t)
			session := e.login(t, accounttest.DefaultInit.Email, accounttest.DefaultInit.Password)
			tok, err := e.backend(session).Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			cred := account.Credential{Kind: account.CredentialToken, Secret: tok.Secret}
			if tt.session {
				cred = session
			}
			be := e.backend(cred)
			for range 2 { // the second call is answered from the cache
				if _, err := be.CurrentUser(t.Context()); err != nil {
					t.Fatalf("CurrentUser before the change = %v", err)
				}
			}

			other, err := sql.Open("sqlite", dsn(e.path))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := other.ExecContext(t.Context(), tt.change); err != nil {
				t.Fatalf("change %q: %v", tt.change, err)
			}

			u, err := be.CurrentUser(t.Context())
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("CurrentUser after %s = %v, want %v", tt.name, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("CurrentUser after %s = %v", tt.name, err)
			}
			tt.check(t, u)
		})
	}
}

// TestCredentialCacheExpiry checks that a cached session still ends on time, since the
// cache holds times and the clock is read on every call.
func TestCredentialCacheExpiry(t *testing.T) {
	e := newTestEnv(t)
	be := e.backend(e.login(t, accounttest.DefaultInit.Email, accounttest.DefaultInit.Password))
	if _, err := be.CurrentUser(t.Context()); err != nil {
		t.Fatalf("CurrentUser = %v", err)
	}
	e.clock.Advance(SessionIdle)
	if _, err := be.CurrentUser(t.Context()); !errors.Is(err, account.ErrUnauthenticated) {
		t.Fatalf("CurrentUser after %s idle = %v, want ErrUnauthenticated", SessionIdle, err)
	}
}

// TestCredentialCacheCopies checks that a caller changing what it got back does not
// change what the next caller gets.
func TestCredentialCacheCopies(t *testing.T) {
	e := newTestEnv(t)
	if _, err := e.db.sql.ExecContext(t.Context(), `INSERT INTO teams (id, organization, name,
		created) SELECT 'bbbbbbbbbbbbbbbbbbbbbbbb', id, 'Imaging', 0 FROM organizations;
		INSERT INTO team_members (team, user) SELECT 'bbbbbbbbbbbbbbbbbbbbbbbb', id FROM users`); err != nil {
		t.Fatal(err)
	}
	be := e.backend(e.login(t, accounttest.DefaultInit.Email, accounttest.DefaultInit.Password))
	first, err := be.CurrentUser(t.Context())
	if err != nil {
		t.Fatalf("CurrentUser = %v", err)
	}
	first.Teams[0].Name, first.FirstName = "changed", "changed"

	second, err := be.CurrentUser(t.Context())
	if err != nil {
		t.Fatalf("CurrentUser = %v", err)
	}
	if second.Teams[0].Name != "Imaging" || second.FirstName == "changed" {
		t.Errorf("second CurrentUser = %q in team %q, want the stored values",
			second.FirstName, second.Teams[0].Name)
	}
}

func TestPublicOrganization(t *testing.T) {
	e := newTestEnv(t)
	mine, err := e.backend(e.login(t, accounttest.DefaultInit.Email,
		accounttest.DefaultInit.Password)).Organization(t.Context())
	if err != nil {
		t.Fatalf("Organization = %v", err)
	}

	got, err := e.db.PublicOrganization(t.Context(), mine.ID)
	if err != nil {
		t.Fatalf("PublicOrganization(%q) = %v", mine.ID, err)
	}
	want := *mine
	want.OwnerEmail = ""
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("PublicOrganization(%q) differs (-want +got):\n%s", mine.ID, diff)
	}
	if mine.OwnerEmail == "" {
		t.Errorf("Organization has no owner email; the test means to see it dropped")
	}

	if _, err := e.db.PublicOrganization(t.Context(), "no_such_lab"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("PublicOrganization(no_such_lab) = %v, want ErrNotFound", err)
	}
}

// TestVersionGate checks the rule that makes shared version reads safe: every caller
// gets the result of a read that started after it called.
func TestVersionGate(t *testing.T) {
	var started atomic.Int64
	g := versionGate{read: func() (int64, error) {
		n := started.Add(1)
		time.Sleep(20 * time.Microsecond) // let callers pile up behind a running read
		return n, nil
	}}

	const callers, calls = 16, 200
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			for range calls {
				before := started.Load()
				v, _, err := g.check()
				if err != nil || v <= before {
					errs <- fmt.Errorf("check() = %d, %w after %d reads had started, want a later read",
						v, err, before)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d checks shared %d reads", callers*calls, started.Load())
}
