package passkey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdRename returns `wk passkey rename`. runF replaces the run function in tests.
func NewCmdRename(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "rename ID|NAME NEW-NAME",
		Short: "Rename one of your passkeys",
		Long: `Rename one of your passkeys, found by its id or its current name (regardless of
case). The new name has 3 to 64 characters and is unique among your passkeys.`,
		Example: `  wk passkey rename "work laptop" "old laptop"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cmdutil.Usagef("expected a passkey id or name and the new name: see `wk passkey list`")
			}
			opts.Key, opts.NewName = args[0], args[1]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, renameRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the renamed passkey as JSON")
	return cmd
}

func renameRun(ctx context.Context, opts *Options) error {
	f := opts.F
	pb, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer pb.Close()

	pk, err := pb.RenamePasskey(ctx, opts.Key, opts.NewName)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, pk)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Renamed passkey %s to %s\n", f.Palette().Success("✓"), pk.ID,
		f.Palette().Bold(pk.Name))
	return nil
}
