package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wk-tools/wk/internal/account"
)

// The administration routes: users, roles, teams and the organization's name. The
// store decides who may do what; these handlers only translate. A {id} of a user
// route may also be an email, and a {id} of a team route a team name (the adminRefs
// extension).

// adminRoutes adds the administration routes listed in routes.go.
func (s *Server) adminRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/users", s.listUsers)
	mux.HandleFunc("POST /api/users", s.createUser)
	mux.HandleFunc("GET /api/users/{id}", s.getUser)
	mux.HandleFunc("GET /api/users/{id}/audit", s.userAudit)
	mux.HandleFunc("POST /api/users/{id}/logoutEverywhere", s.userLogoutEverywhere)
	mux.HandleFunc("POST /api/users/{id}/sendReset", s.userSendReset)
	mux.HandleFunc("GET /api/teams", s.listTeams)
	mux.HandleFunc("POST /api/teams", s.createTeam)
	mux.HandleFunc("DELETE /api/teams/{id}", s.deleteTeam)
	mux.HandleFunc("POST /api/teams/{id}/members", s.addTeamMember)
	mux.HandleFunc("DELETE /api/teams/{id}/members/{user}", s.removeTeamMember)
	mux.HandleFunc("PATCH /api/organizations/{id}", s.renameOrganization)
}

// listUsers answers the users the caller may see, active and deactivated alike.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	var filter account.UserFilter
	switch r.URL.Query().Get("isActive") {
	case "true":
		filter.IsActive = ptr(true)
	case "false":
		filter.IsActive = ptr(false)
	}
	list, err := s.backend(r).Users(r.Context(), filter)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func ptr[T any](v T) *T { return &v }

// getUser answers one user the caller may see.
func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.backend(r).User(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// createUser invites a user: {email, firstName, lastName, role, teams}.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var req account.CreateUserRequest
	if err := decodeJSON(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.backend(r).CreateUser(r.Context(), req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// userAudit answers the audit entries about a user.
func (s *Server) userAudit(w http.ResponseWriter, r *http.Request) {
	list, err := s.backend(r).UserAudit(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// userLogoutEverywhere ends every session of a user and answers {"ended":N}.
func (s *Server) userLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	n, err := s.backend(r).LogoutUser(r.Context(), r.PathValue("id"))
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"ended": n})
}

// userSendReset mails a user a reset token and answers 200 with no body.
func (s *Server) userSendReset(w http.ResponseWriter, r *http.Request) {
	if err := s.backend(r).SendReset(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeEmpty(w)
}

// patchUser is PATCH /api/users/{id}. A change of the caller's own name or email goes
// to updateUser; isAdmin, isDatasetManager, isActive and teams are administration,
// refused for oneself where the rules say so. Editing another user's name or email is
// refused, as WEBKNOSSOS refuses another user's email.
//
// TODO(wk): let administrators rename other users, as WEBKNOSSOS allows.
func (s *Server) patchUser(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in userPatch
	if err := json.Unmarshal(body, &in); err != nil {
		s.writeError(w, r, account.Errorf(account.ErrInvalid, msgBadJSON))
		return
	}
	b := s.backend(r)
	me, err := b.CurrentUser(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	ref := r.PathValue("id")
	self := ref == me.ID || account.NormalizeEmail(ref) == me.Email
	if self && !in.adminChanges(me) {
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.updateUser(w, r)
		return
	}
	u, err := s.administer(r, b, me, ref, self, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// administer applies the role, activity and team changes of a PATCH, then for oneself
// the name and email changes, and returns the user as changed.
func (s *Server) administer(r *http.Request, b account.Backend, me *account.User, ref string,
	self bool, in userPatch) (*account.User, error) {
	ctx := r.Context()
	target := me
	if !self {
		t, err := b.User(ctx, ref)
		if errors.Is(err, account.ErrForbidden) {
			return nil, in.neededRole()
		}
		// Another user's name and email are never editable here, seen or not.
		if errors.Is(err, account.ErrNotFound) &&
			(in.FirstName != nil || in.LastName != nil || in.Email != nil) {
			return nil, errOtherProfile
		}
		if err != nil {
			return nil, err
		}
		target = t
		if in.changesProfile(target) {
			return nil, errOtherProfile
		}
	}

	role := roleFrom(in, target)
	// The store refuses demoting oneself; a flag change that keeps the role is refused
	// here, so that nobody edits their own flags at all.
	if self && role == account.RoleOf(target) &&
		in.IsDatasetManager != nil && *in.IsDatasetManager != target.IsDatasetManager {
		return nil, account.Errorf(account.ErrForbidden,
			"forbidden: you cannot change your own role: ask another administrator")
	}
	if role != account.RoleOf(target) {
		if _, err := b.SetRole(ctx, target.ID, role); err != nil {
			return nil, err
		}
	}
	if in.IsActive != nil && *in.IsActive != target.IsActive {
		if _, err := b.SetActive(ctx, target.ID, *in.IsActive); err != nil {
			return nil, err
		}
	}
	if in.Teams != nil {
		if err := s.setTeams(r, b, target, *in.Teams); err != nil {
			return nil, err
		}
	}
	if self {
		if _, err := s.applyPatch(r, b, me, in); err != nil {
			return nil, err
		}
		return b.CurrentUser(ctx)
	}
	return b.User(ctx, target.ID)
}

// adminChanges reports whether the patch changes what only administration changes.
func (in userPatch) adminChanges(u *account.User) bool {
	return in.IsAdmin != nil && *in.IsAdmin != u.IsAdmin ||
		in.IsDatasetManager != nil && *in.IsDatasetManager != u.IsDatasetManager ||
		in.IsActive != nil && *in.IsActive != u.IsActive ||
		in.Teams != nil && !sameTeams(*in.Teams, u.Teams)
}

var errOtherProfile = account.Errorf(account.ErrForbidden,
	"forbidden: changing another user's name or email is not supported")

// changesProfile reports whether the patch changes u's name or email.
func (in userPatch) changesProfile(u *account.User) bool {
	return in.FirstName != nil && strings.TrimSpace(*in.FirstName) != u.FirstName ||
		in.LastName != nil && strings.TrimSpace(*in.LastName) != u.LastName ||
		in.Email != nil && account.NormalizeEmail(*in.Email) != u.Email
}

// neededRole is the refusal for a caller who may not even see the target user.
func (in userPatch) neededRole() error {
	switch {
	case in.IsAdmin != nil || in.IsDatasetManager != nil:
		return account.Forbidden("setting roles", account.RoleAdministrator)
	case in.IsActive != nil && !*in.IsActive:
		return account.Forbidden("deactivating users", account.RoleAdministrator)
	case in.IsActive != nil:
		return account.Forbidden("activating users", account.RoleAdministrator)
	}
	return account.Forbidden("changing team members", "Administrator or Team Manager")
}

// roleFrom returns the role the patch's flags stand for, missing flags keeping u's.
func roleFrom(in userPatch, u *account.User) account.Role {
	admin, dm := u.IsAdmin, u.IsDatasetManager
	if in.IsAdmin != nil {
		admin = *in.IsAdmin
	}
	if in.IsDatasetManager != nil {
		dm = *in.IsDatasetManager
	}
	switch {
	case admin:
		return account.AdminRole
	case dm:
		return account.DatasetManagerRole
	}
	return account.UserRole
}

// setTeams makes u's memberships those of want, matched by team id: it removes the
// ones missing from want, then adds or updates the rest.
func (s *Server) setTeams(r *http.Request, b account.Backend, u *account.User,
	want []account.TeamMembership) error {
	wanted := make(map[string]bool, len(want))
	for _, t := range want {
		wanted[t.ID] = t.IsTeamManager
	}
	had := make(map[string]bool, len(u.Teams))
	for _, t := range u.Teams {
		had[t.ID] = t.IsTeamManager
		if _, keep := wanted[t.ID]; !keep {
			if _, err := b.RemoveTeamMember(r.Context(), t.ID, u.ID); err != nil {
				return err
			}
		}
	}
	// Unchanged memberships are skipped: a Team Manager may send teams they do not
	// manage back as they were.
	for id, mgr := range wanted {
		if was, ok := had[id]; ok && was == mgr {
			continue
		}
		if _, err := b.AddTeamMember(r.Context(), id, u.ID, mgr); err != nil {
			return err
		}
	}
	return nil
}

// listTeams answers the teams the caller may see, each with its members.
func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) {
	list, err := s.backend(r).Teams(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

// createTeam makes a team from {name} and answers it.
func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.backend(r).CreateTeam(r.Context(), in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// deleteTeam removes a team.
func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request) {
	if err := s.backend(r).DeleteTeam(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"messages": []map[string]string{{"success": "Team was deleted."}}})
}

// addTeamMember adds {user, isTeamManager} to a team and answers the team.
func (s *Server) addTeamMember(w http.ResponseWriter, r *http.Request) {
	var in struct {
		User          string `json:"user"`
		IsTeamManager bool   `json:"isTeamManager"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(in.User) == "" {
		s.writeError(w, r, account.Errorf(account.ErrInvalid, "user is missing: send its id or email"))
		return
	}
	t, err := s.backend(r).AddTeamMember(r.Context(), r.PathValue("id"), in.User, in.IsTeamManager)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// removeTeamMember takes a user out of a team and answers the team.
func (s *Server) removeTeamMember(w http.ResponseWriter, r *http.Request) {
	t, err := s.backend(r).RemoveTeamMember(r.Context(), r.PathValue("id"), r.PathValue("user"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// renameOrganization changes the display name of the caller's organization from
// {name}. Another organization's id is 404, as for GET.
func (s *Server) renameOrganization(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	b := s.backend(r)
	org, err := b.Organization(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if id := r.PathValue("id"); org.ID != id {
		s.writeError(w, r, account.Errorf(account.ErrNotFound, "%s",
			fmt.Sprintf("Organization %q could not be found or accessed.", id)))
		return
	}
	org, err = b.RenameOrganization(r.Context(), in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, orgJSON(org))
}
