package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
)

// StatusOptions are the inputs of `wk status`.
type StatusOptions struct {
	F    *cmdutil.Factory
	JSON bool
}

// Status is what `wk status --json` prints. Its keys are stable.
type Status struct {
	// Backend is "local" or "remote".
	Backend string `json:"backend"`
	// Store is the local store's path; Server the remote URL. One of them is set.
	Store  string `json:"store,omitempty"`
	Server string `json:"server,omitempty"`
	// SignedIn reports whether a credential was found and accepted.
	SignedIn bool `json:"signedIn"`
	// Credential is the kind ("session" or "token") and source ("WK_TOKEN" or
	// "credentials file") of the credential, absent when there is none.
	Credential *CredentialStatus `json:"credential,omitempty"`
	User       *account.User     `json:"user,omitempty"`
	// Error says why a credential that was found is not accepted.
	Error string `json:"error,omitempty"`
}

// CredentialStatus says what credential wk uses and where it came from.
type CredentialStatus struct {
	Kind string `json:"kind"`
	From string `json:"from"`
	Path string `json:"path,omitempty"`
}

// NewCmdStatus returns `wk status`. runF replaces the run function in tests.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{F: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show who is signed in, where, and with what credential",
		Long: `Show the store or server wk talks to, who is signed in there, and which credential
is used: WK_TOKEN when it is set, else the session or token in the credentials file.
The credential is checked; wk exits 4 when there is none or it no longer works.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, statusRun)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the status as JSON")
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	src, err := f.Credential()
	if err != nil {
		return err
	}

	st := Status{Backend: "local", Store: cfg.DBPath}
	if cfg.IsRemote() {
		st = Status{Backend: "remote", Server: cfg.URL}
	}
	var failure error
	if src.Credential.IsZero() {
		failure = account.Errorf(account.ErrUnauthenticated, "not signed in to %s: run `wk login` or set WK_TOKEN", cfg.Target())
	} else {
		st.Credential = &CredentialStatus{Kind: string(src.Credential.Kind), From: src.From}
		if src.From == "credentials file" {
			st.Credential.Path = cfg.CredentialsPath()
		}
		st.User, failure = currentUser(ctx, f)
		st.SignedIn = failure == nil
	}
	if failure != nil {
		st.Error = cmdutil.Message(failure)
	}

	if opts.JSON {
		if err := cmdutil.WriteJSON(f.IO.Out, st); err != nil {
			return err
		}
	} else {
		printStatus(f, st)
	}
	return failure
}

func currentUser(ctx context.Context, f *cmdutil.Factory) (*account.User, error) {
	b, err := f.Backend(ctx)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return b.CurrentUser(ctx)
}

func printStatus(f *cmdutil.Factory, st Status) {
	pal := f.OutPalette()
	out := f.IO.Out
	if st.Server != "" {
		fmt.Fprintf(out, "Server:      %s\n", st.Server)
	} else {
		fmt.Fprintf(out, "Store:       %s\n", st.Store)
	}
	if st.Credential != nil {
		from := st.Credential.From
		if st.Credential.Path != "" {
			from += " " + st.Credential.Path
		}
		fmt.Fprintf(out, "Credential:  %s from %s\n", st.Credential.Kind, from)
	}
	if st.User != nil {
		fmt.Fprintf(out, "Signed in:   %s <%s>, %s of %s\n", pal.Bold(st.User.FullName()),
			st.User.Email, st.User.Role(), pal.Accent(st.User.Organization))
	}
}
