package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
)

// TestAdminMatrix runs the permission matrix against the local store.
func TestAdminMatrix(t *testing.T) {
	accounttest.RunAdmin(t, accounttest.HarnessFunc(func(t *testing.T) *accounttest.Env {
		e := newTestEnv(t)
		return &accounttest.Env{Backend: e.backend, Init: accounttest.DefaultInit,
			Notices: e.rec.Notices, Advance: e.clock.Advance}
	}))
}

// adminBackend logs the Init user, the owner, in.
func (e *testEnv) adminBackend(t *testing.T) account.Backend {
	t.Helper()
	return e.backend(e.login(t, accounttest.DefaultInit.Email, accounttest.DefaultInit.Password))
}

// invite creates a user and returns their invitation token.
func (e *testEnv) invite(t *testing.T, b account.Backend, req account.CreateUserRequest) string {
	t.Helper()
	if _, err := b.CreateUser(t.Context(), req); err != nil {
		t.Fatalf("CreateUser(%s) = %v", req.Email, err)
	}
	ns := e.rec.Notices()
	n := ns[len(ns)-1]
	if n.Kind != account.NoticeInvitation || n.To != req.Email || n.Secret == "" {
		t.Fatalf("last notice = %+v, want an invitation to %s with a token", n, req.Email)
	}
	return n.Secret
}

func TestCreateUserInvitation(t *testing.T) {
	e := newTestEnv(t)
	ada := e.adminBackend(t)
	if _, err := ada.CreateTeam(t.Context(), "Imaging"); err != nil {
		t.Fatal(err)
	}
	tok := e.invite(t, ada, account.CreateUserRequest{Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper", Role: account.DatasetManagerRole, Teams: []string{"imaging"}})

	n := e.rec.Notices()[len(e.rec.Notices())-1]
	if n.InvitedBy != "Ada Lovelace" || n.Organization != "Connectomics Lab" || n.Name != "Grace Hopper" {
		t.Errorf("invitation = %+v, want it from Ada Lovelace of Connectomics Lab to Grace Hopper", n)
	}
	u, err := ada.User(t.Context(), "GRACE@example.com")
	if err != nil {
		t.Fatalf("User(GRACE@example.com) = %v", err)
	}
	if !u.IsActive || u.IsEmailVerified || u.Role() != account.RoleDatasetManager ||
		len(u.Teams) != 1 || u.Teams[0].Name != "Imaging" {
		t.Errorf("invited user = %+v, want active, unverified, Dataset Manager in Imaging", u)
	}

	// No password works before the invitation is used; the token is not a password.
	if _, err := e.backend(account.Credential{}).Login(t.Context(), "grace@example.com", tok); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("Login with the invitation token as password = %v, want ErrUnauthenticated", err)
	}

	// The invitation is good for 48 hours, not longer, and once.
	e.clock.Advance(InviteTTL - time.Minute)
	if err := e.backend(account.Credential{}).ResetPassword(t.Context(), tok, "compiler-pioneer-52"); err != nil {
		t.Fatalf("ResetPassword(invitation after 47h59m) = %v", err)
	}
	if err := e.backend(account.Credential{}).ResetPassword(t.Context(), tok, "compiler-pioneer-53"); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("ResetPassword(used invitation) = %v, want ErrUnauthenticated", err)
	}
	e.login(t, "grace@example.com", "compiler-pioneer-52")

	tok2 := e.invite(t, ada, account.CreateUserRequest{Email: "alan@example.com", FirstName: "Alan", LastName: "Turing"})
	e.clock.Advance(InviteTTL + time.Second)
	if err := e.backend(account.Credential{}).ResetPassword(t.Context(), tok2, "enigma-bombe-1940"); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("ResetPassword(invitation after 48h) = %v, want ErrUnauthenticated", err)
	}
}

func TestCreateUserRefusals(t *testing.T) {
	e := newTestEnv(t)
	ada := e.adminBackend(t)
	e.invite(t, ada, account.CreateUserRequest{Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper"})
	sent := len(e.rec.Notices())
	tests := []struct {
		name string
		req  account.CreateUserRequest
		kind error
	}{
		{"email_in_use_other_case", account.CreateUserRequest{Email: "Grace@EXAMPLE.com", FirstName: "G", LastName: "H"}, account.ErrConflict},
		{"owner_email", account.CreateUserRequest{Email: "ADA@example.com", FirstName: "A", LastName: "L"}, account.ErrConflict},
		{"bad_email", account.CreateUserRequest{Email: "grace", FirstName: "G", LastName: "H"}, account.ErrInvalid},
		{"no_last_name", account.CreateUserRequest{Email: "x@example.com", FirstName: "X"}, account.ErrInvalid},
		{"bad_role", account.CreateUserRequest{Email: "x@example.com", FirstName: "X", LastName: "Y", Role: "boss"}, account.ErrInvalid},
		{"unknown_team", account.CreateUserRequest{Email: "x@example.com", FirstName: "X", LastName: "Y", Teams: []string{"Nowhere"}}, account.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ada.CreateUser(t.Context(), tt.req)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("CreateUser(%+v) = %v, want kind %v", tt.req, err, tt.kind)
			}
		})
	}
	if got := len(e.rec.Notices()); got != sent {
		t.Errorf("refused invitations sent %d mails, want none", got-sent)
	}
	users, err := ada.Users(t.Context(), account.UserFilter{})
	if err != nil || len(users) != 2 {
		t.Errorf("Users after refusals = %d users, %v; want ada and grace", len(users), err)
	}
}

func TestCreateUserMailFails(t *testing.T) {
	e := newTestEnv(t)
	ada := e.adminBackend(t)
	e.rec.Err = errors.New("smtp down")
	_, err := ada.CreateUser(t.Context(), account.CreateUserRequest{Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper"})
	if err == nil || !strings.Contains(err.Error(), "smtp down") {
		t.Fatalf("CreateUser with mail down = %v, want the mail error", err)
	}
	if _, err := ada.User(t.Context(), "grace@example.com"); !errors.Is(err, account.ErrNotFound) {
		t.Errorf("User after a failed invitation = %v, want ErrNotFound (the user is removed)", err)
	}
	e.rec.Err = nil
	e.invite(t, ada, account.CreateUserRequest{Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper"})
}

// TestProtectedAccounts checks that nobody demotes or deactivates themself, the owner
// is safe from other administrators, and the last administrator stays.
func TestProtectedAccounts(t *testing.T) {
	e := newTestEnv(t)
	ada := e.adminBackend(t)
	tok := e.invite(t, ada, account.CreateUserRequest{Email: "grace@example.com",
		FirstName: "Grace", LastName: "Hopper", Role: account.AdminRole})
	if err := e.backend(account.Credential{}).ResetPassword(t.Context(), tok, "compiler-pioneer-52"); err != nil {
		t.Fatal(err)
	}
	grace := e.backend(e.login(t, "grace@example.com", "compiler-pioneer-52"))

	tests := []struct {
		name string
		do   func() error
		want string
	}{
		{"self_demote", func() error { _, err := ada.SetRole(t.Context(), "ada@example.com", account.UserRole); return err },
			"you cannot demote yourself"},
		{"self_deactivate", func() error { _, err := grace.SetActive(t.Context(), "grace@example.com", false); return err },
			"you cannot deactivate yourself"},
		{"owner_demote", func() error {
			_, err := grace.SetRole(t.Context(), "ada@example.com", account.DatasetManagerRole)
			return err
		}, "owner cannot be demoted"},
		{"owner_deactivate", func() error { _, err := grace.SetActive(t.Context(), "ada@example.com", false); return err },
			"owner cannot be deactivated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.do()
			if !errors.Is(err, account.ErrForbidden) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%s = %v, want ErrForbidden saying %q", tt.name, err, tt.want)
			}
		})
	}

	// The last-administrator rule backs these up: the caller of SetRole and SetActive
	// is always an active administrator other than the target, so it cannot be reached
	// through the backend alone.
	u, err := ada.User(t.Context(), "ada@example.com")
	if err != nil || !u.IsAdmin || !u.IsActive {
		t.Errorf("owner after the refusals = %+v, %v; want an active administrator", u, err)
	}
}

func TestDeactivateEndsAccess(t *testing.T) {
	e := newTestEnv(t)
	ada := e.adminBackend(t)
	tok := e.invite(t, ada, account.CreateUserRequest{Email: "grace@example.com", FirstName: "Grace", LastName: "Hopper"})
	if err := e.backend(account.Credential{}).ResetPassword(t.Context(), tok, "compiler-pioneer-52"); err != nil {
		t.Fatal(err)
	}
	sess := e.login(t, "grace@example.com", "compiler-pioneer-52")
	apiTok, err := e.backend(sess).Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tokCred := account.Credential{Kind: account.CredentialToken, Secret: apiTok.Secret}

	if _, err := ada.SetActive(t.Context(), "grace@example.com", false); err != nil {
		t.Fatalf("SetActive(grace, false) = %v", err)
	}
	if _, err := e.backend(sess).CurrentUser(t.Context()); !errors.Is(err, account.ErrUnauthenticated) {
		t.Errorf("CurrentUser with the session of a deactivated user = %v, want ErrUnauthenticated", err)
	}
	_, err = e.backend(tokCred).CurrentUser(t.Context())
	if !errors.Is(err, account.ErrUnauthenticated) || !strings.Contains(err.Error(), "deactivated") {
		t.Errorf("CurrentUser with the token of a deactivated user = %v, want the deactivated refusal", err)
	}
	_, err = e.backend(account.Credential{}).Login(t.Context(), "grace@example.com", "compiler-pioneer-52")
	if !errors.Is(err, account.ErrUnauthenticated) || !strings.Contains(err.Error(), "deactivated") {
		t.Errorf("Login of a deactivated user = %v, want the deactivated refusal", err)
	}

	if _, err := ada.SetActive(t.Context(), "grace@example.com", true); err != nil {
		t.Fatalf("SetActive(grace, true) = %v", err)
	}
	if _, err := e.backend(tokCred).CurrentUser(t.Context()); err != nil {
		t.Errorf("CurrentUser with the token after reactivation = %v, want it to work", err)
	}

	audit, err := ada.UserAudit(t.Context(), "grace@example.com")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range audit {
		if a.Actor == "ada@example.com" {
			got = append(got, a.Action)
		}
	}
	want := "create-user deactivate activate"
	if strings.Join(got, " ") != want {
		t.Errorf("ada's entries in grace's audit = %v, want %s", got, want)
	}
}
