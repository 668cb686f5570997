// Package cli is wk's command line: the root command, its subcommands (one package per
// noun under this folder), and [Main], which runs them and turns errors into exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/cli/auth"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
	"github.com/wk-tools/wk/internal/cli/completion"
	"github.com/wk-tools/wk/internal/cli/org"
	"github.com/wk-tools/wk/internal/cli/passkey"
	"github.com/wk-tools/wk/internal/cli/password"
	"github.com/wk-tools/wk/internal/cli/profile"
	"github.com/wk-tools/wk/internal/cli/serve"
	"github.com/wk-tools/wk/internal/cli/sessions"
	"github.com/wk-tools/wk/internal/cli/team"
	"github.com/wk-tools/wk/internal/cli/token"
	"github.com/wk-tools/wk/internal/cli/user"
	"github.com/wk-tools/wk/internal/cli/version"
)

// Build information, set by the release build with -ldflags "-X ...".
var (
	buildVersion = "dev"
	buildCommit  = "none"
	buildDate    = "unknown"
)

// Main runs wk with the process's arguments and returns its exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f := cmdutil.New(cmdutil.BuildInfo{Version: buildVersion, Commit: buildCommit, Date: buildDate})
	return Run(ctx, f, os.Args[1:])
}

// Run executes one command line with the given factory and returns the exit code.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)

	cmd, err := root.ExecuteContextC(ctx)
	reportMail(f)
	if err == nil {
		return cmdutil.ExitOK
	}

	err = classify(err)
	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s %s\n", pal.Error("wk:"), cmdutil.Message(err))
	var usage *cmdutil.UsageError
	if errors.As(err, &usage) && cmd != nil {
		fmt.Fprintf(f.IO.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return cmdutil.ExitCode(err)
}

// NewCmdRoot builds the wk command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "wk <command> [flags]",
		Short: "Manage your WEBKNOSSOS account from the terminal",
		Long: `wk manages accounts on WEBKNOSSOS-style platforms: your profile, password, sessions,
passkeys and API token, and, for administrators, the organization's users.

It works against a local store (no server needed; see --db) or a server that speaks the
WEBKNOSSOS HTTP API (set WK_URL or --server).`,
		Version:       f.Build.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetVersionTemplate(version.Format(f.Build) + "\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmdutil.Usagef("%s", err)
	})

	pf := root.PersistentFlags()
	pf.String("db", "", "path of the local store (env WK_DB; default $XDG_DATA_HOME/wk/wk.db)")
	pf.String("server", "", "URL of a WEBKNOSSOS-compatible server (env WK_URL)")
	pf.Bool("debug", false, "log store and HTTP activity to stderr (env WK_DEBUG)")
	f.Flags = pf

	root.AddGroup(&cobra.Group{ID: "account", Title: "Your account:"},
		&cobra.Group{ID: "admin", Title: "Organization administration:"},
		&cobra.Group{ID: "setup", Title: "Setup and other commands:"})
	for _, c := range []*cobra.Command{
		auth.NewCmdLogin(f, nil), auth.NewCmdLogout(f, nil), auth.NewCmdStatus(f, nil),
		profile.NewCmdProfile(f), org.NewCmdOrg(f), password.NewCmdPassword(f),
		sessions.NewCmdSessions(f), token.NewCmdToken(f), passkey.NewCmdPasskey(f),
	} {
		c.GroupID = "account"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{user.NewCmdUser(f), team.NewCmdTeam(f)} {
		c.GroupID = "admin"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{
		auth.NewCmdInit(f, nil), serve.NewCmdServe(f, nil), completion.NewCmdCompletion(f),
		version.NewCmdVersion(f),
	} {
		c.GroupID = "setup"
		root.AddCommand(c)
	}
	root.AddCommand(newExitCodesTopic())
	root.SetHelpCommandGroupID("setup")
	return root
}

// classify turns cobra's own argument errors into usage errors.
func classify(err error) error {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand",
		"accepts ", "requires at least", "requires at most", "invalid argument",
		"flag needs an argument", "required flag"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return &cmdutil.UsageError{Msg: msg}
		}
	}
	return err
}

// reportMail says on stderr where each mail of this run went.
func reportMail(f *cmdutil.Factory) {
	deliveries := f.Deliveries()
	if f.HideDeliveries || len(deliveries) == 0 {
		return
	}
	pal := f.Palette()
	for _, d := range deliveries {
		where := "written to " + d.Path
		if d.Path == "" {
			where = "sent through " + d.Server
		}
		fmt.Fprintf(f.IO.ErrOut, "%s mail to %s %s\n", pal.Faint("✉"), d.To, where)
	}
}

func newExitCodesTopic() *cobra.Command {
	return &cobra.Command{
		Use:   "exit-codes",
		Short: "What wk's exit codes mean",
		Long: `wk exits with:

  0  success
  1  error
  2  usage: a bad flag or argument, or a prompt was needed but stdin or stdout is not a
     terminal (pass --yes or --password-stdin)
  3  cancelled at a prompt
  4  not authenticated: no credential, an expired or revoked one, or a wrong password
  5  forbidden: your role does not allow this
  6  throttled: too many attempts; the message says when to retry`,
	}
}
