package cmdutil

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/prompt"
	"github.com/wk-tools/wk/internal/config"
)

// BuildInfo says which wk this is; the release build sets it with -ldflags.
type BuildInfo struct {
	Version, Commit, Date string
}

// Factory hands commands their dependencies. Everything costly (config, the store, the
// prompter, mail) is made on first use, so a command pays only for what it touches.
type Factory struct {
	IO    *IOStreams
	Build BuildInfo
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// Flags are the root command's persistent flags, read by [Factory.Config].
	Flags *pflag.FlagSet
	// NewPrompter makes the prompter; tests replace it with a fake.
	NewPrompter func(theme string) prompt.Prompter
	// OpenBackend builds a backend for a credential; see backend.go for the default.
	OpenBackend func(ctx context.Context, cfg *config.Config, cred account.Credential) (account.Backend, error)

	// HideDeliveries keeps the "mail written to" lines back, for answers that must not
	// reveal whether an account exists.
	HideDeliveries bool

	cfgOnce sync.Once
	cfg     *config.Config
	cfgErr  error

	mail *lazyNotifier
	// src is the credential as last read; saving the credentials file clears it.
	src *Source
}

// New returns the factory for a real run.
func New(build BuildInfo) *Factory {
	f := &Factory{IO: System(), Build: build, Now: time.Now}
	f.NewPrompter = func(theme string) prompt.Prompter {
		return prompt.New(f.IO.In, f.IO.ErrOut, theme,
			prompt.Accessible(prompt.WantAccessible(os.Getenv)))
	}
	f.OpenBackend = f.openBackend
	return f
}

// Config resolves the configuration once.
func (f *Factory) Config() (*config.Config, error) {
	f.cfgOnce.Do(func() { f.cfg, f.cfgErr = config.Load(f.Flags) })
	return f.cfg, f.cfgErr
}

// UserAgent names this client on sessions it opens and on HTTP requests.
func (f *Factory) UserAgent() string {
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown host"
	}
	return fmt.Sprintf("wk/%s (%s/%s; %s)", f.Build.Version, runtime.GOOS, runtime.GOARCH, host)
}

// Source is a credential and where it came from, for `wk status`.
type Source struct {
	Credential account.Credential
	// From is "WK_TOKEN", "credentials file", or empty when there is no credential.
	From string
	// Entry is the credentials-file entry when From is the credentials file.
	Entry config.Entry
}

// Credential finds the caller's credential: WK_TOKEN wins over the credentials file.
// It is read once per run, and again after the credentials file is saved.
func (f *Factory) Credential() (Source, error) {
	if f.src != nil {
		return *f.src, nil
	}
	src, err := f.readCredential()
	if err == nil {
		f.src = &src
	}
	return src, err
}

// save writes the credentials file and forgets the credential read before.
func (f *Factory) save(creds *config.Credentials) error {
	f.src = nil
	return creds.Save()
}

func (f *Factory) readCredential() (Source, error) {
	cfg, err := f.Config()
	if err != nil {
		return Source{}, err
	}
	if cfg.Token != "" {
		return Source{Credential: account.Credential{Kind: account.CredentialToken,
			Secret: cfg.Token}, From: "WK_TOKEN"}, nil
	}
	creds, err := config.LoadCredentials(cfg.CredentialsPath())
	if err != nil {
		return Source{}, err
	}
	e, ok := creds.Entries[cfg.Target()]
	if !ok || e.Secret == "" {
		return Source{}, nil
	}
	cred := account.Credential{Kind: account.CredentialKind(e.Kind), Secret: e.Secret}
	return Source{Credential: cred, From: "credentials file", Entry: e}, nil
}

// Backend returns a backend that acts for the signed-in caller. Without a credential it
// fails with ErrUnauthenticated and says how to sign in.
func (f *Factory) Backend(ctx context.Context) (account.Backend, error) {
	src, err := f.Credential()
	if err != nil {
		return nil, err
	}
	cfg, _ := f.Config()
	if src.Credential.IsZero() {
		return nil, account.Errorf(account.ErrUnauthenticated,
			"not signed in to %s: run `wk login` or set WK_TOKEN", cfg.Target())
	}
	return f.OpenBackend(ctx, cfg, src.Credential)
}

// AnonymousBackend returns a backend without a credential, for login, forgot and reset.
func (f *Factory) AnonymousBackend(ctx context.Context) (account.Backend, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return f.OpenBackend(ctx, cfg, account.Credential{})
}

// Theme returns the signed-in user's theme as last seen, or "auto".
func (f *Factory) Theme() string {
	if t := os.Getenv("WK_THEME"); t != "" {
		return t
	}
	src, err := f.Credential()
	if err != nil || src.Entry.Theme == "" {
		return string(account.ThemeAuto)
	}
	return src.Entry.Theme
}

// Prompter returns the prompter, themed for the signed-in user.
func (f *Factory) Prompter() prompt.Prompter {
	return f.NewPrompter(f.Theme())
}

// Palette returns the colours for messages on stderr.
func (f *Factory) Palette() Palette {
	return NewPalette(f.Theme(), f.IO.ErrTTY && !f.IO.NoColor)
}

// OutPalette returns the colours for data on stdout.
func (f *Factory) OutPalette() Palette {
	return NewPalette(f.Theme(), f.IO.OutTTY && !f.IO.NoColor)
}

// SaveCredential records a credential for the current target in the credentials file.
func (f *Factory) SaveCredential(cred account.Credential, u *account.User) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	creds, err := config.LoadCredentials(cfg.CredentialsPath())
	if err != nil {
		return err
	}
	e := config.Entry{Kind: string(cred.Kind), Secret: cred.Secret, Saved: f.Now().UTC()}
	if u != nil {
		e.Email, e.Theme = u.Email, string(u.SelectedTheme)
	}
	creds.Entries[cfg.Target()] = e
	return f.save(creds)
}

// RememberUser refreshes the email and theme kept beside a stored credential, so colours
// follow a theme change at once. It does nothing when the credential is not from the file.
func (f *Factory) RememberUser(u *account.User) error {
	src, err := f.Credential()
	if err != nil || src.From != "credentials file" {
		return err
	}
	if src.Entry.Email == u.Email && src.Entry.Theme == string(u.SelectedTheme) {
		return nil
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	creds, err := config.LoadCredentials(cfg.CredentialsPath())
	if err != nil {
		return err
	}
	e, ok := creds.Entries[cfg.Target()]
	if !ok || cfg.Token != "" {
		return nil
	}
	if e.Email == u.Email && e.Theme == string(u.SelectedTheme) {
		return nil
	}
	e.Email, e.Theme = u.Email, string(u.SelectedTheme)
	creds.Entries[cfg.Target()] = e
	return f.save(creds)
}

// ForgetCredential removes the current target's entry from the credentials file.
func (f *Factory) ForgetCredential() error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	creds, err := config.LoadCredentials(cfg.CredentialsPath())
	if err != nil {
		return err
	}
	if _, ok := creds.Entries[cfg.Target()]; !ok {
		return nil
	}
	delete(creds.Entries, cfg.Target())
	return f.save(creds)
}
