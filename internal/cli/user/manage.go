package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdSetRole returns `wk user set-role`. runF replaces the run function in tests.
func NewCmdSetRole(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "set-role EMAIL|ID admin|dataset-manager|user",
		Short: "Make a user an administrator, a dataset manager or a plain user",
		Long: `Set a user's role. Nobody demotes themself, the organization owner cannot be demoted
by another administrator, and the last administrator stays one. Team Manager is not a role
to set: add the user to a team with ` + "`wk team add TEAM EMAIL --manager`" + `.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cmdutil.Usagef("expected a user's email or id and a role: admin, dataset-manager or user")
			}
			opts.User, opts.Role = args[0], args[1]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, setRoleRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the changed user object as JSON")
	return cmd
}

func setRoleRun(ctx context.Context, opts *Options) error {
	role, err := account.ParseRole(opts.Role)
	if err != nil {
		return cmdutil.Usagef("%s", err)
	}
	return change(ctx, opts, func(b account.Backend) (*account.User, error) {
		return b.SetRole(ctx, opts.User, role)
	}, func(u *account.User) string {
		return fmt.Sprintf("%s is now %s", u.Email, role.Label())
	})
}

// NewCmdDeactivate returns `wk user deactivate`. runF replaces the run function in tests.
func NewCmdDeactivate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "deactivate EMAIL|ID",
		Short: "Stop a user from signing in, ending their sessions",
		Long: `Deactivate a user: every session of theirs ends, their logins are refused and their
API token stops working, until ` + "`wk user activate`" + `. Nobody deactivates themself, the
owner, or the last administrator.`,
		Args: oneUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, deactivateRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the changed user object as JSON")
	return cmd
}

func deactivateRun(ctx context.Context, opts *Options) error {
	return change(ctx, opts, func(b account.Backend) (*account.User, error) {
		return b.SetActive(ctx, opts.User, false)
	}, func(u *account.User) string {
		return fmt.Sprintf("Deactivated %s: their sessions ended and their API token is refused", u.Email)
	})
}

// NewCmdActivate returns `wk user activate`. runF replaces the run function in tests.
func NewCmdActivate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "activate EMAIL|ID",
		Short: "Let a deactivated user sign in again",
		Args:  oneUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, activateRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the changed user object as JSON")
	return cmd
}

func activateRun(ctx context.Context, opts *Options) error {
	return change(ctx, opts, func(b account.Backend) (*account.User, error) {
		return b.SetActive(ctx, opts.User, true)
	}, func(u *account.User) string {
		return fmt.Sprintf("Activated %s: they can sign in again", u.Email)
	})
}

// change runs one change on a backend and reports the changed user.
func change(ctx context.Context, opts *Options, do func(account.Backend) (*account.User, error),
	say func(*account.User) string) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := do(b)
	if err != nil {
		return err
	}
	if ok, err := writeUser(opts, u); ok {
		return err
	}
	done(f, "%s", say(u))
	return nil
}

// NewCmdLogoutAll returns `wk user logout-all`. runF replaces the run function in tests.
func NewCmdLogoutAll(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "logout-all EMAIL|ID",
		Short: "End every session of a user",
		Long: `End every session of a user on every device. Their API token keeps working; to stop
it, deactivate the user.`,
		Args: oneUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, logoutAllRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"sessionsEnded":N} as JSON`)
	return cmd
}

func logoutAllRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	n, err := b.LogoutUser(ctx, opts.User)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, map[string]int{"sessionsEnded": n})
	}
	word := "sessions"
	if n == 1 {
		word = "session"
	}
	done(f, "Ended %d %s of %s; their API token still works", n, word, opts.User)
	return nil
}

// NewCmdSendReset returns `wk user send-reset`. runF replaces the run function in tests.
func NewCmdSendReset(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "send-reset EMAIL|ID",
		Short: "Mail a user a password reset token",
		Long: `Mail a user a single-use password reset token, valid for one hour, which they use
with ` + "`wk password reset --token TOKEN`" + `.`,
		Args: oneUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, sendResetRun)
		},
	}
}

func sendResetRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	if err := b.SendReset(ctx, opts.User); err != nil {
		return err
	}
	done(f, "Mailed a password reset token, valid for one hour, to %s", opts.User)
	return nil
}
