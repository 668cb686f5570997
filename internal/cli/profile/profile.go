// Package profile implements `wk profile` (alias `wk account`): show the signed-in user and
// change their name, email and theme.
package profile

import (
	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdProfile returns `wk profile` with its verbs.
func NewCmdProfile(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "profile <command>",
		Aliases: []string{"account"},
		Short:   "Show and change your name, email and theme",
	}
	cmd.AddCommand(NewCmdShow(f, nil), NewCmdSetName(f, nil), NewCmdSetEmail(f, nil),
		NewCmdSetTheme(f, nil))
	return cmd
}
