package passkey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey"
	"github.com/wk-tools/wk/internal/passkey/passkeytest"
	"github.com/wk-tools/wk/internal/passkey/softauthn"
)

type outcome[T any] struct {
	v   T
	err error
}

// runHandoff starts Run for h in the background and returns where its outcome lands.
func runHandoff[T any](t *testing.T, ctx context.Context, h *passkey.Handoff, begin passkey.BeginFunc, finish passkey.FinishFunc[T]) <-chan outcome[T] {
	t.Helper()
	out := make(chan outcome[T], 1)
	go func() {
		v, err := passkey.Run(ctx, h, begin, finish)
		out <- outcome[T]{v, err}
	}()
	return out
}

func wait[T any](t *testing.T, out <-chan outcome[T]) outcome[T] {
	t.Helper()
	select {
	case o := <-out:
		return o
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return")
		return outcome[T]{}
	}
}

// browser is an HTTP client that behaves like the page's browser: it keeps cookies,
// sends the page's Origin on POSTs, and reaches localhost:PORT on 127.0.0.1.
type browser struct {
	t      *testing.T
	h      *passkey.Handoff
	client *http.Client
	origin string
}

func newBrowser(t *testing.T, h *passkey.Handoff) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimPrefix(h.Origin(), "http://localhost")
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, "127.0.0.1"+addr)
	}
	client := &http.Client{Jar: jar, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true},
		Timeout: 10 * time.Second}
	return &browser{t: t, h: h, client: client, origin: h.Origin()}
}

func (b *browser) do(method, url, host string, body []byte) (int, http.Header, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
		if b.origin != "" {
			req.Header.Set("Origin", b.origin)
		}
	}
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(text)
}

// base is the page's folder, http://localhost:PORT/<nonce>/.
func (b *browser) base() string {
	u := b.h.URL()
	return u[:strings.LastIndex(u, "/")+1]
}

// ceremony loads the page and fetches options, as the page's script does on load.
func (b *browser) ceremony() (id string, options json.RawMessage) {
	b.t.Helper()
	if code, _, body := b.do(http.MethodGet, b.h.URL(), "", nil); code != http.StatusOK {
		b.t.Fatalf("GET page = %d %s, want 200", code, body)
	}
	code, _, body := b.do(http.MethodPost, b.base()+"options", "", []byte("{}"))
	if code != http.StatusOK {
		b.t.Fatalf("POST options = %d %s, want 200", code, body)
	}
	var got struct {
		Ceremony string          `json:"ceremony"`
		Options  json.RawMessage `json:"options"`
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		b.t.Fatalf("options answer %s: %v", body, err)
	}
	return got.Ceremony, got.Options
}

func (b *browser) finish(id string, credential []byte) (int, string) {
	b.t.Helper()
	payload, _ := json.Marshal(map[string]any{"ceremony": id, "credential": json.RawMessage(credential)})
	code, _, body := b.do(http.MethodPost, b.base()+"finish", "", payload)
	return code, body
}

func TestHandoffRegisterThenLogin(t *testing.T) {
	ctx := context.Background()
	backend := passkeytest.New(testUser, nil)

	reg, err := passkey.Listen(passkey.ModeRegister)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://localhost:\d+/[A-Za-z0-9_-]{22}/register$`).MatchString(reg.URL()) {
		t.Errorf("URL() = %q, want http://localhost:PORT/<nonce>/register", reg.URL())
	}
	rp := reg.RelyingParty("wk")
	out := runHandoff(t, ctx, reg,
		func(ctx context.Context) (*account.Ceremony, error) {
			return backend.BeginPasskeyRegistration(ctx, "laptop", rp)
		}, backend.FinishPasskeyRegistration)

	br := newBrowser(t, reg)
	auth := softauthn.New(reg.Origin())
	id, options := br.ceremony()
	resp, err := auth.Register(options)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := br.finish(id, resp); code != http.StatusOK {
		t.Fatalf("POST finish = %d %s, want 200", code, body)
	}
	got := wait(t, out)
	if got.err != nil || got.v == nil || got.v.Name != "laptop" {
		t.Fatalf("Run(register) = %+v, %v; want passkey laptop", got.v, got.err)
	}
	// One successful finish ends the hand-off: the port no longer answers.
	if _, err := br.client.Get(reg.URL()); err == nil {
		t.Errorf("GET after success answered, want the hand-off closed")
	}

	lg, err := passkey.Listen(passkey.ModeLogin)
	if err != nil {
		t.Fatal(err)
	}
	// The authenticator's credential is bound to RP ID localhost, which any port shares.
	auth.Origin = lg.Origin()
	lrp := lg.RelyingParty("wk")
	lout := runHandoff(t, ctx, lg,
		func(ctx context.Context) (*account.Ceremony, error) { return backend.BeginPasskeyLogin(ctx, lrp) },
		backend.FinishPasskeyLogin)
	lbr := newBrowser(t, lg)
	id, options = lbr.ceremony()
	assertion, err := auth.Login(options)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := lbr.finish(id, assertion); code != http.StatusOK {
		t.Fatalf("POST finish (login) = %d %s, want 200", code, body)
	}
	lgot := wait(t, lout)
	if lgot.err != nil || lgot.v.User.ID != testUser.ID {
		t.Fatalf("Run(login) = %+v, %v; want a session for %s", lgot.v, lgot.err, testUser.ID)
	}
}

// newRegisterHandoff runs a registration hand-off over an in-memory backend until the
// test ends.
func newRegisterHandoff(t *testing.T, timeout time.Duration) (*passkey.Handoff, <-chan outcome[*account.Passkey]) {
	t.Helper()
	h, err := passkey.Listen(passkey.ModeRegister)
	if err != nil {
		t.Fatal(err)
	}
	h.Timeout = timeout
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	backend := passkeytest.New(testUser, nil)
	rp := h.RelyingParty("wk")
	out := runHandoff(t, ctx, h,
		func(ctx context.Context) (*account.Ceremony, error) {
			return backend.BeginPasskeyRegistration(ctx, "laptop", rp)
		}, backend.FinishPasskeyRegistration)
	return h, out
}

func TestHandoffRefusesStrangers(t *testing.T) {
	h, _ := newRegisterHandoff(t, time.Minute)
	owner := newBrowser(t, h)
	base := owner.base()
	port := strings.TrimPrefix(h.Origin(), "http://localhost")

	// Before the page is opened nobody holds the claim cookie.
	if code, _, _ := owner.do(http.MethodPost, base+"options", "", []byte("{}")); code != http.StatusForbidden {
		t.Errorf("POST options before the page = %d, want 403", code)
	}
	owner.ceremony()

	stranger := newBrowser(t, h)
	foreign := newBrowser(t, h)
	foreign.client.Jar = owner.client.Jar
	foreign.origin = "http://evil.example"
	root := "http://localhost" + port

	tests := []struct {
		name   string
		client *browser
		method string
		url    string
		host   string
		want   int
	}{
		{"root", stranger, http.MethodGet, root + "/", "", http.StatusNotFound},
		{"no_nonce", stranger, http.MethodGet, root + "/register", "", http.StatusNotFound},
		{"wrong_nonce", stranger, http.MethodGet, root + "/AAAAAAAAAAAAAAAAAAAAAA/register", "", http.StatusNotFound},
		{"favicon", owner, http.MethodGet, root + "/favicon.ico", "", http.StatusNotFound},
		{"other_mode", owner, http.MethodGet, base + "login", "", http.StatusNotFound},
		{"get_options", owner, http.MethodGet, base + "options", "", http.StatusNotFound},
		{"ip_host", owner, http.MethodGet, h.URL(), "127.0.0.1" + port, http.StatusMisdirectedRequest},
		{"rebound_host", owner, http.MethodGet, h.URL(), "evil.example" + port, http.StatusMisdirectedRequest},
		{"other_port", owner, http.MethodGet, h.URL(), "localhost:1", http.StatusMisdirectedRequest},
		{"second_browser_page", stranger, http.MethodGet, h.URL(), "", http.StatusConflict},
		{"second_browser_options", stranger, http.MethodPost, base + "options", "", http.StatusForbidden},
		{"second_browser_finish", stranger, http.MethodPost, base + "finish", "", http.StatusForbidden},
		{"foreign_origin", foreign, http.MethodPost, base + "options", "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, body := tt.client.do(tt.method, tt.url, tt.host, []byte("{}"))
			if code != tt.want {
				t.Errorf("%s %s (Host %q) = %d %q, want %d", tt.method, tt.url, tt.host, code, body, tt.want)
			}
		})
	}
}

func TestHandoffPage(t *testing.T) {
	h, _ := newRegisterHandoff(t, time.Minute)
	br := newBrowser(t, h)
	code, header, body := br.do(http.MethodGet, h.URL(), "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET page = %d, want 200", code)
	}

	csp := header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]{22})'`).FindStringSubmatch(csp)
	if m == nil || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("Content-Security-Policy = %q, want default-src 'none', a script nonce and connect-src 'self'", csp)
	}
	if !strings.Contains(body, `<script nonce="`+m[1]+`">`) {
		t.Errorf("page script does not carry the CSP nonce %s", m[1])
	}
	if _, _, again := br.do(http.MethodGet, h.URL(), "", nil); strings.Contains(again, m[1]) {
		t.Errorf("a second page load reused script nonce %s", m[1])
	}
	for _, banned := range []string{"src=", "href=", "http://", "https://"} {
		if strings.Contains(body, banned) {
			t.Errorf("page contains %q, want no external assets", banned)
		}
	}
	for _, want := range []string{"parseCreationOptionsFromJSON", "parseRequestOptionsFromJSON", "toJSON()", `id="again"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	wantHeaders := map[string]string{"Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
		"X-Frame-Options": "DENY"}
	for k, want := range wantHeaders {
		if got := header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	cookie := header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=" + strings.TrimPrefix(br.base(), h.Origin()) + ";"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("Set-Cookie = %q, want %s", cookie, want)
		}
	}
}

func TestHandoffFailureKeepsPageOpen(t *testing.T) {
	h, out := newRegisterHandoff(t, time.Minute)
	br := newBrowser(t, h)
	id, options := br.ceremony()

	phished := softauthn.New("http://localhost:1")
	resp, _ := phished.Register(options)
	code, body := br.finish(id, resp)
	if code != http.StatusBadRequest || !strings.Contains(body, "error validating origin") {
		t.Errorf("finish with a wrong origin = %d %s, want 400 naming the origin check", code, body)
	}
	if code, body := br.finish("not-issued", resp); code != http.StatusBadRequest || !strings.Contains(body, "unknown ceremony") {
		t.Errorf("finish with an unknown ceremony = %d %s, want 400 unknown ceremony", code, body)
	}
	if code, body := br.finish(id, []byte("null")); code != http.StatusBadRequest {
		t.Errorf("finish without a credential = %d %s, want 400", code, body)
	}

	// The "Try again" button fetches a fresh ceremony; this one succeeds.
	id, options = br.ceremony()
	resp, _ = softauthn.New(h.Origin()).Register(options)
	if code, body := br.finish(id, resp); code != http.StatusOK {
		t.Fatalf("finish after retry = %d %s, want 200", code, body)
	}
	if got := wait(t, out); got.err != nil || got.v.Name != "laptop" {
		t.Errorf("Run = %+v, %v; want passkey laptop", got.v, got.err)
	}
}

func TestHandoffExpires(t *testing.T) {
	h, out := newRegisterHandoff(t, 300*time.Millisecond)
	br := newBrowser(t, h)
	id, options := br.ceremony()
	resp, _ := softauthn.New("http://localhost:1").Register(options)
	br.finish(id, resp)

	got := wait(t, out)
	var expired *passkey.ExpiredError
	if !errors.As(got.err, &expired) || !errors.Is(got.err, passkey.ErrExpired) ||
		!errors.Is(got.err, account.ErrUnauthenticated) {
		t.Fatalf("Run error = %v, want an *ExpiredError unwrapping to ErrExpired and ErrUnauthenticated", got.err)
	}
	for _, want := range []string{"within 300ms", "run the command again", "error validating origin"} {
		if !strings.Contains(got.err.Error(), want) {
			t.Errorf("Run error = %q, want it to mention %q", got.err, want)
		}
	}
}

func TestHandoffContextCancel(t *testing.T) {
	h, err := passkey.Listen(passkey.ModeLogin)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := runHandoff(t, ctx, h, func(context.Context) (*account.Ceremony, error) { return nil, errors.New("unused") },
		func(context.Context, string, []byte) (int, error) { return 1, nil })
	cancel()
	if got := wait(t, out); !errors.Is(got.err, context.Canceled) {
		t.Errorf("Run after cancel = %v, want context.Canceled", got.err)
	}
}

func TestListenUnknownMode(t *testing.T) {
	if _, err := passkey.Listen("sign"); err == nil {
		t.Error(`Listen("sign") succeeded, want an error`)
	}
}

func TestBrowserCommand(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the display rules tested here are Linux's")
	}
	const url = "http://localhost:1/n/register"
	tests := []struct {
		name, browser, display, wayland string
		want                            []string
		wantErr                         error
	}{
		{"no_display", "", "", "", nil, passkey.ErrNoBrowser},
		{"x11", "", ":0", "", []string{"xdg-open", url}, nil},
		{"wayland", "", "", "wayland-0", []string{"xdg-open", url}, nil},
		{"browser_env", "firefox", "", "", []string{"firefox", url}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("BROWSER", tt.browser)
			t.Setenv("DISPLAY", tt.display)
			t.Setenv("WAYLAND_DISPLAY", tt.wayland)
			got, err := passkey.BrowserCommand(url)
			if !errors.Is(err, tt.wantErr) || !cmp.Equal(got, tt.want) {
				t.Errorf("BrowserCommand() = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
