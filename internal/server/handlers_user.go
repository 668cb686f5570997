package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/wk-tools/wk/internal/account"
)

// currentUser answers the caller's user object.
func (s *Server) currentUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.backend(r).CurrentUser(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// userPatch is the body of PATCH /api/users/{id}. The WEBKNOSSOS page sends the whole
// user object, so fields that equal the current values are not changes.
type userPatch struct {
	FirstName        *string                   `json:"firstName"`
	LastName         *string                   `json:"lastName"`
	Email            *string                   `json:"email"`
	Password         *string                   `json:"password"`
	IsActive         *bool                     `json:"isActive"`
	IsAdmin          *bool                     `json:"isAdmin"`
	IsDatasetManager *bool                     `json:"isDatasetManager"`
	Teams            *[]account.TeamMembership `json:"teams"`
	Experiences      map[string]int            `json:"experiences"`
}

// updateUser changes the caller's own name or email. patchUser (handlers_admin.go) sends
// role, activity and team changes to the administration rules and plain self-edits here;
// a name or email change for another user is refused with 403.
func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	var in userPatch
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	b := s.backend(r)
	me, err := s.self(r.Context(), b, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := in.checkRoles(me); err != nil {
		s.writeError(w, r, err)
		return
	}

	u, err := s.applyPatch(r, b, me, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// applyPatch makes the email change first, since it needs the password and is the
// likelier to fail, then the name change.
func (s *Server) applyPatch(r *http.Request, b account.Backend, me *account.User,
	in userPatch) (*account.User, error) {
	u := me
	if in.Email != nil && account.NormalizeEmail(*in.Email) != account.NormalizeEmail(me.Email) {
		pw := ""
		if in.Password != nil {
			pw = *in.Password
		}
		next, err := b.SetEmail(r.Context(), *in.Email, pw)
		if err = s.settle(r, err); err != nil {
			return nil, err
		}
		u = next
	}

	first, last := me.FirstName, me.LastName
	if in.FirstName != nil {
		first = strings.TrimSpace(*in.FirstName)
	}
	if in.LastName != nil {
		last = strings.TrimSpace(*in.LastName)
	}
	if first != me.FirstName || last != me.LastName {
		next, err := b.SetName(r.Context(), first, last)
		if err != nil {
			return nil, err
		}
		u = next
	}
	return u, nil
}

// checkRoles refuses changes to what only an administrator may change.
func (in userPatch) checkRoles(me *account.User) error {
	forbidden := account.Errorf(account.ErrForbidden, msgNotAllowed)
	switch {
	case in.IsActive != nil && !*in.IsActive:
		return account.Errorf(account.ErrForbidden,
			"You cannot deactivate yourself. Please contact an admin to do it for you.")
	case in.IsAdmin != nil && *in.IsAdmin != me.IsAdmin,
		in.IsDatasetManager != nil && *in.IsDatasetManager != me.IsDatasetManager:
		return forbidden
	case in.Experiences != nil && !maps.Equal(in.Experiences, me.Experiences) &&
		(len(in.Experiences) > 0 || len(me.Experiences) > 0):
		return forbidden
	case in.Teams != nil && !sameTeams(*in.Teams, me.Teams):
		return forbidden
	}
	return nil
}

func sameTeams(a, b []account.TeamMembership) bool {
	if len(a) != len(b) {
		return false
	}
	set := make(map[account.TeamMembership]bool, len(a))
	for _, t := range a {
		set[t] = true
	}
	for _, t := range b {
		if !set[t] {
			return false
		}
	}
	return true
}

// self returns the caller when id is theirs, and ErrForbidden otherwise.
func (s *Server) self(ctx context.Context, b account.Backend, id string) (*account.User, error) {
	me, err := b.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	if me.ID != id {
		return nil, account.Errorf(account.ErrForbidden, msgNotAllowed)
	}
	return me, nil
}

// selectTheme stores the caller's theme, sent as a JSON string.
func (s *Server) selectTheme(w http.ResponseWriter, r *http.Request) {
	var theme string
	if err := decodeJSON(r, &theme); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := account.ParseTheme(theme)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b := s.backend(r)
	if _, err := s.self(r.Context(), b, r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}

	u, err := b.SetTheme(r.Context(), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// organizationJSON is the WEBKNOSSOS organization object. wk has no plans or storage,
// so those fields hold WEBKNOSSOS's "unlimited" values; created and ownerEmail are
// additions.
type organizationJSON struct {
	ID                    string            `json:"id"`
	Name                  string            `json:"name"`
	AdditionalInformation string            `json:"additionalInformation"`
	EnableAutoVerify      bool              `json:"enableAutoVerify"`
	PricingPlan           string            `json:"pricingPlan"`
	AIPlan                *string           `json:"aiPlan"`
	PaidUntil             *int64            `json:"paidUntil"`
	IncludedUsers         *int              `json:"includedUsers"`
	IncludedStorageBytes  *int64            `json:"includedStorageBytes"`
	UsedStorageBytes      int64             `json:"usedStorageBytes"`
	OwnerName             *string           `json:"ownerName"`
	OwnerEmail            string            `json:"ownerEmail,omitempty"`
	Created               account.Timestamp `json:"created"`
}

func orgJSON(o *account.Organization) organizationJSON {
	out := organizationJSON{ID: o.ID, Name: o.Name, PricingPlan: "Custom",
		OwnerEmail: o.OwnerEmail, Created: o.Created}
	if o.OwnerName != "" {
		out.OwnerName = &o.OwnerName
	}
	return out
}

// organization answers organization id to anyone, as WEBKNOSSOS's UserAwareAction
// does: a member gets the organization with its owner's email; everyone else, with no
// credential, an ended one or from another organization, gets the public fields.
func (s *Server) organization(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !credentialFrom(r).IsZero() {
		org, err := s.backend(r).Organization(r.Context())
		switch {
		case err == nil && org.ID == id:
			writeJSON(w, http.StatusOK, orgJSON(org))
			return
		case err != nil && !errors.Is(err, account.ErrUnauthenticated):
			s.writeError(w, r, err)
			return
		}
	}

	org, err := s.db.PublicOrganization(r.Context(), id)
	if errors.Is(err, account.ErrNotFound) {
		err = account.Errorf(account.ErrNotFound, "%s", fmt.Sprintf(
			"Organization %q could not be found or accessed.", id))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, orgJSON(org))
}

// organizations lists the organizations the caller can see: their own.
func (s *Server) organizations(w http.ResponseWriter, r *http.Request) {
	org, err := s.backend(r).Organization(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.URL.Query().Get("compact") == "true" {
		writeJSON(w, http.StatusOK, []map[string]string{{"id": org.ID, "name": org.Name}})
		return
	}
	writeJSON(w, http.StatusOK, []organizationJSON{orgJSON(org)})
}
