package server

import (
	"slices"
	"strings"
	"testing"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
	"github.com/wk-tools/wk/internal/remote"
)

// TestAdminMatrixHTTP runs the permission matrix through wk's remote backend against
// this server, so every allowed and refused action crosses HTTP.
func TestAdminMatrixHTTP(t *testing.T) {
	accounttest.RunAdmin(t, accounttest.HarnessFunc(func(t *testing.T) *accounttest.Env {
		e := newEnv(t, Config{AuthBurst: 1000})
		return &accounttest.Env{
			Backend: func(cred account.Credential) account.Backend {
				c, err := remote.New(e.hs.URL, remote.Options{Credential: cred, UserAgent: "wk-admin-test"})
				if err != nil {
					t.Fatalf("remote.New(%s) = %v", e.hs.URL, err)
				}
				t.Cleanup(func() { c.Close() })
				return c
			},
			Init:    e.init,
			Notices: e.rec.Notices,
			Advance: e.clock.Advance,
		}
	}))
}

// adminEnv is a server with Ada (owner), Grace (a plain user with a password) and a
// team, and their cookies.
type adminEnv struct {
	*env
	ada, grace    string
	graceID, team string
	adaID         string
}

func newAdminEnv(t *testing.T) *adminEnv {
	e := &adminEnv{env: newEnv(t, Config{AuthBurst: 1000})}
	e.ada = e.login()
	e.adaID = keys(t, e.do("GET", "/api/user", "", withCookie(e.ada)))["id"].(string)

	a := e.do("POST", "/api/users", `{"email":"grace@example.com","firstName":"Grace","lastName":"Hopper"}`,
		withCookie(e.ada), withHeader("Origin", e.hs.URL))
	if a.Status != 200 {
		t.Fatalf("POST /api/users = %d %s", a.Status, a.Body)
	}
	e.graceID = keys(t, a)["id"].(string)
	ns := e.notices()
	tok := ns[len(ns)-1].Secret
	a = e.do("POST", "/api/auth/resetPassword",
		`{"token":"`+tok+`","password":{"password1":"compiler-pioneer-52","password2":"compiler-pioneer-52"}}`)
	if a.Status != 200 {
		t.Fatalf("resetPassword with the invitation = %d %s", a.Status, a.Body)
	}
	a = e.do("POST", "/api/auth/login", `{"email":"grace@example.com","password":"compiler-pioneer-52"}`)
	e.grace = cookieOf(t, a)

	a = e.do("POST", "/api/teams", `{"name":"Imaging"}`, withCookie(e.ada), withHeader("Origin", e.hs.URL))
	if a.Status != 200 {
		t.Fatalf("POST /api/teams = %d %s", a.Status, a.Body)
	}
	e.team = keys(t, a)["id"].(string)
	return e
}

func cookieOf(t *testing.T, a answer) string {
	t.Helper()
	for _, line := range a.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(line, "id="); ok {
			return strings.SplitN(v, ";", 2)[0]
		}
	}
	t.Fatalf("answer %d set no id cookie: %s", a.Status, a.Body)
	return ""
}

func TestAdminRoutes(t *testing.T) {
	e := newAdminEnv(t)
	origin := withHeader("Origin", e.hs.URL)
	tests := []struct {
		name, method, path, body string
		cookie                   string
		want                     int
		wantKind, wantText       string
	}{
		{"list_users", "GET", "/api/users", "", e.ada, 200, "", ""},
		{"list_users_v14", "GET", "/api/v14/users", "", e.ada, 200, "", ""},
		{"list_users_as_user", "GET", "/api/users", "", e.grace, 403, "forbidden",
			"listing users needs the Administrator or Team Manager role"},
		{"get_user_by_email", "GET", "/api/users/grace@example.com", "", e.ada, 200, "", ""},
		{"get_unknown_user", "GET", "/api/users/" + strings.Repeat("0", 24), "", e.ada, 404, "not-found", ""},
		{"audit", "GET", "/api/users/" + e.graceID + "/audit", "", e.ada, 200, "", ""},
		{"audit_as_user", "GET", "/api/users/" + e.adaID + "/audit", "", e.grace, 403, "forbidden",
			"reading the audit log needs the Administrator role"},
		{"invite_taken_email", "POST", "/api/users", `{"email":"GRACE@example.com","firstName":"G","lastName":"H"}`,
			e.ada, 400, "conflict", "already exists"},
		{"invite_as_user", "POST", "/api/users", `{"email":"eve@example.com","firstName":"Eve","lastName":"Spy"}`,
			e.grace, 403, "forbidden", "inviting users needs the Administrator role"},
		{"promote_as_user", "PATCH", "/api/users/" + e.graceID, `{"isAdmin":true}`, e.grace, 403, "forbidden",
			"setting roles needs the Administrator role"},
		{"deactivate_owner_as_user", "PATCH", "/api/users/" + e.adaID, `{"isActive":false}`, e.grace, 403, "forbidden",
			"deactivating users needs the Administrator role"},
		{"rename_other_user", "PATCH", "/api/users/" + e.graceID, `{"firstName":"Eve"}`, e.ada, 403, "forbidden", ""},
		{"self_demote", "PATCH", "/api/users/" + e.adaID, `{"isAdmin":false}`, e.ada, 403, "forbidden",
			"you cannot demote yourself"},
		{"teams_as_user", "GET", "/api/teams", "", e.grace, 403, "forbidden", ""},
		{"team_taken", "POST", "/api/teams", `{"name":"imaging"}`, e.ada, 400, "conflict", ""},
		{"delete_unknown_team", "DELETE", "/api/teams/Nowhere", "", e.ada, 404, "not-found", ""},
		{"rename_other_org", "PATCH", "/api/organizations/elsewhere", `{"name":"X"}`, e.ada, 404, "not-found", ""},
		{"rename_org_as_user", "PATCH", "/api/organizations/connectomics_lab", `{"name":"X"}`, e.grace, 403,
			"forbidden", "renaming the organization needs the Administrator role"},
		{"logout_unknown", "POST", "/api/users/nobody@example.com/logoutEverywhere", "", e.ada, 404, "not-found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(tt.method, tt.path, tt.body, withCookie(tt.cookie), origin)
			if a.Status != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, a.Status, a.Body, tt.want)
			}
			if got := a.Header.Get(KindHeader); got != tt.wantKind {
				t.Errorf("%s = %q, want %q", KindHeader, got, tt.wantKind)
			}
			if tt.wantText != "" && !strings.Contains(a.errorText(t), tt.wantText) {
				t.Errorf("error = %q, want it to contain %q", a.errorText(t), tt.wantText)
			}
		})
	}
}

// TestPatchUserAdministration drives roles, deactivation and teams through the
// WEBKNOSSOS PATCH /api/users/{id} the way its admin pages send it.
func TestPatchUserAdministration(t *testing.T) {
	e := newAdminEnv(t)
	origin := withHeader("Origin", e.hs.URL)
	patch := func(body string) map[string]any {
		t.Helper()
		a := e.do("PATCH", "/api/users/"+e.graceID, body, withCookie(e.ada), origin)
		if a.Status != 200 {
			t.Fatalf("PATCH %s = %d %s", body, a.Status, a.Body)
		}
		return keys(t, a)
	}

	if u := patch(`{"isAdmin":false,"isDatasetManager":true}`); u["role"] != "Dataset Manager" {
		t.Errorf("role after isDatasetManager = %v, want Dataset Manager", u["role"])
	}
	u := patch(`{"teams":[{"id":"` + e.team + `","name":"Imaging","isTeamManager":true}]}`)
	if u["role"] != "Team Manager" {
		t.Errorf("role after managing Imaging = %v, want Team Manager", u["role"])
	}
	if u = patch(`{"teams":[]}`); len(u["teams"].([]any)) != 0 {
		t.Errorf("teams after [] = %v, want none", u["teams"])
	}

	if u = patch(`{"isActive":false}`); u["isActive"] != false {
		t.Errorf("isActive after deactivation = %v", u["isActive"])
	}
	a := e.do("GET", "/api/user", "", withCookie(e.grace))
	if a.Status != 401 {
		t.Errorf("GET /api/user with a deactivated user's session = %d, want 401", a.Status)
	}
	a = e.do("POST", "/api/auth/login", `{"email":"grace@example.com","password":"compiler-pioneer-52"}`)
	if a.Status != 401 || !strings.Contains(a.errorText(t), "deactivated") {
		t.Errorf("login of a deactivated user = %d %s, want 401 saying deactivated", a.Status, a.Body)
	}
	patch(`{"isActive":true}`)

	// The whole user object sent back unchanged is no change at all.
	whole := e.do("GET", "/api/users/"+e.graceID, "", withCookie(e.ada)).Body
	if got := patch(whole); got["email"] != "grace@example.com" || got["isActive"] != true {
		t.Errorf("PATCH with the unchanged object = %v", got)
	}
}

func TestFeaturesListAdminExtensions(t *testing.T) {
	e := newEnv(t, Config{})
	var f struct {
		Extensions []string `json:"wkExtensions"`
	}
	e.do("GET", "/api/features", "").decode(t, &f)
	for _, want := range []string{"userCreate", "userLogoutEverywhere", "userSendReset", "userAudit",
		"teamMembers", "adminRefs"} {
		if !slices.Contains(f.Extensions, want) {
			t.Errorf("wkExtensions = %v, want %q", f.Extensions, want)
		}
	}
}
