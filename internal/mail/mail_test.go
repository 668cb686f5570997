package mail

import (
	"context"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/mail/mailtest"
)

// testSecret looks like a real reset token: URL-safe, with a prefix.
const testSecret = "wkr_Q2xhcmUtVG9rZW4tMTIzNDU2Nzg5MA_x7Yk"

func resetNotice() account.Notice {
	return account.Notice{
		Kind:         account.NoticePasswordReset,
		To:           "ada@example.org",
		Name:         "Ada Lovelace",
		Organization: "Connectomics Lab",
		Secret:       testSecret,
	}
}

// hasLine reports whether text holds want as a whole line.
func hasLine(text, want string) bool {
	return slices.Contains(strings.Split(text, "\n"), want)
}

func TestNotifySMTP(t *testing.T) {
	tests := []struct {
		name     string
		username string
		password string
	}{
		{name: "no_auth"},
		{name: "plain_auth", username: "mailer", password: "sink-pass-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := mailtest.Start(t)
			if tt.username != "" {
				sink = mailtest.StartAuth(t, tt.username, tt.password)
			}
			m := New(Config{Host: sink.Host(), Port: sink.Port(), TLS: TLSNone,
				Username: tt.username, Password: tt.password,
				From: "wk <wk@lab.example>", PublicURL: "https://wk.example.org/"})

			if err := m.Notify(context.Background(), resetNotice()); err != nil {
				t.Fatalf("Notify() = %v, want nil", err)
			}

			msg := sink.Wait(1, 5*time.Second)[0]
			if msg.Err != nil {
				t.Fatalf("parse received message: %v", msg.Err)
			}
			if msg.From != "wk@lab.example" || !slices.Equal(msg.To, []string{"ada@example.org"}) {
				t.Errorf("envelope = %q -> %q, want wk@lab.example -> [ada@example.org]",
					msg.From, msg.To)
			}
			if msg.Subject != "wk | Password reset" {
				t.Errorf("Subject = %q, want %q", msg.Subject, "wk | Password reset")
			}
			wantCmd := "wk password reset --token " + testSecret
			if !hasLine(msg.Text, wantCmd) {
				t.Errorf("body has no line %q:\n%s", wantCmd, msg.Text)
			}
			wantLink := "https://wk.example.org/auth/finishResetPassword?token=" + testSecret
			if !hasLine(msg.Text, wantLink) {
				t.Errorf("body has no line %q:\n%s", wantLink, msg.Text)
			}
			if !strings.Contains(string(msg.Raw), wantCmd+"\r\n") {
				t.Errorf("raw message does not hold %q verbatim (want 8bit, not quoted-printable)",
					wantCmd)
			}

			want := []Delivery{{Kind: account.NoticePasswordReset, To: "ada@example.org",
				Server: sink.Addr()}}
			if diff := cmp.Diff(want, m.Deliveries()); diff != "" {
				t.Errorf("Deliveries() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNotifyOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "outbox")
	m := New(Config{OutboxDir: dir, PublicURL: "https://wk.example.org"})
	m.now = func() time.Time { return time.Date(2026, 12, 3, 18, 15, 2, 0, time.FixedZone("CET", 3600)) }

	if err := m.Notify(context.Background(), resetNotice()); err != nil {
		t.Fatalf("Notify() = %v, want nil", err)
	}

	ds := m.Deliveries()
	if len(ds) != 1 || ds[0].Path == "" || ds[0].Server != "" {
		t.Fatalf("Deliveries() = %+v, want one outbox delivery", ds)
	}
	path := ds[0].Path
	if filepath.Dir(path) != dir {
		t.Errorf("outbox file %s is not in %s", path, dir)
	}
	nameRE := regexp.MustCompile(`^20261203T171502Z-password-reset-[0-9a-f]{12}\.eml$`)
	if !nameRE.MatchString(filepath.Base(path)) {
		t.Errorf("outbox file name = %q, want match for %s", filepath.Base(path), nameRE)
	}

	checkMode(t, dir, 0o700)
	checkMode(t, path, 0o600)

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("net/mail.ReadMessage(outbox file) = %v", err)
	}
	headers := map[string]string{
		"From":                      `"wk" <noreply@localhost>`,
		"To":                        "<ada@example.org>",
		"Subject":                   "wk | Password reset",
		"Mime-Version":              "1.0",
		"Content-Transfer-Encoding": "8bit",
	}
	for k, want := range headers {
		if got := msg.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if date, err := msg.Header.Date(); err != nil || !date.Equal(m.now()) {
		t.Errorf("Date header = %v (err %v), want %v", date, err, m.now())
	}
	if msg.Header.Get("Message-Id") == "" {
		t.Error("Message-ID header is missing")
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	parsed := mailtest.Parse(raw)
	if !hasLine(parsed.Text, "wk password reset --token "+testSecret) {
		t.Errorf("outbox body has no token line:\n%s", parsed.Text)
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("mode of %s = %v, want %v", path, got, want)
	}
}

func TestNotifyEveryKindThroughSink(t *testing.T) {
	sink := mailtest.Start(t)
	m := New(Config{Host: sink.Host(), Port: sink.Port(), TLS: TLSNone})

	kinds := allKinds()
	for _, k := range kinds {
		n := fullNotice(k)
		if err := m.Notify(context.Background(), n); err != nil {
			t.Fatalf("Notify(%s) = %v, want nil", k, err)
		}
	}

	msgs := sink.Wait(len(kinds), 5*time.Second)
	for i, msg := range msgs {
		subject, _, _ := render(fullNotice(kinds[i]), "")
		if msg.Subject != subject {
			t.Errorf("message %d Subject = %q, want %q", i, msg.Subject, subject)
		}
		if !strings.HasPrefix(msg.Text, "Hello Ada Lovelace,\n") {
			t.Errorf("%s body does not greet Ada:\n%s", kinds[i], msg.Text)
		}
	}
	if got := len(m.Deliveries()); got != len(kinds) {
		t.Errorf("len(Deliveries()) = %d, want %d", got, len(kinds))
	}
}

func TestNotifyErrorsHideSecret(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()

	plain := mailtest.Start(t)
	authed := mailtest.StartAuth(t, "mailer", "right-pass")
	notAFolder := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notAFolder, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		cfg    Config
		notice func(*account.Notice)
	}{
		{name: "no_host_no_outbox", cfg: Config{}},
		{name: "outbox_is_a_file", cfg: Config{OutboxDir: notAFolder}},
		{name: "unknown_tls_policy", cfg: Config{Host: plain.Host(), Port: plain.Port(), TLS: "sometimes"}},
		{name: "mandatory_tls_without_starttls",
			cfg: Config{Host: plain.Host(), Port: plain.Port(), TLS: TLSMandatory}},
		{name: "connection_refused", cfg: Config{Host: "127.0.0.1", Port: closedPort, TLS: TLSNone}},
		{name: "auth_required", cfg: Config{Host: authed.Host(), Port: authed.Port(), TLS: TLSNone}},
		{name: "wrong_password", cfg: Config{Host: authed.Host(), Port: authed.Port(), TLS: TLSNone,
			Username: "mailer", Password: "wrong-pass"}},
		{name: "bad_recipient", cfg: Config{OutboxDir: t.TempDir()},
			notice: func(n *account.Notice) { n.To = "not an address" }},
		{name: "unknown_kind", cfg: Config{OutboxDir: t.TempDir()},
			notice: func(n *account.Notice) { n.Kind = "welcome" }},
		{name: "reset_without_token", cfg: Config{OutboxDir: t.TempDir()},
			notice: func(n *account.Notice) { n.Secret = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := resetNotice()
			if tt.notice != nil {
				tt.notice(&n)
			}
			m := New(tt.cfg)

			err := m.Notify(context.Background(), n)
			if err == nil {
				t.Fatal("Notify() = nil, want an error")
			}
			for _, secret := range []string{testSecret, "wrong-pass", "right-pass"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("Notify() error %q reveals a secret", err)
				}
			}
			if ds := m.Deliveries(); len(ds) != 0 {
				t.Errorf("Deliveries() = %+v after a failure, want none", ds)
			}
		})
	}
	if n := len(plain.Messages()) + len(authed.Messages()); n != 0 {
		t.Errorf("sinks received %d messages from failed sends, want 0", n)
	}
}
