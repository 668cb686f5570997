package cmdutil

import (
	"context"
	"log/slog"
	"os"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/config"
	"github.com/wk-tools/wk/internal/remote"
)

// openRemote builds the HTTP backend for cfg.URL. Plain http is allowed to any host when
// WK_ALLOW_HTTP is set; otherwise only to loopback addresses.
func (f *Factory) openRemote(_ context.Context, cfg *config.Config, cred account.Credential) (account.Backend, error) {
	opts := remote.Options{
		Credential: cred,
		UserAgent:  f.UserAgent(),
		AllowHTTP:  os.Getenv("WK_ALLOW_HTTP") != "",
		Now:        f.Now,
	}
	if cfg.Debug {
		opts.Logger = f.debugLogger()
	}
	c, err := remote.New(cfg.URL, opts)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// debugLogger writes debug records as text on stderr, for --debug and WK_DEBUG.
func (f *Factory) debugLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
