package cmdutil

import (
	"context"
	"fmt"
	"sync"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/config"
	"github.com/wk-tools/wk/internal/mail"
	"github.com/wk-tools/wk/internal/store"
)

// openBackend builds the backend the configuration selects: the remote one when a server
// URL is set, else the local store, which must exist.
func (f *Factory) openBackend(ctx context.Context, cfg *config.Config, cred account.Credential) (account.Backend, error) {
	if cfg.IsRemote() {
		return f.openRemote(ctx, cfg, cred)
	}
	opts := store.Options{}
	if cfg.Debug {
		opts.Logger = f.debugLogger()
	}
	db, err := store.Open(ctx, cfg.DBPath, opts)
	if err != nil {
		return nil, err
	}
	return f.localBackend(db, cfg, cred), nil
}

// CreateStore creates the local store for `wk init`, or opens it when it exists so that
// Init can refuse a second organization.
func (f *Factory) CreateStore(ctx context.Context) (account.Backend, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if cfg.IsRemote() {
		return nil, account.Errorf(account.ErrUnsupported,
			"wk init creates a local store, but WK_URL or --server points at %s: unset it", cfg.URL)
	}
	db, err := store.Open(ctx, cfg.DBPath, store.Options{Create: true})
	if err != nil {
		return nil, err
	}
	return f.localBackend(db, cfg, account.Credential{}), nil
}

func (f *Factory) localBackend(db *store.DB, cfg *config.Config, cred account.Credential) account.Backend {
	b := db.Backend(store.BackendOptions{
		Credential: cred,
		UserAgent:  f.UserAgent(),
		Notifier:   f.notifier(cfg),
		Now:        f.Now,
	})
	return &ownedBackend{Backend: b, close: db.Close}
}

// ownedBackend closes the store it was opened on.
type ownedBackend struct {
	account.Backend
	close func() error
}

// Unwrap returns the store's backend, so callers can look for optional interfaces such
// as [account.PasskeyBackend] on it.
func (b *ownedBackend) Unwrap() account.Backend { return b.Backend }

func (b *ownedBackend) Close() error {
	err := b.Backend.Close()
	if cerr := b.close(); err == nil {
		err = cerr
	}
	return err
}

// notifier returns the mailer, made on the first notice so commands that send no mail
// never build one.
func (f *Factory) notifier(cfg *config.Config) account.Notifier {
	if f.mail == nil {
		f.mail = &lazyNotifier{cfg: cfg.Mail}
	}
	return f.mail
}

// Deliveries lists the mail this run sent or wrote, for the "mail written to" messages.
func (f *Factory) Deliveries() []mail.Delivery {
	if f.mail == nil || f.mail.m == nil {
		return nil
	}
	return f.mail.m.Deliveries()
}

type lazyNotifier struct {
	cfg  config.Mail
	once sync.Once
	m    *mail.Mailer
}

func (n *lazyNotifier) Notify(ctx context.Context, note account.Notice) error {
	n.once.Do(func() {
		n.m = mail.New(mail.Config{
			Host: n.cfg.Host, Port: n.cfg.Port, Username: n.cfg.Username,
			Password: n.cfg.Password, From: n.cfg.From, TLS: n.cfg.TLS,
			PublicURL: n.cfg.PublicURL, OutboxDir: n.cfg.Outbox,
		})
	})
	if err := n.m.Notify(ctx, note); err != nil {
		return fmt.Errorf("send %s mail: %w", note.Kind, err)
	}
	return nil
}
