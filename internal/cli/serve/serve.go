// Package serve implements `wk serve`, which publishes the local store over the WEBKNOSSOS
// HTTP API.
package serve

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
	"github.com/wk-tools/wk/internal/mail"
	"github.com/wk-tools/wk/internal/server"
	"github.com/wk-tools/wk/internal/store"
)

// Options are the inputs of `wk serve`.
type Options struct {
	F         *cmdutil.Factory
	Listen    string
	PublicURL string
	// TrustedProxies are addresses or CIDR ranges of reverse proxies whose
	// X-Forwarded-For header names the real client.
	TrustedProxies []string
	// Ready, when set, receives the address the server listens on; tests use it.
	Ready func(addr string)
}

// NewCmdServe returns `wk serve`. runF replaces the run function in tests.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "serve [--listen ADDR] [--public-url URL]",
		Short: "Publish the local store over the WEBKNOSSOS HTTP API",
		Long: `Serve the local store over the WEBKNOSSOS account routes (under /api/ and /api/vN/),
so other machines, the WEBKNOSSOS Python library and 'WK_URL=... wk' can use it.

It logs one structured line per request on stderr, never a secret, and stops gracefully
on SIGTERM or Ctrl-C, letting requests in flight finish. Mail goes out as configured
(SMTP or the outbox folder). Put it behind TLS before exposing it; --public-url names the
address people use, which makes the session cookie Secure for https and goes into mail
links. Passkeys need a secure context: an https public URL, or http://localhost (the
relying party is the URL's host unless passkey.rp_id and passkey.origins say otherwise).`,
		Example: `  wk serve
  wk serve --listen 0.0.0.0:8080 --public-url https://accounts.example.org
  WK_URL=http://127.0.0.1:8080 wk profile show`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmdutil.RunOr(cmd.Context(), opts, runF, serveRun)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "address to listen on (env WK_LISTEN; default 127.0.0.1:8080)")
	cmd.Flags().StringVar(&opts.PublicURL, "public-url", "", "URL people reach the server at (env WK_PUBLIC_URL)")
	cmd.Flags().StringSliceVar(&opts.TrustedProxies, "trusted-proxy", nil,
		"address or CIDR of a reverse proxy whose X-Forwarded-For names the client (repeatable)")
	return cmd
}

func serveRun(ctx context.Context, opts *Options) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if cfg.IsRemote() {
		return cmdutil.Usagef("wk serve publishes a local store, but WK_URL or --server is set: unset it")
	}
	listen := firstOf(opts.Listen, cfg.Listen)
	public := strings.TrimRight(firstOf(opts.PublicURL, cfg.Mail.PublicURL), "/")

	proxies, err := parseProxies(opts.TrustedProxies)
	if err != nil {
		return err
	}

	logger := slog.New(slog.NewJSONHandler(f.IO.ErrOut, nil))
	db, err := store.Open(ctx, cfg.DBPath, store.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer db.Close()

	mc := cfg.Mail
	notifier := mail.New(mail.Config{Host: mc.Host, Port: mc.Port, Username: mc.Username,
		Password: mc.Password, From: mc.From, TLS: mc.TLS, PublicURL: public, OutboxDir: mc.Outbox})
	rp := account.RelyingParty{ID: cfg.Passkey.RPID, Name: cfg.Passkey.RPName, Origins: cfg.Passkey.Origins}
	srv := server.New(db, server.Config{PublicURL: public, Notifier: notifier,
		Logger: logger, Version: f.Build.Version, Passkey: rp, TrustedProxies: proxies})

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return account.Errorf(account.ErrInvalid, "listen on %s: %v: pick another address with --listen", listen, err)
	}
	addr := ln.Addr().String()
	fmt.Fprintf(f.IO.ErrOut, "wk serve: %s on http://%s (store %s)\n",
		f.Palette().Success("listening"), addr, cfg.DBPath)
	if opts.Ready != nil {
		opts.Ready(addr)
	}
	return srv.Serve(ctx, ln)
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseProxies reads --trusted-proxy values: single addresses or CIDR ranges.
func parseProxies(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, cmdutil.Usagef("--trusted-proxy %q is not an address or CIDR range like 10.0.0.0/8", v)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
