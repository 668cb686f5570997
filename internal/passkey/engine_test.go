package passkey_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey"
	"github.com/wk-tools/wk/internal/passkey/passkeytest"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
)

const testOrigin = "http://localhost:8443"

var testRP = account.RelyingParty{ID: "localhost", Name: "wk test", Origins: []string{testOrigin}}

var testUser = account.User{ID: "5f0c7e1a9b3d4c2e1f0a9b8c", Email: "ada@example.com",
	FirstName: "Ada", LastName: "Lovelace"}

// clock is a settable time source shared by a backend and its engine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newFixture(t *testing.T) (*passkeytest.Backend, *softauthn.Authenticator, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	return passkeytest.New(testUser, clk.Now), softauthn.New(testOrigin), clk
}

func register(t *testing.T, b account.PasskeyBackend, a *softauthn.Authenticator, name string) *account.Passkey {
	t.Helper()
	ctx := context.Background()
	c, err := b.BeginPasskeyRegistration(ctx, name, testRP)
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration(%q) error = %v", name, err)
	}
	resp, err := a.Register(c.Options)
	if err != nil {
		t.Fatalf("softauthn Register() error = %v", err)
	}
	pk, err := b.FinishPasskeyRegistration(ctx, c.ID, resp)
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration(%q) error = %v", name, err)
	}
	return pk
}

func login(t *testing.T, b account.PasskeyBackend, a *softauthn.Authenticator) (*account.LoginResult, error) {
	t.Helper()
	c, err := b.BeginPasskeyLogin(context.Background(), testRP)
	if err != nil {
		t.Fatalf("BeginPasskeyLogin() error = %v", err)
	}
	resp, err := a.Login(c.Options)
	if err != nil {
		t.Fatalf("softauthn Login() error = %v", err)
	}
	return b.FinishPasskeyLogin(context.Background(), c.ID, resp)
}

// wantKind fails unless err unwraps to kind and its message holds every fragment.
func wantKind(t *testing.T, what string, err, kind error, fragments ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s error = %v, want kind %v", what, err, kind)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s error = %q, want it to mention %q", what, err, f)
		}
	}
}

func TestRegisterThenLogin(t *testing.T) {
	b, a, clk := newFixture(t)
	a.BackupEligible, a.BackedUp = true, true

	pk := register(t, b, a, "  Work laptop ")
	want := account.Passkey{ID: pk.ID, Name: "Work laptop", Created: account.At(clk.Now()),
		Authenticator: passkey.UnknownAuthenticator, AAGUID: "776b2d73-6f66-7461-7574-686e2d747374",
		BackupEligible: true, BackedUp: true}
	if diff := cmp.Diff(want, *pk); diff != "" {
		t.Errorf("registered passkey mismatch (-want +got):\n%s", diff)
	}

	for wantCount := uint32(1); wantCount <= 2; wantCount++ {
		clk.Advance(time.Minute)
		res, err := login(t, b, a)
		if err != nil {
			t.Fatalf("login %d error = %v", wantCount, err)
		}
		if res.User.ID != testUser.ID || res.Credential.Kind != account.CredentialSession || res.Credential.Secret == "" {
			t.Errorf("login %d = user %q, credential kind %q, want user %q with a session", wantCount,
				res.User.ID, res.Credential.Kind, testUser.ID)
		}
		cred, _ := b.Credential(pk.ID)
		if cred.SignCount != wantCount {
			t.Errorf("after login %d stored sign count = %d, want %d", wantCount, cred.SignCount, wantCount)
		}
	}
	list, _ := b.Passkeys(context.Background())
	if got := list[0].LastUsed; !got.Equal(account.At(clk.Now()).Time) {
		t.Errorf("lastUsed = %v, want %v", got, clk.Now())
	}
}

func TestRegistrationOptions(t *testing.T) {
	b, a, _ := newFixture(t)
	first := register(t, b, a, "first key")
	stored, _ := b.Credential(first.ID)

	c, err := b.BeginPasskeyRegistration(context.Background(), "second key", testRP)
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration() error = %v", err)
	}
	var got struct {
		RP struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"rp"`
		User struct {
			ID          string `json:"id"`
			Name        string `json:"name"`
			DisplayName string `json:"displayName"`
		} `json:"user"`
		Timeout                int    `json:"timeout"`
		Attestation            string `json:"attestation"`
		AuthenticatorSelection struct {
			ResidentKey        string `json:"residentKey"`
			RequireResidentKey bool   `json:"requireResidentKey"`
			UserVerification   string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		ExcludeCredentials []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"excludeCredentials"`
	}
	if err := json.Unmarshal(c.Options, &got); err != nil {
		t.Fatalf("options %s: %v", c.Options, err)
	}
	checks := []struct{ field, got, want string }{
		{"rp.id", got.RP.ID, "localhost"},
		{"rp.name", got.RP.Name, "wk test"},
		{"user.id", got.User.ID, "NWYwYzdlMWE5YjNkNGMyZTFmMGE5Yjhj"},
		{"user.name", got.User.Name, "ada@example.com"},
		{"user.displayName", got.User.DisplayName, "Ada Lovelace"},
		{"attestation", got.Attestation, "none"},
		{"residentKey", got.AuthenticatorSelection.ResidentKey, "required"},
		{"userVerification", got.AuthenticatorSelection.UserVerification, "preferred"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("options %s = %q, want %q", ch.field, ch.got, ch.want)
		}
	}
	if got.Timeout != 120000 || !got.AuthenticatorSelection.RequireResidentKey {
		t.Errorf("options timeout = %d, requireResidentKey = %v; want 120000, true", got.Timeout,
			got.AuthenticatorSelection.RequireResidentKey)
	}
	if len(got.ExcludeCredentials) != 1 || got.ExcludeCredentials[0].ID != b64url(stored.ID) {
		t.Errorf("excludeCredentials = %+v, want only the first key %s", got.ExcludeCredentials, b64url(stored.ID))
	}
	if exp := time.Until(c.Expires.Time); exp < time.Minute || exp > 2*time.Minute {
		t.Errorf("ceremony expires in %s, want about 2m", exp)
	}

	// The same authenticator honours the exclusion, as a browser would.
	if _, err := a.Register(c.Options); !errors.Is(err, softauthn.ErrExcluded) {
		t.Errorf("registering again on the same authenticator: error = %v, want ErrExcluded", err)
	}
	if second := register(t, b, softauthn.New(testOrigin), "second key"); second.Name != "second key" {
		t.Errorf("second key name = %q", second.Name)
	}
}

func TestLoginOptions(t *testing.T) {
	b, _, _ := newFixture(t)
	c, err := b.BeginPasskeyLogin(context.Background(), testRP)
	if err != nil {
		t.Fatalf("BeginPasskeyLogin() error = %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(c.Options, &got); err != nil {
		t.Fatal(err)
	}
	if got["rpId"] != "localhost" || got["userVerification"] != "preferred" || got["timeout"] != 120000.0 {
		t.Errorf("login options = %s, want rpId localhost, userVerification preferred, timeout 120000", c.Options)
	}
	if _, ok := got["allowCredentials"]; ok {
		t.Errorf("login options = %s, want no allowCredentials (discoverable login)", c.Options)
	}
}

func TestRegistrationRefused(t *testing.T) {
	tests := []struct {
		name     string
		spoil    func(a *softauthn.Authenticator)
		kind     error
		fragment string
	}{
		{"wrong_origin", func(a *softauthn.Authenticator) { a.Origin = "http://localhost:9999" }, account.ErrInvalid, "origin"},
		{"phishing_origin", func(a *softauthn.Authenticator) { a.Origin = "https://evil.example" }, account.ErrInvalid, "origin"},
		{"wrong_rp_id", func(a *softauthn.Authenticator) { a.RPID = "evil.example" }, account.ErrInvalid, "RP Hash mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, a, _ := newFixture(t)
			tt.spoil(a)
			c, err := b.BeginPasskeyRegistration(context.Background(), "laptop", testRP)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := a.Register(c.Options)
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.FinishPasskeyRegistration(context.Background(), c.ID, resp)
			wantKind(t, "FinishPasskeyRegistration()", err, tt.kind, tt.fragment)
			if list, _ := b.Passkeys(context.Background()); len(list) != 0 {
				t.Errorf("Passkeys() = %v after a refused registration, want none", list)
			}
		})
	}
}

func TestLoginRefused(t *testing.T) {
	tests := []struct {
		name     string
		spoil    func(a *softauthn.Authenticator)
		fragment string
	}{
		{"wrong_origin", func(a *softauthn.Authenticator) { a.Origin = "http://127.0.0.1:8443" }, "origin"},
		{"wrong_rp_id", func(a *softauthn.Authenticator) { a.RPID = "evil.example" }, "RP Hash mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, a, _ := newFixture(t)
			register(t, b, a, "laptop")
			tt.spoil(a)
			_, err := login(t, b, a)
			wantKind(t, "FinishPasskeyLogin()", err, account.ErrUnauthenticated, tt.fragment)
			if b.Logins() != 0 {
				t.Errorf("Logins() = %d after a refused login, want 0", b.Logins())
			}
		})
	}
}

func TestWrongChallenge(t *testing.T) {
	b, a, _ := newFixture(t)
	ctx := context.Background()

	// A registration answered for one ceremony cannot finish another.
	c1, _ := b.BeginPasskeyRegistration(ctx, "laptop", testRP)
	c2, _ := b.BeginPasskeyRegistration(ctx, "laptop", testRP)
	resp, err := a.Register(c1.Options)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.FinishPasskeyRegistration(ctx, c2.ID, resp)
	wantKind(t, "FinishPasskeyRegistration(other ceremony)", err, account.ErrInvalid, "challenge")

	// The same holds for logins.
	b, a, _ = newFixture(t)
	register(t, b, a, "laptop")
	l1, _ := b.BeginPasskeyLogin(ctx, testRP)
	l2, _ := b.BeginPasskeyLogin(ctx, testRP)
	assertion, err := a.Login(l1.Options)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.FinishPasskeyLogin(ctx, l2.ID, assertion)
	wantKind(t, "FinishPasskeyLogin(other ceremony)", err, account.ErrUnauthenticated, "challenge")
}

func TestReusedCeremony(t *testing.T) {
	b, a, _ := newFixture(t)
	ctx := context.Background()

	c, _ := b.BeginPasskeyRegistration(ctx, "laptop", testRP)
	resp, _ := a.Register(c.Options)
	if _, err := b.FinishPasskeyRegistration(ctx, c.ID, resp); err != nil {
		t.Fatal(err)
	}
	_, err := b.FinishPasskeyRegistration(ctx, c.ID, resp)
	wantKind(t, "FinishPasskeyRegistration(used ceremony)", err, account.ErrNotFound, "used")

	l, _ := b.BeginPasskeyLogin(ctx, testRP)
	assertion, _ := a.Login(l.Options)
	if _, err := b.FinishPasskeyLogin(ctx, l.ID, assertion); err != nil {
		t.Fatal(err)
	}
	_, err = b.FinishPasskeyLogin(ctx, l.ID, assertion)
	wantKind(t, "FinishPasskeyLogin(used ceremony)", err, account.ErrUnauthenticated, "used")
	if b.Logins() != 1 {
		t.Errorf("Logins() = %d, want 1", b.Logins())
	}
}

// TestReplayedAssertion replays a captured assertion into a new ceremony and, at the
// engine level, into the very state it answered after the counter moved on.
func TestReplayedAssertion(t *testing.T) {
	b, a, _ := newFixture(t)
	ctx := context.Background()
	register(t, b, a, "laptop")

	l, _ := b.BeginPasskeyLogin(ctx, testRP)
	captured, _ := a.Login(l.Options)
	if _, err := b.FinishPasskeyLogin(ctx, l.ID, captured); err != nil {
		t.Fatal(err)
	}
	next, _ := b.BeginPasskeyLogin(ctx, testRP)
	_, err := b.FinishPasskeyLogin(ctx, next.ID, captured)
	wantKind(t, "FinishPasskeyLogin(replayed)", err, account.ErrUnauthenticated, "challenge")

	// Even if a store failed to drop the used ceremony, the counter gives it away.
	var e passkey.Engine
	u := &passkey.User{ID: []byte(testUser.ID), Email: testUser.Email}
	reg, _ := e.BeginRegistration(testRP, u, "laptop")
	a2 := softauthn.New(testOrigin)
	resp, _ := a2.Register(reg.Options)
	done, err := e.FinishRegistration(reg.State, u, resp)
	if err != nil {
		t.Fatal(err)
	}
	u.Credentials = []passkey.Credential{done.Credential}
	lookup := func([]byte) (*passkey.User, error) { return u, nil }

	begun, _ := e.BeginLogin(testRP)
	assertion, _ := a2.Login(begun.Options)
	in, err := e.FinishLogin(begun.State, assertion, lookup)
	if err != nil {
		t.Fatal(err)
	}
	u.Credentials[0] = in.Credential
	_, err = e.FinishLogin(begun.State, assertion, lookup)
	wantKind(t, "FinishLogin(replayed, same state)", err, account.ErrUnauthenticated, "cloned")
}

func TestCounterRegression(t *testing.T) {
	b, a, _ := newFixture(t)
	pk := register(t, b, a, "laptop")
	for range 3 {
		if _, err := login(t, b, a); err != nil {
			t.Fatal(err)
		}
	}
	stored, _ := b.Credential(pk.ID)
	if err := a.SetCounter(stored.ID, 1); err != nil {
		t.Fatal(err)
	}

	_, err := login(t, b, a) // the authenticator sends 2 after 3
	wantKind(t, "login with a lower counter", err, account.ErrUnauthenticated, "may be cloned", `"laptop"`, "2 after 3")
	if after, _ := b.Credential(pk.ID); after.SignCount != 3 {
		t.Errorf("stored sign count = %d after a refused login, want 3 unchanged", after.SignCount)
	}
}

func TestZeroCounterAccepted(t *testing.T) {
	b, a, _ := newFixture(t)
	a.NoCounter = true
	register(t, b, a, "synced")
	for i := range 2 {
		if _, err := login(t, b, a); err != nil {
			t.Fatalf("login %d with counter 0: error = %v, want success", i, err)
		}
	}
}

func TestExpiredCeremony(t *testing.T) {
	b, a, clk := newFixture(t)
	ctx := context.Background()

	c, _ := b.BeginPasskeyRegistration(ctx, "laptop", testRP)
	resp, _ := a.Register(c.Options)
	clk.Advance(account.CeremonyTimeout + time.Second)
	_, err := b.FinishPasskeyRegistration(ctx, c.ID, resp)
	wantKind(t, "FinishPasskeyRegistration(expired)", err, account.ErrNotFound, "expired")

	register(t, b, softauthn.New(testOrigin), "desk key")
	l, _ := b.BeginPasskeyLogin(ctx, testRP)
	clk.Advance(account.CeremonyTimeout)
	assertion, _ := softauthn.New(testOrigin).Login(l.Options)
	_, err = b.FinishPasskeyLogin(ctx, l.ID, assertion)
	wantKind(t, "FinishPasskeyLogin(expired)", err, account.ErrUnauthenticated, "expired")

	// The engine checks expiry itself too, for stores that keep ceremonies longer.
	e := passkey.Engine{Now: clk.Now}
	begun, _ := e.BeginLogin(testRP)
	clk.Advance(3 * time.Minute)
	_, err = e.FinishLogin(begun.State, assertion, nil)
	wantKind(t, "Engine.FinishLogin(expired)", err, account.ErrUnauthenticated, "expired after 2m0s")
}

func TestDeletedCredential(t *testing.T) {
	b, a, _ := newFixture(t)
	pk := register(t, b, a, "laptop")
	if _, err := login(t, b, a); err != nil {
		t.Fatal(err)
	}
	gone, err := b.DeletePasskey(context.Background(), "LAPTOP")
	if err != nil || gone.ID != pk.ID {
		t.Fatalf("DeletePasskey(LAPTOP) = %v, %v; want %s", gone, err, pk.ID)
	}

	_, err = login(t, b, a)
	wantKind(t, "login with a deleted passkey", err, account.ErrUnauthenticated, "not registered", "deleted")
}

func TestUnknownUserHandle(t *testing.T) {
	var e passkey.Engine
	a := softauthn.New(testOrigin)
	u := &passkey.User{ID: []byte("someone"), Email: "x@example.com"}
	reg, _ := e.BeginRegistration(testRP, u, "laptop")
	resp, _ := a.Register(reg.Options)
	if _, err := e.FinishRegistration(reg.State, u, resp); err != nil {
		t.Fatal(err)
	}

	begun, _ := e.BeginLogin(testRP)
	assertion, _ := a.Login(begun.Options)
	lookup := func([]byte) (*passkey.User, error) {
		return nil, account.Errorf(account.ErrNotFound, "no such user")
	}
	_, err := e.FinishLogin(begun.State, assertion, lookup)
	wantKind(t, "FinishLogin(unknown user)", err, account.ErrUnauthenticated, "not registered")
}

func TestDuplicateName(t *testing.T) {
	b, a, _ := newFixture(t)
	ctx := context.Background()
	register(t, b, a, "Work Laptop")
	other := register(t, b, softauthn.New(testOrigin), "desk key")

	_, err := b.BeginPasskeyRegistration(ctx, " work laptop ", testRP)
	wantKind(t, "BeginPasskeyRegistration(duplicate)", err, account.ErrConflict, `"Work Laptop" already exists`)

	_, err = b.RenamePasskey(ctx, other.ID, "WORK LAPTOP")
	wantKind(t, "RenamePasskey(to a taken name)", err, account.ErrConflict, "already exists")

	// A name taken while the ceremony ran is refused at the finish.
	c, _ := b.BeginPasskeyRegistration(ctx, "travel key", testRP)
	if _, err := b.RenamePasskey(ctx, "desk key", "Travel Key"); err != nil {
		t.Fatal(err)
	}
	resp, _ := softauthn.New(testOrigin).Register(c.Options)
	_, err = b.FinishPasskeyRegistration(ctx, c.ID, resp)
	wantKind(t, "FinishPasskeyRegistration(name taken meanwhile)", err, account.ErrConflict, "already exists")
}

func TestEngineStateMisuse(t *testing.T) {
	var e passkey.Engine
	u := &passkey.User{ID: []byte("u1"), Email: "x@example.com"}
	reg, _ := e.BeginRegistration(testRP, u, "laptop")
	login, _ := e.BeginLogin(testRP)
	resp, _ := softauthn.New(testOrigin).Register(reg.Options)

	_, err := e.FinishRegistration(login.State, u, resp)
	wantKind(t, "FinishRegistration(login state)", err, account.ErrInvalid, "not a registration")
	_, err = e.FinishRegistration([]byte("{"), u, resp)
	wantKind(t, "FinishRegistration(damaged state)", err, account.ErrInvalid, "damaged")
	_, err = e.FinishRegistration(reg.State, &passkey.User{ID: []byte("u2")}, resp)
	wantKind(t, "FinishRegistration(other user)", err, account.ErrInvalid, "another user")
	_, err = e.FinishRegistration(reg.State, u, []byte(`{"id":"x"}`))
	wantKind(t, "FinishRegistration(garbage)", err, account.ErrInvalid, "registration failed")

	done, err := e.FinishRegistration(reg.State, u, resp)
	if err != nil {
		t.Fatal(err)
	}
	u.Credentials = []passkey.Credential{done.Credential}
	u.Credentials[0].Name = "older key"
	_, err = e.FinishRegistration(reg.State, u, resp)
	wantKind(t, "FinishRegistration(same credential twice)", err, account.ErrConflict, "already holds")
}

func TestCheckPasskeyName(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"abc", "abc", true},
		{"  YubiKey 5C  ", "YubiKey 5C", true},
		{"ab", "", false},
		{"  ab  ", "", false},
		{"äöü", "äöü", true},
		{strings.Repeat("x", 64), strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), "", false},
		{"bad\x00name", "", false},
	}
	for _, tt := range tests {
		got, err := account.CheckPasskeyName(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("CheckPasskeyName(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, account.ErrInvalid) {
			t.Errorf("CheckPasskeyName(%q) error = %v, want ErrInvalid", tt.in, err)
		}
	}
}

func TestAuthenticatorName(t *testing.T) {
	chromium := []byte{1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}
	tests := []struct {
		aaguid   []byte
		wantUUID string
		wantName string
	}{
		{chromium, "01020304-0506-0708-0102-030405060708", "Chromium virtual authenticator"},
		{make([]byte, 16), "00000000-0000-0000-0000-000000000000", passkey.UnknownAuthenticator},
		{nil, "00000000-0000-0000-0000-000000000000", passkey.UnknownAuthenticator},
		{softauthn.AAGUID[:], "776b2d73-6f66-7461-7574-686e2d747374", passkey.UnknownAuthenticator},
	}
	for _, tt := range tests {
		if got := passkey.FormatAAGUID(tt.aaguid); got != tt.wantUUID {
			t.Errorf("FormatAAGUID(%x) = %q, want %q", tt.aaguid, got, tt.wantUUID)
		}
		if got := passkey.AuthenticatorName(tt.aaguid); got != tt.wantName {
			t.Errorf("AuthenticatorName(%x) = %q, want %q", tt.aaguid, got, tt.wantName)
		}
	}
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
