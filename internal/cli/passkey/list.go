package passkey

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdList returns `wk passkey list`. runF replaces the run function in tests.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List your passkeys",
		Long: `List your passkeys, oldest first: id, name, when each was added and last used, the
authenticator that holds it (named from its AAGUID where wk knows it), whether it may be
synced to other devices (backup eligible) and whether it is (backed up).

--json prints an array of objects with the keys id, name, created, lastUsed (epoch
milliseconds or null), authenticator, aaguid, backupEligible and backedUp.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, listRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the passkeys as a JSON array")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	f := opts.F
	pb, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer pb.Close()

	list, err := pb.Passkeys(ctx)
	if err != nil {
		return err
	}
	if opts.JSON {
		return cmdutil.WriteJSONList(f.IO.Out, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "No passkeys yet: add one with `wk passkey register --name NAME`.")
		return nil
	}

	now := f.Now()
	t := cmdutil.NewTable(f.IO, f.OutPalette(), "ID", "NAME", "CREATED", "LAST USED",
		"AUTHENTICATOR", "BACKUP ELIGIBLE", "BACKED UP")
	for _, pk := range list {
		t.Row(pk.ID, pk.Name, cmdutil.When(pk.Created.Time, now, f.IO.OutTTY),
			cmdutil.When(pk.LastUsed.Time, now, f.IO.OutTTY), pk.Authenticator,
			yesNo(pk.BackupEligible), yesNo(pk.BackedUp))
	}
	return t.Render()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
