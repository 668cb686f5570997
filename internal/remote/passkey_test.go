package remote_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
	"github.com/wk-tools/wk/internal/remote"
	"github.com/wk-tools/wk/internal/server"
	"github.com/wk-tools/wk/internal/store"
)

// passkeyOrigin is the public URL of the in-process server: http on localhost, so
// passkeys are on. Requests go to the listener's 127.0.0.1 address.
const passkeyOrigin = "http://localhost:8080"

// passkeyServer is wk serve over a fresh store with passkeys on, and a client signed
// in as its first user.
type passkeyServer struct {
	hs     *httptest.Server
	user   *remote.Client
	anon   *remote.Client
	notice *accounttest.Recorder
}

func newPasskeyServer(t *testing.T, cfg server.Config) *passkeyServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wk.db")
	db, err := store.Create(t.Context(), path)
	if err != nil {
		t.Fatalf("store.Create(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	rec := &accounttest.Recorder{}
	if _, err := db.Backend(store.BackendOptions{Notifier: rec}).Init(t.Context(), accounttest.DefaultInit); err != nil {
		t.Fatalf("Init = %v", err)
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = passkeyOrigin
	}
	cfg.Notifier = rec
	hs := httptest.NewServer(server.New(db, cfg).Handler())
	t.Cleanup(hs.Close)

	p := &passkeyServer{hs: hs, notice: rec}
	p.anon = newClient(t, hs.URL, account.Credential{})
	res, err := p.anon.Login(t.Context(), accounttest.DefaultInit.Email, accounttest.DefaultInit.Password)
	if err != nil {
		t.Fatalf("Login = %v", err)
	}
	p.user = newClient(t, hs.URL, res.Credential)
	return p
}

func newClient(t *testing.T, base string, cred account.Credential) *remote.Client {
	t.Helper()
	c, err := remote.New(base, remote.Options{Credential: cred, UserAgent: "wk-passkey-test"})
	if err != nil {
		t.Fatalf("remote.New(%s) = %v", base, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// register adds a passkey through the client's Begin and Finish, with auth as the
// browser at the server's origin.
func register(t *testing.T, c *remote.Client, auth *softauthn.Authenticator, name string) *account.Passkey {
	t.Helper()
	cer, err := c.BeginPasskeyRegistration(t.Context(), name, account.RelyingParty{})
	if err != nil {
		t.Fatalf("BeginPasskeyRegistration(%q) = %v", name, err)
	}
	resp, err := auth.Register(cer.Options)
	if err != nil {
		t.Fatalf("authenticator refused %s: %v", cer.Options, err)
	}
	pk, err := c.FinishPasskeyRegistration(t.Context(), cer.ID, resp)
	if err != nil {
		t.Fatalf("FinishPasskeyRegistration = %v", err)
	}
	return pk
}

func TestRemotePasskeys(t *testing.T) {
	p := newPasskeyServer(t, server.Config{})
	ctx := t.Context()
	auth := softauthn.New(passkeyOrigin)

	pk := register(t, p.user, auth, "laptop")
	if pk.Name != "laptop" || pk.ID == "" || pk.Authenticator == "" {
		t.Errorf("registered %+v, want laptop with an id and an authenticator name", pk)
	}
	if _, err := p.user.BeginPasskeyRegistration(ctx, "LAPTOP", account.RelyingParty{}); !errors.Is(err, account.ErrConflict) {
		t.Errorf("BeginPasskeyRegistration(taken name) = %v, want ErrConflict", err)
	}

	cer, err := p.anon.BeginPasskeyLogin(ctx, account.RelyingParty{})
	if err != nil {
		t.Fatalf("BeginPasskeyLogin = %v", err)
	}
	resp, err := auth.Login(cer.Options)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.anon.FinishPasskeyLogin(ctx, cer.ID, resp)
	if err != nil || res.Credential.Kind != account.CredentialSession || res.User.Email != accounttest.DefaultInit.Email {
		t.Fatalf("FinishPasskeyLogin = %+v, %v; want a session for the first user", res, err)
	}
	if _, err := p.anon.FinishPasskeyLogin(ctx, cer.ID, resp); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("FinishPasskeyLogin replayed = %v, want ErrUnauthenticated", err)
	}

	renamed, err := p.user.RenamePasskey(ctx, "Laptop", "work laptop")
	if err != nil || renamed.Name != "work laptop" || renamed.ID != pk.ID {
		t.Errorf("RenamePasskey(by name) = %+v, %v; want %s renamed", renamed, err, pk.ID)
	}
	list, err := p.user.Passkeys(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "work laptop" || list[0].LastUsed.IsZero() {
		t.Errorf("Passkeys = %+v, %v; want work laptop, used once", list, err)
	}
	if _, err := p.user.DeletePasskey(ctx, "tablet"); !errors.Is(err, account.ErrNotFound) ||
		!strings.Contains(err.Error(), `no passkey has the id or name "tablet"`) {
		t.Errorf("DeletePasskey(unknown) = %v, want the local store's ErrNotFound", err)
	}
	gone, err := p.user.DeletePasskey(ctx, pk.ID)
	if err != nil || gone.ID != pk.ID {
		t.Errorf("DeletePasskey(%s) = %+v, %v", pk.ID, gone, err)
	}
	if list, _ := p.user.Passkeys(ctx); len(list) != 0 {
		t.Errorf("Passkeys after delete = %+v, want none", list)
	}
	var kinds []account.NoticeKind
	for _, n := range p.notice.Notices() {
		kinds = append(kinds, n.Kind)
	}
	if !strings.Contains(strings.Join(toStrings(kinds), ","), string(account.NoticePasskeyRemoved)) {
		t.Errorf("notices = %v, want a passkey-removed notice", kinds)
	}
}

func toStrings(kinds []account.NoticeKind) []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return out
}

// browse plays the passkey page at pageURL: it posts the link to begin and the
// authenticator's answer to finish, as passkey.js does, from the page's origin.
func browse(t *testing.T, base, pageURL string, auth *softauthn.Authenticator) {
	t.Helper()
	u, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	link := u.Query().Get("link")
	post := func(path string, body any) []byte {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(t.Context(), "POST", base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out bytes.Buffer
		out.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s = %d %s", path, resp.StatusCode, out.String())
		}
		return out.Bytes()
	}
	var begun struct {
		Mode    string          `json:"mode"`
		Options json.RawMessage `json:"options"`
	}
	json.Unmarshal(post("/api/auth/passkeyLinks/begin", map[string]string{"link": link}), &begun)
	var resp []byte
	if begun.Mode == account.PasskeyPageRegister {
		resp, err = auth.Register(begun.Options)
	} else {
		resp, err = auth.Login(begun.Options)
	}
	if err != nil {
		t.Fatalf("authenticator refused the %s options: %v", begun.Mode, err)
	}
	post("/api/auth/passkeyLinks/finish", map[string]any{"link": link, "key": json.RawMessage(resp)})
}

func TestRemotePasskeyPages(t *testing.T) {
	p := newPasskeyServer(t, server.Config{})
	ctx := t.Context()
	auth := softauthn.New(passkeyOrigin)

	page, err := p.user.StartPasskeyPage(ctx, account.PasskeyPageRegister, "laptop")
	if err != nil {
		t.Fatalf("StartPasskeyPage(register) = %v", err)
	}
	if !strings.HasPrefix(page.URL, passkeyOrigin+"/auth/passkeys/register?link=") {
		t.Errorf("page URL = %q, want the register page at the public URL", page.URL)
	}
	done := make(chan *account.PasskeyPageResult, 1)
	go func() {
		res, err := page.Wait(ctx)
		if err != nil {
			t.Errorf("Wait(register) = %v", err)
		}
		done <- res
	}()
	browse(t, p.hs.URL, page.URL, auth)
	if res := <-done; res == nil || res.Passkey == nil || res.Passkey.Name != "laptop" {
		t.Fatalf("register page result = %+v, want passkey laptop", res)
	}

	page, err = p.anon.StartPasskeyPage(ctx, account.PasskeyPageLogin, "")
	if err != nil {
		t.Fatalf("StartPasskeyPage(login) = %v", err)
	}
	browse(t, p.hs.URL, page.URL, auth)
	res, err := page.Wait(ctx)
	if err != nil || res.Login == nil || res.Login.User.Email != accounttest.DefaultInit.Email {
		t.Fatalf("login page = %+v, %v; want the first user's session", res, err)
	}
	sessions, err := newClient(t, p.hs.URL, res.Login.Credential).Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sessions {
		if s.Current && s.OpenedWith != account.OpenedWithPasskey {
			t.Errorf("the page's session was opened with %q, want passkey", s.OpenedWith)
		}
	}
}

func TestRemotePasskeyPageErrors(t *testing.T) {
	p := newPasskeyServer(t, server.Config{})
	ctx := t.Context()

	if _, err := p.user.StartPasskeyPage(ctx, account.PasskeyPageRegister, "ab"); !errors.Is(err, account.ErrInvalid) {
		t.Errorf("StartPasskeyPage(short name) = %v, want ErrInvalid", err)
	}
	if _, err := p.anon.StartPasskeyPage(ctx, account.PasskeyPageRegister, "laptop"); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("StartPasskeyPage(register, signed out) = %v, want ErrUnauthenticated", err)
	}

	// A page nobody opens: the wait ends when ctx does.
	page, err := p.anon.StartPasskeyPage(ctx, account.PasskeyPageLogin, "")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 3*remote.PollInterval)
	defer cancel()
	if _, err := page.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait on an unopened page = %v, want the context's deadline", err)
	}

	// Passkeys off: the server says why.
	off := newPasskeyServer(t, server.Config{PublicURL: "http://wk.example.org"})
	_, err = off.user.StartPasskeyPage(ctx, account.PasskeyPageRegister, "laptop")
	if !errors.Is(err, account.ErrInvalid) || !strings.Contains(err.Error(), "only supported with HTTPS") {
		t.Errorf("StartPasskeyPage with passkeys off = %v, want the HTTPS refusal", err)
	}
}

// TestRemotePasskeyPageExpiry checks that a page the server forgot is reported as
// expired: ErrUnauthenticated for a login, ErrNotFound for a registration.
func TestRemotePasskeyPageExpiry(t *testing.T) {
	clock := accounttest.NewClock(time.Now())
	p := newPasskeyServer(t, server.Config{Now: clock.Now})
	ctx := t.Context()
	for mode, want := range map[string]error{
		account.PasskeyPageLogin:    account.ErrUnauthenticated,
		account.PasskeyPageRegister: account.ErrNotFound,
	} {
		c := p.anon
		if mode == account.PasskeyPageRegister {
			c = p.user
		}
		page, err := c.StartPasskeyPage(ctx, mode, "laptop")
		if err != nil {
			t.Fatalf("StartPasskeyPage(%s) = %v", mode, err)
		}
		clock.Advance(account.CeremonyTimeout + time.Second)
		if _, err := page.Wait(ctx); !errors.Is(err, want) || !strings.Contains(err.Error(), "no passkey answer") {
			t.Errorf("Wait(%s) on an expired page = %v, want %v", mode, err, want)
		}
	}
}

func TestRemotePasskeyPagesUnsupported(t *testing.T) {
	// A server that lists no extensions, like WEBKNOSSOS.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/buildinfo":
			w.Write([]byte(`{"httpApiVersioning":{"currentApiVersion":14,"oldestSupportedApiVersion":5}}`))
		case "/api/features":
			w.Write([]byte(`{"passkeysEnabled":true}`))
		default:
			t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	c := newClient(t, hs.URL, account.Credential{Kind: account.CredentialSession, Secret: "s"})
	_, err := c.StartPasskeyPage(t.Context(), account.PasskeyPageRegister, "laptop")
	want := "the server at " + hs.URL + " does not offer passkey pages for wk: register the passkey in its web interface"
	if !errors.Is(err, account.ErrUnsupported) || err.Error() != want {
		t.Errorf("StartPasskeyPage on WEBKNOSSOS = %v, want ErrUnsupported %q", err, want)
	}
	if _, err := c.RenamePasskey(t.Context(), "laptop", "desk"); !errors.Is(err, account.ErrUnsupported) {
		t.Errorf("RenamePasskey on WEBKNOSSOS = %v, want ErrUnsupported", err)
	}
}
