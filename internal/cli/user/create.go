package user

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdCreate returns `wk user create`. runF replaces the run function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "create --email EMAIL --name \"FIRST LAST\" [--role ROLE] [--team NAME]...",
		Aliases: []string{"invite"},
		Short:   "Invite a person to your organization",
		Long: `Create an active account without a password and mail the person an invitation. It
holds a single-use token, valid for 48 hours, with which they set their password:

  wk password reset --token TOKEN --password-stdin

An email already in use, in any case, is refused. The id of the new user goes to stdout.`,
		Example: `  wk user create --email grace@example.com --name "Grace Hopper" --team Imaging`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, createRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Email, "email", "", "the person's email address")
	fl.StringVar(&opts.Name, "name", "", `the person's name as "FIRST LAST"`)
	fl.StringVar(&opts.Role, "role", "user", "admin, dataset-manager or user")
	fl.StringArrayVar(&opts.Teams, "team", nil, "a team to join as a member (repeatable)")
	fl.BoolVar(&opts.JSON, "json", false, "print the new user object as JSON")
	_ = cmd.MarkFlagRequired("email")
	_ = cmd.MarkFlagRequired("name")
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	f := opts.F
	first, last, err := account.SplitFullName(opts.Name)
	if err != nil {
		return err
	}
	role, err := account.ParseRole(opts.Role)
	if err != nil {
		return cmdutil.Usagef("%s", err)
	}
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.CreateUser(ctx, account.CreateUserRequest{Email: opts.Email, FirstName: first,
		LastName: last, Role: role, Teams: opts.Teams})
	if err != nil {
		return err
	}
	if ok, err := writeUser(opts, u); ok {
		return err
	}
	fmt.Fprintln(f.IO.Out, u.ID)
	done(f, "Invited %s <%s> as %s; the invitation, valid for 48 hours, was mailed",
		u.FullName(), u.Email, u.Role())
	return nil
}
