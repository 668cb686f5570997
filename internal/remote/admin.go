package remote

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/wk-tools/wk/internal/account"
)

// The wk extensions of the administration routes, listed in GET /api/features.
const (
	// extUserCreate: POST /api/users invites a user and answers the user object.
	extUserCreate = "userCreate"
	// extUserLogout: POST /api/users/{id}/logoutEverywhere answers {"ended":N}.
	extUserLogout = "userLogoutEverywhere"
	// extUserSendReset: POST /api/users/{id}/sendReset mails a reset token.
	extUserSendReset = "userSendReset"
	// extUserAudit: GET /api/users/{id}/audit answers the user's audit entries.
	extUserAudit = "userAudit"
	// extTeamMembers: POST /api/teams/{id}/members and DELETE
	// /api/teams/{id}/members/{user} change one membership and answer the team.
	extTeamMembers = "teamMembers"
	// extRefs: user routes take an email and team routes a team name in place of the
	// id, so the client need not look them up first.
	extRefs = "adminRefs"
)

var _ account.AdminBackend = (*Client)(nil)

// isObjectID reports whether s has the shape of a WEBKNOSSOS id: 24 lowercase hex digits.
func isObjectID(s string) bool {
	return len(s) == 24 && strings.Trim(s, "0123456789abcdef") == ""
}

// Path segments go into request paths unescaped, because send escapes the whole path.
// A ref holding a slash is therefore always looked up by id first.

// userRef returns what to put in a /users/{id} path for ref: ref itself when it is an
// id or the server takes emails there, else the id of the user with that email.
func (c *Client) userRef(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if isObjectID(ref) {
		return ref, nil
	}
	if ok, err := c.hasExtension(ctx, extRefs); err != nil || ok && !strings.Contains(ref, "/") {
		return ref, err
	}
	u, err := c.User(ctx, ref)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// allUsers reads GET /api/users.
func (c *Client) allUsers(ctx context.Context) ([]account.User, error) {
	var list []account.User
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/users"}, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// Users reads GET /api/users and keeps those that pass filter, ordered by email.
func (c *Client) Users(ctx context.Context, filter account.UserFilter) ([]account.User, error) {
	all, err := c.allUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := []account.User{}
	for _, u := range all {
		if filter.Match(&u) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b account.User) int { return strings.Compare(a.Email, b.Email) })
	return out, nil
}

// User reads GET /api/users/{id}; an email is looked up in GET /api/users unless the
// server takes it in the path.
func (c *Client) User(ctx context.Context, ref string) (*account.User, error) {
	ref = strings.TrimSpace(ref)
	direct := isObjectID(ref)
	if !direct {
		ok, err := c.hasExtension(ctx, extRefs)
		if err != nil {
			return nil, err
		}
		direct = ok && !strings.Contains(ref, "/")
	}
	if direct {
		var u account.User
		rq := request{method: http.MethodGet, path: "/users/" + ref}
		if _, err := c.call(ctx, rq, &u); err != nil {
			return nil, err
		}
		return &u, nil
	}

	all, err := c.allUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range all {
		if strings.EqualFold(u.Email, ref) {
			return &u, nil
		}
	}
	return nil, account.Errorf(account.ErrNotFound, "no user %s in this organization: see `wk user list`", ref)
}

// UserAudit reads GET /api/users/{id}/audit, a wk extension.
func (c *Client) UserAudit(ctx context.Context, ref string) ([]account.AuditEntry, error) {
	if err := c.need(ctx, extUserAudit, "the audit log"); err != nil {
		return nil, err
	}
	id, err := c.userRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	out := []account.AuditEntry{}
	rq := request{method: http.MethodGet, path: "/users/" + id + "/audit"}
	if _, err := c.call(ctx, rq, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateUser checks the request with the local rules and sends it with POST
// /api/users, a wk extension.
func (c *Client) CreateUser(ctx context.Context, req account.CreateUserRequest) (*account.User, error) {
	var err error
	if req.Email, err = account.CheckEmail(req.Email); err != nil {
		return nil, err
	}
	if req.FirstName, err = account.CheckName("first name", req.FirstName); err != nil {
		return nil, err
	}
	if req.LastName, err = account.CheckName("last name", req.LastName); err != nil {
		return nil, err
	}
	if req.Role != "" {
		if req.Role, err = account.ParseRole(string(req.Role)); err != nil {
			return nil, err
		}
	}
	if err := c.need(ctx, extUserCreate, "inviting users"); err != nil {
		return nil, err
	}

	var u account.User
	if _, err := c.call(ctx, request{method: http.MethodPost, path: "/users", body: req}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// patchUser sends fields with PATCH /api/users/{id} and answers the user as changed.
func (c *Client) patchUser(ctx context.Context, ref string, fields map[string]any) (*account.User, error) {
	id, err := c.userRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	var u account.User
	rq := request{method: http.MethodPatch, path: "/users/" + id, body: fields}
	if _, err := c.call(ctx, rq, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// SetRole sends the role's isAdmin and isDatasetManager flags with PATCH /api/users/{id}.
func (c *Client) SetRole(ctx context.Context, ref string, role account.Role) (*account.User, error) {
	role, err := account.ParseRole(string(role))
	if err != nil {
		return nil, err
	}
	admin, dm := role.Flags()
	return c.patchUser(ctx, ref, map[string]any{"isAdmin": admin, "isDatasetManager": dm})
}

// SetActive sends isActive with PATCH /api/users/{id}.
func (c *Client) SetActive(ctx context.Context, ref string, active bool) (*account.User, error) {
	return c.patchUser(ctx, ref, map[string]any{"isActive": active})
}

// LogoutUser calls POST /api/users/{id}/logoutEverywhere, a wk extension.
func (c *Client) LogoutUser(ctx context.Context, ref string) (int, error) {
	if err := c.need(ctx, extUserLogout, "ending other users' sessions"); err != nil {
		return 0, err
	}
	id, err := c.userRef(ctx, ref)
	if err != nil {
		return 0, err
	}
	var out struct {
		Ended int `json:"ended"`
	}
	rq := request{method: http.MethodPost, path: "/users/" + id + "/logoutEverywhere"}
	if _, err := c.call(ctx, rq, &out); err != nil {
		return 0, err
	}
	return out.Ended, nil
}

// SendReset calls POST /api/users/{id}/sendReset, a wk extension.
func (c *Client) SendReset(ctx context.Context, ref string) error {
	if err := c.need(ctx, extUserSendReset, "sending password resets to other users"); err != nil {
		return err
	}
	id, err := c.userRef(ctx, ref)
	if err != nil {
		return err
	}
	rq := request{method: http.MethodPost, path: "/users/" + id + "/sendReset"}
	_, err = c.call(ctx, rq, nil)
	return err
}

// Teams reads GET /api/teams. Plain WEBKNOSSOS lists no members there, so its teams
// come back with none.
//
// TODO(wk): on plain WEBKNOSSOS, fill in the members from GET /api/teams/{id}/users.
func (c *Client) Teams(ctx context.Context) ([]account.Team, error) {
	out := []account.Team{}
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/teams"}, &out); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Members == nil {
			out[i].Members = []account.TeamMember{}
		}
	}
	return out, nil
}

// CreateTeam sends POST /api/teams {name}.
func (c *Client) CreateTeam(ctx context.Context, name string) (*account.Team, error) {
	name, err := account.CheckName("team name", name)
	if err != nil {
		return nil, err
	}
	var t account.Team
	rq := request{method: http.MethodPost, path: "/teams", body: map[string]string{"name": name}}
	if _, err := c.call(ctx, rq, &t); err != nil {
		return nil, err
	}
	if t.Members == nil {
		t.Members = []account.TeamMember{}
	}
	return &t, nil
}

// teamRef returns what to put in a /teams/{id} path for ref: ref itself when it is an
// id or the server takes names there, else the id of the team with that name.
func (c *Client) teamRef(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if isObjectID(ref) {
		return ref, nil
	}
	if ok, err := c.hasExtension(ctx, extRefs); err != nil || ok && !strings.Contains(ref, "/") {
		return ref, err
	}
	teams, err := c.Teams(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range teams {
		if strings.EqualFold(t.Name, ref) {
			return t.ID, nil
		}
	}
	return "", account.Errorf(account.ErrNotFound, "no team %q in this organization: see `wk team list`", ref)
}

// DeleteTeam sends DELETE /api/teams/{id}.
func (c *Client) DeleteTeam(ctx context.Context, ref string) error {
	id, err := c.teamRef(ctx, ref)
	if err != nil {
		return err
	}
	_, err = c.call(ctx, request{method: http.MethodDelete, path: "/teams/" + id}, nil)
	return err
}

// AddTeamMember calls POST /api/teams/{id}/members, a wk extension.
//
// TODO(wk): on plain WEBKNOSSOS, send the user's whole team list with PATCH
// /api/users/{id} instead.
func (c *Client) AddTeamMember(ctx context.Context, team, user string, manager bool) (*account.Team, error) {
	return c.membership(ctx, http.MethodPost, team, user, map[string]any{
		"user": strings.TrimSpace(user), "isTeamManager": manager})
}

// RemoveTeamMember calls DELETE /api/teams/{id}/members/{user}, a wk extension.
func (c *Client) RemoveTeamMember(ctx context.Context, team, user string) (*account.Team, error) {
	return c.membership(ctx, http.MethodDelete, team, user, nil)
}

func (c *Client) membership(ctx context.Context, method, team, user string, body any) (*account.Team, error) {
	if err := c.need(ctx, extTeamMembers, "changing team members"); err != nil {
		return nil, err
	}
	id, err := c.teamRef(ctx, team)
	if err != nil {
		return nil, err
	}
	path := "/teams/" + id + "/members"
	if method == http.MethodDelete {
		path += "/" + strings.TrimSpace(user)
	}
	var t account.Team
	if _, err := c.call(ctx, request{method: method, path: path, body: body}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// RenameOrganization sends PATCH /api/organizations/{id} {name}.
func (c *Client) RenameOrganization(ctx context.Context, name string) (*account.Organization, error) {
	name, err := account.CheckName("organization name", name)
	if err != nil {
		return nil, err
	}
	me, err := c.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}
	var org account.Organization
	rq := request{method: http.MethodPatch, path: "/organizations/" + me.Organization,
		body: map[string]string{"name": name}}
	if _, err := c.call(ctx, rq, &org); err != nil {
		return nil, err
	}
	if org.ID == "" {
		org.ID = me.Organization
	}
	return &org, nil
}
