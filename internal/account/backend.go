// Package account holds wk's domain: the types a person manages (users, organizations,
// sessions, tokens), the [Backend] interface that the local store and the remote HTTP client
// both implement, the error kinds they share, and the input rules they both enforce.
//
// It imports nothing else of the project, so every other package can depend on it.
package account

import "context"

// Backend is everything wk can do to an account store. A Backend is built for one caller:
// it holds that caller's [Credential] (or none) and checks it on every call that needs it.
// Calls that need no credential say so. Failures unwrap to one of this package's sentinels.
type Backend interface {
	// Init creates a store with one organization whose first user is its Administrator
	// and owner. It fails with ErrConflict when an organization exists, and with
	// ErrUnsupported on a remote backend. It needs no credential.
	Init(ctx context.Context, req InitRequest) (*User, error)

	// Login checks an email and password and opens a session. Failures are
	// ErrUnauthenticated, or a *ThrottledError after repeated failures. No credential.
	Login(ctx context.Context, email, password string) (*LoginResult, error)
	// LoginWithToken opens a session recorded as opened with the given API token, which
	// then ends when that token is revoked. No credential.
	LoginWithToken(ctx context.Context, token string) (*LoginResult, error)
	// ForgotPassword mails a single-use reset token to email if an account has it, and
	// answers the same either way. No credential.
	ForgotPassword(ctx context.Context, email string) error
	// ResetPassword sets a new password with a reset token and ends every session of
	// that user. No credential.
	ResetPassword(ctx context.Context, token, password string) error

	// CurrentUser returns the caller.
	CurrentUser(ctx context.Context) (*User, error)
	// Organization returns the caller's organization.
	Organization(ctx context.Context) (*Organization, error)
	// SetName changes the caller's first and last name.
	SetName(ctx context.Context, first, last string) (*User, error)
	// SetEmail changes the caller's address after checking password, and mails a notice
	// to the old address.
	SetEmail(ctx context.Context, email, password string) (*User, error)
	// SetTheme stores the caller's theme.
	SetTheme(ctx context.Context, theme Theme) (*User, error)
	// ChangePassword replaces the caller's password, ends every other session and mails a
	// notice. It returns how many sessions it ended.
	ChangePassword(ctx context.Context, current, next string) (int, error)

	// Logout ends the caller's current session.
	Logout(ctx context.Context) error
	// Sessions lists the caller's open sessions, oldest first.
	Sessions(ctx context.Context) ([]Session, error)
	// RevokeSession ends one of the caller's sessions by id.
	RevokeSession(ctx context.Context, id string) error
	// LogoutAll ends every session of the caller, the current one too, and with
	// revokeToken also the API token. It returns how many sessions it ended.
	LogoutAll(ctx context.Context, revokeToken bool) (int, error)

	// Token returns the caller's API token, making one (with Secret set) if there is none.
	Token(ctx context.Context) (*Token, error)
	// RotateToken revokes the caller's API token and every session opened with it, and
	// returns a new one with Secret set.
	RotateToken(ctx context.Context) (*Token, error)
	// RevokeToken revokes the caller's API token and every session opened with it
	// without making a new one, as WEBKNOSSOS's DELETE /api/auth/token does; the next
	// Token call makes one. It reports whether there was a token to revoke.
	RevokeToken(ctx context.Context) (bool, error)

	// Close releases what the backend holds.
	Close() error

	// AdminBackend is the administration of the caller's organization.
	AdminBackend
	// PasskeyBackend manages the caller's passkeys and signs in with them.
	PasskeyBackend
}
