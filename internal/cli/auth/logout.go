package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// LogoutOptions are the inputs of `wk logout`.
type LogoutOptions struct {
	F *cmdutil.Factory
}

// NewCmdLogout returns `wk logout`. runF replaces the run function in tests.
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{F: f}
	return &cobra.Command{
		Use:   "logout",
		Short: "End the current session and forget it",
		Long: `End the session kept in the credentials file, on the store or server too, and remove
it from the file. Your API token keeps working; see 'wk token revoke'. To end every
session on every device, use 'wk sessions logout-all'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, logoutRun)
		},
	}
}

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	f := opts.F
	src, err := f.Credential()
	if err != nil {
		return err
	}
	cfg, _ := f.Config()
	if src.From == "WK_TOKEN" {
		return cmdutil.Usagef("you are authenticated by WK_TOKEN, which logout cannot end: unset it, or revoke the token with `wk token revoke`")
	}
	if src.Credential.IsZero() {
		return account.Errorf(account.ErrUnauthenticated, "not signed in to %s", cfg.Target())
	}

	b, err := f.Backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	err = b.Logout(ctx)
	if err != nil && !errors.Is(err, account.ErrUnauthenticated) {
		return err
	}
	if ferr := f.ForgetCredential(); ferr != nil {
		return ferr
	}

	pal := f.Palette()
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "%s The session had already ended; removed it from the credentials file.\n", pal.Success("✓"))
		return nil
	}
	fmt.Fprintf(f.IO.ErrOut, "%s Signed out of %s\n", pal.Success("✓"), describeTarget(cfg.URL, cfg.DBPath))
	return nil
}
