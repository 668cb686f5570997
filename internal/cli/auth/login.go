package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
	"github.com/wk-tools/wk/internal/cli/passkey"
	handoff "github.com/wk-tools/wk/internal/passkey"
)

// LoginOptions are the inputs of `wk login`.
type LoginOptions struct {
	F             *cmdutil.Factory
	Email         string
	PasswordStdin bool
	WithToken     bool
	// Passkey signs in through a browser page with a passkey instead of a password.
	Passkey bool
	// NoBrowser prints the passkey page's address instead of opening a browser.
	NoBrowser bool
	// PasskeyTimeout is how long the passkey page waits; zero means
	// [account.CeremonyTimeout]. Tests shorten it; there is no flag.
	PasskeyTimeout time.Duration
	JSON           bool
}

// NewCmdLogin returns `wk login`. runF replaces the run function in tests.
func NewCmdLogin(f *cmdutil.Factory, runF func(context.Context, *LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{F: f}
	cmd := &cobra.Command{
		Use:   "login [--email EMAIL] [--password-stdin | --with-token | --passkey [--no-browser]]",
		Short: "Sign in and keep the session in the credentials file",
		Long: `Sign in with your email and password, and keep the new session's secret in the
credentials file ($XDG_CONFIG_HOME/wk/credentials.json, mode 0600).

On a terminal wk asks for what is missing. Scripts pass the password on stdin with
--password-stdin, or an API token with --with-token; a session opened with a token ends
when that token is revoked.

With --passkey no email is typed: wk serves a one-time page on http://localhost and
opens it in your browser, where you pick a passkey added with 'wk passkey register'.
With --no-browser, or when no browser can be opened, wk prints the page's address on
stderr as "Open this page to continue: URL". If no passkey signs in within two minutes,
wk exits 4.`,
		Example: `  wk login --email ada@example.com
  printf '%s\n' "$PASSWORD" | wk login --email ada@example.com --password-stdin
  printf '%s\n' "$WK_API_TOKEN" | wk login --with-token
  wk login --passkey`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.WithToken && (opts.PasswordStdin || opts.Email != "") {
				return cmdutil.Usagef("--with-token reads a token, not an email or password: drop --email and --password-stdin")
			}
			if opts.Passkey && (opts.WithToken || opts.PasswordStdin || opts.Email != "") {
				return cmdutil.Usagef("--passkey signs in without an email, password or token: drop --email, --password-stdin and --with-token")
			}
			if opts.NoBrowser && !opts.Passkey {
				return cmdutil.Usagef("--no-browser only applies to --passkey")
			}
			return cmdutil.RunOr(cmd.Context(), opts, runF, loginRun)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Email, "email", "", "your email address (asked for on a terminal)")
	fl.BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from the first line of stdin")
	fl.BoolVar(&opts.WithToken, "with-token", false, "read an API token from stdin instead of a password")
	fl.BoolVar(&opts.Passkey, "passkey", false, "sign in with a passkey through a browser page")
	fl.BoolVar(&opts.NoBrowser, "no-browser", false, "with --passkey, print the page's address instead of opening a browser")
	fl.BoolVar(&opts.JSON, "json", false, "print the signed-in user as JSON")
	return cmd
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	f := opts.F
	b, err := f.AnonymousBackend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()

	var res *account.LoginResult
	switch {
	case opts.Passkey:
		res, err = passkeyLogin(ctx, f, b, opts)
	case opts.WithToken:
		tok, terr := readToken(f)
		if terr != nil {
			return terr
		}
		res, err = b.LoginWithToken(ctx, tok)
	default:
		email, password, cerr := loginCredentials(f, opts)
		if cerr != nil {
			return cerr
		}
		res, err = b.Login(ctx, email, password)
	}
	if err != nil {
		return err
	}

	endPrevious(ctx, f)
	if err := f.SaveCredential(res.Credential, res.User); err != nil {
		return err
	}
	return reportLogin(f, res.User, opts.JSON)
}

// passkeyLogin signs in through a passkey page: the server's own when it is the
// relying party (a remote backend), else wk's loopback hand-off page.
func passkeyLogin(ctx context.Context, f *cmdutil.Factory, b account.Backend, opts *LoginOptions) (*account.LoginResult, error) {
	if pages, ok := passkey.Pages(b); ok {
		res, err := passkey.RunPage(ctx, f, pages, account.PasskeyPageLogin, "", opts.NoBrowser)
		if err != nil {
			return nil, err
		}
		return res.Login, nil
	}
	return passkey.RunCeremony(ctx, f, passkey.Ceremony[*account.LoginResult]{
		Mode:      handoff.ModeLogin,
		NoBrowser: opts.NoBrowser,
		Timeout:   opts.PasskeyTimeout,
		Begin:     b.BeginPasskeyLogin,
		Finish:    b.FinishPasskeyLogin,
	})
}

// loginCredentials gathers the email and password from flags, stdin or prompts.
func loginCredentials(f *cmdutil.Factory, opts *LoginOptions) (string, string, error) {
	email := opts.Email
	if email == "" {
		if !f.IO.CanPrompt() {
			return "", "", cmdutil.NoPrompt("an email", "--email")
		}
		var err error
		email, err = f.Prompter().Input("Email", "ada@example.com", func(s string) error {
			_, err := account.CheckEmail(s)
			return err
		})
		if err != nil {
			return "", "", err
		}
	}
	email, err := account.CheckEmail(email)
	if err != nil {
		return "", "", err
	}

	if opts.PasswordStdin {
		pw, err := f.IO.StdinSecret("the password")
		return email, pw, err
	}
	if !f.IO.CanPrompt() {
		return "", "", cmdutil.NoPrompt("a password", "--password-stdin")
	}
	pw, err := f.Prompter().Password("Password for "+email, nil)
	return email, pw, err
}

// readToken reads an API token from stdin, or asks for it on a terminal.
func readToken(f *cmdutil.Factory) (string, error) {
	if f.IO.InTTY && f.IO.CanPrompt() {
		return f.Prompter().Password("API token", nil)
	}
	return f.IO.StdinSecret("an API token")
}

// endPrevious ends the session kept for this target before it is replaced; a session
// that already ended is no reason to fail a login.
func endPrevious(ctx context.Context, f *cmdutil.Factory) {
	src, err := f.Credential()
	if err != nil || src.From != "credentials file" || src.Credential.Kind != account.CredentialSession {
		return
	}
	cfg, _ := f.Config()
	b, err := f.OpenBackend(ctx, cfg, src.Credential)
	if err != nil {
		return
	}
	defer b.Close()
	_ = b.Logout(ctx)
}

func reportLogin(f *cmdutil.Factory, u *account.User, asJSON bool) error {
	cfg, _ := f.Config()
	if asJSON {
		return cmdutil.WriteJSON(f.IO.Out, u)
	}
	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s Signed in to %s as %s <%s>\n", pal.Success("✓"),
		describeTarget(cfg.URL, cfg.DBPath), pal.Bold(u.FullName()), u.Email)
	if cfg.Token != "" {
		fmt.Fprintf(f.IO.ErrOut, "%s WK_TOKEN is set and takes precedence over this session; unset it to use the session.\n",
			pal.Warn("!"))
	}
	return nil
}

func describeTarget(url, db string) string {
	if url != "" {
		return url
	}
	return "the local store " + db
}
