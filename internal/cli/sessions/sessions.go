// Package sessions implements `wk sessions`: list the signed-in devices, end one, or end
// them all.
package sessions

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// Options are the inputs of the sessions verbs.
type Options struct {
	F           *cmdutil.Factory
	ID          string
	Yes         bool
	RevokeToken bool
	JSON        bool
}

// NewCmdSessions returns `wk sessions` with its verbs.
func NewCmdSessions(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sessions <command>",
		Short: "List and end your sessions on other devices",
	}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdRevoke(f, nil), NewCmdLogoutAll(f, nil))
	return cmd
}

// NewCmdList returns `wk sessions list`. runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List your open sessions",
		Long: `List your open sessions: id, when each was created and last used, the device or client
that opened it, how it was opened (password, passkey or token), and which one is this.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, listRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the sessions as a JSON array")
	return cmd
}

// NewCmdRevoke returns `wk sessions revoke`. runF replaces the run function in tests.
func NewCmdRevoke(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "End one session",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("expected a session id as the one argument: see `wk sessions list`")
			}
			opts.ID = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, revokeRun)
		},
	}
}

// NewCmdLogoutAll returns `wk sessions logout-all`. runF replaces the run function in tests.
func NewCmdLogoutAll(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "logout-all [--yes] [--revoke-token]",
		Short: "End every session on every device, this one too",
		Long: `End every session of your account on every device, including this one. Your API
token keeps working unless you pass --revoke-token. wk asks to confirm; scripts pass --yes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, logoutAllRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask to confirm")
	cmd.Flags().BoolVar(&opts.RevokeToken, "revoke-token", false, "revoke the API token too")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the outcome as JSON")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	list, err := b.Sessions(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSONList(f.IO.Out, list)
	}

	pal := f.OutPalette()
	now := f.Now()
	t := cmdutil.NewTable(f.IO, pal, "ID", "CREATED", "LAST USED", "OPENED WITH", "DEVICE", "")
	for _, s := range list {
		mark := ""
		if s.Current {
			mark = pal.Success("current")
			if !f.IO.OutTTY {
				mark = "current"
			}
		}
		t.Row(s.ID, cmdutil.When(s.Created.Time, now, f.IO.OutTTY),
			cmdutil.When(s.LastUsed.Time, now, f.IO.OutTTY), s.OpenedWith, s.UserAgent, mark)
	}
	if len(list) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "No open sessions.")
		return nil
	}
	return t.Render()
}

func revokeRun(ctx context.Context, opts *Options) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	if err := b.RevokeSession(ctx, opts.ID); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Ended session %s\n", f.Palette().Success("✓"), opts.ID)
	return nil
}

func logoutAllRun(ctx context.Context, opts *Options) error {
	f := opts.F
	question := "End every session on every device, this one too?"
	if opts.RevokeToken {
		question = "End every session on every device, this one too, and revoke your API token?"
	}
	if err := f.Confirm(opts.Yes, question); err != nil {
		return err
	}

	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	ended, err := b.LogoutAll(ctx, opts.RevokeToken)
	if err != nil {
		return err
	}
	if src, _ := f.Credential(); src.From == "credentials file" && src.Credential.Kind == account.CredentialSession {
		_ = f.ForgetCredential()
	}

	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, map[string]any{"sessionsEnded": ended, "tokenRevoked": opts.RevokeToken})
	}
	pal := f.Palette()
	if ended < 0 {
		fmt.Fprintf(f.IO.ErrOut, "%s Ended every session on every device, this one too.\n", pal.Success("✓"))
	} else {
		fmt.Fprintf(f.IO.ErrOut, "%s Ended %s on every device, this one too.\n", pal.Success("✓"), plural(ended))
	}
	if opts.RevokeToken {
		fmt.Fprintln(f.IO.ErrOut, "Your API token was revoked as well; `wk token show` makes a new one after you sign in.")
	} else {
		fmt.Fprintf(f.IO.ErrOut, "%s Your API token still works; revoke it with `wk token revoke` or pass --revoke-token.\n", pal.Warn("!"))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}
