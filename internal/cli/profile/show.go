package profile

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// ShowOptions are the inputs of `wk profile show`.
type ShowOptions struct {
	F    *cmdutil.Factory
	JSON bool
}

// NewCmdShow returns `wk profile show`. runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{F: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show your name, email, organization, role and theme",
		Long: `Show the signed-in user. With --json, print the WEBKNOSSOS user object (the same
fields as GET /api/user) with a role field added: "Administrator", "Team Manager",
"Dataset Manager" or "User".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, showRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the user object as JSON")
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.CurrentUser(ctx)
	if err != nil {
		return err
	}
	_ = f.RememberUser(u)
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, u)
	}
	printUser(f, u)
	return nil
}

// printUser writes the user as aligned "Label: value" lines.
func printUser(f *cmdutil.Factory, u *account.User) {
	pal := f.OutPalette()
	out := f.IO.Out
	fmt.Fprintf(out, "Name:          %s\n", pal.Bold(u.FullName()))
	fmt.Fprintf(out, "Email:         %s\n", u.Email)
	fmt.Fprintf(out, "Organization:  %s\n", pal.Accent(u.Organization))
	fmt.Fprintf(out, "Role:          %s\n", u.Role())
	fmt.Fprintf(out, "Theme:         %s\n", themeLabel(u.SelectedTheme))
}

func themeLabel(t account.Theme) string {
	if t == account.ThemeAuto {
		return "system"
	}
	return string(t)
}
