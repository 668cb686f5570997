package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
)

// fakeWK is a plain WEBKNOSSOS as the reference describes it: no wk extensions, one
// user, a session cookie "sess-1" and an API token that GET /api/auth/token shows
// every time. It records each request it sees.
type fakeWK struct {
	mu       sync.Mutex
	seen     []seenRequest
	current  int
	oldest   int
	token    string
	features string
	// status, when set, is the answer to every route but buildinfo and features.
	status int
	body   string
	header http.Header
}

type seenRequest struct {
	Method, Path, Query, UserAgent, Cookie, Token, Body string
}

const fakeUser = `{"id":"570b9f4d2a7c0e4d008da6ef","email":"ada@example.com","firstName":"Ada",
"lastName":"Lovelace","isAdmin":false,"isOrganizationOwner":false,"isDatasetManager":false,
"isActive":true,"teams":[{"id":"5a0000000000000000000001","name":"Default","isTeamManager":true}],
"experiences":{},"lastActivity":1718000000000,"isAnonymous":false,"isEditable":false,
"organization":"sample_organization","novelUserExperienceInfos":{},"selectedTheme":"auto",
"created":1700000000000,"lastTaskTypeId":null,"isSuperUser":false,"isEmailVerified":true}`

func newFakeWK(t *testing.T) (*fakeWK, *httptest.Server) {
	t.Helper()
	f := &fakeWK{current: 14, oldest: 5, token: "AbCdEfGhIjKlMnOpQrStUv", features: `{"passkeysEnabled":false}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeWK) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	cookie := ""
	if c, err := r.Cookie("id"); err == nil {
		cookie = c.Value
	}
	f.seen = append(f.seen, seenRequest{r.Method, r.URL.Path, r.URL.RawQuery, r.UserAgent(),
		cookie, r.Header.Get("X-Auth-Token"), string(body)})
	status, answer, header := f.status, f.body, f.header
	token := f.token
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET /api/buildinfo":
		fmt.Fprintf(w, `{"webknossos":{"name":"webknossos","version":"25.0"},"httpApiVersioning":`+
			`{"currentApiVersion":%d,"oldestSupportedApiVersion":%d},"localDataStoreEnabled":true,`+
			`"localTracingStoreEnabled":true}`, f.current, f.oldest)
		return
	case "GET /api/features":
		io.WriteString(w, f.features)
		return
	}
	if status != 0 {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, answer)
		return
	}

	authed := cookie == "sess-1" || r.Header.Get("X-Auth-Token") == token
	route = strings.Replace(route, "/api/v14/", "/api/", 1)
	switch {
	case route == "POST /api/auth/login":
		http.SetCookie(w, &http.Cookie{Name: "id", Value: "sess-1", Path: "/", HttpOnly: true})
	case !authed:
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"success":false,"message":"Authentication required"}`)
	case route == "GET /api/user", route == "PATCH /api/users/570b9f4d2a7c0e4d008da6ef",
		route == "PUT /api/users/570b9f4d2a7c0e4d008da6ef/selectedTheme":
		io.WriteString(w, fakeUser)
	case route == "GET /api/organizations/sample_organization":
		io.WriteString(w, `{"id":"sample_organization","name":"Sample Organization",`+
			`"additionalInformation":"","pricingPlan":"Custom","ownerName":null,"usedStorageBytes":0}`)
	case route == "GET /api/auth/token":
		fmt.Fprintf(w, `{"token":%q}`, token)
	case route == "DELETE /api/auth/token":
		f.mu.Lock()
		f.token = "NeWtOkEnNeWtOkEnNeWtOk"
		f.mu.Unlock()
		io.WriteString(w, `{"messages":"Token was deleted."}`)
	case route == "POST /api/auth/logout":
		io.WriteString(w, `"/"`)
	case route == "POST /api/auth/logoutEverywhere", route == "POST /api/auth/changePassword":
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"messages":[{"error":"Couldn't find the requested resource."}]}`)
	}
}

// requests returns what the fake saw, without the buildinfo and features probes.
func (f *fakeWK) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.seen {
		if strings.HasSuffix(s.Path, "/buildinfo") || strings.HasSuffix(s.Path, "/features") {
			continue
		}
		out = append(out, s.Method+" "+s.Path)
	}
	return out
}

func newClient(t *testing.T, url string, cred account.Credential) *Client {
	t.Helper()
	c, err := New(url, Options{Credential: cred, UserAgent: "wk-test/1"})
	if err != nil {
		t.Fatalf("New(%q) = %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestNewChecksURL(t *testing.T) {
	tests := []struct {
		url     string
		opts    Options
		wantErr bool
	}{
		{url: "https://webknossos.org/", wantErr: false},
		{url: "http://127.0.0.1:9000", wantErr: false},
		{url: "http://localhost:9000", wantErr: false},
		{url: "http://wk.example.org", wantErr: true},
		{url: "http://wk.example.org", opts: Options{AllowHTTP: true}, wantErr: false},
		{url: "ftp://wk.example.org", wantErr: true},
		{url: "webknossos.org", wantErr: true},
		{url: "", wantErr: true},
	}
	for _, tt := range tests {
		_, err := New(tt.url, tt.opts)
		if (err != nil) != tt.wantErr {
			t.Errorf("New(%q, %+v) error = %v, want error %v", tt.url, tt.opts, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, account.ErrInvalid) {
			t.Errorf("New(%q) error = %v, want ErrInvalid", tt.url, err)
		}
	}
}

func TestVersionNegotiation(t *testing.T) {
	tests := []struct {
		name            string
		current, oldest int
		wantPath        string
		wantUnsupported bool
	}{
		{name: "newest", current: 14, oldest: 5, wantPath: "/api/v14/user"},
		{name: "older_server", current: 13, oldest: 5, wantPath: "/api/v13/user"},
		{name: "newer_server", current: 20, oldest: 14, wantPath: "/api/v14/user"},
		{name: "too_old", current: 12, oldest: 5, wantUnsupported: true},
		{name: "too_new", current: 20, oldest: 15, wantUnsupported: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeWK(t)
			f.current, f.oldest = tt.current, tt.oldest
			f.status, f.body = http.StatusOK, fakeUser
			c := newClient(t, srv.URL, account.Credential{Kind: account.CredentialToken, Secret: f.token})

			_, err := c.CurrentUser(context.Background())
			if tt.wantUnsupported {
				if !errors.Is(err, account.ErrUnsupported) {
					t.Fatalf("CurrentUser() error = %v, want ErrUnsupported", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("CurrentUser() = %v", err)
			}
			if got := f.requests(); !cmp.Equal(got, []string{"GET " + tt.wantPath}) {
				t.Errorf("requests = %v, want [GET %s]", got, tt.wantPath)
			}
		})
	}
}

func TestEveryRequestCarriesUserAgentAndCredential(t *testing.T) {
	f, srv := newFakeWK(t)
	c := newClient(t, srv.URL, account.Credential{})
	ctx := context.Background()

	res, err := c.Login(ctx, " Ada@Example.com ", "correct horse battery")
	if err != nil {
		t.Fatalf("Login() = %v", err)
	}
	want := account.Credential{Kind: account.CredentialSession, Secret: "sess-1"}
	if res.Credential != want || res.User.Email != "ada@example.com" {
		t.Fatalf("Login() = %+v, %q; want %+v, ada@example.com", res.Credential, res.User.Email, want)
	}

	sess := newClient(t, srv.URL, res.Credential)
	if _, err := sess.Organization(ctx); err != nil {
		t.Fatalf("Organization() over the session = %v", err)
	}
	tok := newClient(t, srv.URL, account.Credential{Kind: account.CredentialToken, Secret: f.token})
	if _, err := tok.CurrentUser(ctx); err != nil {
		t.Fatalf("CurrentUser() over the token = %v", err)
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	var login seenRequest
	for _, s := range f.seen {
		if s.UserAgent != "wk-test/1" {
			t.Errorf("%s %s sent User-Agent %q, want wk-test/1", s.Method, s.Path, s.UserAgent)
		}
		if s.Path == "/api/v14/auth/login" {
			login = s
		}
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(login.Body), &body); err != nil || body["email"] != "ada@example.com" {
		t.Errorf("login body = %q, want the normalized email", login.Body)
	}
	last := f.seen[len(f.seen)-1]
	if last.Token != f.token || last.Cookie != "" {
		t.Errorf("token request sent cookie %q and token %q, want only the token", last.Cookie, last.Token)
	}
	for _, s := range f.seen {
		if strings.Contains(s.Path, "/organizations/") && (s.Cookie != "sess-1" || s.Token != "") {
			t.Errorf("session request sent cookie %q and token %q, want only cookie sess-1", s.Cookie, s.Token)
		}
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		header   http.Header
		wantKind error
		wantMsg  string
	}{
		{name: "unauthenticated", status: 401, body: `{"success":false,"message":"Authentication required"}`,
			wantKind: account.ErrUnauthenticated, wantMsg: "authentication required"},
		{name: "forbidden", status: 403,
			body:     `{"messages":[{"error":"You are not authorized to view or edit this resource."}]}`,
			wantKind: account.ErrForbidden, wantMsg: "you are not authorized to view or edit this resource"},
		{name: "not_found", status: 404, body: `{"messages":[{"error":"Organization \"x\" could not be found or accessed."}]}`,
			wantKind: account.ErrNotFound, wantMsg: `organization "x" could not be found or accessed`},
		{name: "invalid", status: 400, body: `{"messages":[{"error":"The two passwords do not match."}]}`,
			wantKind: account.ErrInvalid, wantMsg: "the two passwords do not match"},
		{name: "email_taken", status: 400,
			body:     `{"messages":[{"error":"An account with this email address already exists. Please log in instead or use a different email."}]}`,
			wantKind: account.ErrConflict},
		{name: "bad_password", status: 400,
			body:     `{"messages":[{"error":"Incorrect email or password. Please try again."}]}`,
			wantKind: account.ErrUnauthenticated, wantMsg: "incorrect email or password. Please try again"},
		{name: "too_large", status: 413, body: `{"messages":[{"error":"Request body is too large."}]}`,
			wantKind: account.ErrInvalid, wantMsg: "request body is too large"},
		{name: "method", status: 405, body: "Method Not Allowed\n", wantKind: account.ErrUnsupported,
			wantMsg: "method Not Allowed"},
		{name: "throttled", status: 429, header: http.Header{"Retry-After": {"42"}},
			wantKind: account.ErrThrottled, wantMsg: "server answered 429 too many requests"},
		{name: "server_error_html", status: 502, body: "<html><body>Bad gateway</body></html>",
			wantMsg: "server answered 502 bad gateway"},
		{name: "kind_header_wins", status: 400, header: http.Header{"X-Wk-Error-Kind": {"conflict"}},
			body: `{"messages":[{"error":"an account with this email is registered"}]}`, wantKind: account.ErrConflict},
		{name: "multi_line", status: 400, body: `{"messages":[{"error":"first\nline"},{"chain":"x"}]}`,
			wantKind: account.ErrInvalid, wantMsg: "first line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeWK(t)
			f.status, f.body, f.header = tt.status, tt.body, tt.header
			c := newClient(t, srv.URL, account.Credential{Kind: account.CredentialToken, Secret: f.token})

			_, err := c.CurrentUser(context.Background())
			var he *HTTPError
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Fatalf("CurrentUser() error = %#v, want *HTTPError with status %d", err, tt.status)
			}
			if tt.wantKind != nil && !errors.Is(err, tt.wantKind) {
				t.Errorf("error %v does not unwrap to %v", err, tt.wantKind)
			}
			if tt.wantKind == nil && errors.Unwrap(err) != nil {
				t.Errorf("error %v unwraps to %v, want nothing", err, errors.Unwrap(err))
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("message = %q, want %q", err.Error(), tt.wantMsg)
			}
		})
	}
}

func TestThrottledCarriesRetryAfter(t *testing.T) {
	f, srv := newFakeWK(t)
	f.status, f.header = http.StatusTooManyRequests, http.Header{"Retry-After": {"42"}}
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	c, err := New(srv.URL, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}

	err = c.ForgotPassword(context.Background(), "ada@example.com")
	var te *account.ThrottledError
	if !errors.As(err, &te) {
		t.Fatalf("ForgotPassword() error = %v, want *account.ThrottledError", err)
	}
	if want := now.Add(42 * time.Second); !te.Until.Equal(want) {
		t.Errorf("Until = %v, want %v", te.Until, want)
	}
}

func TestPlainWebknossosFallbacks(t *testing.T) {
	ctx := context.Background()
	session := account.Credential{Kind: account.CredentialSession, Secret: "sess-1"}

	t.Run("token_shows_secret", func(t *testing.T) {
		f, srv := newFakeWK(t)
		tok, err := newClient(t, srv.URL, session).Token(ctx)
		if err != nil {
			t.Fatalf("Token() = %v", err)
		}
		want := &account.Token{Secret: f.token, Prefix: f.token[:prefixLen]}
		if diff := cmp.Diff(want, tok); diff != "" {
			t.Errorf("Token() mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("rotate_over_session_deletes_then_gets", func(t *testing.T) {
		f, srv := newFakeWK(t)
		tok, err := newClient(t, srv.URL, session).RotateToken(ctx)
		if err != nil {
			t.Fatalf("RotateToken() = %v", err)
		}
		if tok.Secret != "NeWtOkEnNeWtOkEnNeWtOk" {
			t.Errorf("RotateToken().Secret = %q, want the new token", tok.Secret)
		}
		want := []string{"DELETE /api/v14/auth/token", "GET /api/v14/auth/token"}
		if got := f.requests(); !cmp.Equal(got, want) {
			t.Errorf("requests = %v, want %v", got, want)
		}
	})

	t.Run("rotate_over_token_is_unsupported", func(t *testing.T) {
		f, srv := newFakeWK(t)
		c := newClient(t, srv.URL, account.Credential{Kind: account.CredentialToken, Secret: f.token})
		_, err := c.RotateToken(ctx)
		if !errors.Is(err, account.ErrUnsupported) || !strings.Contains(err.Error(), "wk login") {
			t.Errorf("RotateToken() error = %v, want ErrUnsupported naming wk login", err)
		}
		if got := f.requests(); len(got) != 0 {
			t.Errorf("requests = %v, want none: the token must stay", got)
		}
	})

	t.Run("sessions_unsupported", func(t *testing.T) {
		f, srv := newFakeWK(t)
		c := newClient(t, srv.URL, session)
		_, err := c.Sessions(ctx)
		want := "the server at " + srv.URL + " does not support listing sessions"
		if !errors.Is(err, account.ErrUnsupported) || err.Error() != want {
			t.Errorf("Sessions() error = %v, want ErrUnsupported %q", err, want)
		}
		if err := c.RevokeSession(ctx, "abc"); !errors.Is(err, account.ErrUnsupported) {
			t.Errorf("RevokeSession() error = %v, want ErrUnsupported", err)
		}
		if got := f.requests(); len(got) != 0 {
			t.Errorf("requests = %v, want none", got)
		}
	})

	t.Run("logout_with_token_sends_nothing", func(t *testing.T) {
		f, srv := newFakeWK(t)
		c := newClient(t, srv.URL, account.Credential{Kind: account.CredentialToken, Secret: f.token})
		if err := c.Logout(ctx); err != nil {
			t.Fatalf("Logout() = %v", err)
		}
		if err := newClient(t, srv.URL, session).Logout(ctx); err != nil {
			t.Fatalf("Logout() over a session = %v", err)
		}
		if got, want := f.requests(), []string{"POST /api/v14/auth/logout"}; !cmp.Equal(got, want) {
			t.Errorf("requests = %v, want %v", got, want)
		}
	})

	t.Run("login_with_token_keeps_token", func(t *testing.T) {
		f, srv := newFakeWK(t)
		res, err := newClient(t, srv.URL, account.Credential{}).LoginWithToken(ctx, f.token)
		if err != nil {
			t.Fatalf("LoginWithToken() = %v", err)
		}
		want := account.Credential{Kind: account.CredentialToken, Secret: f.token}
		if res.Credential != want || res.User.ID != "570b9f4d2a7c0e4d008da6ef" {
			t.Errorf("LoginWithToken() = %+v, user %q", res.Credential, res.User.ID)
		}
		_, err = newClient(t, srv.URL, account.Credential{}).LoginWithToken(ctx, "wrong")
		if !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("LoginWithToken(wrong) error = %v, want ErrUnauthenticated", err)
		}
	})

	t.Run("change_password_count_unknown", func(t *testing.T) {
		_, srv := newFakeWK(t)
		n, err := newClient(t, srv.URL, session).ChangePassword(ctx, "old password 1", "new password 2")
		if err != nil || n != -1 {
			t.Errorf("ChangePassword() = %d, %v; want -1, nil", n, err)
		}
	})

	t.Run("set_theme_sends_json_string", func(t *testing.T) {
		f, srv := newFakeWK(t)
		if _, err := newClient(t, srv.URL, session).SetTheme(ctx, "Dark"); err != nil {
			t.Fatalf("SetTheme() = %v", err)
		}
		f.mu.Lock()
		last := f.seen[len(f.seen)-1]
		f.mu.Unlock()
		if last.Method != "PUT" || last.Body != `"dark"` {
			t.Errorf("last request = %s %q, want PUT \"dark\"", last.Method, last.Body)
		}
	})

	t.Run("init_unsupported", func(t *testing.T) {
		_, srv := newFakeWK(t)
		_, err := newClient(t, srv.URL, session).Init(ctx, account.InitRequest{})
		if !errors.Is(err, account.ErrUnsupported) {
			t.Errorf("Init() error = %v, want ErrUnsupported", err)
		}
	})
}

func TestLogoutAllOrder(t *testing.T) {
	tests := []struct {
		name string
		kind account.CredentialKind
		want []string
	}{
		{name: "session_deletes_token_first", kind: account.CredentialSession,
			want: []string{"DELETE /api/v14/auth/token", "POST /api/v14/auth/logoutEverywhere"}},
		{name: "token_logs_out_first", kind: account.CredentialToken,
			want: []string{"POST /api/v14/auth/logoutEverywhere", "DELETE /api/v14/auth/token"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFakeWK(t)
			secret := "sess-1"
			if tt.kind == account.CredentialToken {
				secret = f.token
			}
			c := newClient(t, srv.URL, account.Credential{Kind: tt.kind, Secret: secret})
			n, err := c.LogoutAll(context.Background(), true)
			if err != nil || n != -1 {
				t.Fatalf("LogoutAll(true) = %d, %v; want -1, nil", n, err)
			}
			if got := f.requests(); !cmp.Equal(got, tt.want) {
				t.Errorf("requests = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClientChecksInputBeforeSending(t *testing.T) {
	f, srv := newFakeWK(t)
	c := newClient(t, srv.URL, account.Credential{Kind: account.CredentialSession, Secret: "sess-1"})
	ctx := context.Background()

	checks := map[string]error{
		"SetName":        func() error { _, err := c.SetName(ctx, " ", "Lovelace"); return err }(),
		"SetEmail":       func() error { _, err := c.SetEmail(ctx, "not-an-email", "pw"); return err }(),
		"SetTheme":       func() error { _, err := c.SetTheme(ctx, "purple"); return err }(),
		"ChangePassword": func() error { _, err := c.ChangePassword(ctx, "old", "short"); return err }(),
		"ResetPassword":  c.ResetPassword(ctx, "tok", "short"),
		"ForgotPassword": c.ForgotPassword(ctx, "nope"),
	}
	for name, err := range checks {
		if !errors.Is(err, account.ErrInvalid) {
			t.Errorf("%s error = %v, want ErrInvalid", name, err)
		}
	}
	if got := f.requests(); len(got) != 0 {
		t.Errorf("requests = %v, want none", got)
	}
}

func TestRedirectToAnotherHostRefused(t *testing.T) {
	var leaked string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("X-Auth-Token")
	}))
	t.Cleanup(other.Close)
	f, srv := newFakeWK(t)
	f.status, f.header = http.StatusFound, http.Header{"Location": {strings.Replace(other.URL, "127.0.0.1", "localhost", 1) + "/api/v14/user"}}
	c := newClient(t, srv.URL, account.Credential{Kind: account.CredentialToken, Secret: f.token})

	if _, err := c.CurrentUser(context.Background()); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("CurrentUser() through a redirect elsewhere = %v, want it refused", err)
	}
	if leaked != "" {
		t.Errorf("the other server received the token %q", leaked)
	}
}
