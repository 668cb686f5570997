// Package mailtest runs an in-process SMTP server on 127.0.0.1 that keeps every message
// it receives, so tests can send real mail and read it back.
package mailtest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Sink is a running SMTP server that stores what it receives. It is safe for
// concurrent use.
type Sink struct {
	t        testing.TB
	addr     *net.TCPAddr
	username string
	password string

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{} // closed and replaced on every new message
}

// Start runs a Sink without authentication on a free port of 127.0.0.1. It stops when
// the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	return start(t, "", "")
}

// StartAuth runs a Sink that accepts mail only after AUTH PLAIN with username and
// password. A wrong password gets 535; mail without AUTH gets 502.
func StartAuth(t testing.TB, username, password string) *Sink {
	t.Helper()
	if username == "" {
		t.Fatal("mailtest.StartAuth: username is empty")
	}
	return start(t, username, password)
}

func start(t testing.TB, username, password string) *Sink {
	t.Helper()
	s := &Sink{t: t, username: username, password: password, arrived: make(chan struct{})}

	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{sink: s}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 10 << 20
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)

	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != nil && !errors.Is(err, smtp.ErrServerClosed) &&
			!errors.Is(err, net.ErrClosed) {
			t.Errorf("mailtest: serve: %v", err)
		}
	})
	return s
}

// Addr returns the server's address as host:port.
func (s *Sink) Addr() string { return s.addr.String() }

// Host returns the server's IP address, always 127.0.0.1.
func (s *Sink) Host() string { return s.addr.IP.String() }

// Port returns the server's TCP port.
func (s *Sink) Port() int { return s.addr.Port }

// Messages returns a copy of the messages received so far, oldest first.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait returns the first n messages once at least n have arrived. It fails the test if
// they have not arrived within timeout, so call it from the test's goroutine.
func (s *Sink) Wait(n int, timeout time.Duration) []Message {
	s.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		if got >= n {
			msgs := append([]Message(nil), s.messages[:n]...)
			s.mu.Unlock()
			return msgs
		}
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-deadline.C:
			s.t.Fatalf("mailtest: got %d messages within %v, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Sink) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// session is one SMTP connection's state.
type session struct {
	sink   *Sink
	authed bool
	from   string
	to     []string
}

func (c *session) AuthMechanisms() []string {
	if c.sink.username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (c *session) Auth(mech string) (sasl.Server, error) {
	if c.sink.username == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if identity != "" && identity != username {
			return smtp.ErrAuthFailed
		}
		if username != c.sink.username || password != c.sink.password {
			return smtp.ErrAuthFailed
		}
		c.authed = true
		return nil
	}), nil
}

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	if c.sink.username != "" && !c.authed {
		return smtp.ErrAuthRequired
	}
	c.from = from
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}

func (c *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	c.sink.add(parse(c.from, c.to, raw))
	return nil
}

func (c *session) Reset() {
	c.from = ""
	c.to = nil
}

func (c *session) Logout() error { return nil }
