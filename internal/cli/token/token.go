// Package token implements `wk token`: show the personal API token, or revoke it and make
// a new one.
package token

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the token verbs.
type Options struct {
	F    *cmdutil.Factory
	Yes  bool
	JSON bool
}

// NewCmdToken returns `wk token` with its verbs.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token <command>",
		Short: "Show or rotate your personal API token",
		Long: `Your personal API token authenticates scripts and the WEBKNOSSOS Python library:

  WK_TOKEN=<token> wk profile show
  WK_TOKEN=<token> python my_pipeline.py

Only a hash is stored, so the token is printed once, when it is made.`,
	}
	cmd.AddCommand(NewCmdShow(f, nil), NewCmdRevoke(f, nil))
	return cmd
}

// NewCmdShow returns `wk token show`. runF replaces the run function in tests.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Make your API token if you have none, else show its details",
		Long: `Make your personal API token if you have none and print it (only the token, on
stdout). If you have one, show its id, visible prefix, when it was made and last used:
the token itself cannot be shown again. Lost it? 'wk token revoke' makes a new one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, showRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the token's details as JSON (.token only when it was just made)")
	return cmd
}

// NewCmdRevoke returns `wk token revoke`. runF replaces the run function in tests.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "revoke [--yes]",
		Short: "Revoke your API token and make a new one",
		Long: `Revoke your API token and make a new one. The old token, and every session opened
with it, stop working at once. The new token is printed once: in plain output stdout holds
only the token. wk asks to confirm; scripts pass --yes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, revokeRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask to confirm")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new token and its details as JSON")
	return cmd
}

func showRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	tok, err := b.Token(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, tok)
	}
	if tok.Secret != "" {
		return printNew(f, tok, "Made your API token")
	}

	pal := f.OutPalette()
	now := f.Now()
	fmt.Fprintf(f.IO.Out, "ID:         %s\n", tok.ID)
	fmt.Fprintf(f.IO.Out, "Token:      %s\n", pal.Accent(tok.Prefix+"…"))
	fmt.Fprintf(f.IO.Out, "Created:    %s\n", cmdutil.When(tok.Created.Time, now, f.IO.OutTTY))
	fmt.Fprintf(f.IO.Out, "Last used:  %s\n", cmdutil.When(tok.LastUsed.Time, now, f.IO.OutTTY))
	fmt.Fprintln(f.IO.ErrOut, "Only a hash is stored, so the token cannot be shown again; `wk token revoke` makes a new one.")
	return nil
}

func revokeRun(ctx context.Context, opts *Options) error {
	f := opts.F
	err := f.Confirm(opts.Yes,
		"Revoke your API token? Scripts using it, and sessions opened with it, stop working at once.")
	if err != nil {
		return err
	}

	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	tok, err := b.RotateToken(ctx)
	if err != nil {
		return err
	}

	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, tok)
	}
	if err := printNew(f, tok, "Revoked the old token; this is the new one"); err != nil {
		return err
	}
	if src, _ := f.Credential(); src.From == "WK_TOKEN" {
		fmt.Fprintf(f.IO.ErrOut, "%s WK_TOKEN still holds the old token: set it to the new one.\n", f.Palette().Warn("!"))
	}
	return nil
}

// printNew prints a just-made token alone on stdout and a note on stderr.
func printNew(f *cmdutil.Factory, tok *account.Token, note string) error {
	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s %s. It is shown only now: store it safely.\n", pal.Success("✓"), note)
	_, err := fmt.Fprintln(f.IO.Out, tok.Secret)
	return err
}
