// Package passkey implements `wk passkey`: add a passkey through a browser page, list,
// rename and delete them. It also runs the browser hand-off that `wk login --passkey`
// uses, through [RunCeremony].
package passkey

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the passkey verbs.
type Options struct {
	F *cmdutil.Factory
	// Name is the name of a new passkey (register).
	Name string
	// Key is the id or name of an existing passkey (rename, delete).
	Key string
	// NewName is what rename calls the passkey.
	NewName   string
	NoBrowser bool
	Yes       bool
	JSON      bool
	// Timeout is how long register waits for the browser; zero means
	// [account.CeremonyTimeout]. Tests shorten it; there is no flag.
	Timeout time.Duration
}

// NewCmdPasskey returns `wk passkey` with its verbs.
func NewCmdPasskey(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "passkey <command>",
		Short: "Add, list, rename and delete your passkeys",
		Long: `Passkeys let you sign in with a fingerprint, face or device PIN instead of a password:
'wk passkey register' adds one through a browser page, 'wk login --passkey' uses it.

The browser page runs on this machine only (http://localhost with a one-time link) and
waits two minutes. With --no-browser, or when no browser can be opened, wk prints the
link on stderr as "Open this page to continue: URL"; open it in a browser on this
machine.`,
	}
	cmd.AddCommand(NewCmdRegister(f, nil), NewCmdList(f, nil), NewCmdRename(f, nil),
		NewCmdDelete(f, nil))
	return cmd
}

// Pages returns the passkey page side of b, looking through wrappers that have an
// Unwrap() account.Backend method, and reports whether b has one. A backend with pages
// (the remote one) runs its ceremonies in a page at the server's origin.
func Pages(b account.Backend) (account.PasskeyPages, bool) {
	for b != nil {
		if pp, ok := b.(account.PasskeyPages); ok {
			return pp, true
		}
		w, ok := b.(interface{ Unwrap() account.Backend })
		if !ok {
			break
		}
		b = w.Unwrap()
	}
	return nil, false
}
