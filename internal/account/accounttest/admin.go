package accounttest

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wk-tools/wk/internal/account"
)

// The roles of the permission matrix, as rows.
const (
	asAdmin          = "administrator"
	asTeamManager    = "team_manager"
	asDatasetManager = "dataset_manager"
	asUser           = "user"
)

// matrixTeam is the team the matrix's Team Manager manages.
const matrixTeam = "Imaging"

// adminWorld is one role's store during the matrix: the owner's backend, the backend of
// the role under test, and a counter for fresh names.
type adminWorld struct {
	t     *testing.T
	e     *Env
	owner account.Backend
	actor account.Backend
	n     int
}

// fresh returns a new, unused name with prefix.
func (w *adminWorld) fresh(prefix string) string {
	w.n++
	return prefix + strconv.Itoa(w.n)
}

// target invites a fresh user who is a plain member of matrixTeam, and returns their
// email.
func (w *adminWorld) target() string {
	w.t.Helper()
	email := w.fresh("target-") + "@example.com"
	_, err := w.owner.CreateUser(ctx(w.t), account.CreateUserRequest{Email: email,
		FirstName: "Tess", LastName: "Target", Teams: []string{matrixTeam}})
	if err != nil {
		w.t.Fatalf("CreateUser(%s) = %v", email, err)
	}
	return email
}

// adminAction is one column of the matrix: prep sets the stage as the owner and
// returns the user or team the action is about, act runs the action as the actor, and
// allowed lists the roles that may do it.
type adminAction struct {
	name    string
	allowed []string
	prep    func(w *adminWorld) string
	act     func(w *adminWorld, ref string) error
}

func noPrep(*adminWorld) string { return "" }

var adminActions = []adminAction{
	{"list_users", []string{asAdmin, asTeamManager}, (*adminWorld).target,
		func(w *adminWorld, _ string) error {
			_, err := w.actor.Users(ctx(w.t), account.UserFilter{})
			return err
		}},
	{"show_user", []string{asAdmin, asTeamManager}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.User(ctx(w.t), email)
			return err
		}},
	{"user_audit", []string{asAdmin}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.UserAudit(ctx(w.t), email)
			return err
		}},
	{"create_user", []string{asAdmin}, noPrep, func(w *adminWorld, _ string) error {
		_, err := w.actor.CreateUser(ctx(w.t), account.CreateUserRequest{
			Email: w.fresh("new-") + "@example.com", FirstName: "Nora", LastName: "New"})
		return err
	}},
	{"set_role", []string{asAdmin}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.SetRole(ctx(w.t), email, account.DatasetManagerRole)
			return err
		}},
	{"deactivate", []string{asAdmin}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.SetActive(ctx(w.t), email, false)
			return err
		}},
	{"activate", []string{asAdmin}, func(w *adminWorld) string {
		email := w.target()
		if _, err := w.owner.SetActive(ctx(w.t), email, false); err != nil {
			w.t.Fatalf("owner SetActive(%s, false) = %v", email, err)
		}
		return email
	}, func(w *adminWorld, email string) error {
		_, err := w.actor.SetActive(ctx(w.t), email, true)
		return err
	}},
	{"logout_user", []string{asAdmin}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.LogoutUser(ctx(w.t), email)
			return err
		}},
	{"send_reset", []string{asAdmin}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			return w.actor.SendReset(ctx(w.t), email)
		}},
	{"list_teams", []string{asAdmin, asTeamManager}, noPrep, func(w *adminWorld, _ string) error {
		_, err := w.actor.Teams(ctx(w.t))
		return err
	}},
	{"create_team", []string{asAdmin}, noPrep, func(w *adminWorld, _ string) error {
		_, err := w.actor.CreateTeam(ctx(w.t), w.fresh("Team "))
		return err
	}},
	{"delete_team", []string{asAdmin}, func(w *adminWorld) string {
		name := w.fresh("Doomed ")
		if _, err := w.owner.CreateTeam(ctx(w.t), name); err != nil {
			w.t.Fatalf("owner CreateTeam(%s) = %v", name, err)
		}
		return name
	}, func(w *adminWorld, name string) error {
		return w.actor.DeleteTeam(ctx(w.t), name)
	}},
	{"add_member", []string{asAdmin, asTeamManager}, func(w *adminWorld) string {
		email := w.target()
		if _, err := w.owner.RemoveTeamMember(ctx(w.t), matrixTeam, email); err != nil {
			w.t.Fatalf("owner RemoveTeamMember(%s) = %v", email, err)
		}
		return email
	}, func(w *adminWorld, email string) error {
		_, err := w.actor.AddTeamMember(ctx(w.t), matrixTeam, email, false)
		return err
	}},
	{"add_manager", []string{asAdmin}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.AddTeamMember(ctx(w.t), matrixTeam, email, true)
			return err
		}},
	{"remove_member", []string{asAdmin, asTeamManager}, (*adminWorld).target,
		func(w *adminWorld, email string) error {
			_, err := w.actor.RemoveTeamMember(ctx(w.t), matrixTeam, email)
			return err
		}},
	{"rename_org", []string{asAdmin}, noPrep, func(w *adminWorld, _ string) error {
		_, err := w.actor.RenameOrganization(ctx(w.t), w.fresh("Renamed Lab "))
		return err
	}},
}

// RunAdmin runs the administration permission matrix: every role against every action
// of [account.AdminBackend], each either allowed or refused with ErrForbidden, a message
// naming the role needed, and no change to the store. The harness's invitations must
// reach Env.Notices.
func RunAdmin(t *testing.T, h Harness) {
	for _, role := range []string{asAdmin, asTeamManager, asDatasetManager, asUser} {
		t.Run(role, func(t *testing.T) {
			w := newAdminWorld(t, h, role)
			for _, a := range adminActions {
				t.Run(a.name, func(t *testing.T) {
					w.t = t
					checkAction(t, w, role, a)
				})
			}
		})
	}
}

// checkAction runs a as role and checks the outcome against the matrix.
func checkAction(t *testing.T, w *adminWorld, role string, a adminAction) {
	allowed := false
	for _, r := range a.allowed {
		allowed = allowed || r == role
	}
	ref := a.prep(w)
	before := snapshot(t, w.owner)
	err := a.act(w, ref)
	if allowed {
		if err != nil {
			t.Errorf("%s as %s = %v, want it allowed", a.name, role, err)
		}
		return
	}
	if !errors.Is(err, account.ErrForbidden) {
		t.Fatalf("%s as %s = %v, want ErrForbidden", a.name, role, err)
	}
	if !strings.Contains(err.Error(), "needs the") {
		t.Errorf("%s as %s error = %q, want it to name the role needed", a.name, role, err)
	}
	if diff := cmp.Diff(before, snapshot(t, w.owner), snapshotOpts); diff != "" {
		t.Errorf("%s as %s was refused but changed the store (-before +after):\n%s", a.name, role, diff)
	}
}

// storeState is what the owner sees of the organization.
type storeState struct {
	Users []account.User
	Teams []account.Team
	Org   *account.Organization
}

// snapshotOpts ignore last activity, which reads may record.
var snapshotOpts = cmpopts.IgnoreFields(account.User{}, "LastActivity")

func snapshot(t *testing.T, owner account.Backend) storeState {
	t.Helper()
	users, err := owner.Users(ctx(t), account.UserFilter{})
	if err != nil {
		t.Fatalf("owner Users = %v", err)
	}
	teams, err := owner.Teams(ctx(t))
	if err != nil {
		t.Fatalf("owner Teams = %v", err)
	}
	org, err := owner.Organization(ctx(t))
	if err != nil {
		t.Fatalf("owner Organization = %v", err)
	}
	return storeState{Users: users, Teams: teams, Org: org}
}

// newAdminWorld sets up a store with matrixTeam and an actor holding role, signed in.
func newAdminWorld(t *testing.T, h Harness, role string) *adminWorld {
	e := h.Setup(t)
	w := &adminWorld{t: t, e: e, owner: admin(t, e)}
	if _, err := w.owner.CreateTeam(ctx(t), matrixTeam); err != nil {
		t.Fatalf("CreateTeam(%s) = %v", matrixTeam, err)
	}
	if role == asAdmin {
		w.actor = w.owner
		return w
	}

	const email, password = "actor@example.com", "actor-password-1906"
	req := account.CreateUserRequest{Email: email, FirstName: "Ann", LastName: "Actor"}
	if role == asDatasetManager {
		req.Role = account.DatasetManagerRole
	}
	if _, err := w.owner.CreateUser(ctx(t), req); err != nil {
		t.Fatalf("CreateUser(%s) = %v", email, err)
	}
	if role == asTeamManager {
		if _, err := w.owner.AddTeamMember(ctx(t), matrixTeam, email, true); err != nil {
			t.Fatalf("AddTeamMember(%s, manager) = %v", email, err)
		}
	}
	invites := notices(e, account.NoticeInvitation)
	if len(invites) == 0 || invites[len(invites)-1].To != email {
		t.Fatalf("no invitation for %s among %d", email, len(invites))
	}
	anon := e.Backend(account.Credential{})
	if err := anon.ResetPassword(ctx(t), invites[len(invites)-1].Secret, password); err != nil {
		t.Fatalf("ResetPassword(invitation of %s) = %v", email, err)
	}
	w.actor = e.Backend(login(t, e, email, password))
	return w
}
