// Package password implements `wk password`: change it, ask for a reset, and reset it.
package password

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the password verbs.
type Options struct {
	F             *cmdutil.Factory
	Email         string
	Token         string
	PasswordStdin bool
	JSON          bool
}

// NewCmdPassword returns `wk password` with its verbs.
func NewCmdPassword(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "password <command>",
		Short: "Change your password, or reset a forgotten one",
	}
	cmd.AddCommand(NewCmdChange(f, nil), NewCmdForgot(f, nil), NewCmdReset(f, nil))
	return cmd
}

// NewCmdChange returns `wk password change`. runF replaces the run function in tests.
func NewCmdChange(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "change [--password-stdin]",
		Short: "Change your password and end your other sessions",
		Long: `Change your password. wk asks for the current one and the new one twice on a
terminal; with --password-stdin the first line of stdin is the current password and the
second the new one. Every other session ends; this one stays. A notice is mailed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, changeRun)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the current and the new password as two lines of stdin")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print how many sessions were ended as JSON")
	return cmd
}

// NewCmdForgot returns `wk password forgot`. runF replaces the run function in tests.
func NewCmdForgot(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "forgot EMAIL",
		Short: "Mail a password reset token",
		Long: `Mail a single-use reset token, valid for one hour, to EMAIL if an account has that
address. The answer is the same whether or not it has one. Use the token with
'wk password reset --token TOKEN'. This works for accounts that only use passkeys too.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("expected the account's email address as the one argument")
			}
			opts.Email = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, forgotRun)
		},
	}
}

// NewCmdReset returns `wk password reset`. runF replaces the run function in tests.
func NewCmdReset(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "reset --token TOKEN [--password-stdin]",
		Short: "Set a new password with a reset or invitation token",
		Long: `Set a new password with the token from a reset or invitation mail. The new password
is asked for twice on a terminal, or read from the first line of stdin with
--password-stdin. Every session of the account ends.

With --token - the token is read from stdin instead of the command line, and with
--password-stdin the password is the line after it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, resetRun)
		},
	}
	cmd.Flags().StringVar(&opts.Token, "token", "", "the token from the mail, or - to read it from the first line of stdin (required)")
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the new password from the first line of stdin")
	_ = cmd.MarkFlagRequired("token")
	return cmd
}

func changeRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	var current, next string
	if opts.PasswordStdin {
		if current, err = f.IO.StdinSecret("the current password"); err != nil {
			return err
		}
		if next, err = f.IO.StdinSecret("the new password on the second line"); err != nil {
			return err
		}
	} else {
		if !f.IO.CanPrompt() {
			return cmdutil.NoPrompt("a password", "--password-stdin")
		}
		u, err := b.CurrentUser(ctx)
		if err != nil {
			return err
		}
		p := f.Prompter()
		if current, err = p.Password("Current password", nil); err != nil {
			return err
		}
		next, err = p.NewPassword("New password", func(s string) error {
			return account.CheckPassword(s, u.Email)
		})
		if err != nil {
			return err
		}
	}

	ended, err := b.ChangePassword(ctx, current, next)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, map[string]int{"sessionsEnded": ended})
	}
	pal := f.Palette()
	if ended < 0 {
		// Plain WEBKNOSSOS leaves other sessions alone and does not say so.
		fmt.Fprintf(f.IO.ErrOut, "%s Password changed. The server does not end other sessions: run `wk sessions logout-all` to end them.\n",
			pal.Success("✓"))
		return nil
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Password changed; %s ended, this one stays.\n",
		pal.Success("✓"), sessions(ended, "other session"))
	return nil
}

func forgotRun(ctx context.Context, opts *Options) error {
	f := opts.F
	email, err := account.CheckEmail(opts.Email)
	if err != nil {
		return err
	}
	b, err := f.AnonymousBackend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	// Which mail went where would tell whether the address has an account.
	f.HideDeliveries = true
	if err := b.ForgotPassword(ctx, email); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "If %s has an account, a reset token valid for one hour was mailed to it.\n", email)
	if cfg, _ := f.Config(); !cfg.IsRemote() && cfg.Mail.Host == "" {
		fmt.Fprintf(f.IO.ErrOut, "Outbox folder: %s\n", cfg.Mail.Outbox)
	}
	fmt.Fprintln(f.IO.ErrOut, "Then run: wk password reset --token TOKEN")
	return nil
}

func resetRun(ctx context.Context, opts *Options) error {
	f := opts.F
	if opts.Token == "" {
		return cmdutil.Usagef("--token is empty: copy the token from the reset mail")
	}
	if opts.Token == "-" {
		// Keeps the token out of the process list; a password line may follow it.
		tok, err := f.IO.StdinSecret("the reset token")
		if err != nil {
			return err
		}
		opts.Token = strings.TrimSpace(tok)
	}
	var pw string
	var err error
	if opts.PasswordStdin {
		if pw, err = f.IO.StdinSecret("the new password"); err != nil {
			return err
		}
	} else {
		if !f.IO.CanPrompt() {
			return cmdutil.NoPrompt("a new password", "--password-stdin")
		}
		if pw, err = f.Prompter().NewPassword("New password", func(s string) error {
			return account.CheckPassword(s, "")
		}); err != nil {
			return err
		}
	}

	b, err := f.AnonymousBackend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.ResetPassword(ctx, opts.Token, pw); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Password set; every session of the account has ended. Sign in with: wk login\n",
		f.Palette().Success("✓"))
	return nil
}

func sessions(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
