// Package auth implements the commands that set up a store and sign in and out: init,
// login, logout and status.
package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// InitOptions are the inputs of `wk init`.
type InitOptions struct {
	F             *cmdutil.Factory
	Org           string
	Email         string
	Name          string
	PasswordStdin bool
	JSON          bool
}

// NewCmdInit returns `wk init`. runF replaces the run function in tests.
func NewCmdInit(f *cmdutil.Factory, runF func(context.Context, *InitOptions) error) *cobra.Command {
	opts := &InitOptions{F: f}
	cmd := &cobra.Command{
		Use:   "init --org NAME --email EMAIL --name \"FIRST LAST\"",
		Short: "Create a local store with an organization and its administrator",
		Long: `Create the local store (default $XDG_DATA_HOME/wk/wk.db; see --db) with one
organization and its first user, who becomes Administrator and organization owner.

The password is asked for on a terminal; scripts pass it on stdin with --password-stdin.
A store that already has an organization is left unchanged.`,
		Example: `  wk init --org "Connectomics Lab" --email ada@example.com --name "Ada Lovelace"
  printf '%s\n' "$PASSWORD" | wk init --org Lab --email ada@example.com --name "Ada L" --password-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, initRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Org, "org", "", "organization name, like \"Connectomics Lab\" (required)")
	fl.StringVar(&opts.Email, "email", "", "the administrator's email address (required)")
	fl.StringVar(&opts.Name, "name", "", "the administrator's name as \"FIRST LAST\" (required)")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of stdin")
	fl.BoolVar(&opts.JSON, "json", false, "print the organization and user as JSON")
	for _, name := range []string{"org", "email", "name"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

func initRun(ctx context.Context, opts *InitOptions) error {
	f := opts.F
	if _, err := account.OrganizationID(opts.Org); err != nil {
		return err
	}
	email, err := account.CheckEmail(opts.Email)
	if err != nil {
		return err
	}
	first, last, err := account.SplitFullName(opts.Name)
	if err != nil {
		return err
	}

	password, err := newPassword(f, opts.PasswordStdin, email, "Password for "+email)
	if err != nil {
		return err
	}

	b, err := f.CreateStore(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	u, err := b.Init(ctx, account.InitRequest{OrganizationName: opts.Org, Email: email,
		FirstName: first, LastName: last, Password: password})
	if err != nil {
		return err
	}
	org := account.Organization{ID: u.Organization, Name: strings.TrimSpace(opts.Org),
		OwnerName: u.FullName(), OwnerEmail: u.Email, Created: u.Created}

	cfg, _ := f.Config()
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, map[string]any{
			"store": cfg.DBPath, "organization": org, "user": u})
	}
	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s Created %s (id %s) in %s\n", pal.Success("✓"),
		pal.Bold(org.Name), pal.Accent(org.ID), cfg.DBPath)
	fmt.Fprintf(f.IO.ErrOut, "  %s <%s> is its Administrator and owner.\n", u.FullName(), u.Email)
	fmt.Fprintf(f.IO.ErrOut, "Next: wk login --email %s\n", u.Email)
	return nil
}

// newPassword gets a new password from stdin or, on a terminal, a prompt asked twice.
func newPassword(f *cmdutil.Factory, fromStdin bool, email, title string) (string, error) {
	check := func(pw string) error { return account.CheckPassword(pw, email) }
	if fromStdin {
		pw, err := f.IO.StdinSecret("the password")
		if err != nil {
			return "", err
		}
		return pw, check(pw)
	}
	if !f.IO.CanPrompt() {
		return "", cmdutil.NoPrompt("a password", "--password-stdin")
	}
	return f.Prompter().NewPassword(title, check)
}
