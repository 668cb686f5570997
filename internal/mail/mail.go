// Package mail delivers the notices of [account.Notifier] as real MIME mail: over SMTP
// when a server is configured, otherwise as .eml files in an outbox folder.
//
// Nothing happens at import time. The go-mail client is built only when a message is
// sent, so commands that send no mail pay nothing for this package.
package mail

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// Defaults applied by [New] to an empty [Config] field.
const (
	DefaultPort = 587
	DefaultFrom = "wk <noreply@localhost>"
)

// The TLS policies [Config.TLS] accepts.
const (
	// TLSMandatory refuses to send unless the server offers STARTTLS.
	TLSMandatory = "mandatory"
	// TLSOpportunistic uses STARTTLS when the server offers it and plain SMTP otherwise.
	TLSOpportunistic = "opportunistic"
	// TLSNone never starts TLS; meant for a relay on the same machine or a test sink.
	TLSNone = "none"
)

// Config says how and from where mail goes out. The CLI fills it from config keys and
// WK_SMTP_* variables.
type Config struct {
	// Host is the SMTP server's name or address. When empty, no mail is sent over the
	// network: each message is written to OutboxDir instead.
	Host string
	// Port is the SMTP port; 0 means DefaultPort (587, submission with STARTTLS).
	Port int
	// Username turns on SMTP AUTH PLAIN when set. go-mail refuses PLAIN over an
	// unencrypted connection unless the server is on the loopback interface.
	Username string
	// Password is the SMTP password for Username. It is never logged.
	Password string
	// From is the sender, as an address or "Name <address>"; empty means DefaultFrom.
	From string
	// TLS is the STARTTLS policy: TLSMandatory, TLSOpportunistic or TLSNone; empty means
	// TLSOpportunistic.
	TLS string
	// PublicURL is the web address of the server people use, like
	// https://wk.example.org. When set, reset and invitation mails add a link to
	// PublicURL/auth/finishResetPassword?token=TOKEN. Optional.
	PublicURL string
	// OutboxDir is the folder that receives one .eml file per message when Host is
	// empty. It is created 0700 when missing; each file is created 0600.
	OutboxDir string
}

// Delivery records where one message went, so the CLI can tell the user.
type Delivery struct {
	// Kind is the notice the message carried.
	Kind account.NoticeKind
	// To is the recipient address.
	To string
	// Path is the outbox file that holds the message; empty when it was sent over SMTP.
	Path string
	// Server is the SMTP server as host:port; empty when the message went to the outbox.
	Server string
}

// Mailer implements [account.Notifier]. It is safe for concurrent use.
type Mailer struct {
	cfg Config
	// now is the clock used for the Date header and outbox file names.
	now func() time.Time

	mu         sync.Mutex
	deliveries []Delivery
}

var _ account.Notifier = (*Mailer)(nil)

// New returns a Mailer for cfg with its defaults filled in. It does no I/O; errors in
// cfg, such as an unknown TLS policy, surface when the first message is sent.
func New(cfg Config) *Mailer {
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.From == "" {
		cfg.From = DefaultFrom
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSOpportunistic
	}
	return &Mailer{cfg: cfg, now: time.Now}
}

// Notify renders n and delivers it over SMTP or to the outbox, then records the
// [Delivery]. Errors name the notice kind and recipient, never n.Secret.
func (m *Mailer) Notify(ctx context.Context, n account.Notice) error {
	msg, err := m.compose(n)
	if err != nil {
		return fmt.Errorf("compose %s mail: %w", n.Kind, err)
	}

	d := Delivery{Kind: n.Kind, To: n.To}
	if m.cfg.Host != "" {
		d.Server = m.server()
		err = m.sendSMTP(ctx, msg)
	} else {
		d.Path, err = m.writeOutbox(n.Kind, msg)
	}
	if err != nil {
		return fmt.Errorf("deliver %s mail to %s: %w", n.Kind, n.To, err)
	}

	m.mu.Lock()
	m.deliveries = append(m.deliveries, d)
	m.mu.Unlock()
	return nil
}

// Deliveries returns a copy of the deliveries made so far, oldest first.
func (m *Mailer) Deliveries() []Delivery {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Delivery(nil), m.deliveries...)
}

// server returns the configured SMTP server as host:port.
func (m *Mailer) server() string {
	return net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port))
}
