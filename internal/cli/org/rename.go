package org

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// RenameOptions are the inputs of `wk org rename`.
type RenameOptions struct {
	F *cmdutil.Factory
	// Name is the new display name.
	Name string
	JSON bool
}

// NewCmdRename returns `wk org rename`. runF replaces the run function in tests.
func NewCmdRename(f *cmdutil.Factory, runF func(context.Context, *RenameOptions) error) *cobra.Command {
	opts := &RenameOptions{F: f}
	cmd := &cobra.Command{
		Use:   "rename NAME",
		Short: "Change your organization's display name (Administrators)",
		Long: `Change the organization's display name. Its id, which scripts and the WEBKNOSSOS
Python library use, stays as it is. Needs the Administrator role.`,
		Example: `  wk org rename "Connectomics Lab Berlin"`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return cmdutil.Usagef("expected the new name as the one argument; quote a name with spaces")
			}
			opts.Name = args[0]
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, renameRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the organization as JSON")
	return cmd
}

func renameRun(ctx context.Context, opts *RenameOptions) error {
	f := opts.F
	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	o, err := b.RenameOrganization(ctx, opts.Name)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSON(f.IO.Out, o)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Renamed the organization to %s; its id stays %s\n",
		f.Palette().Success("✓"), f.Palette().Bold(o.Name), o.ID)
	return nil
}
