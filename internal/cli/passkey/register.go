package passkey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
	handoff "github.com/wk-tools/wk/internal/passkey"
)

// NewCmdRegister returns `wk passkey register`. runF replaces the run function in tests.
func NewCmdRegister(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "register --name NAME [--no-browser] [--json]",
		Aliases: []string{"add"},
		Short:   "Add a passkey through a browser page",
		Long: `Add a passkey to your account. wk serves a one-time page on http://localhost and
opens it in your browser, which asks your authenticator (fingerprint, face, device PIN or
security key) to make a passkey for wk.

The name tells your passkeys apart: 3 to 64 characters, unique among yours regardless of
case. With --no-browser, or when no browser can be opened, wk prints the page's address
on stderr as "Open this page to continue: URL" and waits. After two minutes without an
answer wk gives up and exits 1.`,
		Example: `  wk passkey register --name "work laptop"
  wk passkey register --name "yubikey" --no-browser`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("name") {
				return cmdutil.Usagef("a passkey needs a name: pass --name, like --name \"work laptop\"")
			}
			return cmdutil.RunOr(cmd.Context(), opts, runF, registerRun)
		},
	}
	cmd.Flags().StringVar(&opts.Name, "name", "", "name of the new passkey, 3 to 64 characters")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the page's address instead of opening a browser")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the new passkey as JSON")
	return cmd
}

func registerRun(ctx context.Context, opts *Options) error {
	f := opts.F
	name, err := account.CheckPasskeyName(opts.Name)
	if err != nil {
		return err
	}

	pb, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer pb.Close()

	// A server that is the relying party serves the page itself.
	if pages, ok := Pages(pb); ok {
		res, err := RunPage(ctx, f, pages, account.PasskeyPageRegister, name, opts.NoBrowser)
		if err != nil {
			return err
		}
		return reportAdded(f, res.Passkey, opts.JSON, nil)
	}

	// A passkey that comes back with an error was saved, and only its notice mail
	// failed: the page must show success, and the terminal the mail problem.
	var noticeErr error
	pk, err := RunCeremony(ctx, f, Ceremony[*account.Passkey]{
		Mode:      handoff.ModeRegister,
		NoBrowser: opts.NoBrowser,
		Timeout:   opts.Timeout,
		Begin: func(ctx context.Context, rp account.RelyingParty) (*account.Ceremony, error) {
			return pb.BeginPasskeyRegistration(ctx, name, rp)
		},
		Finish: func(ctx context.Context, id string, response []byte) (*account.Passkey, error) {
			pk, err := pb.FinishPasskeyRegistration(ctx, id, response)
			if pk != nil && err != nil {
				noticeErr, err = err, nil
			}
			return pk, err
		},
	})
	if err != nil {
		return asPlainExpiry(err)
	}
	return reportAdded(f, pk, opts.JSON, noticeErr)
}

// reportAdded shows the new passkey and then returns noticeErr, the failure of its
// notice mail if any.
func reportAdded(f *cmdutil.Factory, pk *account.Passkey, asJSON bool, noticeErr error) error {
	if asJSON {
		if err := cmdutil.WriteJSON(f.IO.Out, pk); err != nil {
			return err
		}
		return noticeErr
	}
	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s Added passkey %s (%s). Sign in with it: wk login --passkey\n",
		pal.Success("✓"), pal.Bold(pk.Name), pk.Authenticator)
	return noticeErr
}
