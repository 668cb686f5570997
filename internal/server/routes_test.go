package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
)

// TestPythonLibraryCalls replays what webknossos-libs does: buildinfo, then the
// current user under the chosen version with X-Auth-Token, and checks every field its
// models require (reference sections 1.1 and 2.1).
func TestPythonLibraryCalls(t *testing.T) {
	e := newEnv(t, Config{Version: "1.2.3"})
	tok := e.token()

	a := e.do("GET", "/api/buildinfo", "")
	var info struct {
		Webknossos *struct {
			Name    *string `json:"name"`
			Version *string `json:"version"`
		} `json:"webknossos"`
		Versioning *struct {
			Current int `json:"currentApiVersion"`
			Oldest  int `json:"oldestSupportedApiVersion"`
		} `json:"httpApiVersioning"`
		LocalDataStore    *bool `json:"localDataStoreEnabled"`
		LocalTracingStore *bool `json:"localTracingStoreEnabled"`
	}
	a.decode(t, &info)
	if a.Status != 200 || info.Webknossos == nil || info.Webknossos.Name == nil ||
		info.Webknossos.Version == nil || *info.Webknossos.Version != "1.2.3" ||
		info.LocalDataStore == nil || info.LocalTracingStore == nil || info.Versioning == nil {
		t.Fatalf("GET /api/buildinfo = %d %s, want every field webknossos-libs reads", a.Status, a.Body)
	}
	if info.Versioning.Current != 14 || info.Versioning.Oldest != 13 {
		t.Errorf("httpApiVersioning = %+v, want 14 and 13", *info.Versioning)
	}

	a = e.do("GET", "/api/v14/user", "", withToken(tok))
	if a.Status != 200 {
		t.Fatalf("GET /api/v14/user = %d %s", a.Status, a.Body)
	}
	user := keys(t, a)
	for _, k := range []string{"id", "email", "organization", "firstName", "lastName", "created",
		"lastActivity", "isActive", "isAdmin", "isDatasetManager", "teams", "experiences",
		"isOrganizationOwner", "isAnonymous", "isEditable", "novelUserExperienceInfos",
		"selectedTheme", "lastTaskTypeId", "isSuperUser", "isEmailVerified"} {
		if _, ok := user[k]; !ok {
			t.Errorf("GET /api/v14/user lacks %q: %s", k, a.Body)
		}
	}
	if user["organization"] != "connectomics_lab" || user["email"] != "ada@example.com" {
		t.Errorf("user = %s, want ada@example.com of connectomics_lab", a.Body)
	}
}

func TestAuthenticationMethods(t *testing.T) {
	e := newEnv(t, Config{})
	cookie, tok := e.login(), e.token()
	tests := []struct {
		name string
		opts []opt
		want int
	}{
		{name: "cookie", opts: []opt{withCookie(cookie)}, want: 200},
		{name: "x_auth_token", opts: []opt{withToken(tok)}, want: 200},
		{name: "bearer", opts: []opt{withHeader("Authorization", "Bearer "+tok)}, want: 200},
		{name: "bearer_lowercase", opts: []opt{withHeader("Authorization", "bearer "+tok)}, want: 200},
		{name: "none", want: 401},
		{name: "bad_cookie", opts: []opt{withCookie("nope")}, want: 401},
		{name: "bad_token", opts: []opt{withToken("nope")}, want: 401},
		{name: "basic_auth_ignored", opts: []opt{withHeader("Authorization", "Basic "+tok)}, want: 401},
		{name: "header_wins_over_cookie", opts: []opt{withCookie(cookie), withToken("nope")}, want: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do("GET", "/api/user", "", tt.opts...)
			if a.Status != tt.want {
				t.Fatalf("GET /api/user = %d %s, want %d", a.Status, a.Body, tt.want)
			}
			if tt.want == 401 && a.errorText(t) == "" {
				t.Errorf("401 without an error message")
			}
		})
	}
}

func TestLoginCookie(t *testing.T) {
	tests := []struct {
		name       string
		publicURL  string
		wantSecure bool
	}{
		{name: "http", publicURL: "", wantSecure: false},
		{name: "https", publicURL: "https://wk.example.org", wantSecure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{PublicURL: tt.publicURL})
			a := e.do("POST", "/api/auth/login", `{"email":"ADA@example.com","password":"`+e.init.Password+`"}`)
			if a.Status != 200 {
				t.Fatalf("login = %d %s", a.Status, a.Body)
			}
			cookies := (&http.Response{Header: a.Header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("login set %d cookies, want 1", len(cookies))
			}
			c := cookies[0]
			if c.Name != "id" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
				c.Secure != tt.wantSecure || c.MaxAge <= 0 {
				t.Errorf("cookie = %+v, want id, HttpOnly, SameSite=Lax, Path=/, Secure=%v", c, tt.wantSecure)
			}
			if got := keys(t, a)["email"]; got != "ada@example.com" {
				t.Errorf("login body email = %v, want the user object", got)
			}
			hsts := a.Header.Get("Strict-Transport-Security") != ""
			if hsts != tt.wantSecure {
				t.Errorf("Strict-Transport-Security set = %v, want %v", hsts, tt.wantSecure)
			}
		})
	}
}

func TestVersionedPrefix(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	tests := []struct {
		path     string
		want     int
		wantText string
	}{
		{path: "/api/user", want: 200},
		{path: "/api/v5/user", want: 200},
		{path: "/api/v13/user", want: 200},
		{path: "/api/v14/user", want: 200},
		{path: "/api/v4/user", want: 400,
			wantText: "Client requested 4 but must be at least 5 and at most 14."},
		{path: "/api/v15/user", want: 400,
			wantText: "This WEBKNOSSOS instance does not support the requested HTTP API version."},
		{path: "/api/v14/nothing", want: 404, wantText: "Couldn't find the requested resource."},
		{path: "/api/nothing", want: 404},
	}
	for _, tt := range tests {
		a := e.do("GET", tt.path, "", withToken(tok))
		if a.Status != tt.want {
			t.Errorf("GET %s = %d %s, want %d", tt.path, a.Status, a.Body, tt.want)
			continue
		}
		if tt.wantText != "" && !strings.Contains(a.errorText(t), tt.wantText) {
			t.Errorf("GET %s error = %q, want it to contain %q", tt.path, a.errorText(t), tt.wantText)
		}
	}
}

func TestErrorStatuses(t *testing.T) {
	e := newEnv(t, Config{})
	cookie := e.login()
	me := keys(t, e.do("GET", "/api/user", "", withCookie(cookie)))["id"].(string)
	other := strings.Repeat("0", 24)
	tests := []struct {
		name, method, path, body string
		want                     int
		wantKind                 string
	}{
		{"bad_json", "POST", "/api/auth/login", `{"email":`, 400, "invalid"},
		{"empty_body", "POST", "/api/auth/login", "", 400, "invalid"},
		{"wrong_password", "POST", "/api/auth/login", `{"email":"ada@example.com","password":"nope-nope-nope"}`, 401, "unauthenticated"},
		{"other_user_patch", "PATCH", "/api/users/" + other, `{"firstName":"Eve"}`, 403, "forbidden"},
		{"other_user_theme", "PUT", "/api/users/" + other + "/selectedTheme", `"dark"`, 403, "forbidden"},
		{"self_promotion", "PATCH", "/api/users/" + me, `{"isAdmin":true,"isDatasetManager":true}`, 403, "forbidden"},
		{"self_deactivate", "PATCH", "/api/users/" + me, `{"isActive":false}`, 403, "forbidden"},
		{"bad_theme", "PUT", "/api/users/" + me + "/selectedTheme", `"pink"`, 400, "invalid"},
		{"bad_name", "PATCH", "/api/users/" + me, `{"firstName":"  "}`, 400, "invalid"},
		{"email_without_password", "PATCH", "/api/users/" + me, `{"email":"new@example.com"}`, 401, "unauthenticated"},
		{"passwords_differ", "POST", "/api/auth/changePassword",
			`{"oldPassword":"x","password":{"password1":"difference-engine-1","password2":"difference-engine-2"}}`, 400, "invalid"},
		{"weak_password", "POST", "/api/auth/changePassword",
			`{"oldPassword":"analytical-engine-1843","password":{"password1":"short","password2":"short"}}`, 400, "invalid"},
		{"other_org", "GET", "/api/organizations/someone_else", "", 404, "not-found"},
		{"unknown_session", "DELETE", "/api/auth/sessions/" + other, "", 404, "not-found"},
		{"bad_reset_token", "POST", "/api/auth/resetPassword",
			`{"token":"nope","password":{"password1":"difference-engine-1","password2":"difference-engine-1"}}`, 401, "unauthenticated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(tt.method, tt.path, tt.body, withCookie(cookie), withHeader("Origin", e.hs.URL))
			if a.Status != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, a.Status, a.Body, tt.want)
			}
			a.errorText(t)
			if got := a.Header.Get(KindHeader); got != tt.wantKind {
				t.Errorf("%s = %q, want %q", KindHeader, got, tt.wantKind)
			}
		})
	}
}

func TestProfileRoutes(t *testing.T) {
	e := newEnv(t, Config{})
	cookie := e.login()
	me := keys(t, e.do("GET", "/api/user", "", withCookie(cookie)))["id"].(string)

	// The WEBKNOSSOS page sends the whole user object back with the changed fields.
	whole := e.do("GET", "/api/user", "", withCookie(cookie)).Body
	whole = strings.Replace(whole, `"firstName":"Ada"`, `"firstName":" Augusta Ada "`, 1)
	a := e.do("PATCH", "/api/users/"+me, whole, withCookie(cookie))
	if got := keys(t, a); a.Status != 200 || got["firstName"] != "Augusta Ada" || got["lastName"] != "Lovelace" {
		t.Fatalf("PATCH whole user = %d %s, want firstName Augusta Ada", a.Status, a.Body)
	}

	a = e.do("PATCH", "/api/users/"+me, `{"email":"Ada.King@example.org","password":"`+e.init.Password+`"}`,
		withCookie(cookie))
	if got := keys(t, a); a.Status != 200 || got["email"] != "ada.king@example.org" {
		t.Fatalf("PATCH email = %d %s", a.Status, a.Body)
	}

	a = e.do("PUT", "/api/v14/users/"+me+"/selectedTheme", `"dark"`, withCookie(cookie))
	if got := keys(t, a); a.Status != 200 || got["selectedTheme"] != "dark" {
		t.Fatalf("PUT selectedTheme = %d %s", a.Status, a.Body)
	}

	a = e.do("GET", "/api/organizations/connectomics_lab", "", withCookie(cookie))
	org := keys(t, a)
	for _, k := range []string{"id", "name", "additionalInformation", "enableAutoVerify", "pricingPlan",
		"aiPlan", "paidUntil", "includedUsers", "includedStorageBytes", "usedStorageBytes", "ownerName"} {
		if _, ok := org[k]; !ok {
			t.Errorf("organization lacks %q: %s", k, a.Body)
		}
	}
	if org["name"] != "Connectomics Lab" || org["ownerName"] != "Augusta Ada Lovelace" {
		t.Errorf("organization = %s, want Connectomics Lab owned by Augusta Ada Lovelace", a.Body)
	}
	// Without login the public fields come (organization_test.go checks them).
	if a := e.do("GET", "/api/organizations/connectomics_lab", ""); a.Status != 200 {
		t.Errorf("organization without login = %d, want 200", a.Status)
	}

	a = e.do("GET", "/api/organizations?compact=true", "", withCookie(cookie))
	var compact []map[string]any
	a.decode(t, &compact)
	want := []map[string]any{{"id": "connectomics_lab", "name": "Connectomics Lab"}}
	if diff := cmp.Diff(want, compact); diff != "" {
		t.Errorf("compact organizations (-want +got):\n%s", diff)
	}
}

func TestSessionRoutes(t *testing.T) {
	e := newEnv(t, Config{})
	mine, other := e.login(), e.login()

	a := e.do("GET", "/api/auth/sessions", "", withCookie(mine))
	var list []account.Session
	a.decode(t, &list)
	if a.Status != 200 || len(list) != 2 {
		t.Fatalf("sessions = %d %s, want 2", a.Status, a.Body)
	}
	for _, k := range []string{"id", "created", "lastUsed", "expires", "userAgent", "openedWith", "current"} {
		if _, ok := keys(t, answer{Body: mustObject(t, a.Body)})[k]; !ok {
			t.Errorf("session lacks %q: %s", k, a.Body)
		}
	}
	i := slices.IndexFunc(list, func(s account.Session) bool { return !s.Current })
	if a := e.do("DELETE", "/api/auth/sessions/"+list[i].ID, "", withCookie(mine)); a.Status != 200 || a.Body != "{}\n" {
		t.Errorf("DELETE session = %d %q, want 200 {}", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withCookie(other)); a.Status != 401 {
		t.Errorf("revoked session answers %d, want 401", a.Status)
	}

	a = e.do("POST", "/api/auth/logout", "", withCookie(mine))
	if a.Status != 200 || a.Body != "\"/\"\n" {
		t.Errorf("logout = %d %q, want 200 \"/\"", a.Status, a.Body)
	}
	if c := (&http.Response{Header: a.Header}).Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("logout cookies = %+v, want the id cookie cleared", c)
	}
	if a := e.do("GET", "/api/user", "", withCookie(mine)); a.Status != 401 {
		t.Errorf("logged-out session answers %d, want 401", a.Status)
	}
	if a := e.do("GET", "/api/auth/logout", ""); a.Status != 200 {
		t.Errorf("GET logout without login = %d, want 200", a.Status)
	}
}

// mustObject returns the first object of a JSON array body, for key checks.
func mustObject(t *testing.T, body string) string {
	t.Helper()
	var list []map[string]any
	if err := (answer{Body: body}).decodeErr(&list); err != nil || len(list) == 0 {
		t.Fatalf("body %q is not a non-empty array", body)
	}
	return marshal(t, list[0])
}

func TestLogoutWithTokenKeepsToken(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	if a := e.do("POST", "/api/auth/logout", "", withToken(tok)); a.Status != 200 {
		t.Fatalf("logout with token = %d %s", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withToken(tok)); a.Status != 200 {
		t.Errorf("token after logout answers %d, want 200: logout must not delete the token", a.Status)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token() // opens one session
	mine := e.login()

	a := e.do("POST", "/api/auth/logoutEverywhere", "", withCookie(mine))
	if a.Status != 200 || a.Body != "{\"ended\":2}\n" {
		t.Fatalf("logoutEverywhere = %d %q, want {\"ended\":2}", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withToken(tok)); a.Status != 200 {
		t.Errorf("token after logoutEverywhere = %d, want 200", a.Status)
	}
	a = e.do("POST", "/api/auth/logoutEverywhere?revokeToken=true", "", withToken(tok))
	if a.Status != 200 || a.Body != "{\"ended\":0}\n" {
		t.Fatalf("logoutEverywhere?revokeToken=true = %d %q", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withToken(tok)); a.Status != 401 {
		t.Errorf("token after revokeToken=true = %d, want 401", a.Status)
	}
}

func TestTokenRoutes(t *testing.T) {
	e := newEnv(t, Config{})
	cookie := e.login()

	made := keys(t, e.do("GET", "/api/auth/token", "", withCookie(cookie)))
	secret, _ := made["token"].(string)
	if secret == "" || made["id"] == "" || !strings.HasPrefix(secret, made["prefix"].(string)) {
		t.Fatalf("first GET token = %v, want the secret with id and prefix", made)
	}
	for _, path := range []string{"/api/auth/token", "/api/auth/token/info"} {
		shown := keys(t, e.do("GET", path, "", withCookie(cookie)))
		if _, ok := shown["token"]; ok || shown["id"] != made["id"] {
			t.Errorf("GET %s = %v, want metadata of the same token without the secret", path, shown)
		}
	}

	// Through tokenLogin, then rotation ends that session and the old token.
	a := e.do("POST", "/api/auth/tokenLogin", "", withToken(secret))
	viaToken := ""
	for _, c := range (&http.Response{Header: a.Header}).Cookies() {
		viaToken = c.Value
	}
	if a.Status != 200 || viaToken == "" {
		t.Fatalf("tokenLogin = %d %s, want a session cookie", a.Status, a.Body)
	}
	rotated := keys(t, e.do("POST", "/api/auth/token/rotate", "", withCookie(cookie), withHeader("Origin", e.hs.URL)))
	fresh, _ := rotated["token"].(string)
	if fresh == "" || fresh == secret {
		t.Fatalf("rotate = %v, want a new secret", rotated)
	}
	for name, o := range map[string]opt{"old token": withToken(secret), "token session": withCookie(viaToken)} {
		if a := e.do("GET", "/api/user", "", o); a.Status != 401 {
			t.Errorf("%s after rotate = %d, want 401", name, a.Status)
		}
	}

	a = e.do("DELETE", "/api/auth/token", "", withToken(fresh))
	if a.Status != 200 || a.Body != "{\"messages\":\"Token was deleted.\"}\n" {
		t.Errorf("DELETE token = %d %q, want WEBKNOSSOS's answer", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withToken(fresh)); a.Status != 401 {
		t.Errorf("deleted token = %d, want 401", a.Status)
	}

	// As WEBKNOSSOS's "revoke and generate" page does: DELETE, then GET shows a new
	// token; a second DELETE first finds nothing and answers an empty 200.
	a = e.do("DELETE", "/api/auth/token", "", withCookie(cookie), withHeader("Origin", e.hs.URL))
	if a.Status != 200 || a.Body != "" {
		t.Errorf("DELETE token without one = %d %q, want an empty 200", a.Status, a.Body)
	}
	remade := keys(t, e.do("GET", "/api/auth/token", "", withCookie(cookie)))
	if tok, _ := remade["token"].(string); tok == "" || tok == fresh {
		t.Errorf("GET token after DELETE = %v, want a new token shown", remade)
	}
	if a := e.do("POST", "/api/auth/tokenLogin", ""); a.Status != 401 {
		t.Errorf("tokenLogin without token = %d, want 401", a.Status)
	}
}

func TestPasswordRoutes(t *testing.T) {
	e := newEnv(t, Config{})
	mine, other := e.login(), e.login()
	const next = "difference-engine-1822"

	a := e.do("POST", "/api/auth/changePassword",
		`{"oldPassword":"`+e.init.Password+`","password":{"password1":"`+next+`","password2":"`+next+`"}}`,
		withCookie(mine))
	if a.Status != 200 || a.Body != "{\"ended\":1}\n" {
		t.Fatalf("changePassword = %d %q, want {\"ended\":1}", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withCookie(other)); a.Status != 401 {
		t.Errorf("other session after changePassword = %d, want 401", a.Status)
	}

	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		a := e.do("POST", "/api/auth/startResetPassword", `{"email":"`+email+`"}`)
		if a.Status != 200 || a.Body != "" {
			t.Errorf("startResetPassword(%s) = %d %q, want 200 and no body", email, a.Status, a.Body)
		}
	}
	var reset string
	for _, n := range e.notices() {
		if n.Kind == account.NoticePasswordReset {
			reset = n.Secret
		}
	}
	const third = "jacquard-loom-1804"
	a = e.do("POST", "/api/auth/resetPassword",
		`{"token":" `+reset+` ","password":{"password1":"`+third+`","password2":"`+third+`"}}`)
	if a.Status != 200 || a.Body != "" {
		t.Fatalf("resetPassword = %d %q, want 200 and no body", a.Status, a.Body)
	}
	if a := e.do("GET", "/api/user", "", withCookie(mine)); a.Status != 401 {
		t.Errorf("session after reset = %d, want 401", a.Status)
	}
	e.init.Password = third
	e.login()
}

func TestFeatures(t *testing.T) {
	e := newEnv(t, Config{})
	a := e.do("GET", "/api/features", "")
	var got struct {
		Passkeys   *bool    `json:"passkeysEnabled"`
		OIDC       *bool    `json:"openIdConnectEnabled"`
		Extensions []string `json:"wkExtensions"`
	}
	a.decode(t, &got)
	if got.Passkeys == nil || got.OIDC == nil {
		t.Errorf("features = %s, want passkeysEnabled and openIdConnectEnabled", a.Body)
	}
	want := []string{"adminRefs", "changePasswordEndsSessions", "logoutEverywhereRevokeToken",
		"passkeyLinks", "passkeyRename", "sessions", "teamMembers", "tokenInfo", "tokenLogin",
		"tokenRotate", "userAudit", "userCreate", "userLogoutEverywhere", "userSendReset"}
	slices.Sort(got.Extensions)
	if diff := cmp.Diff(want, got.Extensions); diff != "" {
		t.Errorf("wkExtensions (-want +got):\n%s", diff)
	}
}

func TestForgotPasswordWithoutMail(t *testing.T) {
	e := newEnv(t, Config{})
	e.srv = New(e.db, Config{Now: e.clock.Now})
	e.hs.Config.Handler = e.srv.Handler()
	a := e.do("POST", "/api/auth/startResetPassword", `{"email":"ada@example.com"}`)
	if a.Status != http.StatusNotImplemented || a.Header.Get(KindHeader) != "unsupported" {
		t.Errorf("startResetPassword without a notifier = %d %s, want 501 unsupported", a.Status, a.Body)
	}
}

// gateNotifier holds every mail until release is closed, like a slow SMTP server.
type gateNotifier struct {
	release chan struct{}
	sent    chan account.Notice
}

func (g *gateNotifier) Notify(ctx context.Context, n account.Notice) error {
	select {
	case <-g.release:
		g.sent <- n
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestForgotPasswordAnswersBeforeMail checks that the answer does not wait for the mail:
// otherwise a slow mail server would tell an address with an account from one without.
func TestForgotPasswordAnswersBeforeMail(t *testing.T) {
	gate := &gateNotifier{release: make(chan struct{}), sent: make(chan account.Notice, 1)}
	e := newEnv(t, Config{Notifier: gate})

	a := e.do("POST", "/api/auth/startResetPassword", `{"email":"ada@example.com"}`)
	if a.Status != 200 || a.Body != "" {
		t.Fatalf("startResetPassword with the mail held = %d %q, want 200 and no body", a.Status, a.Body)
	}
	select {
	case n := <-gate.sent:
		t.Fatalf("the mail %s went out before it was released", n.Kind)
	default:
	}

	close(gate.release)
	e.srv.WaitForMail()
	select {
	case n := <-gate.sent:
		if n.Kind != account.NoticePasswordReset || n.To != "ada@example.com" || n.Secret == "" {
			t.Errorf("sent %+v, want a reset mail with a token to ada@example.com", n)
		}
	default:
		t.Error("no reset mail after WaitForMail")
	}
}
