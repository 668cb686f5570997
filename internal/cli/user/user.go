// Package user implements `wk user`: the administration of the other accounts of the
// organization (list, show, invite, set roles, deactivate, end sessions, send resets).
// The backend decides who may do what; these commands only ask and show.
package user

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the user verbs.
type Options struct {
	F *cmdutil.Factory
	// User is the email or id the verb acts on.
	User string
	JSON bool

	// Role is the role filter of list and the role of create and set-role.
	Role string
	// Inactive makes list show deactivated users instead of active ones.
	Inactive bool

	// Email, Name and Teams describe the person create invites.
	Email string
	Name  string
	Teams []string
}

// NewCmdUser returns `wk user` with its verbs.
func NewCmdUser(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user <command>",
		Short: "Administer the users of your organization",
		Long: `Administer the users of your organization. Administrators may do everything here;
Team Managers may list and show the members of the teams they manage. A command your role
does not allow exits 5 and says which role it needs.`,
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdCreate(f, nil),
		NewCmdSetRole(f, nil), NewCmdDeactivate(f, nil), NewCmdActivate(f, nil),
		NewCmdLogoutAll(f, nil), NewCmdSendReset(f, nil))
	return cmd
}

// oneUser is the Args check of the verbs that take one EMAIL|ID.
func oneUser(opts *Options) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return cmdutil.Usagef("expected one user's email or id: see `wk user list`")
		}
		opts.User = args[0]
		return nil
	}
}

// teamsCell lists a user's teams, managed ones marked, or "-" for none.
func teamsCell(u *account.User) string {
	if len(u.Teams) == 0 {
		return "-"
	}
	names := make([]string, len(u.Teams))
	for i, t := range u.Teams {
		names[i] = t.Name
		if t.IsTeamManager {
			names[i] += " (manager)"
		}
	}
	return strings.Join(names, ", ")
}

// status says whether the account is active.
func status(u *account.User) string {
	if u.IsActive {
		return "active"
	}
	return "deactivated"
}

// done prints a success line on stderr.
func done(f *cmdutil.Factory, format string, args ...any) {
	fmt.Fprintf(f.IO.ErrOut, "%s %s\n", f.Palette().Success("✓"), fmt.Sprintf(format, args...))
}

// writeUser writes u as JSON with --json and reports whether it did.
func writeUser(opts *Options, u *account.User) (bool, error) {
	if !opts.JSON {
		return false, nil
	}
	return true, cmdutil.WriteJSON(opts.F.IO.Out, u)
}
