package account

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUserJSON(t *testing.T) {
	created := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC)
	u := User{ID: "570b9f4d2a7c0e4d008da6ef", Email: "ada@example.com", FirstName: "Ada",
		LastName: "Lovelace", Organization: "lab", IsActive: true, SelectedTheme: ThemeDark,
		Created: At(created)}

	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// The fields webknossos-libs requires, and the ones the issue names.
	for _, k := range []string{"id", "email", "organization", "firstName", "lastName", "created",
		"lastActivity", "isActive", "isAdmin", "isDatasetManager", "teams", "experiences",
		"isOrganizationOwner", "isEmailVerified", "selectedTheme", "role"} {
		if _, ok := m[k]; !ok {
			t.Errorf("user JSON lacks %q: %s", k, b)
		}
	}
	if m["created"] != float64(created.UnixMilli()) || m["lastActivity"] != nil {
		t.Errorf("times = %v, %v; want epoch ms and null", m["created"], m["lastActivity"])
	}
	if !strings.Contains(string(b), `"teams":[]`) || !strings.Contains(string(b), `"experiences":{}`) {
		t.Errorf("empty teams and experiences must be [] and {}: %s", b)
	}

	var back User
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	u.Teams, u.Experiences = []TeamMembership{}, map[string]int{}
	if diff := cmp.Diff(u, back); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestUserRole(t *testing.T) {
	manager := []TeamMembership{{ID: "t", Name: "T", IsTeamManager: true}}
	tests := []struct {
		u    User
		want string
	}{
		{User{IsAdmin: true, IsDatasetManager: true, Teams: manager}, RoleAdministrator},
		{User{IsDatasetManager: true, Teams: manager}, RoleTeamManager},
		{User{IsDatasetManager: true}, RoleDatasetManager},
		{User{Teams: []TeamMembership{{ID: "t"}}}, RoleUser},
	}
	for _, tt := range tests {
		if got := tt.u.Role(); got != tt.want {
			t.Errorf("Role() of %+v = %q, want %q", tt.u, got, tt.want)
		}
	}
}
