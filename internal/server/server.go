// Package server publishes a local account store over the WEBKNOSSOS HTTP API, so that
// WEBKNOSSOS clients (the Python library, wk's own remote backend) can use it. It is the
// `wk serve` command's engine: routes.go lists what it answers.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/store"
)

// Defaults for the zero fields of [Config].
const (
	DefaultMaxBodyBytes      = 64 << 10
	DefaultAuthBurst         = 10
	DefaultAuthRefill        = 6 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 15 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 30 * time.Second
	DefaultCookieMaxAge      = store.SessionIdle
)

// Config tunes a [Server]. The zero value serves plain HTTP with the defaults above.
type Config struct {
	// PublicURL is where people reach the server, like https://wk.example.org. An https
	// URL makes the session cookie Secure and adds Strict-Transport-Security; its origin
	// is also trusted for cross-origin checks behind a proxy. Default: none.
	PublicURL string
	// Notifier sends the mails the account rules produce. Default nil: forgot-password
	// answers 501 and other notices are dropped.
	Notifier account.Notifier
	// Logger receives one record per request and server errors; never a header value,
	// cookie, token or body. Default: records are dropped.
	Logger *slog.Logger
	// Version is shown in GET /api/buildinfo. Default "dev".
	Version string
	// Passkey is the WebAuthn relying party of the passkey routes and pages. Its zero
	// fields default to the host of PublicURL (ID), "wk" (Name) and the origin of
	// PublicURL (Origins). Passkeys are on when every origin is https or
	// http://localhost; otherwise the passkey routes answer 400.
	Passkey account.RelyingParty

	// MaxBodyBytes bounds a request body; larger ones answer 413. Default
	// DefaultMaxBodyBytes (64 KiB).
	MaxBodyBytes int64
	// AuthBurst and AuthRefill shape the per-client-address token bucket in front of
	// login, token login and the password reset routes: AuthBurst attempts at once, then
	// one more every AuthRefill. Defaults DefaultAuthBurst (10) and DefaultAuthRefill (6s).
	AuthBurst  int
	AuthRefill time.Duration
	// TrustedProxies are the addresses of reverse proxies in front of the server. A
	// request from one of them counts, for those limits and the request log, as coming
	// from the client its X-Forwarded-For header names: the nearest hop that is not a
	// trusted proxy itself. From any other address the header is ignored, since a
	// client may write anything there. Default: none, so the connection's address counts.
	TrustedProxies []netip.Prefix

	// The http.Server timeouts. Defaults: ReadHeader 5s, Read 15s, Write 30s, Idle 2m.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds how long a stop waits for requests in flight. Default 30s.
	ShutdownTimeout time.Duration
	// CookieMaxAge is the Max-Age of the session cookie; the store decides when the
	// session really ends. Default DefaultCookieMaxAge (the store's idle lifetime).
	CookieMaxAge time.Duration

	// Now is the clock handed to the store and the rate limiter. Default time.Now.
	Now func() time.Time
}

// Server answers the API for one store. Build it with [New]; it is safe for concurrent use.
type Server struct {
	db      *store.DB
	cfg     Config
	log     *slog.Logger
	secure  bool
	limiter *limiter
	handler http.Handler
	// rp is the completed Config.Passkey; passkeysOn reports whether it is usable.
	rp         account.RelyingParty
	passkeysOn bool
	// mailing counts reset mails still being sent after their answer; Serve waits for
	// them before it returns.
	mailing sync.WaitGroup
}

// New returns a server for db. The caller keeps ownership of db and closes it after the
// server has stopped.
func New(db *store.DB, cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{db: db, cfg: cfg, log: cfg.Logger}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme == "https" {
		s.secure = true
	}
	s.limiter = newLimiter(cfg.AuthBurst, cfg.AuthRefill, cfg.Now)
	s.rp, s.passkeysOn = relyingParty(cfg)
	s.handler = s.middleware(s.routes())
	return s
}

func withDefaults(cfg Config) Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	defaultTo(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	defaultTo(&cfg.AuthBurst, DefaultAuthBurst)
	defaultTo(&cfg.AuthRefill, DefaultAuthRefill)
	defaultTo(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	defaultTo(&cfg.ReadTimeout, DefaultReadTimeout)
	defaultTo(&cfg.WriteTimeout, DefaultWriteTimeout)
	defaultTo(&cfg.IdleTimeout, DefaultIdleTimeout)
	defaultTo(&cfg.ShutdownTimeout, DefaultShutdownTimeout)
	defaultTo(&cfg.CookieMaxAge, DefaultCookieMaxAge)
	return cfg
}

func defaultTo[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Handler returns the server's routes wrapped in its middleware.
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe listens on addr, like "127.0.0.1:8080", and serves until ctx is
// cancelled; then it stops taking connections, lets requests in flight finish (up to
// Config.ShutdownTimeout) and returns nil.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve is ListenAndServe on a listener the caller opened; it closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.Info("serving", "address", ln.Addr().String(), "publicURL", s.cfg.PublicURL)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(stop)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	s.mailing.Wait()
	if err != nil {
		return fmt.Errorf("stop server: %w", err)
	}
	s.log.Info("stopped")
	return nil
}
