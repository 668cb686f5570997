package store

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/secret"
)

func (e *testEnv) login(t *testing.T, email, pw string) account.Credential {
	t.Helper()
	res, err := e.backend(account.Credential{}).Login(t.Context(), email, pw)
	if err != nil {
		t.Fatalf("Login(%s) = %v", email, err)
	}
	return res.Credential
}

func TestInitValidates(t *testing.T) {
	good := accounttest.DefaultInit
	tests := []struct {
		name   string
		change func(*account.InitRequest)
	}{
		{"org_empty", func(r *account.InitRequest) { r.OrganizationName = " " }},
		{"org_symbols", func(r *account.InitRequest) { r.OrganizationName = "!!!" }},
		{"email", func(r *account.InitRequest) { r.Email = "ada" }},
		{"first_name", func(r *account.InitRequest) { r.FirstName = "" }},
		{"last_name", func(r *account.InitRequest) { r.LastName = "\t" }},
		{"password_short", func(r *account.InitRequest) { r.Password = "short" }},
		{"password_is_email", func(r *account.InitRequest) { r.Password = r.Email }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := Create(t.Context(), t.TempDir()+"/wk.db")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			req := good
			tt.change(&req)
			_, err = db.Backend(BackendOptions{}).Init(t.Context(), req)
			if !errors.Is(err, account.ErrInvalid) {
				t.Errorf("Init(%s) = %v, want ErrInvalid", tt.name, err)
			}
			var n int
			db.sql.QueryRow("SELECT count(*) FROM organizations").Scan(&n)
			if n != 0 {
				t.Errorf("Init(%s) left %d organizations, want 0", tt.name, n)
			}
		})
	}
}

func TestInitFirstUser(t *testing.T) {
	e := newTestEnv(t)
	u, err := e.backend(e.login(t, "ada@example.com", accounttest.DefaultInit.Password)).CurrentUser(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	got := [6]bool{u.IsAdmin, u.IsOrganizationOwner, u.IsActive, u.IsEmailVerified,
		u.IsDatasetManager, u.SelectedTheme == account.ThemeAuto}
	if want := [6]bool{true, true, true, true, false, true}; got != want {
		t.Errorf("first user flags admin/owner/active/verified/datasetManager/auto = %v, want %v", got, want)
	}
	var stored string
	e.db.sql.QueryRow("SELECT password_hash FROM users").Scan(&stored)
	if !strings.HasPrefix(stored, "$argon2id$") || strings.Contains(stored, accounttest.DefaultInit.Password) {
		t.Errorf("stored password = %q, want an argon2id hash", stored)
	}
}

func TestThrottleWindow(t *testing.T) {
	e := newTestEnv(t)
	b := e.backend(account.Credential{})
	pw := accounttest.DefaultInit.Password
	start := e.clock.Now()

	// Failures at minutes 0..4; the fifth locks the account until minute 15, when
	// the failure of minute 0 leaves the window.
	for i := range ThrottleFailures {
		if _, err := b.Login(t.Context(), "ada@example.com", "nope-nope"); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("failure %d: Login = %v", i, err)
		}
		e.clock.Advance(time.Minute)
	}
	_, err := b.Login(t.Context(), "ada@example.com", pw)
	var te *account.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("Login after %d failures = %v, want *ThrottledError", ThrottleFailures, err)
	}
	if want := start.Add(ThrottleWindow); !te.Until.Equal(want) {
		t.Errorf("Until = %v, want %v", te.Until, want)
	}

	// Refused attempts do not count: at minute 14 it is still refused, at 15 not.
	e.clock.Advance(ThrottleWindow - 6*time.Minute)
	if _, err := b.Login(t.Context(), "ada@example.com", pw); !errors.Is(err, account.ErrThrottled) {
		t.Errorf("Login at minute 14 = %v, want throttled", err)
	}
	e.clock.Advance(time.Minute)
	e.login(t, "ada@example.com", pw)

	// Success cleared the count: four more failures do not lock.
	for range ThrottleFailures - 1 {
		b.Login(t.Context(), "ada@example.com", "nope-nope")
	}
	e.login(t, "ada@example.com", pw)
}

// An address without an account is throttled exactly like one with, so the refusal
// does not tell which it is; and the count is per address, so other accounts are not
// affected, and an address given in another case is the same address.
func TestThrottleUnknownAddress(t *testing.T) {
	e := newTestEnv(t)
	b := e.backend(account.Credential{})

	refusal := func(email string) error {
		for i := range ThrottleFailures {
			if _, err := b.Login(t.Context(), email, "nope-nope"); !errors.Is(err, account.ErrUnauthenticated) {
				t.Fatalf("failure %d for %s: Login = %v", i, email, err)
			}
		}
		_, err := b.Login(t.Context(), strings.ToUpper(email), "nope-nope")
		return err
	}
	known, unknown := refusal("ada@example.com"), refusal("nobody@example.com")
	var kt, ut *account.ThrottledError
	if !errors.As(known, &kt) || !errors.As(unknown, &ut) {
		t.Fatalf("after %d failures: known = %v, unknown = %v; want both *ThrottledError",
			ThrottleFailures, known, unknown)
	}
	if known.Error() != unknown.Error() {
		t.Errorf("refusals differ: known %q, unknown %q", known, unknown)
	}

	// Another address is not locked by these failures.
	if _, err := b.Login(t.Context(), "grace@example.com", "nope-nope"); errors.Is(err, account.ErrThrottled) {
		t.Errorf("Login(grace@example.com) = %v, want a plain refusal", err)
	}
}

func TestThrottleCountsPasswordChecks(t *testing.T) {
	e := newTestEnv(t)
	b := e.backend(e.login(t, "ada@example.com", accounttest.DefaultInit.Password))
	for range ThrottleFailures {
		if _, err := b.SetEmail(t.Context(), "new@example.com", "wrong-wrong"); !errors.Is(err, account.ErrUnauthenticated) {
			t.Fatalf("SetEmail(wrong password) = %v", err)
		}
	}
	_, err := b.ChangePassword(t.Context(), accounttest.DefaultInit.Password, "brand-new-secret-9")
	if !errors.Is(err, account.ErrThrottled) {
		t.Errorf("ChangePassword after 5 wrong SetEmail = %v, want throttled", err)
	}
}

func TestDeactivated(t *testing.T) {
	e := newTestEnv(t)
	pw := accounttest.DefaultInit.Password
	sess := e.login(t, "ada@example.com", pw)
	e.db.sql.Exec("UPDATE users SET is_active = 0")

	_, err := e.backend(account.Credential{}).Login(t.Context(), "ada@example.com", pw)
	want := "account is deactivated: ask an administrator of Connectomics Lab"
	if !errors.Is(err, account.ErrUnauthenticated) || err == nil || err.Error() != want {
		t.Errorf("Login(deactivated) = %v, want %q", err, want)
	}
	_, err = e.backend(account.Credential{}).Login(t.Context(), "ada@example.com", "wrong-wrong")
	if err == nil || err.Error() != "incorrect email or password" {
		t.Errorf("Login(deactivated, wrong password) = %v, want the plain refusal", err)
	}
	if _, err := e.backend(sess).CurrentUser(t.Context()); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("CurrentUser(deactivated) = %v, want ErrUnauthenticated", err)
	}
}

func TestLoginRehashes(t *testing.T) {
	e := newTestEnv(t)
	pw := accounttest.DefaultInit.Password
	// An argon2id hash with 4 MiB and 1 pass, below the current parameters.
	weak := "$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
	key := weakKey(t, pw)
	e.db.sql.Exec("UPDATE users SET password_hash = ?", weak+key)
	e.login(t, "ada@example.com", pw)

	var stored string
	e.db.sql.QueryRow("SELECT password_hash FROM users").Scan(&stored)
	if strings.HasPrefix(stored, weak) {
		t.Errorf("password hash after login = %q, want it rehashed", stored)
	}
	if ok, rehash, err := secret.VerifyPassword(pw, stored); !ok || rehash || err != nil {
		t.Errorf("VerifyPassword(new hash) = %v, %v, %v, want true, false, nil", ok, rehash, err)
	}
}

func TestSessionFields(t *testing.T) {
	e := newTestEnv(t)
	cred := e.login(t, "ada@example.com", accounttest.DefaultInit.Password)
	var stored []byte
	var agent, opened string
	e.db.sql.QueryRow("SELECT hash, user_agent, opened_with FROM sessions").Scan(&stored, &agent, &opened)
	if string(stored) != string(secret.Hash(cred.Secret)) || agent != "store-test" || opened != "password" {
		t.Errorf("session row = %x, %q, %q, want the secret's hash, store-test, password", stored, agent, opened)
	}
	if k, err := secret.Check(cred.Secret); err != nil || k != secret.KindSession {
		t.Errorf("session secret kind = %q, %v, want %q", k, err, secret.KindSession)
	}
}

func TestTouchOncePerMinute(t *testing.T) {
	e := newTestEnv(t)
	cred := e.login(t, "ada@example.com", accounttest.DefaultInit.Password)
	b := e.backend(cred)
	lastUsed := func() int64 {
		var v int64
		e.db.sql.QueryRow("SELECT last_used FROM sessions").Scan(&v)
		return v
	}
	opened := lastUsed()

	e.clock.Advance(30 * time.Second)
	b.CurrentUser(t.Context())
	if got := lastUsed(); got != opened {
		t.Errorf("last_used after 30 s = %d, want unchanged %d", got, opened)
	}
	e.clock.Advance(31 * time.Second)
	u, _ := b.CurrentUser(t.Context())
	now := ms(e.clock.Now())
	if got := lastUsed(); got != now {
		t.Errorf("last_used after 61 s = %d, want %d", got, now)
	}
	if u == nil || u.LastActivity.UnixMilli() != now {
		t.Errorf("lastActivity = %v, want %d", u, now)
	}
}

func TestResetTokenKinds(t *testing.T) {
	e := newTestEnv(t)
	b := e.backend(account.Credential{})
	var userID string
	e.db.sql.QueryRow("SELECT id FROM users").Scan(&userID)
	insert := func(kind string, ttl time.Duration) string {
		tok := secret.New(secret.KindOneTime)
		now := e.clock.Now()
		_, err := e.db.sql.Exec(`INSERT INTO one_time_tokens (id, kind, hash, user, created, expires)
			VALUES (?, ?, ?, ?, ?, ?)`, newID(), kind, secret.Hash(tok), userID, ms(now), ms(now.Add(ttl)))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}

	tests := []struct {
		kind string
		ttl  time.Duration
		wait time.Duration
		ok   bool
	}{
		{"reset", ResetTTL, 59 * time.Minute, true},
		{"invite", InviteTTL, 47 * time.Hour, true},
		{"invite", InviteTTL, 49 * time.Hour, false},
		{"verify", ResetTTL, 0, false},
	}
	for i, tt := range tests {
		tok := insert(tt.kind, tt.ttl)
		e.clock.Advance(tt.wait)
		err := b.ResetPassword(t.Context(), tok, "brand-new-secret-"+string(rune('a'+i)))
		if (err == nil) != tt.ok {
			t.Errorf("ResetPassword(%s token after %v) = %v, want ok %v", tt.kind, tt.wait, err, tt.ok)
		}
	}
}

func TestResetWithoutPassword(t *testing.T) {
	e := newTestEnv(t)
	// A passkey-only account has no password hash; it must still be able to reset.
	e.db.sql.Exec("UPDATE users SET password_hash = NULL")
	_, err := e.backend(account.Credential{}).Login(t.Context(), "ada@example.com", "")
	if !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("Login(no password hash) = %v, want ErrUnauthenticated", err)
	}
	if err := e.backend(account.Credential{}).ForgotPassword(t.Context(), "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	n := e.rec.Notices()
	if err := e.backend(account.Credential{}).ResetPassword(t.Context(), n[len(n)-1].Secret, "brand-new-secret-1"); err != nil {
		t.Fatalf("ResetPassword = %v", err)
	}
	e.login(t, "ada@example.com", "brand-new-secret-1")
}

type failingNotifier struct{ err error }

func (f failingNotifier) Notify(_ context.Context, _ account.Notice) error { return f.err }

func TestNoticeFailures(t *testing.T) {
	e := newTestEnv(t)
	smtpDown := errors.New("dial tcp 127.0.0.1:25: connection refused")
	cred := e.login(t, "ada@example.com", accounttest.DefaultInit.Password)
	b := e.db.Backend(BackendOptions{Credential: cred, Notifier: failingNotifier{smtpDown}, Now: e.clock.Now})

	// A pure notice: the change is saved and the result returned with a NoticeError.
	u, err := b.SetEmail(t.Context(), "ada@example.org", accounttest.DefaultInit.Password)
	var ne *NoticeError
	if !errors.As(err, &ne) || ne.Kind != account.NoticeEmailChanged || !errors.Is(err, smtpDown) {
		t.Errorf("SetEmail with failing mail = %v, want a *NoticeError wrapping the mail error", err)
	}
	if u == nil || u.Email != "ada@example.org" {
		t.Errorf("SetEmail with failing mail returned %+v, want the changed user", u)
	}

	// A reset mail: the error comes back and no usable token is left behind.
	if err := b.ForgotPassword(t.Context(), "ada@example.org"); !errors.Is(err, smtpDown) {
		t.Errorf("ForgotPassword with failing mail = %v, want the mail error", err)
	}
	var n int
	e.db.sql.QueryRow("SELECT count(*) FROM one_time_tokens").Scan(&n)
	if n != 0 {
		t.Errorf("one_time_tokens after failed mail = %d, want 0", n)
	}

	// Without a Notifier a reset cannot work, whatever the address.
	nb := e.db.Backend(BackendOptions{Now: e.clock.Now})
	for _, addr := range []string{"ada@example.org", "nobody@example.org"} {
		if err := nb.ForgotPassword(t.Context(), addr); !errors.Is(err, account.ErrUnsupported) {
			t.Errorf("ForgotPassword(%s) without Notifier = %v, want ErrUnsupported", addr, err)
		}
	}
}

func TestSecretsNotStoredPlain(t *testing.T) {
	e := newTestEnv(t)
	cred := e.login(t, "ada@example.com", accounttest.DefaultInit.Password)
	tok, err := e.backend(cred).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	e.backend(account.Credential{}).ForgotPassword(t.Context(), "ada@example.com")
	reset := e.rec.Notices()[0].Secret
	e.db.Close()

	raw, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"session": cred.Secret, "token": tok.Secret,
		"reset": reset, "password": accounttest.DefaultInit.Password} {
		if strings.Contains(string(raw), s) {
			t.Errorf("the store file holds the %s secret in plain form", name)
		}
	}
}

func TestAuditLog(t *testing.T) {
	e := newTestEnv(t)
	cred := e.login(t, "ada@example.com", accounttest.DefaultInit.Password)
	b := e.backend(cred)
	b.SetTheme(t.Context(), account.ThemeDark)
	b.Token(t.Context())
	b.RotateToken(t.Context())
	b.LogoutAll(t.Context(), false)

	rows, err := e.db.sql.Query("SELECT action FROM audit_log ORDER BY at, rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		got = append(got, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := []string{"init", "login", "set-theme", "rotate-token", "logout-all"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit actions (-want +got):\n%s", diff)
	}
}
