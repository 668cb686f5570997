package account

import (
	"errors"
	"fmt"
	"time"
)

// The sentinels below classify every failure that crosses a layer. Both backends map their
// own failures (SQLite constraints, HTTP statuses) onto them, and only internal/cli turns
// them into messages and exit codes. Test with errors.Is.
var (
	// ErrNotFound means the thing asked for does not exist or is not visible to the caller.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the change collides with existing data, such as an email in use.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the input breaks a rule: a malformed email, a short password.
	ErrInvalid = errors.New("invalid input")
	// ErrUnauthenticated means there is no credential, or it is wrong, expired or revoked.
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrForbidden means the caller is known but their role does not allow the action.
	ErrForbidden = errors.New("forbidden")
	// ErrThrottled means too many attempts were made; a [*ThrottledError] says until when.
	ErrThrottled = errors.New("too many attempts")
	// ErrUnsupported means the backend cannot do this at all, such as a server that lacks
	// an extension route or a remote backend asked to create a local store.
	ErrUnsupported = errors.New("not supported")
)

// Error is a failure with a message meant for the person at the terminal and a kind, one of
// the sentinels above, that decides the exit code or HTTP status.
type Error struct {
	// Kind is the sentinel this error unwraps to.
	Kind error
	// Msg is a lowercase, one-line description that says what to do where it can.
	Msg string
}

// Errorf returns an [*Error] of the given kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Error returns the message alone; the kind is for errors.Is.
func (e *Error) Error() string { return e.Msg }

// Unwrap returns the kind, so errors.Is(err, ErrInvalid) works.
func (e *Error) Unwrap() error { return e.Kind }

// ThrottledError reports that an account refuses logins until Until.
type ThrottledError struct {
	// Until is when the next attempt will be considered.
	Until time.Time
}

// Error says that attempts are refused and when to retry.
func (e *ThrottledError) Error() string {
	wait := time.Until(e.Until).Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return fmt.Sprintf("too many failed attempts: try again in %s (at %s)",
		wait, e.Until.Local().Format(time.Kitchen))
}

// Unwrap returns [ErrThrottled].
func (e *ThrottledError) Unwrap() error { return ErrThrottled }
