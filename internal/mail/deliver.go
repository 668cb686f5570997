package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	gomail "github.com/wneessen/go-mail"

	"github.com/wk-tools/wk/internal/account"
)

// tlsPolicy maps a [Config.TLS] value onto go-mail's policy.
func tlsPolicy(s string) (gomail.TLSPolicy, error) {
	switch s {
	case TLSMandatory:
		return gomail.TLSMandatory, nil
	case TLSOpportunistic:
		return gomail.TLSOpportunistic, nil
	case TLSNone:
		return gomail.NoTLS, nil
	}
	return 0, fmt.Errorf("unknown smtp tls policy %q: use %s, %s or %s",
		s, TLSMandatory, TLSOpportunistic, TLSNone)
}

// sendSMTP dials the configured server, sends msg and hangs up. The client is built
// here, per message, so that wk pays for go-mail only when it sends mail.
//
// TODO(wk): a server without 8BITMIME refuses our 8bit bodies; retry such a send with
// quoted-printable encoding instead of failing.
func (m *Mailer) sendSMTP(ctx context.Context, msg *gomail.Msg) error {
	policy, err := tlsPolicy(m.cfg.TLS)
	if err != nil {
		return err
	}

	opts := []gomail.Option{gomail.WithPort(m.cfg.Port), gomail.WithTLSPolicy(policy)}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	client, err := gomail.NewClient(m.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("set up smtp client: %w", err)
	}

	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send via %s: %w", m.server(), err)
	}
	return nil
}

// writeOutbox writes msg as one complete RFC 5322 file in the outbox folder and returns
// its path. The name starts with the UTC time and the notice kind, so files sort by age.
func (m *Mailer) writeOutbox(kind account.NoticeKind, msg *gomail.Msg) (string, error) {
	if m.cfg.OutboxDir == "" {
		return "", errors.New("no smtp host and no outbox folder configured")
	}
	if err := os.MkdirAll(m.cfg.OutboxDir, 0o700); err != nil {
		return "", fmt.Errorf("create outbox: %w", err)
	}

	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("name outbox file: %w", err)
	}
	name := fmt.Sprintf("%s-%s-%s.eml", m.now().UTC().Format("20060102T150405Z"), kind,
		hex.EncodeToString(rnd[:]))
	path := filepath.Join(m.cfg.OutboxDir, name)

	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("create outbox file: %w", err)
	}
	if _, err := msg.WriteTo(f); err != nil {
		f.Close()
		os.Remove(path)
		return "", fmt.Errorf("write outbox file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return "", fmt.Errorf("close outbox file %s: %w", path, err)
	}
	return path, nil
}
