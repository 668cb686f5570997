package profile

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// SetOptions are the inputs of the profile set-* verbs.
type SetOptions struct {
	F *cmdutil.Factory
	// Value is the positional argument: a full name, an email or a theme.
	Value         string
	FirstName     string
	LastName      string
	PasswordStdin bool
	JSON          bool
}

func newSetCmd(f *cmdutil.Factory, use, short, long string,
	runF, run func(context.Context, *SetOptions) error) (*cobra.Command, *SetOptions) {
	opts := &SetOptions{F: f}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cmdutil.Usagef("expected one argument, got %d: quote values with spaces", len(args))
			}
			if len(args) == 1 {
				opts.Value = args[0]
			}
			return cmdutil.RunOr(cmd.Context(), opts, runF, run)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the updated user as JSON")
	return cmd, opts
}

// NewCmdSetName returns `wk profile set-name`. runF replaces the run function in tests.
func NewCmdSetName(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	cmd, opts := newSetCmd(f, `set-name "FIRST LAST" | --first-name FIRST --last-name LAST`,
		"Change your name",
		`Change your first and last name. Give both as one quoted argument, split at the last
space, or set either with --first-name and --last-name.`,
		runF, setNameRun)
	cmd.Flags().StringVar(&opts.FirstName, "first-name", "", "new first name")
	cmd.Flags().StringVar(&opts.LastName, "last-name", "", "new last name")
	return cmd
}

// NewCmdSetEmail returns `wk profile set-email`. runF replaces the run function in tests.
func NewCmdSetEmail(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	cmd, opts := newSetCmd(f, "set-email NEW [--password-stdin]", "Change your email address",
		`Change your email address. Your current password is needed (asked for on a terminal,
or the first line of stdin with --password-stdin). A notice goes to the old address.`,
		runF, setEmailRun)
	cmd.Args = exactlyOne("the new email address")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read your current password from the first line of stdin")
	return cmd
}

// NewCmdSetTheme returns `wk profile set-theme`. runF replaces the run function in tests.
func NewCmdSetTheme(f *cmdutil.Factory, runF func(context.Context, *SetOptions) error) *cobra.Command {
	cmd, _ := newSetCmd(f, "set-theme system|light|dark", "Choose the colour theme",
		`Choose the theme of WEBKNOSSOS and of wk's own prompts and colours. "system" (stored
as "auto", which is also accepted) follows your system or terminal.`,
		runF, setThemeRun)
	cmd.Args = exactlyOne("a theme: system, light or dark")
	cmd.ValidArgs = []string{"system", "light", "dark"}
	return cmd
}

func setNameRun(ctx context.Context, opts *SetOptions) error {
	f := opts.F
	if opts.Value != "" && (opts.FirstName != "" || opts.LastName != "") {
		return cmdutil.Usagef("give the name as one argument or with --first-name/--last-name, not both")
	}
	if opts.Value == "" && opts.FirstName == "" && opts.LastName == "" {
		return cmdutil.Usagef("give the new name: wk profile set-name \"FIRST LAST\"")
	}

	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	first, last := opts.FirstName, opts.LastName
	if opts.Value != "" {
		if first, last, err = account.SplitFullName(opts.Value); err != nil {
			return err
		}
	} else if first == "" || last == "" {
		u, err := b.CurrentUser(ctx)
		if err != nil {
			return err
		}
		first, last = keep(first, u.FirstName), keep(last, u.LastName)
	}
	if first, err = account.CheckName("first name", first); err != nil {
		return err
	}
	if last, err = account.CheckName("last name", last); err != nil {
		return err
	}

	u, err := b.SetName(ctx, first, last)
	if err != nil {
		return err
	}
	return done(f, u, opts.JSON, fmt.Sprintf("Your name is now %s", u.FullName()))
}

func setEmailRun(ctx context.Context, opts *SetOptions) error {
	f := opts.F
	email, err := account.CheckEmail(opts.Value)
	if err != nil {
		return err
	}
	password, err := currentPassword(f, opts.PasswordStdin)
	if err != nil {
		return err
	}

	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.SetEmail(ctx, email, password)
	if err != nil {
		return err
	}
	return done(f, u, opts.JSON, fmt.Sprintf("Your email is now %s; a notice went to the old address", u.Email))
}

func setThemeRun(ctx context.Context, opts *SetOptions) error {
	f := opts.F
	theme, err := account.ParseTheme(opts.Value)
	if err != nil {
		return err
	}

	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.SetTheme(ctx, theme)
	if err != nil {
		return err
	}
	return done(f, u, opts.JSON, "Theme set to "+themeLabel(u.SelectedTheme))
}

// currentPassword reads the current password from stdin or a prompt.
func currentPassword(f *cmdutil.Factory, fromStdin bool) (string, error) {
	if fromStdin {
		return f.IO.StdinSecret("your current password")
	}
	if !f.IO.CanPrompt() {
		return "", cmdutil.NoPrompt("your current password", "--password-stdin")
	}
	return f.Prompter().Password("Current password", nil)
}

// done remembers the user's email and theme, then prints the user or a message.
func done(f *cmdutil.Factory, u *account.User, asJSON bool, msg string) error {
	_ = f.RememberUser(u)
	if asJSON {
		return cmdutil.WriteJSON(f.IO.Out, u)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s %s\n", f.Palette().Success("✓"), msg)
	return nil
}

func keep(v, current string) string {
	if v == "" {
		return current
	}
	return v
}

func exactlyOne(what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return cmdutil.Usagef("expected %s as the one argument", what)
		}
		return nil
	}
}
