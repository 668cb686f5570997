// Package cmdutil holds what every wk command shares: the [Factory] that hands commands
// their dependencies, the terminal streams, output helpers, and the mapping from errors to
// messages and exit codes.
package cmdutil

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/prompt"
)

// Exit codes, as documented in `wk help exit-codes` and the README.
const (
	ExitOK              = 0
	ExitError           = 1
	ExitUsage           = 2
	ExitCancelled       = 3
	ExitUnauthenticated = 4
	ExitForbidden       = 5
	ExitThrottled       = 6
)

// UsageError is a bad flag or argument, or a prompt that was needed where none can be shown.
type UsageError struct {
	Msg string
}

// Error returns the message.
func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a [*UsageError] with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// ErrCancelled reports that the person declined or aborted a prompt.
var ErrCancelled = errors.New("cancelled")

// ExitCode returns the exit code for err, nil giving [ExitOK].
func ExitCode(err error) int {
	var usage *UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, ErrCancelled), errors.Is(err, prompt.ErrCancelled):
		return ExitCancelled
	case errors.Is(err, account.ErrUnauthenticated):
		return ExitUnauthenticated
	case errors.Is(err, account.ErrForbidden):
		return ExitForbidden
	case errors.Is(err, account.ErrThrottled):
		return ExitThrottled
	}
	return ExitError
}

// Message returns the one line wk prints for err, after "wk: ".
func Message(err error) string {
	msg := err.Error()
	if errors.Is(err, prompt.ErrCancelled) || errors.Is(err, ErrCancelled) {
		msg = "cancelled"
	}
	return strings.ReplaceAll(strings.TrimSpace(msg), "\n", " ")
}
