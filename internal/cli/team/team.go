// Package team implements `wk team`: list, create and delete the organization's teams
// and change their members. Team Managers may add and remove plain members of the teams
// they manage; everything else needs the Administrator role.
package team

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the team verbs.
type Options struct {
	F *cmdutil.Factory
	// Team is the team's name or id; User a member's email or id.
	Team    string
	User    string
	Manager bool
	Yes     bool
	JSON    bool
}

// NewCmdTeam returns `wk team` with its verbs.
func NewCmdTeam(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "team <command>",
		Short: "Manage your organization's teams and their members",
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdCreate(f, nil), NewCmdDelete(f, nil),
		NewCmdAdd(f, nil), NewCmdRemove(f, nil))
	return cmd
}

// NewCmdList returns `wk team list`. runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List teams with their managers and members",
		Long: `List the teams of your organization (Administrators) or the teams you manage (Team
Managers): id, name, managers and all members, by email.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, listRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the teams as a JSON array")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	list, err := b.Teams(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSONList(f.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "No teams yet: make one with `wk team create NAME`.")
		return nil
	}
	t := cmdutil.NewTable(f.IO, f.OutPalette(), "ID", "NAME", "MANAGERS", "MEMBERS")
	for _, tm := range list {
		t.Row(tm.ID, tm.Name, emails(tm.Managers()), emails(tm.Members))
	}
	return t.Render()
}

// emails joins the members' addresses, or gives "-" for none.
func emails(ms []account.TeamMember) string {
	if len(ms) == 0 {
		return "-"
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Email
	}
	return strings.Join(out, ",")
}

// NewCmdCreate returns `wk team create`. runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create an empty team",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("expected the new team's name as the one argument")
			}
			opts.Team = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, createRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new team as JSON")
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	t, err := b.CreateTeam(ctx, opts.Team)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, t)
	}
	fmt.Fprintln(f.IO.Out, t.ID)
	fmt.Fprintf(f.IO.ErrOut, "%s Created team %s\n", f.Palette().Success("✓"), f.Palette().Bold(t.Name))
	return nil
}

// NewCmdDelete returns `wk team delete`. runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "delete NAME|ID [--yes]",
		Short: "Delete a team; its members keep their accounts",
		Long: `Delete a team and every membership in it; the members keep their accounts. wk asks
to confirm; scripts pass --yes.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("expected a team's name or id: see `wk team list`")
			}
			opts.Team = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, deleteRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask to confirm")
	return cmd
}

func deleteRun(ctx context.Context, opts *Options) error {
	f := opts.F
	if err := f.Confirm(opts.Yes, fmt.Sprintf("Delete team %s and all its memberships?", opts.Team)); err != nil {
		return err
	}
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	if err := b.DeleteTeam(ctx, opts.Team); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Deleted team %s\n", f.Palette().Success("✓"), opts.Team)
	return nil
}
