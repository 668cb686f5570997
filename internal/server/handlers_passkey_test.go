package server

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
)

// passkeyOrigin is the public URL of the passkey tests: http on localhost, a secure
// context, so passkeys are on.
const passkeyOrigin = "http://localhost:8080"

func newPasskeyEnv(t *testing.T, cfg Config) (*env, *softauthn.Authenticator) {
	t.Helper()
	if cfg.PublicURL == "" {
		cfg.PublicURL = passkeyOrigin
	}
	return newEnv(t, cfg), softauthn.New(passkeyOrigin)
}

// cookie returns the cookie name an answer sets, or fails the test.
func (a answer) cookie(t *testing.T, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: a.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("answer %d %s sets no %s cookie: %v", a.Status, a.Body, name, a.Header)
	return nil
}

func withNamedCookie(name, value string) opt {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

// register adds a passkey named name through the WEBKNOSSOS routes and returns it.
func (e *env) registerPasskey(t *testing.T, auth *softauthn.Authenticator, session, startBody, name string) answer {
	t.Helper()
	start := e.do("POST", "/api/auth/webauthn/register/start", startBody, withCookie(session))
	if start.Status != http.StatusOK {
		t.Fatalf("register/start = %d %s", start.Status, start.Body)
	}
	ck := start.cookie(t, registrationCookie)
	resp, err := auth.Register([]byte(start.Body))
	if err != nil {
		t.Fatalf("authenticator refused the creation options %s: %v", start.Body, err)
	}
	body := marshal(t, map[string]any{"name": name, "key": json.RawMessage(resp)})
	return e.do("POST", "/api/auth/webauthn/register/finalize", body, withCookie(session),
		withNamedCookie(registrationCookie, ck.Value))
}

// passkeyLogin signs in through the WEBKNOSSOS routes and returns the finalize answer.
func (e *env) passkeyLogin(t *testing.T, auth *softauthn.Authenticator) (answer, []byte, string) {
	t.Helper()
	start := e.do("POST", "/api/auth/webauthn/auth/start", "")
	if start.Status != http.StatusOK {
		t.Fatalf("auth/start = %d %s", start.Status, start.Body)
	}
	ck := start.cookie(t, loginCookie)
	resp, err := auth.Login([]byte(start.Body))
	if err != nil {
		t.Fatalf("authenticator refused the request options %s: %v", start.Body, err)
	}
	body := marshal(t, map[string]any{"key": json.RawMessage(resp)})
	return e.do("POST", "/api/auth/webauthn/auth/finalize", body, withNamedCookie(loginCookie, ck.Value)), resp, ck.Value
}

func TestPasskeysEnabled(t *testing.T) {
	tests := []struct {
		publicURL string
		want      bool
	}{
		{"https://wk.example.org", true},
		{"http://localhost:8080", true},
		{"http://wk.example.org", false},
		{"", false},
	}
	for _, tt := range tests {
		e := newEnv(t, Config{PublicURL: tt.publicURL})
		var got struct {
			On bool `json:"passkeysEnabled"`
		}
		e.do("GET", "/api/features", "").decode(t, &got)
		if got.On != tt.want {
			t.Errorf("public URL %q: passkeysEnabled = %v, want %v", tt.publicURL, got.On, tt.want)
		}
		a := e.do("POST", "/api/auth/webauthn/auth/start", "")
		if !tt.want && (a.Status != http.StatusBadRequest || a.errorText(t) != msgPasskeysOff) {
			t.Errorf("public URL %q: auth/start = %d %s, want 400 %q", tt.publicURL, a.Status, a.Body, msgPasskeysOff)
		}
		if tt.want && a.Status != http.StatusOK {
			t.Errorf("public URL %q: auth/start = %d %s, want 200", tt.publicURL, a.Status, a.Body)
		}
	}

	// Listing needs no relying party, so keys stay manageable when passkeys are off.
	e := newEnv(t, Config{PublicURL: "http://wk.example.org"})
	if a := e.do("GET", "/api/auth/webauthn/keys", "", withCookie(e.login())); a.Status != http.StatusOK || a.Body != "[]\n" {
		t.Errorf("keys with passkeys off = %d %q, want 200 []", a.Status, a.Body)
	}
}

func TestPasskeyRegisterAndLogin(t *testing.T) {
	e, auth := newPasskeyEnv(t, Config{})
	session := e.login()

	start := e.do("POST", "/api/auth/webauthn/register/start", "", withCookie(session))
	ck := start.cookie(t, registrationCookie)
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge != 120 || ck.Secure {
		t.Errorf("registration cookie = %+v, want HttpOnly, SameSite=Strict, Max-Age 120, not Secure on http", ck)
	}
	var opts struct {
		RP          struct{ ID, Name string }
		Attestation string
		Timeout     int
		Selection   struct {
			ResidentKey      string `json:"residentKey"`
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
	}
	start.decode(t, &opts)
	if opts.RP.ID != "localhost" || opts.Attestation != "none" || opts.Timeout != 120000 ||
		opts.Selection.ResidentKey != "required" || opts.Selection.UserVerification != "preferred" {
		t.Errorf("creation options = %s, want rp localhost, attestation none, 2 minutes, resident key required", start.Body)
	}

	fin := e.registerPasskey(t, auth, session, `{"name":"laptop"}`, "")
	var got struct {
		Message string          `json:"message"`
		Passkey account.Passkey `json:"passkey"`
	}
	fin.decode(t, &got)
	if fin.Status != http.StatusOK || got.Message != msgKeyRegistered || got.Passkey.Name != "laptop" {
		t.Fatalf("register/finalize = %d %s, want the message and passkey laptop", fin.Status, fin.Body)
	}

	// The name given at finalize wins, as WEBKNOSSOS clients give it only there.
	e.clock.Advance(time.Second)
	fin = e.registerPasskey(t, softauthn.New(passkeyOrigin), session, "", "Phone")
	if fin.Status != http.StatusOK {
		t.Fatalf("register/finalize with the name = %d %s", fin.Status, fin.Body)
	}
	fin = e.registerPasskey(t, softauthn.New(passkeyOrigin), session, "", "PHONE")
	if fin.Status != http.StatusBadRequest || !strings.Contains(fin.errorText(t), "already exists") {
		t.Errorf("register/finalize with a taken name = %d %s, want 400 already exists", fin.Status, fin.Body)
	}

	var list []map[string]any
	e.do("GET", "/api/auth/webauthn/keys", "", withCookie(session)).decode(t, &list)
	if len(list) != 2 || list[0]["name"] != "laptop" || list[1]["name"] != "Phone" || list[0]["backupEligible"] == nil {
		t.Fatalf("keys = %v, want laptop and Phone with wk's extra fields", list)
	}

	a, resp, ceremony := e.passkeyLogin(t, auth)
	if a.Status != http.StatusOK || a.cookie(t, "id").Value == "" {
		t.Fatalf("auth/finalize = %d %s, want 200 and a session cookie", a.Status, a.Body)
	}
	if me := e.do("GET", "/api/user", "", withCookie(a.cookie(t, "id").Value)); me.Status != http.StatusOK {
		t.Errorf("GET /api/user with the passkey session = %d, want 200", me.Status)
	}

	// The same assertion again: the ceremony is used up.
	replay := e.do("POST", "/api/auth/webauthn/auth/finalize", marshal(t, map[string]any{"key": json.RawMessage(resp)}),
		withNamedCookie(loginCookie, ceremony))
	if replay.Status != http.StatusUnauthorized || replay.errorText(t) != msgPasskeyFailed {
		t.Errorf("replayed auth/finalize = %d %s, want 401 %q", replay.Status, replay.Body, msgPasskeyFailed)
	}
	if !strings.Contains(e.logs.String(), "passkey sign-in refused") {
		t.Errorf("log lacks the refusal: %s", e.logs)
	}
	noCookie := e.do("POST", "/api/auth/webauthn/auth/finalize", `{"key":{}}`)
	if noCookie.Status != http.StatusUnauthorized {
		t.Errorf("auth/finalize without a ceremony cookie = %d, want 401", noCookie.Status)
	}
}

func TestPasskeyRenameDelete(t *testing.T) {
	e, auth := newPasskeyEnv(t, Config{})
	session := e.login()
	var got struct {
		Passkey account.Passkey `json:"passkey"`
	}
	e.registerPasskey(t, auth, session, "", "laptop").decode(t, &got)
	id := got.Passkey.ID

	a := e.do("PATCH", "/api/auth/webauthn/keys/"+id, `{"name":"work laptop"}`, withCookie(session))
	var renamed account.Passkey
	a.decode(t, &renamed)
	if a.Status != http.StatusOK || renamed.Name != "work laptop" || renamed.ID != id {
		t.Errorf("PATCH keys/%s = %d %s, want it renamed", id, a.Status, a.Body)
	}
	if a := e.do("PATCH", "/api/auth/webauthn/keys/"+id, `{"name":"x"}`, withCookie(session)); a.Status != http.StatusBadRequest {
		t.Errorf("PATCH with a short name = %d, want 400", a.Status)
	}

	if a := e.do("DELETE", "/api/auth/webauthn/keys/"+id, "", withCookie(session)); a.Status != http.StatusOK || a.Body != "{}\n" {
		t.Errorf("DELETE keys/%s = %d %q, want 200 {}", id, a.Status, a.Body)
	}
	if a := e.do("DELETE", "/api/auth/webauthn/keys/"+id, "", withCookie(session)); a.Status != http.StatusNotFound {
		t.Errorf("DELETE of a deleted key = %d, want 404", a.Status)
	}
	if a := e.do("GET", "/api/auth/webauthn/keys", ""); a.Status != http.StatusUnauthorized {
		t.Errorf("keys without a credential = %d, want 401", a.Status)
	}

	// A deleted passkey no longer signs in.
	if a, _, _ := e.passkeyLogin(t, auth); a.Status != http.StatusUnauthorized {
		t.Errorf("login with a deleted passkey = %d %s, want 401", a.Status, a.Body)
	}
}

func TestPasskeyLoginRateLimit(t *testing.T) {
	e, auth := newPasskeyEnv(t, Config{AuthBurst: 3, AuthRefill: time.Minute})
	e.registerPasskey(t, auth, e.login(), "", "laptop")

	// The password login took one token; start and finalize take one each.
	if a, _, _ := e.passkeyLogin(t, auth); a.Status != http.StatusOK {
		t.Fatalf("first passkey login = %d %s", a.Status, a.Body)
	}
	a := e.do("POST", "/api/auth/webauthn/auth/start", "")
	if a.Status != http.StatusTooManyRequests || a.Header.Get("Retry-After") == "" {
		t.Errorf("auth/start over the limit = %d (Retry-After %q), want 429 with Retry-After",
			a.Status, a.Header.Get("Retry-After"))
	}
}

func TestPasskeyCrossSite(t *testing.T) {
	e, auth := newPasskeyEnv(t, Config{})
	session := e.login()
	start := e.do("POST", "/api/auth/webauthn/register/start", "", withCookie(session))
	resp, err := auth.Register([]byte(start.Body))
	if err != nil {
		t.Fatal(err)
	}
	body := marshal(t, map[string]any{"name": "laptop", "key": json.RawMessage(resp)})
	a := e.do("POST", "/api/auth/webauthn/register/finalize", body, withCookie(session),
		withNamedCookie(registrationCookie, start.cookie(t, registrationCookie).Value),
		withHeader("Sec-Fetch-Site", "cross-site"), withHeader("Origin", "https://evil.example"))
	if a.Status != http.StatusForbidden {
		t.Errorf("cross-site register/finalize = %d %s, want 403", a.Status, a.Body)
	}
}

// linkAnswer is the answer of POST /api/auth/passkeyLinks.
type linkAnswer struct {
	URL     string `json:"url"`
	Poll    string `json:"poll"`
	Expires int64  `json:"expires"`
}

// startLink makes a passkey link and returns it with the link secret from its URL.
func (e *env) startLink(t *testing.T, body string, opts ...opt) (linkAnswer, string) {
	t.Helper()
	a := e.do("POST", "/api/auth/passkeyLinks", body, opts...)
	var l linkAnswer
	a.decode(t, &l)
	if a.Status != http.StatusOK || l.Poll == "" {
		t.Fatalf("POST passkeyLinks %s = %d %s", body, a.Status, a.Body)
	}
	u, err := url.Parse(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	return l, u.Query().Get("link")
}

// playPage does what the passkey page does for link with the authenticator.
func (e *env) playPage(t *testing.T, auth *softauthn.Authenticator, link string) answer {
	t.Helper()
	begin := e.do("POST", "/api/auth/passkeyLinks/begin", marshal(t, map[string]string{"link": link}))
	var b struct {
		Mode    string          `json:"mode"`
		Options json.RawMessage `json:"options"`
	}
	begin.decode(t, &b)
	if begin.Status != http.StatusOK {
		t.Fatalf("passkeyLinks/begin = %d %s", begin.Status, begin.Body)
	}
	var resp []byte
	var err error
	if b.Mode == account.PasskeyPageRegister {
		resp, err = auth.Register(b.Options)
	} else {
		resp, err = auth.Login(b.Options)
	}
	if err != nil {
		t.Fatalf("authenticator refused %s options: %v", b.Mode, err)
	}
	body := marshal(t, map[string]any{"link": link, "key": json.RawMessage(resp)})
	return e.do("POST", "/api/auth/passkeyLinks/finish", body)
}

func TestPasskeyLinks(t *testing.T) {
	e, auth := newPasskeyEnv(t, Config{})
	session := e.login()
	poll := func(secret string) answer {
		return e.do("GET", "/api/auth/passkeyLinks/status", "", withHeader(pollHeader, secret))
	}

	if a := e.do("POST", "/api/auth/passkeyLinks", `{"mode":"register","name":"laptop"}`); a.Status != http.StatusUnauthorized {
		t.Errorf("register link without a credential = %d, want 401", a.Status)
	}
	reg, link := e.startLink(t, `{"mode":"register","name":"laptop"}`, withCookie(session))
	if !strings.HasPrefix(reg.URL, passkeyOrigin+"/auth/passkeys/register?link=") || link == "" {
		t.Errorf("register link URL = %q, want the register page at the public URL", reg.URL)
	}
	if strings.Contains(reg.URL, reg.Poll) {
		t.Errorf("the page URL %q holds the poll secret", reg.URL)
	}
	if a := poll(reg.Poll); a.Status != http.StatusAccepted || a.Body != "{\"done\":false}\n" {
		t.Errorf("status before the page = %d %q, want 202 done:false", a.Status, a.Body)
	}
	if a := poll(link); a.Status != http.StatusNotFound {
		t.Errorf("status polled with the page's link secret = %d, want 404", a.Status)
	}
	if a := e.playPage(t, auth, link); a.Status != http.StatusOK {
		t.Fatalf("passkeyLinks/finish = %d %s", a.Status, a.Body)
	}
	a := poll(reg.Poll)
	var done struct {
		Done    bool            `json:"done"`
		Passkey account.Passkey `json:"passkey"`
	}
	a.decode(t, &done)
	if a.Status != http.StatusOK || !done.Done || done.Passkey.Name != "laptop" {
		t.Errorf("status after the page = %d %s, want done with passkey laptop", a.Status, a.Body)
	}
	if a := poll(reg.Poll); a.Status != http.StatusNotFound {
		t.Errorf("second status of a used link = %d, want 404", a.Status)
	}

	login, link := e.startLink(t, `{"mode":"login"}`)
	if a := e.playPage(t, auth, link); a.Status != http.StatusOK {
		t.Fatalf("login passkeyLinks/finish = %d %s", a.Status, a.Body)
	}
	if a := e.do("POST", "/api/auth/passkeyLinks/begin", marshal(t, map[string]string{"link": link})); a.Status != http.StatusNotFound {
		t.Errorf("begin on a finished link = %d, want 404", a.Status)
	}
	a = poll(login.Poll)
	sess := a.cookie(t, "id").Value
	var sessions []account.Session
	e.do("GET", "/api/auth/sessions", "", withCookie(sess)).decode(t, &sessions)
	var opened []string
	for _, s := range sessions {
		if s.Current {
			opened = append(opened, s.OpenedWith)
		}
	}
	if len(opened) != 1 || opened[0] != account.OpenedWithPasskey {
		t.Errorf("the polled session was opened with %v, want passkey", opened)
	}
}

func TestPasskeyLinkFailures(t *testing.T) {
	e, auth := newPasskeyEnv(t, Config{})
	e.registerPasskey(t, auth, e.login(), "", "laptop")

	// A login from another origin gets the uniform sign-in answer, and the page can
	// retry on the same link.
	login, link := e.startLink(t, `{"mode":"login"}`)
	auth.Origin = "http://evil.localhost:8080"
	if a := e.playPage(t, auth, link); a.Status != http.StatusUnauthorized || a.errorText(t) != msgPasskeyFailed {
		t.Errorf("finish from another origin = %d %s, want 401 %q", a.Status, a.Body, msgPasskeyFailed)
	}
	if a := e.do("GET", "/api/auth/passkeyLinks/status", "", withHeader(pollHeader, login.Poll)); a.Status != http.StatusAccepted {
		t.Errorf("status after a failure = %d %s, want 202", a.Status, a.Body)
	}
	auth.Origin = passkeyOrigin
	if a := e.playPage(t, auth, link); a.Status != http.StatusOK {
		t.Errorf("retry from the right origin = %d %s, want 200", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/auth/passkeyLinks/status", "", withHeader(pollHeader, login.Poll)); a.Status != http.StatusOK {
		t.Errorf("status = %d %s, want 200", a.Status, a.Body)
	}

	// Links expire after two minutes.
	late, link := e.startLink(t, `{"mode":"login"}`)
	e.clock.Advance(account.CeremonyTimeout + time.Second)
	if a := e.do("POST", "/api/auth/passkeyLinks/begin", marshal(t, map[string]string{"link": link})); a.Status != http.StatusNotFound {
		t.Errorf("begin on an expired link = %d, want 404", a.Status)
	}
	if a := e.do("GET", "/api/auth/passkeyLinks/status", "", withHeader(pollHeader, late.Poll)); a.Status != http.StatusNotFound {
		t.Errorf("status of an expired link = %d, want 404", a.Status)
	}
	if a := e.do("GET", "/api/auth/passkeyLinks/status", ""); a.Status != http.StatusBadRequest {
		t.Errorf("status without the poll header = %d, want 400", a.Status)
	}
}

func TestPasskeyPages(t *testing.T) {
	e, _ := newPasskeyEnv(t, Config{})
	for _, path := range []string{"/auth/passkeys/register", "/auth/passkeys/login?link=x.y"} {
		a := e.do("GET", path, "")
		if a.Status != http.StatusOK || !strings.Contains(a.Body, `src="/auth/assets/passkey.js"`) ||
			a.Header.Get("Content-Security-Policy") != cspPage {
			t.Errorf("GET %s = %d (CSP %q), want the page with its script and the page CSP",
				path, a.Status, a.Header.Get("Content-Security-Policy"))
		}
	}
	if a := e.do("GET", "/auth/assets/passkey.js", ""); a.Status != http.StatusOK || !strings.Contains(a.Body, "passkeyLinks/begin") {
		t.Errorf("GET passkey.js = %d, want the script", a.Status)
	}
}
