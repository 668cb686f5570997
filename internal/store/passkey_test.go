package store

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/passkey"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
)

const testOrigin = "http://localhost:7777"

var testRP = account.RelyingParty{ID: "localhost", Name: "wk", Origins: []string{testOrigin}}

// passkeys returns the passkey side of a backend for cred.
func (e *testEnv) passkeys(cred account.Credential) account.PasskeyBackend {
	return e.backend(cred).(account.PasskeyBackend)
}

// signIn logs ada in with her password and returns the session credential.
func (e *testEnv) signIn(t *testing.T) account.Credential {
	t.Helper()
	res, err := e.backend(account.Credential{}).Login(t.Context(), accounttest.DefaultInit.Email,
		accounttest.DefaultInit.Password)
	if err != nil {
		t.Fatalf("Login = %v", err)
	}
	return res.Credential
}

// register adds a passkey named name on auth through a full ceremony.
func register(t *testing.T, pb account.PasskeyBackend, auth *softauthn.Authenticator, name string) *account.Passkey {
	t.Helper()
	c, err := pb.BeginPasskeyRegistration(t.Context(), name, testRP)
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration(%q) = %v", name, err)
	}
	resp, err := auth.Register(c.Options)
	if err != nil {
		t.Fatalf("authenticator Register: %v", err)
	}
	pk, err := pb.FinishPasskeyRegistration(t.Context(), c.ID, resp)
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration(%q) = %v", name, err)
	}
	return pk
}

// loginWith runs a full passkey login with auth.
func loginWith(t *testing.T, pb account.PasskeyBackend, auth *softauthn.Authenticator) (*account.LoginResult, error) {
	t.Helper()
	c, err := pb.BeginPasskeyLogin(t.Context(), testRP)
	if err != nil {
		t.Fatalf("BeginPasskeyLogin = %v", err)
	}
	resp, err := auth.Login(c.Options)
	if err != nil {
		t.Fatalf("authenticator Login: %v", err)
	}
	return pb.FinishPasskeyLogin(t.Context(), c.ID, resp)
}

func wantKind(t *testing.T, what string, err, kind error, fragment string) {
	t.Helper()
	if !errors.Is(err, kind) || !strings.Contains(fmt.Sprint(err), fragment) {
		t.Errorf("%s = %v, want %v mentioning %q", what, err, kind, fragment)
	}
}

func TestPasskeyRegisterLoginList(t *testing.T) {
	e := newTestEnv(t)
	cred := e.signIn(t)
	pb := e.passkeys(cred)
	auth := softauthn.New(testOrigin)
	auth.BackupEligible = true

	pk := register(t, pb, auth, "  Work Laptop ")
	want := account.Passkey{ID: pk.ID, Name: "Work Laptop", Created: account.At(e.clock.Now()),
		Authenticator: passkey.AuthenticatorName(softauthn.AAGUID[:]),
		AAGUID:        passkey.FormatAAGUID(softauthn.AAGUID[:]), BackupEligible: true}
	if diff := cmp.Diff(want, *pk); diff != "" {
		t.Errorf("registered passkey (-want +got):\n%s", diff)
	}

	e.clock.Advance(time.Hour)
	res, err := loginWith(t, e.passkeys(account.Credential{}), auth)
	if err != nil {
		t.Fatalf("FinishPasskeyLogin = %v", err)
	}
	if res.User.Email != accounttest.DefaultInit.Email || res.Credential.Kind != account.CredentialSession {
		t.Errorf("login = %+v, want a session for ada", res)
	}

	// The new session works, is listed as opened with a passkey, and is current.
	b := e.backend(res.Credential)
	sessions, err := b.Sessions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range sessions {
		if s.Current {
			found = s.OpenedWith == account.OpenedWithPasskey
		}
	}
	if !found {
		t.Errorf("sessions %+v: want the current one opened with passkey", sessions)
	}

	list, err := b.(account.PasskeyBackend).Passkeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want.LastUsed = account.At(e.clock.Now())
	if diff := cmp.Diff([]account.Passkey{want}, list); diff != "" {
		t.Errorf("Passkeys after login (-want +got):\n%s", diff)
	}
	var count int64
	e.db.sql.QueryRow(`SELECT sign_count FROM passkeys WHERE id = ?`, pk.ID).Scan(&count)
	if count == 0 {
		t.Errorf("stored sign count is 0 after a counted login")
	}

	notices := e.rec.Notices()
	last := notices[len(notices)-1]
	if last.Kind != account.NoticePasskeyAdded || last.To != accounttest.DefaultInit.Email ||
		last.PasskeyName != "Work Laptop" {
		t.Errorf("last notice = %+v, want passkey-added for Work Laptop to ada", last)
	}
}

// TestPasskeyCeremonyPersisted checks that a ceremony begun through one open store is
// finished through another, as when the page's process differs from wk serve's.
func TestPasskeyCeremonyPersisted(t *testing.T) {
	e := newTestEnv(t)
	cred := e.signIn(t)
	auth := softauthn.New(testOrigin)
	c, err := e.passkeys(cred).BeginPasskeyRegistration(t.Context(), "laptop", testRP)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Expires.Sub(e.clock.Now()); got != account.CeremonyTimeout {
		t.Errorf("ceremony expires in %s, want %s", got, account.CeremonyTimeout)
	}

	other, err := Open(t.Context(), e.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	pb := other.Backend(BackendOptions{Credential: cred, Now: e.clock.Now}).(account.PasskeyBackend)
	resp, err := auth.Register(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pb.FinishPasskeyRegistration(t.Context(), c.ID, resp); err != nil {
		t.Fatalf("finish through a second handle = %v", err)
	}

	// Used once, the ceremony is gone.
	_, err = pb.FinishPasskeyRegistration(t.Context(), c.ID, resp)
	wantKind(t, "finishing it again", err, account.ErrNotFound, "unknown, used or expired")
	var left int
	e.db.sql.QueryRow(`SELECT count(*) FROM ceremonies`).Scan(&left)
	if left != 0 {
		t.Errorf("%d ceremonies left in the table, want 0", left)
	}
}

func TestPasskeyCeremonyRefused(t *testing.T) {
	e := newTestEnv(t)
	cred := e.signIn(t)
	pb := e.passkeys(cred)
	anon := e.passkeys(account.Credential{})
	auth := softauthn.New(testOrigin)
	register(t, pb, auth, "laptop")

	// An expired registration and login.
	c, _ := pb.BeginPasskeyRegistration(t.Context(), "phone", testRP)
	e.clock.Advance(account.CeremonyTimeout)
	resp, _ := softauthn.New(testOrigin).Register(c.Options)
	_, err := pb.FinishPasskeyRegistration(t.Context(), c.ID, resp)
	wantKind(t, "expired registration", err, account.ErrNotFound, "expired")

	lc, _ := anon.BeginPasskeyLogin(t.Context(), testRP)
	e.clock.Advance(account.CeremonyTimeout + time.Millisecond)
	resp, _ = auth.Login(lc.Options)
	_, err = anon.FinishPasskeyLogin(t.Context(), lc.ID, resp)
	wantKind(t, "expired login", err, account.ErrUnauthenticated, "expired")

	// A login ceremony cannot finish a registration, nor the other way round.
	lc, _ = anon.BeginPasskeyLogin(t.Context(), testRP)
	_, err = pb.FinishPasskeyRegistration(t.Context(), lc.ID, []byte("{}"))
	wantKind(t, "registration with a login ceremony", err, account.ErrNotFound, "unknown")
	rc, _ := pb.BeginPasskeyRegistration(t.Context(), "phone", testRP)
	_, err = anon.FinishPasskeyLogin(t.Context(), rc.ID, []byte("{}"))
	wantKind(t, "login with a registration ceremony", err, account.ErrUnauthenticated, "unknown")

	// A wrong origin is refused and opens nothing.
	lc, _ = anon.BeginPasskeyLogin(t.Context(), testRP)
	evil := *auth
	evil.Origin = "http://localhost:6666"
	resp, _ = evil.Login(lc.Options)
	_, err = anon.FinishPasskeyLogin(t.Context(), lc.ID, resp)
	wantKind(t, "login from another origin", err, account.ErrUnauthenticated, "origin")

	// Without a credential the caller's passkeys are out of reach.
	_, err = anon.Passkeys(t.Context())
	wantKind(t, "Passkeys without credential", err, account.ErrUnauthenticated, "")
	_, err = anon.BeginPasskeyRegistration(t.Context(), "phone", testRP)
	wantKind(t, "register without credential", err, account.ErrUnauthenticated, "")

	sessions, _ := e.backend(cred).Sessions(t.Context())
	if len(sessions) != 1 {
		t.Errorf("%d sessions after refused logins, want only the password one", len(sessions))
	}
}

func TestPasskeyNamesAndExclusion(t *testing.T) {
	e := newTestEnv(t)
	pb := e.passkeys(e.signIn(t))
	auth := softauthn.New(testOrigin)
	first := register(t, pb, auth, "Laptop")

	_, err := pb.BeginPasskeyRegistration(t.Context(), "LAPTOP", testRP)
	wantKind(t, "a taken name in other case", err, account.ErrConflict, "already exists")
	_, err = pb.BeginPasskeyRegistration(t.Context(), "ab", testRP)
	wantKind(t, "a short name", err, account.ErrInvalid, "at least 3")

	// The options exclude the registered credential, so the same authenticator refuses.
	c, err := pb.BeginPasskeyRegistration(t.Context(), "second", testRP)
	if err != nil {
		t.Fatal(err)
	}
	var opts struct {
		ExcludeCredentials []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
		AuthenticatorSelection struct {
			ResidentKey string `json:"residentKey"`
		} `json:"authenticatorSelection"`
	}
	if err := json.Unmarshal(c.Options, &opts); err != nil {
		t.Fatal(err)
	}
	wantID := base64.RawURLEncoding.EncodeToString(auth.CredentialIDs()[0])
	if len(opts.ExcludeCredentials) != 1 || opts.ExcludeCredentials[0].ID != wantID {
		t.Errorf("excludeCredentials = %+v, want the one registered credential %s", opts.ExcludeCredentials, wantID)
	}
	if opts.AuthenticatorSelection.ResidentKey != "required" {
		t.Errorf("residentKey = %q, want required", opts.AuthenticatorSelection.ResidentKey)
	}
	if _, err := auth.Register(c.Options); !errors.Is(err, softauthn.ErrExcluded) {
		t.Errorf("same authenticator on excluding options = %v, want ErrExcluded", err)
	}

	second := register(t, pb, softauthn.New(testOrigin), "phone")
	_, err = pb.RenamePasskey(t.Context(), second.ID, "laptop")
	wantKind(t, "rename onto a taken name", err, account.ErrConflict, "already exists")
	got, err := pb.RenamePasskey(t.Context(), "LAPTOP", "laptop")
	if err != nil || got.ID != first.ID || got.Name != "laptop" {
		t.Errorf("rename to own name in other case = %+v, %v; want %s named laptop", got, err, first.ID)
	}
	_, err = pb.RenamePasskey(t.Context(), "tablet", "new name")
	wantKind(t, "rename of an unknown name", err, account.ErrNotFound, `"tablet"`)
	_, err = pb.RenamePasskey(t.Context(), "phone", strings.Repeat("x", 65))
	wantKind(t, "rename to a long name", err, account.ErrInvalid, "too long")
}

func TestPasskeyCounterRegression(t *testing.T) {
	e := newTestEnv(t)
	pb := e.passkeys(e.signIn(t))
	anon := e.passkeys(account.Credential{})
	auth := softauthn.New(testOrigin)
	register(t, pb, auth, "laptop")

	for range 2 {
		if _, err := loginWith(t, anon, auth); err != nil {
			t.Fatalf("login = %v", err)
		}
	}
	if err := auth.SetCounter(auth.CredentialIDs()[0], 1); err != nil {
		t.Fatal(err)
	}
	_, err := loginWith(t, anon, auth)
	wantKind(t, "login with a counter that went back", err, account.ErrUnauthenticated, "cloned")

	var sessions int
	e.db.sql.QueryRow(`SELECT count(*) FROM sessions WHERE opened_with = 'passkey'`).Scan(&sessions)
	if sessions != 2 {
		t.Errorf("%d passkey sessions, want 2: the refused login must open none", sessions)
	}
}

func TestPasskeyDelete(t *testing.T) {
	e := newTestEnv(t)
	pb := e.passkeys(e.signIn(t))
	anon := e.passkeys(account.Credential{})
	auth := softauthn.New(testOrigin)
	pk := register(t, pb, auth, "laptop")
	phone := softauthn.New(testOrigin)
	register(t, pb, phone, "phone")

	// One session opened with each key; deleting laptop must end only its own.
	viaLaptop, err := loginWith(t, anon, auth)
	if err != nil {
		t.Fatal(err)
	}
	viaPhone, err := loginWith(t, anon, phone)
	if err != nil {
		t.Fatal(err)
	}

	_, err = pb.DeletePasskey(t.Context(), "tablet")
	wantKind(t, "delete of an unknown name", err, account.ErrNotFound, `"tablet"`)

	got, err := pb.DeletePasskey(t.Context(), "LAPTOP")
	if err != nil || got.ID != pk.ID {
		t.Fatalf("DeletePasskey(LAPTOP) = %+v, %v; want %s", got, err, pk.ID)
	}
	notices := e.rec.Notices()
	if last := notices[len(notices)-1]; last.Kind != account.NoticePasskeyRemoved || last.PasskeyName != "laptop" ||
		last.To != accounttest.DefaultInit.Email {
		t.Errorf("last notice = %+v, want passkey-removed for laptop to ada", last)
	}

	_, err = loginWith(t, anon, auth)
	wantKind(t, "login with a deleted passkey", err, account.ErrUnauthenticated, "deleted")
	_, err = e.backend(viaLaptop.Credential).CurrentUser(t.Context())
	wantKind(t, "a session opened with the deleted passkey", err, account.ErrUnauthenticated, "")
	if _, err := e.backend(viaPhone.Credential).CurrentUser(t.Context()); err != nil {
		t.Errorf("session opened with the other passkey: CurrentUser = %v, want it to work", err)
	}
	list, _ := pb.Passkeys(t.Context())
	if len(list) != 1 || list[0].Name != "phone" {
		t.Errorf("Passkeys after delete = %+v, want only phone", list)
	}

	// Deleting by id works too, and a failed notice still deletes.
	e.rec.Err = errors.New("smtp down")
	got, err = pb.DeletePasskey(t.Context(), list[0].ID)
	var ne *NoticeError
	if got == nil || !errors.As(err, &ne) {
		t.Errorf("DeletePasskey(id) with failing mail = %+v, %v; want the passkey and a *NoticeError", got, err)
	}
	if list, _ := pb.Passkeys(t.Context()); len(list) != 0 {
		t.Errorf("%d passkeys left, want 0", len(list))
	}
}

// TestPasskeysPerUser checks that one user cannot see, rename or delete another's
// passkeys, and that names are unique per user only.
func TestPasskeysPerUser(t *testing.T) {
	e := newTestEnv(t)
	ada := e.passkeys(e.signIn(t))
	adaKey := register(t, ada, softauthn.New(testOrigin), "laptop")

	e.addUser(t, "grace@example.com", "cobol-compiler-1959")
	res, err := e.backend(account.Credential{}).Login(t.Context(), "grace@example.com", "cobol-compiler-1959")
	if err != nil {
		t.Fatal(err)
	}
	grace := e.passkeys(res.Credential)
	if list, _ := grace.Passkeys(t.Context()); len(list) != 0 {
		t.Errorf("grace sees %d passkeys, want 0", len(list))
	}
	_, err = grace.DeletePasskey(t.Context(), adaKey.ID)
	wantKind(t, "grace deleting ada's key", err, account.ErrNotFound, "")
	graceAuth := softauthn.New(testOrigin)
	register(t, grace, graceAuth, "laptop")

	out, err := loginWith(t, e.passkeys(account.Credential{}), graceAuth)
	if err != nil || out.User.Email != "grace@example.com" {
		t.Errorf("grace's passkey login = %+v, %v; want grace", out, err)
	}
}

// TestPasskeyOnlyAccountReset checks that an account without a password (passkeys
// only) can set one through forgot and reset.
func TestPasskeyOnlyAccountReset(t *testing.T) {
	e := newTestEnv(t)
	pb := e.passkeys(e.signIn(t))
	register(t, pb, softauthn.New(testOrigin), "laptop")
	if _, err := e.db.sql.Exec(`UPDATE users SET password_hash = NULL`); err != nil {
		t.Fatal(err)
	}
	anon := e.backend(account.Credential{})
	_, err := anon.Login(t.Context(), accounttest.DefaultInit.Email, accounttest.DefaultInit.Password)
	wantKind(t, "password login without a password", err, account.ErrUnauthenticated, "incorrect")

	if err := anon.ForgotPassword(t.Context(), accounttest.DefaultInit.Email); err != nil {
		t.Fatalf("ForgotPassword = %v", err)
	}
	var tok string
	for _, n := range e.rec.Notices() {
		if n.Kind == account.NoticePasswordReset {
			tok = n.Secret
		}
	}
	if tok == "" {
		t.Fatal("no reset mail was sent")
	}
	if err := anon.ResetPassword(t.Context(), tok, "difference-engine-1822"); err != nil {
		t.Fatalf("ResetPassword = %v", err)
	}
	if _, err := anon.Login(t.Context(), accounttest.DefaultInit.Email, "difference-engine-1822"); err != nil {
		t.Errorf("login with the new password = %v", err)
	}
	if list, _ := pb.Passkeys(t.Context()); list != nil {
		t.Errorf("the reset ended the old session, yet Passkeys answered %+v", list)
	}
}
