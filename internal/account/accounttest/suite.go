package accounttest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/secret"
)

// Run runs every contract subtest against the backends h sets up.
func Run(t *testing.T, h Harness) {
	groups := []struct {
		name string
		fn   func(*testing.T, Harness)
	}{
		{"Init", testInit},
		{"Login", testLogin},
		{"Credential", testCredential},
		{"Profile", testProfile},
		{"Email", testEmail},
		{"Password", testPassword},
		{"Reset", testReset},
		{"Sessions", testSessions},
		{"Token", testToken},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, h) })
	}
}

// Helpers shared by the subtests.

func ctx(t *testing.T) context.Context { return t.Context() }

func sessionCred(s string) account.Credential {
	return account.Credential{Kind: account.CredentialSession, Secret: s}
}

func tokenCred(s string) account.Credential {
	return account.Credential{Kind: account.CredentialToken, Secret: s}
}

func login(t *testing.T, e *Env, email, password string) account.Credential {
	t.Helper()
	res, err := e.Backend(account.Credential{}).Login(ctx(t), email, password)
	if err != nil {
		t.Fatalf("Login(%q) = %v, want a session", email, err)
	}
	return res.Credential
}

func admin(t *testing.T, e *Env) account.Backend {
	t.Helper()
	return e.Backend(login(t, e, e.Init.Email, e.Init.Password))
}

// wantErr fails unless err unwraps to kind.
func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s = %v, want an error of kind %q", what, err, kind)
	}
}

// wantAlive fails unless cred still reaches CurrentUser.
func wantAlive(t *testing.T, e *Env, what string, cred account.Credential) {
	t.Helper()
	if _, err := e.Backend(cred).CurrentUser(ctx(t)); err != nil {
		t.Errorf("CurrentUser with %s = %v, want it to work", what, err)
	}
}

// wantDead fails unless cred is refused as unauthenticated.
func wantDead(t *testing.T, e *Env, what string, cred account.Credential) {
	t.Helper()
	_, err := e.Backend(cred).CurrentUser(ctx(t))
	wantErr(t, "CurrentUser with "+what, err, account.ErrUnauthenticated)
}

func notices(e *Env, kind account.NoticeKind) []account.Notice {
	var out []account.Notice
	for _, n := range e.Notices() {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func needAdvance(t *testing.T, e *Env) {
	t.Helper()
	if e.Advance == nil {
		t.Skip("the backend runs on real time")
	}
}

func needAddUser(t *testing.T, e *Env) {
	t.Helper()
	if e.AddUser == nil {
		t.Skip("the harness cannot add a second user")
	}
}

// mistype changes one character in the middle of s, which breaks its checksum.
func mistype(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'x' {
		b[i] = 'y'
	} else {
		b[i] = 'x'
	}
	return string(b)
}

func testInit(t *testing.T, h Harness) {
	t.Run("second_init_refused", func(t *testing.T) {
		e := h.Setup(t)
		if !e.CanInit {
			t.Skip("the backend does not create stores")
		}
		req := e.Init
		req.Email = "other@example.com"
		_, err := e.Backend(account.Credential{}).Init(ctx(t), req)
		wantErr(t, "second Init", err, account.ErrConflict)
		if _, err := e.Backend(account.Credential{}).Login(ctx(t), req.Email, req.Password); err == nil {
			t.Error("the refused Init created a user anyway")
		}
	})
}

func testLogin(t *testing.T, h Harness) {
	t.Run("ok", func(t *testing.T) {
		e := h.Setup(t)
		res, err := e.Backend(account.Credential{}).Login(ctx(t), e.Init.Email, e.Init.Password)
		if err != nil {
			t.Fatalf("Login = %v", err)
		}
		if res.Credential.Kind != account.CredentialSession || res.Credential.IsZero() {
			t.Errorf("Login credential = %+v, want a session secret", res.Credential.Kind)
		}
		if res.User == nil || res.User.Email != account.NormalizeEmail(e.Init.Email) {
			t.Errorf("Login user = %+v, want %s", res.User, e.Init.Email)
		}
		wantAlive(t, e, "the new session", res.Credential)
	})

	t.Run("email_case_insensitive", func(t *testing.T) {
		e := h.Setup(t)
		login(t, e, "  "+strings.ToUpper(e.Init.Email)+" ", e.Init.Password)
	})

	t.Run("wrong_and_unknown_look_alike", func(t *testing.T) {
		e := h.Setup(t)
		b := e.Backend(account.Credential{})
		_, wrong := b.Login(ctx(t), e.Init.Email, e.Init.Password+"x")
		_, unknown := b.Login(ctx(t), "nobody@example.com", e.Init.Password)
		wantErr(t, "Login(wrong password)", wrong, account.ErrUnauthenticated)
		wantErr(t, "Login(unknown email)", unknown, account.ErrUnauthenticated)
		if wrong != nil && unknown != nil && wrong.Error() != unknown.Error() {
			t.Errorf("wrong password says %q but unknown email says %q, want the same", wrong, unknown)
		}
	})

	t.Run("throttled", func(t *testing.T) {
		e := h.Setup(t)
		b := e.Backend(account.Credential{})
		for i := range 5 {
			_, err := b.Login(ctx(t), e.Init.Email, "wrong-password-"+string(rune('a'+i)))
			wantErr(t, "Login(wrong password)", err, account.ErrUnauthenticated)
		}
		_, err := b.Login(ctx(t), e.Init.Email, e.Init.Password)
		wantErr(t, "Login after 5 failures", err, account.ErrThrottled)
		var te *account.ThrottledError
		if !errors.As(err, &te) || te.Until.IsZero() {
			t.Fatalf("Login after 5 failures = %v, want a *ThrottledError with Until", err)
		}
		if e.Advance == nil {
			return
		}
		e.Advance(16 * time.Minute)
		login(t, e, e.Init.Email, e.Init.Password)
	})

	t.Run("with_token", func(t *testing.T) {
		e := h.Setup(t)
		tok, err := admin(t, e).Token(ctx(t))
		if err != nil {
			t.Fatalf("Token = %v", err)
		}
		res, err := e.Backend(account.Credential{}).LoginWithToken(ctx(t), tok.Secret)
		if err != nil {
			t.Fatalf("LoginWithToken = %v", err)
		}
		sessions, err := e.Backend(res.Credential).Sessions(ctx(t))
		if err != nil {
			t.Fatalf("Sessions = %v", err)
		}
		var found bool
		for _, s := range sessions {
			if s.Current {
				found = true
				if s.OpenedWith != account.OpenedWithToken {
					t.Errorf("session opened with a token has OpenedWith %q, want %q", s.OpenedWith, account.OpenedWithToken)
				}
			}
		}
		if !found {
			t.Errorf("Sessions = %+v, want one marked current", sessions)
		}
	})

	t.Run("with_bad_tokens", func(t *testing.T) {
		e := h.Setup(t)
		tok, err := admin(t, e).Token(ctx(t))
		if err != nil {
			t.Fatalf("Token = %v", err)
		}
		b := e.Backend(account.Credential{})
		_, mistyped := b.LoginWithToken(ctx(t), mistype(tok.Secret))
		_, unknown := b.LoginWithToken(ctx(t), secret.New(secret.KindToken))
		_, garbage := b.LoginWithToken(ctx(t), "hello")
		wantErr(t, "LoginWithToken(mistyped)", mistyped, account.ErrUnauthenticated)
		wantErr(t, "LoginWithToken(unknown)", unknown, account.ErrUnauthenticated)
		wantErr(t, "LoginWithToken(garbage)", garbage, account.ErrUnauthenticated)
		if mistyped != nil && unknown != nil && mistyped.Error() == unknown.Error() {
			t.Errorf("mistyped and unknown tokens both say %q, want different messages", mistyped)
		}
	})
}

func testCredential(t *testing.T, h Harness) {
	t.Run("refused", func(t *testing.T) {
		e := h.Setup(t)
		tests := []struct {
			name string
			cred account.Credential
		}{
			{"none", account.Credential{}},
			{"garbage_session", sessionCred("not-a-session")},
			{"unknown_session", sessionCred(secret.New(secret.KindSession))},
			{"unknown_token", tokenCred(secret.New(secret.KindToken))},
			{"session_as_token", tokenCred(login(t, e, e.Init.Email, e.Init.Password).Secret)},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantDead(t, e, tt.name, tt.cred) })
		}
	})

	t.Run("token_works", func(t *testing.T) {
		e := h.Setup(t)
		tok, err := admin(t, e).Token(ctx(t))
		if err != nil {
			t.Fatalf("Token = %v", err)
		}
		wantAlive(t, e, "the API token", tokenCred(tok.Secret))
	})

	t.Run("session_expires_when_idle", func(t *testing.T) {
		e := h.Setup(t)
		needAdvance(t, e)
		idle := login(t, e, e.Init.Email, e.Init.Password)
		busy := login(t, e, e.Init.Email, e.Init.Password)
		for range 2 {
			e.Advance(20 * 24 * time.Hour)
			wantAlive(t, e, "a session used every 20 days", busy)
		}
		wantDead(t, e, "a session idle for 40 days", idle)
	})
}

func testProfile(t *testing.T, h Harness) {
	t.Run("current_user_json", func(t *testing.T) {
		e := h.Setup(t)
		u, err := admin(t, e).CurrentUser(ctx(t))
		if err != nil {
			t.Fatalf("CurrentUser = %v", err)
		}
		raw, err := json.Marshal(u)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		orgID, _ := account.OrganizationID(e.Init.OrganizationName)
		want := map[string]any{
			"email": account.NormalizeEmail(e.Init.Email), "firstName": e.Init.FirstName,
			"lastName": e.Init.LastName, "organization": orgID, "isAdmin": true,
			"isOrganizationOwner": true, "isActive": true, "isEmailVerified": true,
			"selectedTheme": "auto", "role": account.RoleAdministrator,
			"teams": []any{}, "experiences": map[string]any{},
		}
		for k, w := range want {
			if diff := cmp.Diff(w, got[k]); diff != "" {
				t.Errorf("CurrentUser JSON %q (-want +got):\n%s", k, diff)
			}
		}
		if id, _ := got["id"].(string); len(id) != 24 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Errorf("CurrentUser JSON id = %v, want 24 lowercase hex characters", got["id"])
		}
		for _, k := range []string{"created", "lastActivity"} {
			if v, ok := got[k].(float64); !ok || v <= 0 {
				t.Errorf("CurrentUser JSON %q = %v, want epoch milliseconds", k, got[k])
			}
		}
	})

	t.Run("organization", func(t *testing.T) {
		e := h.Setup(t)
		got, err := admin(t, e).Organization(ctx(t))
		if err != nil {
			t.Fatalf("Organization = %v", err)
		}
		orgID, _ := account.OrganizationID(e.Init.OrganizationName)
		want := account.Organization{ID: orgID, Name: e.Init.OrganizationName,
			OwnerName:  e.Init.FirstName + " " + e.Init.LastName,
			OwnerEmail: account.NormalizeEmail(e.Init.Email), Created: got.Created}
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("Organization (-want +got):\n%s", diff)
		}
	})

	t.Run("set_name", func(t *testing.T) {
		e := h.Setup(t)
		b := admin(t, e)
		u, err := b.SetName(ctx(t), "  Augusta Ada ", "King")
		if err != nil || u.FirstName != "Augusta Ada" || u.LastName != "King" {
			t.Fatalf("SetName = %+v, %v, want Augusta Ada King", u, err)
		}
		if u, _ := b.CurrentUser(ctx(t)); u == nil || u.FullName() != "Augusta Ada King" {
			t.Errorf("CurrentUser after SetName = %+v, want Augusta Ada King", u)
		}
		for _, bad := range [][2]string{{"", "King"}, {"Ada", "  "}, {"Ada\x00", "King"},
			{strings.Repeat("a", 101), "King"}} {
			_, err := b.SetName(ctx(t), bad[0], bad[1])
			wantErr(t, "SetName("+bad[0]+", "+bad[1]+")", err, account.ErrInvalid)
		}
	})

	t.Run("set_theme", func(t *testing.T) {
		e := h.Setup(t)
		b := admin(t, e)
		if u, err := b.SetTheme(ctx(t), account.ThemeDark); err != nil || u.SelectedTheme != account.ThemeDark {
			t.Fatalf("SetTheme(dark) = %+v, %v", u, err)
		}
		if u, _ := b.CurrentUser(ctx(t)); u == nil || u.SelectedTheme != account.ThemeDark {
			t.Errorf("CurrentUser after SetTheme(dark) = %+v", u)
		}
		_, err := b.SetTheme(ctx(t), "pink")
		wantErr(t, "SetTheme(pink)", err, account.ErrInvalid)
	})

	t.Run("needs_credential", func(t *testing.T) {
		e := h.Setup(t)
		b := e.Backend(account.Credential{})
		_, err := b.SetName(ctx(t), "Eve", "Mallory")
		wantErr(t, "SetName without credential", err, account.ErrUnauthenticated)
		_, err = b.Organization(ctx(t))
		wantErr(t, "Organization without credential", err, account.ErrUnauthenticated)
	})
}

func testEmail(t *testing.T, h Harness) {
	t.Run("ok", func(t *testing.T) {
		e := h.Setup(t)
		u, err := admin(t, e).SetEmail(ctx(t), "Ada.King@Example.org", e.Init.Password)
		if err != nil || u.Email != "ada.king@example.org" {
			t.Fatalf("SetEmail = %+v, %v, want ada.king@example.org", u, err)
		}
		got := notices(e, account.NoticeEmailChanged)
		if len(got) != 1 || got[0].To != account.NormalizeEmail(e.Init.Email) ||
			got[0].NewEmail != "ada.king@example.org" {
			t.Errorf("email-changed notices = %+v, want one to the old address naming the new", got)
		}
		login(t, e, "ada.king@example.org", e.Init.Password)
		_, err = e.Backend(account.Credential{}).Login(ctx(t), e.Init.Email, e.Init.Password)
		wantErr(t, "Login with the old email", err, account.ErrUnauthenticated)
	})

	t.Run("failures", func(t *testing.T) {
		e := h.Setup(t)
		b := admin(t, e)
		_, err := b.SetEmail(ctx(t), "new@example.com", "not-the-password")
		wantErr(t, "SetEmail(wrong password)", err, account.ErrUnauthenticated)
		_, err = b.SetEmail(ctx(t), "not an address", e.Init.Password)
		wantErr(t, "SetEmail(bad address)", err, account.ErrInvalid)
		if u, _ := b.CurrentUser(ctx(t)); u == nil || u.Email != account.NormalizeEmail(e.Init.Email) {
			t.Errorf("CurrentUser after failed SetEmail = %+v, want the old address", u)
		}
		if got := notices(e, account.NoticeEmailChanged); len(got) != 0 {
			t.Errorf("failed SetEmail sent notices %+v", got)
		}
	})

	t.Run("taken", func(t *testing.T) {
		e := h.Setup(t)
		needAddUser(t, e)
		e.AddUser(t, "grace@example.com", "compiler-pioneer-1952")
		_, err := admin(t, e).SetEmail(ctx(t), "GRACE@example.com", e.Init.Password)
		wantErr(t, "SetEmail(taken)", err, account.ErrConflict)
	})
}

func testPassword(t *testing.T, h Harness) {
	t.Run("change_ends_other_sessions", func(t *testing.T) {
		e := h.Setup(t)
		mine := login(t, e, e.Init.Email, e.Init.Password)
		other := login(t, e, e.Init.Email, e.Init.Password)
		const next = "difference-engine-1822"
		n, err := e.Backend(mine).ChangePassword(ctx(t), e.Init.Password, next)
		if err != nil || n != 1 {
			t.Fatalf("ChangePassword = %d, %v, want 1 session ended", n, err)
		}
		wantAlive(t, e, "the session that changed the password", mine)
		wantDead(t, e, "another session", other)
		login(t, e, e.Init.Email, next)
		_, err = e.Backend(account.Credential{}).Login(ctx(t), e.Init.Email, e.Init.Password)
		wantErr(t, "Login with the old password", err, account.ErrUnauthenticated)
		if got := notices(e, account.NoticePasswordChanged); len(got) != 1 {
			t.Errorf("password-changed notices = %+v, want one", got)
		}
	})

	t.Run("change_over_token_ends_all", func(t *testing.T) {
		e := h.Setup(t)
		sess := login(t, e, e.Init.Email, e.Init.Password)
		tok, err := e.Backend(sess).Token(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.Backend(tokenCred(tok.Secret)).ChangePassword(ctx(t), e.Init.Password, "difference-engine-1822")
		if err != nil || n != 1 {
			t.Fatalf("ChangePassword over a token = %d, %v, want 1 session ended", n, err)
		}
		wantDead(t, e, "the session", sess)
		wantAlive(t, e, "the token", tokenCred(tok.Secret))
	})

	t.Run("change_failures", func(t *testing.T) {
		e := h.Setup(t)
		b := admin(t, e)
		tests := []struct {
			name, current, next string
			want                error
		}{
			{"wrong_current", "not-the-password", "difference-engine-1822", account.ErrUnauthenticated},
			{"short", e.Init.Password, "short", account.ErrInvalid},
			{"common", e.Init.Password, "password123", account.ErrInvalid},
			{"equals_email", e.Init.Password, e.Init.Email, account.ErrInvalid},
		}
		for _, tt := range tests {
			_, err := b.ChangePassword(ctx(t), tt.current, tt.next)
			wantErr(t, "ChangePassword("+tt.name+")", err, tt.want)
		}
		login(t, e, e.Init.Email, e.Init.Password)
	})
}

func testReset(t *testing.T, h Harness) {
	// forgot asks for a reset and returns the token from the notice.
	forgot := func(t *testing.T, e *Env) string {
		t.Helper()
		before := len(notices(e, account.NoticePasswordReset))
		if err := e.Backend(account.Credential{}).ForgotPassword(ctx(t), e.Init.Email); err != nil {
			t.Fatalf("ForgotPassword = %v", err)
		}
		got := notices(e, account.NoticePasswordReset)
		if len(got) != before+1 || got[len(got)-1].Secret == "" ||
			got[len(got)-1].To != account.NormalizeEmail(e.Init.Email) {
			t.Fatalf("reset notices = %d, want one more carrying a secret to %s", len(got), e.Init.Email)
		}
		return got[len(got)-1].Secret
	}
	const next = "difference-engine-1822"

	t.Run("ok", func(t *testing.T) {
		e := h.Setup(t)
		sess := login(t, e, e.Init.Email, e.Init.Password)
		tok := forgot(t, e)
		b := e.Backend(account.Credential{})
		if err := b.ResetPassword(ctx(t), tok, next); err != nil {
			t.Fatalf("ResetPassword = %v", err)
		}
		wantDead(t, e, "a session from before the reset", sess)
		login(t, e, e.Init.Email, next)
		err := b.ResetPassword(ctx(t), tok, "another-password-77")
		wantErr(t, "ResetPassword with a used token", err, account.ErrUnauthenticated)
	})

	t.Run("unknown_email_same_answer", func(t *testing.T) {
		e := h.Setup(t)
		b := e.Backend(account.Credential{})
		if err := b.ForgotPassword(ctx(t), "nobody@example.com"); err != nil {
			t.Errorf("ForgotPassword(unknown) = %v, want nil", err)
		}
		if got := notices(e, account.NoticePasswordReset); len(got) != 0 {
			t.Errorf("ForgotPassword(unknown) sent %+v", got)
		}
		wantErr(t, "ForgotPassword(bad syntax)", b.ForgotPassword(ctx(t), "nobody"), account.ErrInvalid)
	})

	t.Run("bad_tokens", func(t *testing.T) {
		e := h.Setup(t)
		tok := forgot(t, e)
		b := e.Backend(account.Credential{})
		mistyped := b.ResetPassword(ctx(t), mistype(tok), next)
		unknown := b.ResetPassword(ctx(t), secret.New(secret.KindOneTime), next)
		session := b.ResetPassword(ctx(t), login(t, e, e.Init.Email, e.Init.Password).Secret, next)
		wantErr(t, "ResetPassword(mistyped)", mistyped, account.ErrUnauthenticated)
		wantErr(t, "ResetPassword(unknown)", unknown, account.ErrUnauthenticated)
		wantErr(t, "ResetPassword(a session secret)", session, account.ErrUnauthenticated)
		if mistyped != nil && unknown != nil && mistyped.Error() == unknown.Error() {
			t.Errorf("mistyped and unknown reset tokens both say %q, want different messages", mistyped)
		}
		wantErr(t, "ResetPassword(weak password)", b.ResetPassword(ctx(t), tok, "short"), account.ErrInvalid)
		if err := b.ResetPassword(ctx(t), tok, next); err != nil {
			t.Errorf("ResetPassword after refusals = %v, want the token still good", err)
		}
	})

	t.Run("newer_token_replaces_older", func(t *testing.T) {
		e := h.Setup(t)
		first, second := forgot(t, e), forgot(t, e)
		b := e.Backend(account.Credential{})
		wantErr(t, "ResetPassword(older token)", b.ResetPassword(ctx(t), first, next), account.ErrUnauthenticated)
		if err := b.ResetPassword(ctx(t), second, next); err != nil {
			t.Errorf("ResetPassword(newer token) = %v", err)
		}
	})

	t.Run("expires_after_an_hour", func(t *testing.T) {
		e := h.Setup(t)
		needAdvance(t, e)
		tok := forgot(t, e)
		e.Advance(61 * time.Minute)
		err := e.Backend(account.Credential{}).ResetPassword(ctx(t), tok, next)
		wantErr(t, "ResetPassword after 61 minutes", err, account.ErrUnauthenticated)
	})
}

func testSessions(t *testing.T, h Harness) {
	t.Run("list_and_revoke", func(t *testing.T) {
		e := h.Setup(t)
		mine := login(t, e, e.Init.Email, e.Init.Password)
		other := login(t, e, e.Init.Email, e.Init.Password)
		b := e.Backend(mine)
		list, err := b.Sessions(ctx(t))
		if err != nil || len(list) != 2 {
			t.Fatalf("Sessions = %+v, %v, want 2", list, err)
		}
		var otherID string
		var current int
		for _, s := range list {
			if s.Current {
				current++
			} else {
				otherID = s.ID
			}
			if s.OpenedWith != account.OpenedWithPassword || s.Expires.Before(s.LastUsed.Time) {
				t.Errorf("session %+v: want opened with password and expiring after last use", s)
			}
		}
		if current != 1 {
			t.Errorf("Sessions marks %d as current, want 1", current)
		}
		if err := b.RevokeSession(ctx(t), otherID); err != nil {
			t.Fatalf("RevokeSession = %v", err)
		}
		wantDead(t, e, "the revoked session", other)
		wantAlive(t, e, "the revoking session", mine)
		wantErr(t, "RevokeSession(again)", b.RevokeSession(ctx(t), otherID), account.ErrNotFound)
		wantErr(t, "RevokeSession(unknown)", b.RevokeSession(ctx(t), strings.Repeat("0", 24)), account.ErrNotFound)
	})

	t.Run("revoke_other_users_session", func(t *testing.T) {
		e := h.Setup(t)
		needAddUser(t, e)
		e.AddUser(t, "grace@example.com", "compiler-pioneer-1952")
		grace := login(t, e, "grace@example.com", "compiler-pioneer-1952")
		list, err := e.Backend(grace).Sessions(ctx(t))
		if err != nil || len(list) != 1 {
			t.Fatalf("Sessions = %+v, %v", list, err)
		}
		err = admin(t, e).RevokeSession(ctx(t), list[0].ID)
		wantErr(t, "RevokeSession(another user's)", err, account.ErrNotFound)
		wantAlive(t, e, "the other user's session", grace)
	})

	t.Run("logout", func(t *testing.T) {
		e := h.Setup(t)
		mine := login(t, e, e.Init.Email, e.Init.Password)
		other := login(t, e, e.Init.Email, e.Init.Password)
		if err := e.Backend(mine).Logout(ctx(t)); err != nil {
			t.Fatalf("Logout = %v", err)
		}
		wantDead(t, e, "the logged-out session", mine)
		wantAlive(t, e, "another session", other)
	})

	t.Run("logout_all_keeps_token", func(t *testing.T) {
		e := h.Setup(t)
		mine := login(t, e, e.Init.Email, e.Init.Password)
		other := login(t, e, e.Init.Email, e.Init.Password)
		tok, err := e.Backend(mine).Token(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.Backend(mine).LogoutAll(ctx(t), false)
		if err != nil || n != 2 {
			t.Fatalf("LogoutAll(false) = %d, %v, want 2", n, err)
		}
		wantDead(t, e, "the current session", mine)
		wantDead(t, e, "another session", other)
		wantAlive(t, e, "the API token", tokenCred(tok.Secret))
		if got := notices(e, account.NoticeLoggedOutEverywhere); len(got) != 1 {
			t.Errorf("logged-out-everywhere notices = %+v, want one", got)
		}
	})

	t.Run("logout_all_revokes_token", func(t *testing.T) {
		e := h.Setup(t)
		mine := login(t, e, e.Init.Email, e.Init.Password)
		tok, err := e.Backend(mine).Token(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		n, err := e.Backend(mine).LogoutAll(ctx(t), true)
		if err != nil || n != 1 {
			t.Fatalf("LogoutAll(true) = %d, %v, want 1", n, err)
		}
		wantDead(t, e, "the API token", tokenCred(tok.Secret))
	})
}

func testToken(t *testing.T, h Harness) {
	t.Run("make_then_show", func(t *testing.T) {
		e := h.Setup(t)
		b := admin(t, e)
		made, err := b.Token(ctx(t))
		if err != nil || made.Secret == "" || !strings.HasPrefix(made.Secret, made.Prefix) || made.Prefix == "" {
			t.Fatalf("Token = %+v, %v, want a new token whose secret starts with its prefix", made, err)
		}
		shown, err := b.Token(ctx(t))
		if err != nil || shown.ID != made.ID || shown.Secret != "" || shown.Prefix != made.Prefix {
			t.Errorf("second Token = %+v, %v, want the same token without its secret", shown, err)
		}
	})

	t.Run("rotate", func(t *testing.T) {
		e := h.Setup(t)
		sess := login(t, e, e.Init.Email, e.Init.Password)
		old, err := e.Backend(sess).Token(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		viaToken, err := e.Backend(account.Credential{}).LoginWithToken(ctx(t), old.Secret)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := e.Backend(sess).RotateToken(ctx(t))
		if err != nil || fresh.Secret == "" || fresh.ID == old.ID {
			t.Fatalf("RotateToken = %+v, %v, want a new token with its secret", fresh, err)
		}
		wantDead(t, e, "the old token", tokenCred(old.Secret))
		wantDead(t, e, "a session opened with the old token", viaToken.Credential)
		wantAlive(t, e, "the new token", tokenCred(fresh.Secret))
		wantAlive(t, e, "the password session", sess)
		_, err = e.Backend(account.Credential{}).LoginWithToken(ctx(t), old.Secret)
		wantErr(t, "LoginWithToken(old token)", err, account.ErrUnauthenticated)
		if got := notices(e, account.NoticeTokenRegenerated); len(got) != 1 {
			t.Errorf("token-regenerated notices = %+v, want one", got)
		}
	})

	// Revoke, then show: WEBKNOSSOS's "revoke and generate" page does exactly this.
	t.Run("revoke_then_show", func(t *testing.T) {
		e := h.Setup(t)
		sess := login(t, e, e.Init.Email, e.Init.Password)
		b := e.Backend(sess)
		if revoked, err := b.RevokeToken(ctx(t)); err != nil || revoked {
			t.Errorf("RevokeToken without a token = %v, %v; want false, nil", revoked, err)
		}
		old, err := b.Token(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		viaToken, err := e.Backend(account.Credential{}).LoginWithToken(ctx(t), old.Secret)
		if err != nil {
			t.Fatal(err)
		}

		if revoked, err := b.RevokeToken(ctx(t)); err != nil || !revoked {
			t.Fatalf("RevokeToken = %v, %v; want true, nil", revoked, err)
		}
		wantDead(t, e, "the revoked token", tokenCred(old.Secret))
		wantDead(t, e, "a session opened with the revoked token", viaToken.Credential)
		wantAlive(t, e, "the password session", sess)
		fresh, err := b.Token(ctx(t))
		if err != nil || fresh.Secret == "" || fresh.ID == old.ID {
			t.Errorf("Token after RevokeToken = %+v, %v; want a new token with its secret", fresh, err)
		}
	})
}
