package remote

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
)

// plainAdmin is a plain WEBKNOSSOS with no wk extensions, as seen by an administrator:
// one other user and one team. It records the writes it gets.
type plainAdmin struct {
	mu     sync.Mutex
	writes []string
}

const graceID = "5a00000000000000000000aa"

func (p *plainAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	path := strings.TrimPrefix(r.URL.Path, "/api/v14")
	if r.Method != http.MethodGet {
		b, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.writes = append(p.writes, r.Method+" "+path+" "+string(b))
		p.mu.Unlock()
	}
	grace := `{"id":"` + graceID + `","email":"grace@example.com","firstName":"Grace",
		"lastName":"Hopper","organization":"lab","isActive":true,"teams":[]}`
	switch {
	case path == "/api/buildinfo":
		io.WriteString(w, `{"httpApiVersioning":{"currentApiVersion":14,"oldestSupportedApiVersion":13}}`)
	case path == "/api/features":
		io.WriteString(w, `{}`)
	case r.Method == http.MethodGet && path == "/users":
		io.WriteString(w, "["+grace+"]")
	case r.Method == http.MethodPatch && path == "/users/"+graceID:
		io.WriteString(w, grace)
	case r.Method == http.MethodGet && path == "/teams":
		io.WriteString(w, `[{"id":"5a00000000000000000000bb","name":"Imaging","organization":"lab"}]`)
	case r.Method == http.MethodDelete && path == "/teams/5a00000000000000000000bb":
		io.WriteString(w, `{}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"messages":[{"error":"Couldn't find the requested resource."}]}`)
	}
}

func newPlainAdmin(t *testing.T) (*plainAdmin, *Client) {
	p := &plainAdmin{}
	hs := httptest.NewServer(p)
	t.Cleanup(hs.Close)
	c, err := New(hs.URL, Options{Credential: account.Credential{Kind: account.CredentialToken, Secret: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	return p, c
}

// TestAdminOnPlainWebknossos checks that emails and team names are looked up by id
// where the server does not take them in paths, and what is sent.
func TestAdminOnPlainWebknossos(t *testing.T) {
	p, c := newPlainAdmin(t)
	ctx := t.Context()

	if _, err := c.SetRole(ctx, "Grace@Example.com", account.AdminRole); err != nil {
		t.Fatalf("SetRole = %v", err)
	}
	if _, err := c.SetActive(ctx, "grace@example.com", false); err != nil {
		t.Fatalf("SetActive = %v", err)
	}
	if err := c.DeleteTeam(ctx, "imaging"); err != nil {
		t.Fatalf("DeleteTeam(imaging) = %v", err)
	}
	want := []string{
		"PATCH /users/" + graceID + ` {"isAdmin":true,"isDatasetManager":false}`,
		"PATCH /users/" + graceID + ` {"isActive":false}`,
		"DELETE /teams/5a00000000000000000000bb ",
	}
	if diff := cmp.Diff(want, p.writes); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}

	teams, err := c.Teams(ctx)
	if err != nil || len(teams) != 1 || teams[0].Members == nil {
		t.Errorf("Teams = %+v, %v; want one team with an empty, non-nil member list", teams, err)
	}
	if _, err := c.User(ctx, "nobody@example.com"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("User(nobody) = %v, want ErrNotFound", err)
	}
	active := false
	list, err := c.Users(ctx, account.UserFilter{IsActive: &active})
	if err != nil || len(list) != 0 {
		t.Errorf("Users(inactive) = %v, %v; want none", list, err)
	}
}

func TestAdminExtensionsUnsupported(t *testing.T) {
	p, c := newPlainAdmin(t)
	ctx := t.Context()
	tests := []struct {
		name string
		do   func() error
	}{
		{"create_user", func() error {
			_, err := c.CreateUser(ctx, account.CreateUserRequest{Email: "a@example.com", FirstName: "A", LastName: "B"})
			return err
		}},
		{"logout_user", func() error { _, err := c.LogoutUser(ctx, graceID); return err }},
		{"send_reset", func() error { return c.SendReset(ctx, graceID) }},
		{"audit", func() error { _, err := c.UserAudit(ctx, graceID); return err }},
		{"add_member", func() error { _, err := c.AddTeamMember(ctx, "Imaging", graceID, false); return err }},
		{"remove_member", func() error { _, err := c.RemoveTeamMember(ctx, "Imaging", graceID); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, account.ErrUnsupported) || !strings.Contains(err.Error(), "the server at "+c.URL()+" does not support") {
				t.Errorf("%s = %v, want ErrUnsupported naming the server", tt.name, err)
			}
		})
	}
	if len(p.writes) != 0 {
		t.Errorf("unsupported calls sent %v, want nothing", p.writes)
	}
}

// The request body of CreateUser is the documented wire shape.
func TestCreateUserRequestJSON(t *testing.T) {
	b, err := json.Marshal(account.CreateUserRequest{Email: "a@example.com", FirstName: "A",
		LastName: "B", Role: account.DatasetManagerRole, Teams: []string{"Imaging"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"email":"a@example.com","firstName":"A","lastName":"B","role":"dataset-manager","teams":["Imaging"]}`
	if string(b) != want {
		t.Errorf("CreateUserRequest JSON = %s, want %s", b, want)
	}
}
