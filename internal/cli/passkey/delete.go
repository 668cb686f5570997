package passkey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdDelete returns `wk passkey delete`. runF replaces the run function in tests.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "delete ID|NAME [--yes]",
		Aliases: []string{"rm"},
		Short:   "Delete one of your passkeys",
		Long: `Delete one of your passkeys, found by its id or its name (regardless of case). It
stops signing you in at once, and the sessions opened with it end; remove it from your
authenticator too. A notice goes to your email address. wk asks to confirm; scripts pass
--yes.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("expected a passkey id or name as the one argument: see `wk passkey list`")
			}
			opts.Key = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, deleteRun)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask to confirm")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the deleted passkey as JSON")
	return cmd
}

func deleteRun(ctx context.Context, opts *Options) error {
	f := opts.F
	question := fmt.Sprintf("Delete passkey %q? It stops signing you in at once.", opts.Key)
	if err := f.Confirm(opts.Yes, question); err != nil {
		return err
	}

	pb, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer pb.Close()

	// A passkey that comes back with an error was deleted; only its notice failed.
	pk, err := pb.DeletePasskey(ctx, opts.Key)
	if pk == nil {
		return err
	}
	if opts.JSON {
		if jerr := cmdutil.WriteJSON(f.IO.Out, pk); jerr != nil {
			return jerr
		}
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Deleted passkey %s (%s). Remove it from your authenticator too.\n",
		f.Palette().Success("✓"), f.Palette().Bold(pk.Name), pk.ID)
	return err
}
