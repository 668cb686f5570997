package team

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// teamAndUser is the Args check of add and remove.
func teamAndUser(opts *Options) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 2 {
			return cmdutil.Usagef("expected a team's name or id and a user's email or id")
		}
		opts.Team, opts.User = args[0], args[1]
		return nil
	}
}

// NewCmdAdd returns `wk team add`. runF replaces the run function in tests.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "add NAME EMAIL [--manager]",
		Short: "Add a user to a team, or make them its manager",
		Long: `Add a user to a team. With --manager they manage it, which makes them a Team
Manager; that needs the Administrator role. Team Managers may add plain members to the
teams they manage.`,
		Args: teamAndUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, addRun)
		},
	}
	cmd.Flags().BoolVar(&opts.Manager, "manager", false, "make the user a manager of the team")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the team as JSON")
	return cmd
}

func addRun(ctx context.Context, opts *Options) error {
	return membership(ctx, opts, func(b account.Backend) (*account.Team, error) {
		return b.AddTeamMember(ctx, opts.Team, opts.User, opts.Manager)
	}, func(t *account.Team) string {
		if opts.Manager {
			return fmt.Sprintf("%s manages team %s", opts.User, t.Name)
		}
		return fmt.Sprintf("%s is a member of team %s", opts.User, t.Name)
	})
}

// NewCmdRemove returns `wk team remove`. runF replaces the run function in tests.
func NewCmdRemove(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "remove NAME EMAIL",
		Short: "Take a user out of a team",
		Long: `Take a user out of a team. Team Managers may remove plain members of the teams they
manage; removing a manager needs the Administrator role.`,
		Args: teamAndUser(opts),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, removeRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the team as JSON")
	return cmd
}

func removeRun(ctx context.Context, opts *Options) error {
	return membership(ctx, opts, func(b account.Backend) (*account.Team, error) {
		return b.RemoveTeamMember(ctx, opts.Team, opts.User)
	}, func(t *account.Team) string {
		return fmt.Sprintf("%s is no longer in team %s", opts.User, t.Name)
	})
}

// membership runs one membership change and reports the team.
func membership(ctx context.Context, opts *Options, do func(account.Backend) (*account.Team, error),
	say func(*account.Team) string) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	t, err := do(b)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, t)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s\n", f.Palette().Success("✓"), say(t))
	return nil
}
