package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Config{AuthBurst: 3, AuthRefill: time.Minute})
	wrong := `{"email":"nobody@example.com","password":"wrong-password-1"}`
	for i := range 3 {
		if a := e.do("POST", "/api/auth/login", wrong); a.Status != 401 {
			t.Fatalf("attempt %d = %d %s, want 401", i+1, a.Status, a.Body)
		}
	}
	a := e.do("POST", "/api/auth/login", wrong)
	if a.Status != http.StatusTooManyRequests || a.Header.Get("Retry-After") != "60" {
		t.Fatalf("attempt 4 = %d Retry-After %q, want 429 and 60", a.Status, a.Header.Get("Retry-After"))
	}
	a.errorText(t)
	for _, path := range []string{"/api/auth/startResetPassword", "/api/auth/resetPassword", "/api/auth/tokenLogin"} {
		if a := e.do("POST", path, `{}`); a.Status != http.StatusTooManyRequests {
			t.Errorf("POST %s from the same address = %d, want 429", path, a.Status)
		}
	}
	if a := e.do("GET", "/api/buildinfo", ""); a.Status != 200 {
		t.Errorf("buildinfo while limited = %d, want 200: only secret checks are limited", a.Status)
	}

	e.clock.Advance(time.Minute)
	if a := e.do("POST", "/api/auth/login", wrong); a.Status != 401 {
		t.Errorf("attempt after a minute = %d, want 401", a.Status)
	}
}

func TestAccountThrottleAnswers429(t *testing.T) {
	e := newEnv(t, Config{})
	for i := range 5 {
		e.do("POST", "/api/auth/login", `{"email":"ada@example.com","password":"wrong-password-`+string(rune('a'+i))+`"}`)
	}
	a := e.do("POST", "/api/auth/login", `{"email":"ada@example.com","password":"`+e.init.Password+`"}`)
	if a.Status != http.StatusTooManyRequests || a.Header.Get(KindHeader) != "throttled" {
		t.Fatalf("login after 5 failures = %d %s, want 429 throttled", a.Status, a.Body)
	}
	if got := a.Header.Get("Retry-After"); got != "900" {
		t.Errorf("Retry-After = %q, want 900 (15 minutes)", got)
	}
}

func TestClientKey(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:5000", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"garbage", "garbage"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if got := clientKey(r); got != tt.want {
			t.Errorf("clientKey(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

func TestOversizedBody(t *testing.T) {
	e := newEnv(t, Config{MaxBodyBytes: 1024})
	big := `{"email":"ada@example.com","password":"` + strings.Repeat("x", 4096) + `"}`
	a := e.do("POST", "/api/auth/login", big)
	if a.Status != http.StatusRequestEntityTooLarge || a.errorText(t) != msgTooLarge {
		t.Fatalf("oversized login = %d %s, want 413 with the error body", a.Status, a.Body)
	}

	// Without a Content-Length the limit trips while decoding.
	req, _ := http.NewRequest("POST", e.hs.URL+"/api/auth/login", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	resp, err := e.hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked oversized login = %d, want 413", resp.StatusCode)
	}
	e.login()
}

func TestCrossOriginProtection(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, tok := e.login(), e.token()
	// The passwords differ, so a request that passes the check gets 400 and changes
	// nothing; a refused one gets 403.
	body := `{"oldPassword":"x","password":{"password1":"difference-engine-1","password2":"other-engine-2"}}`
	tests := []struct {
		name string
		opts []opt
		want int
	}{
		{"cookie_cross_site_origin", []opt{withCookie(cookie), withHeader("Origin", "https://evil.example")}, 403},
		{"cookie_sec_fetch_cross_site", []opt{withCookie(cookie), withHeader("Sec-Fetch-Site", "cross-site")}, 403},
		{"cookie_same_origin", []opt{withCookie(cookie), withHeader("Origin", e.hs.URL)}, 400},
		{"cookie_no_browser_headers", []opt{withCookie(cookie)}, 400},
		{"token_without_origin", []opt{withToken(tok)}, 400},
		{"token_cross_site_origin", []opt{withToken(tok), withHeader("Origin", "https://evil.example")}, 400},
	}
	for _, tt := range tests {
		a := e.do("POST", "/api/auth/changePassword", body, tt.opts...)
		if a.Status != tt.want {
			t.Errorf("%s: POST changePassword = %d %s, want %d", tt.name, a.Status, a.Body, tt.want)
		}
	}
	a := e.do("GET", "/api/user", "", withCookie(cookie), withHeader("Sec-Fetch-Site", "cross-site"))
	if a.Status != 200 {
		t.Errorf("cross-site GET = %d, want 200: reads are not refused", a.Status)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, Config{})
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
	}
	for _, path := range []string{"/api/buildinfo", "/api/user", "/api/v99/user", "/healthz",
		"/auth/finishResetPassword?token=abc"} {
		a := e.do("GET", path, "")
		for k, v := range want {
			if got := a.Header.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", path, k, got, v)
			}
		}
		if csp := a.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("GET %s: Content-Security-Policy = %q", path, csp)
		}
	}
}

func TestResetPage(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.do("GET", "/auth/finishResetPassword?token=abc", "")
	if a.Status != 200 || !strings.HasPrefix(a.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(a.Body, `<form id="reset"`) || strings.Contains(a.Body, "abc") {
		t.Fatalf("reset page = %d %q, want the form without the token in it", a.Status, a.Body)
	}
	if strings.Contains(a.Body, "http://") || strings.Contains(a.Body, "https://") {
		t.Errorf("reset page refers to another origin: %s", a.Body)
	}
	if csp := a.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("reset page CSP = %q, want script-src 'self'", csp)
	}
	for path, ctype := range map[string]string{"/auth/assets/reset.js": "text/javascript",
		"/auth/assets/wk.css": "text/css"} {
		a := e.do("GET", path, "")
		if a.Status != 200 || !strings.HasPrefix(a.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET %s = %d %s, want 200 %s", path, a.Status, a.Header.Get("Content-Type"), ctype)
		}
	}
	if a := e.do("GET", "/auth/assets/reset.html", ""); a.Status != 404 {
		t.Errorf("GET /auth/assets/reset.html = %d, want 404", a.Status)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t, Config{})
	cookie := e.login()
	tok := e.token()
	e.do("POST", "/api/auth/tokenLogin", "", withHeader("Authorization", "Bearer "+tok))
	e.do("POST", "/api/auth/startResetPassword", `{"email":"ada@example.com"}`)
	reset := e.notices()[len(e.notices())-1].Secret
	e.do("GET", "/auth/finishResetPassword?token="+reset, "")
	e.do("POST", "/api/auth/resetPassword",
		`{"token":"`+reset+`","password":{"password1":"jacquard-loom-1804","password2":"jacquard-loom-1804"}}`)

	logs := e.logs.String()
	for name, s := range map[string]string{"password": e.init.Password, "new password": "jacquard-loom-1804",
		"session": cookie, "token": tok, "reset token": reset} {
		if s == "" || strings.Contains(logs, s) {
			t.Errorf("logs hold the %s %q:\n%s", name, s, logs)
		}
	}
	for _, want := range []string{`"path":"/api/auth/login"`, `"status":200`, `"method":"POST"`,
		`"client":"127.0.0.1"`, `"duration"`, `"path":"/auth/finishResetPassword"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

// TestGracefulStop cancels the server's context while a request is in its handler:
// the server stops taking connections, the request still gets its answer, and Serve
// returns nil.
func TestGracefulStop(t *testing.T) {
	e := newEnv(t, Config{})
	entered, release := make(chan struct{}), make(chan struct{})
	inner := e.srv.handler
	e.srv.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/buildinfo" {
			close(entered)
			<-release
		}
		inner.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ctx, ln) }()

	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/api/buildinfo")
		if err != nil {
			t.Errorf("in-flight request: %v", err)
		}
		got <- resp
	}()
	<-entered
	cancel()

	// Wait until the listener is closed; the in-flight request keeps Serve running.
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v while a request was in flight", err)
	default:
	}

	close(release)
	resp := <-got
	if resp == nil {
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "httpApiVersioning") {
		t.Errorf("in-flight request = %d %s, want its full answer", resp.StatusCode, body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after stop = %v, want nil", err)
	}
}

func TestListenAndServeReportsBadAddress(t *testing.T) {
	e := newEnv(t, Config{})
	err := e.srv.ListenAndServe(context.Background(), "127.0.0.1:notaport")
	var opErr *net.OpError
	if err == nil || !errors.As(err, &opErr) {
		t.Errorf("ListenAndServe(bad address) = %v, want a listen error", err)
	}
}
