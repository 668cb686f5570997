package server

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/store"
)

// env is a server over a fresh store with one organization, a manual clock, a notice
// recorder and a log buffer.
type env struct {
	t     testing.TB
	db    *store.DB
	srv   *Server
	hs    *httptest.Server
	clock *accounttest.Clock
	rec   *accounttest.Recorder
	logs  *syncBuffer
	init  account.InitRequest
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "wk.db")
	db, err := store.Create(t.Context(), path)
	if err != nil {
		t.Fatalf("store.Create(%s) = %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, clock: accounttest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)),
		rec: &accounttest.Recorder{}, logs: &syncBuffer{}, init: accounttest.DefaultInit}
	local := db.Backend(store.BackendOptions{Notifier: e.rec, Now: e.clock.Now})
	if _, err := local.Init(t.Context(), e.init); err != nil {
		t.Fatalf("Init = %v", err)
	}

	if cfg.Notifier == nil {
		cfg.Notifier = e.rec
	}
	cfg.Now = e.clock.Now
	cfg.Logger = slog.New(slog.NewJSONHandler(e.logs, nil))
	e.srv = New(db, cfg)
	e.hs = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.hs.Close)
	return e
}

// notices returns the mails sent so far, after waiting for reset mails the server sends
// once it has answered.
func (e *env) notices() []account.Notice {
	e.srv.WaitForMail()
	return e.rec.Notices()
}

// answer is a response with its body read.
type answer struct {
	Status int
	Header http.Header
	Body   string
}

// decode unmarshals the body into v, failing the test when it is not JSON.
func (a answer) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(a.Body), v); err != nil {
		t.Fatalf("body %q is not the JSON wanted: %v", a.Body, err)
	}
}

// errorText returns the first error message of a WEBKNOSSOS error body.
func (a answer) errorText(t *testing.T) string {
	t.Helper()
	var body struct {
		Messages []map[string]string `json:"messages"`
	}
	a.decode(t, &body)
	if len(body.Messages) == 0 || body.Messages[0]["error"] == "" {
		t.Fatalf("error body %q has no messages[0].error", a.Body)
	}
	return body.Messages[0]["error"]
}

// opt changes a request before it is sent.
type opt func(*http.Request)

func withCookie(secret string) opt {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "id", Value: secret}) }
}

func withToken(tok string) opt {
	return func(r *http.Request) { r.Header.Set("X-Auth-Token", tok) }
}

func withHeader(k, v string) opt {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

// do sends one request and reads the answer.
func (e *env) do(method, path, body string, opts ...opt) answer {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.hs.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := e.hs.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s %s: %v", method, path, err)
	}
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
}

// login logs the Init user in and returns the session cookie's value.
func (e *env) login() string {
	e.t.Helper()
	a := e.do("POST", "/api/auth/login",
		`{"email":"`+e.init.Email+`","password":"`+e.init.Password+`"}`)
	if a.Status != http.StatusOK {
		e.t.Fatalf("login = %d %s", a.Status, a.Body)
	}
	for _, c := range (&http.Response{Header: a.Header}).Cookies() {
		if c.Name == "id" && c.Value != "" {
			return c.Value
		}
	}
	e.t.Fatalf("login set no id cookie: %v", a.Header)
	return ""
}

// token makes the Init user's API token and returns its secret.
func (e *env) token() string {
	e.t.Helper()
	a := e.do("GET", "/api/auth/token", "", withCookie(e.login()))
	var tok struct {
		Token string `json:"token"`
	}
	a.decode(e.t, &tok)
	if a.Status != http.StatusOK || tok.Token == "" {
		e.t.Fatalf("GET /api/auth/token = %d %s, want a new token", a.Status, a.Body)
	}
	return tok.Token
}

// keys returns the sorted keys of a JSON object.
func keys(t *testing.T, a answer) map[string]any {
	t.Helper()
	var m map[string]any
	a.decode(t, &m)
	return m
}

// decodeErr unmarshals the body into v.
func (a answer) decodeErr(v any) error { return json.Unmarshal([]byte(a.Body), v) }

// marshal returns v as JSON.
func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
