// Package version implements `wk version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// NewCmdVersion returns `wk version`, which prints the same line as `wk --version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Show wk's version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return cmdutil.WriteJSON(f.IO.Out, map[string]string{
					"version": f.Build.Version, "commit": f.Build.Commit,
					"date": f.Build.Date, "go": runtime.Version(),
				})
			}
			_, err := fmt.Fprintln(f.IO.Out, Format(f.Build))
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print version, commit, date and Go version as JSON")
	return cmd
}

// Format returns the version line: "wk 1.2.3 (commit abc1234, built 2026-12-03, go1.26.8)".
func Format(b cmdutil.BuildInfo) string {
	return fmt.Sprintf("wk %s (commit %s, built %s, %s)", b.Version, b.Commit, b.Date, runtime.Version())
}
