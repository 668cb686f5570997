package account

import (
	"context"
	"strings"
)

// AdminBackend is what administrators and team managers do to the other accounts of
// their organization: list and invite users, set roles, deactivate, and manage teams.
//
// A user argument is an id or an email address (any case). Who may do what:
// Administrators may do everything inside their own organization and nothing outside
// it; users of other organizations are ErrNotFound. Team Managers may list the members
// of the teams they manage, see those members, and add or remove members (not managers)
// of those teams. Users may do none of it. A refused action is ErrForbidden, changes
// nothing, and its message names the role it needs. Every change is recorded in the
// audit log, which [AdminBackend.UserAudit] shows.
type AdminBackend interface {
	// Users lists the users the caller may see that match filter, ordered by email:
	// the whole organization for an Administrator, the members of their teams for a
	// Team Manager. Users get ErrForbidden.
	Users(ctx context.Context, filter UserFilter) ([]User, error)
	// User returns one user the caller may see, as Users would. An unknown or hidden
	// user is ErrNotFound; a plain User gets ErrForbidden.
	User(ctx context.Context, user string) (*User, error)
	// UserAudit returns the audit entries about a user, oldest first. It needs the
	// Administrator role (ErrForbidden otherwise).
	UserAudit(ctx context.Context, user string) ([]AuditEntry, error)

	// CreateUser makes an active user without a usable password and mails them an
	// invitation holding a single-use set-password token, valid at least 48 hours. An
	// email in use, in any case, is ErrConflict; an unknown team is ErrNotFound; bad
	// input is ErrInvalid; without mail delivery it is ErrUnsupported and nothing is made.
	// Administrator only.
	CreateUser(ctx context.Context, req CreateUserRequest) (*User, error)
	// SetRole makes a user an administrator, a dataset manager or a plain user.
	// Administrator only. Nobody demotes themself, the owner cannot be demoted by
	// another administrator, and the last administrator stays (all ErrForbidden).
	SetRole(ctx context.Context, user string, role Role) (*User, error)
	// SetActive deactivates a user, ending their sessions and stopping their API token
	// until reactivated, or reactivates them. Administrator only. Nobody deactivates
	// themself, nor the owner or the last administrator (all ErrForbidden).
	SetActive(ctx context.Context, user string, active bool) (*User, error)
	// LogoutUser ends every session of a user and returns how many it ended; their API
	// token stays valid. Administrator only.
	LogoutUser(ctx context.Context, user string) (int, error)
	// SendReset mails a user a single-use password reset token. A deactivated user is
	// ErrInvalid; without mail delivery it is ErrUnsupported. Administrator only.
	SendReset(ctx context.Context, user string) error

	// Teams lists teams with their members, ordered by name: every team of the
	// organization for an Administrator, the teams they manage for a Team Manager.
	Teams(ctx context.Context) ([]Team, error)
	// CreateTeam makes an empty team. A name in use, in any case, is ErrConflict.
	// Administrator only.
	CreateTeam(ctx context.Context, name string) (*Team, error)
	// DeleteTeam removes a team, found by id or by name in any case, and its
	// memberships. Administrator only.
	DeleteTeam(ctx context.Context, team string) error
	// AddTeamMember adds a user to a team, or changes whether they manage it. A Team
	// Manager may add plain members to the teams they manage; making a manager needs
	// the Administrator role.
	AddTeamMember(ctx context.Context, team, user string, manager bool) (*Team, error)
	// RemoveTeamMember takes a user out of a team; one who is not in it is ErrNotFound.
	// A Team Manager may remove plain members of the teams they manage.
	RemoveTeamMember(ctx context.Context, team, user string) (*Team, error)

	// RenameOrganization changes the organization's display name; its id stays.
	// Administrator only.
	RenameOrganization(ctx context.Context, name string) (*Organization, error)
}

// Forbidden returns the [ErrForbidden] error of an action that needs a role the caller
// lacks, worded "forbidden: ACTION needs the ROLE role".
func Forbidden(action, role string) error {
	return Errorf(ErrForbidden, "forbidden: %s needs the %s role", action, role)
}

// Role is a role an administrator gives with [AdminBackend.SetRole]. Team Manager is not
// among them: it comes from managing a team.
type Role string

// The roles [ParseRole] accepts.
const (
	// AdminRole is the Administrator: everything inside the organization.
	AdminRole Role = "admin"
	// DatasetManagerRole is the Dataset Manager.
	DatasetManagerRole Role = "dataset-manager"
	// UserRole is a plain User.
	UserRole Role = "user"
)

// ParseRole accepts admin, dataset-manager or user in any case, and the labels
// Administrator, Dataset Manager and User.
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.Join(strings.Fields(s), "-")) {
	case "admin", "administrator":
		return AdminRole, nil
	case "dataset-manager", "datasetmanager":
		return DatasetManagerRole, nil
	case "user":
		return UserRole, nil
	}
	return "", Errorf(ErrInvalid, "unknown role %q: use admin, dataset-manager or user", s)
}

// Label returns the role's label as [User.Role] shows it, like "Administrator".
func (r Role) Label() string {
	switch r {
	case AdminRole:
		return RoleAdministrator
	case DatasetManagerRole:
		return RoleDatasetManager
	}
	return RoleUser
}

// Flags returns the isAdmin and isDatasetManager flags that stand for the role.
func (r Role) Flags() (isAdmin, isDatasetManager bool) {
	return r == AdminRole, r == DatasetManagerRole
}

// RoleOf returns the role the user's flags stand for, ignoring team management.
func RoleOf(u *User) Role {
	switch {
	case u.IsAdmin:
		return AdminRole
	case u.IsDatasetManager:
		return DatasetManagerRole
	}
	return UserRole
}

// UserFilter narrows [AdminBackend.Users]. The zero value lists everyone visible.
type UserFilter struct {
	// Role keeps only users whose [User.Role] label equals it, like "Team Manager".
	// Default empty: any role.
	Role string
	// IsActive keeps only active users (true) or only deactivated ones (false).
	// Default nil: both.
	IsActive *bool
}

// ParseRoleFilter accepts admin, team-manager, dataset-manager or user, in any case, and
// returns the label [UserFilter.Role] compares with.
func ParseRoleFilter(s string) (string, error) {
	switch strings.ToLower(strings.Join(strings.Fields(s), "-")) {
	case "admin", "administrator":
		return RoleAdministrator, nil
	case "team-manager", "teammanager":
		return RoleTeamManager, nil
	case "dataset-manager", "datasetmanager":
		return RoleDatasetManager, nil
	case "user":
		return RoleUser, nil
	}
	return "", Errorf(ErrInvalid, "unknown role %q: use admin, team-manager, dataset-manager or user", s)
}

// Match reports whether u passes the filter.
func (f UserFilter) Match(u *User) bool {
	if f.IsActive != nil && u.IsActive != *f.IsActive {
		return false
	}
	return f.Role == "" || u.Role() == f.Role
}

// CreateUserRequest describes a person an administrator invites.
type CreateUserRequest struct {
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	// Role is the role the new user gets. Default empty: [UserRole].
	Role Role `json:"role,omitempty"`
	// Teams names teams (or gives their ids) the user joins as a plain member.
	// Default none.
	Teams []string `json:"teams,omitempty"`
}

// Team is a team of an organization with its members.
type Team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Organization is the organization's id.
	Organization string `json:"organization"`
	// Members are ordered by email.
	Members []TeamMember `json:"members"`
}

// TeamMember is one member of a [Team].
type TeamMember struct {
	UserID string `json:"userId"`
	Email  string `json:"email"`
	// Name is the member's full name.
	Name          string `json:"name"`
	IsTeamManager bool   `json:"isTeamManager"`
}

// Managers returns the members who manage the team.
func (t *Team) Managers() []TeamMember {
	var out []TeamMember
	for _, m := range t.Members {
		if m.IsTeamManager {
			out = append(out, m)
		}
	}
	return out
}

// AuditEntry is one recorded change: who did what to whom, and when.
type AuditEntry struct {
	At Timestamp `json:"at"`
	// Actor is the email of who made the change; empty when nobody was signed in, as
	// for a forgotten-password request.
	Actor string `json:"actor"`
	// Action names the change, like "set-role" or "deactivate".
	Action string `json:"action"`
	// Target is the email of the user changed, or the id of a team or organization.
	Target string `json:"target"`
	// Detail adds what the action needs, like the new role; never a secret.
	Detail string `json:"detail"`
}
