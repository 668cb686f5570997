package account

import "encoding/json"

// Theme is a user's colour preference as WEBKNOSSOS stores it.
type Theme string

// The themes WEBKNOSSOS knows. ThemeAuto follows the system (or the terminal).
const (
	ThemeAuto  Theme = "auto"
	ThemeLight Theme = "light"
	ThemeDark  Theme = "dark"
)

// The role labels shown by `wk profile show` and in the role field of user JSON.
const (
	RoleAdministrator  = "Administrator"
	RoleTeamManager    = "Team Manager"
	RoleDatasetManager = "Dataset Manager"
	RoleUser           = "User"
)

// TeamMembership is one team a user belongs to.
type TeamMembership struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	IsTeamManager bool   `json:"isTeamManager"`
}

// User is a person's account in one organization. Its JSON is the WEBKNOSSOS user object
// (GET /api/user) plus a role field.
type User struct {
	ID                  string           `json:"id"`
	Email               string           `json:"email"`
	FirstName           string           `json:"firstName"`
	LastName            string           `json:"lastName"`
	Organization        string           `json:"organization"`
	IsAdmin             bool             `json:"isAdmin"`
	IsOrganizationOwner bool             `json:"isOrganizationOwner"`
	IsDatasetManager    bool             `json:"isDatasetManager"`
	IsActive            bool             `json:"isActive"`
	IsEmailVerified     bool             `json:"isEmailVerified"`
	Teams               []TeamMembership `json:"teams"`
	Experiences         map[string]int   `json:"experiences"`
	SelectedTheme       Theme            `json:"selectedTheme"`
	Created             Timestamp        `json:"created"`
	LastActivity        Timestamp        `json:"lastActivity"`
}

// FullName returns the first and last name joined by a space.
func (u *User) FullName() string {
	if u.LastName == "" {
		return u.FirstName
	}
	return u.FirstName + " " + u.LastName
}

// Role returns the label WEBKNOSSOS shows for the user's strongest role.
func (u *User) Role() string {
	switch {
	case u.IsAdmin:
		return RoleAdministrator
	case u.IsTeamManager():
		return RoleTeamManager
	case u.IsDatasetManager:
		return RoleDatasetManager
	}
	return RoleUser
}

// IsTeamManager reports whether the user manages at least one team.
func (u *User) IsTeamManager() bool {
	for _, t := range u.Teams {
		if t.IsTeamManager {
			return true
		}
	}
	return false
}

// userJSON is the wire form of User: the WEBKNOSSOS fields, the constant ones WEBKNOSSOS
// clients expect, and role.
type userJSON struct {
	user
	IsAnonymous              bool           `json:"isAnonymous"`
	IsEditable               bool           `json:"isEditable"`
	IsSuperUser              bool           `json:"isSuperUser"`
	LastTaskTypeID           *string        `json:"lastTaskTypeId"`
	NovelUserExperienceInfos map[string]any `json:"novelUserExperienceInfos"`
	Role                     string         `json:"role"`
}

type user User

// MarshalJSON writes the WEBKNOSSOS user object with role added. Nil slices and maps are
// written as [] and {} so clients that require the keys find them.
func (u User) MarshalJSON() ([]byte, error) {
	w := userJSON{user: user(u), IsEditable: true, Role: u.Role(),
		NovelUserExperienceInfos: map[string]any{}}
	if w.Teams == nil {
		w.Teams = []TeamMembership{}
	}
	if w.Experiences == nil {
		w.Experiences = map[string]int{}
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a WEBKNOSSOS user object; role is derived, so it is ignored.
func (u *User) UnmarshalJSON(b []byte) error {
	var w userJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*u = User(w.user)
	return nil
}

// Organization is the organization a user belongs to.
type Organization struct {
	// ID is the slug scripts and the WEBKNOSSOS Python library use, like "connectomics_lab".
	ID   string `json:"id"`
	Name string `json:"name"`
	// OwnerName is the owner's full name and OwnerEmail their address; empty when unknown,
	// as on servers that do not expose them.
	OwnerName  string    `json:"ownerName"`
	OwnerEmail string    `json:"ownerEmail,omitempty"`
	Created    Timestamp `json:"created"`
}

// How a session was opened, as recorded in [Session.OpenedWith].
const (
	OpenedWithPassword = "password"
	OpenedWithPasskey  = "passkey"
	OpenedWithToken    = "token"
)

// Session is one signed-in device or client.
type Session struct {
	ID       string    `json:"id"`
	Created  Timestamp `json:"created"`
	LastUsed Timestamp `json:"lastUsed"`
	Expires  Timestamp `json:"expires"`
	// UserAgent names the client or device that opened the session.
	UserAgent string `json:"userAgent"`
	// OpenedWith is how the session was opened: password, passkey or token.
	OpenedWith string `json:"openedWith"`
	// Current reports whether this is the session the caller is using.
	Current bool `json:"current"`
}

// Token describes a personal API token. Secret is set only in the answer that made it,
// because the store keeps nothing but a hash.
type Token struct {
	ID string `json:"id"`
	// Prefix is the visible start of the token, enough to recognise it.
	Prefix   string    `json:"prefix"`
	Created  Timestamp `json:"created"`
	LastUsed Timestamp `json:"lastUsed"`
	Secret   string    `json:"token,omitempty"`
}

// CredentialKind says what a [Credential] is.
type CredentialKind string

// The kinds of credential a backend accepts.
const (
	// CredentialSession is a session secret, sent as the id cookie over HTTP.
	CredentialSession CredentialKind = "session"
	// CredentialToken is a personal API token, sent as X-Auth-Token over HTTP.
	CredentialToken CredentialKind = "token"
)

// Credential is what a backend checks on every call made for its caller.
type Credential struct {
	Kind   CredentialKind `json:"kind"`
	Secret string         `json:"secret"`
}

// IsZero reports whether c holds no secret.
func (c Credential) IsZero() bool { return c.Secret == "" }

// LoginResult is a newly opened session.
type LoginResult struct {
	// Credential is the new session's secret; keep it, it is shown nowhere else.
	Credential Credential
	User       *User
}

// InitRequest describes the store a new installation starts with.
type InitRequest struct {
	OrganizationName string
	Email            string
	FirstName        string
	LastName         string
	Password         string
}
