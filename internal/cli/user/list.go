package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdList returns `wk user list`. runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "list [--role ROLE] [--inactive]",
		Aliases: []string{"ls"},
		Short:   "List the users of your organization",
		Long: `List the active users of your organization (Administrators), or the members of the
teams you manage (Team Managers): id, email, name, role, status and teams. --inactive lists
the deactivated users instead; --role keeps one role: admin, team-manager, dataset-manager
or user.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, listRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the users as a JSON array of user objects")
	cmd.Flags().StringVar(&opts.Role, "role", "", "only users with this role: admin, team-manager, dataset-manager or user")
	cmd.Flags().BoolVar(&opts.Inactive, "inactive", false, "list deactivated users instead of active ones")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	f := opts.F
	active := !opts.Inactive
	filter := account.UserFilter{IsActive: &active}
	if opts.Role != "" {
		label, err := account.ParseRoleFilter(opts.Role)
		if err != nil {
			return cmdutil.Usagef("%s", err)
		}
		filter.Role = label
	}
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	list, err := b.Users(ctx, filter)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSONList(f.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "No users match.")
		return nil
	}
	t := cmdutil.NewTable(f.IO, f.OutPalette(), "ID", "EMAIL", "NAME", "ROLE", "STATUS", "TEAMS")
	for _, u := range list {
		t.Row(u.ID, u.Email, u.FullName(), u.Role(), status(&u), teamsCell(&u))
	}
	return t.Render()
}
