package passkey

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// Mode says which ceremony a [Handoff] page runs.
type Mode string

// The two ceremonies a hand-off page can run.
const (
	// ModeRegister runs navigator.credentials.create() to add a passkey.
	ModeRegister Mode = "register"
	// ModeLogin runs navigator.credentials.get() with a discoverable credential.
	ModeLogin Mode = "login"
)

// ErrExpired is what an [*ExpiredError] unwraps to, besides ErrUnauthenticated.
var ErrExpired = errors.New("passkey ceremony expired")

// ExpiredError reports that no browser finished the ceremony in time.
type ExpiredError struct {
	// After is how long the hand-off waited.
	After time.Duration
	// Last is the last failure the page reported, or nil when it reported none.
	Last error
}

// Error says what expired and, when the page saw one, the last failure.
func (e *ExpiredError) Error() string {
	msg := fmt.Sprintf("no passkey answer from the browser within %s: run the command again", e.After)
	if e.Last != nil {
		msg += fmt.Sprintf(" (last failure: %v)", e.Last)
	}
	return msg
}

// Unwrap returns [ErrExpired] and [account.ErrUnauthenticated], so the CLI exits with
// the not-authenticated code unless it checks for ErrExpired first.
func (e *ExpiredError) Unwrap() []error { return []error{ErrExpired, account.ErrUnauthenticated} }

// BeginFunc starts a ceremony for the page; the [Handoff] calls it each time the page
// (re)starts, typically with a backend's BeginPasskeyRegistration or BeginPasskeyLogin.
type BeginFunc func(ctx context.Context) (*account.Ceremony, error)

// FinishFunc checks the browser's answer to the ceremony with the given id and returns
// what the command wanted, typically through FinishPasskeyRegistration or
// FinishPasskeyLogin.
type FinishFunc[T any] func(ctx context.Context, ceremonyID string, response []byte) (T, error)

// Handoff is the one-ceremony web page a browser opens to run a passkey ceremony. It
// listens on 127.0.0.1 only, answers only paths under a one-time nonce and only with
// the Host localhost:PORT, and stops after one successful finish or when it expires.
// Make one with [Listen], give [Handoff.URL] to the browser, then call [Run].
type Handoff struct {
	// Timeout is how long Run waits for a successful finish; zero means
	// [account.CeremonyTimeout]. Set it before Run.
	Timeout time.Duration
	// SuccessText is what the page shows once the ceremony succeeded; empty means a
	// sentence chosen by Mode.
	SuccessText string

	mode  Mode
	ln    net.Listener
	port  int
	nonce string

	mu         sync.Mutex
	claim      string              // cookie value of the browser that opened the page first
	ceremonies map[string]struct{} // ids handed to the page
	done       bool
	last       error
}

// Listen opens a hand-off for mode on a free loopback port.
func Listen(mode Mode) (*Handoff, error) {
	if mode != ModeRegister && mode != ModeLogin {
		return nil, fmt.Errorf("open passkey page: unknown mode %q", mode)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("open passkey page: %w", err)
	}
	return &Handoff{
		mode:       mode,
		ln:         ln,
		port:       ln.Addr().(*net.TCPAddr).Port,
		nonce:      randomToken(),
		ceremonies: make(map[string]struct{}),
	}, nil
}

// Origin returns the page's origin, http://localhost:PORT, the one origin its
// ceremonies accept.
func (h *Handoff) Origin() string { return "http://localhost:" + strconv.Itoa(h.port) }

// URL returns the address to open in a browser. It carries the nonce, so show it
// only to the person running the command.
func (h *Handoff) URL() string { return h.Origin() + h.base() + string(h.mode) }

// RelyingParty returns the relying party the page's ceremonies use: RP ID localhost,
// the given display name, and the page's origin as the only allowed one.
func (h *Handoff) RelyingParty(name string) account.RelyingParty {
	return account.RelyingParty{ID: "localhost", Name: name, Origins: []string{h.Origin()}}
}

// Close stops listening. Run closes the hand-off itself; Close is for a hand-off that
// is never run.
func (h *Handoff) Close() error { return h.ln.Close() }

func (h *Handoff) base() string { return "/" + h.nonce + "/" }

func (h *Handoff) timeout() time.Duration {
	if h.Timeout > 0 {
		return h.Timeout
	}
	return account.CeremonyTimeout
}

// Run serves the page until a finish succeeds, ctx ends or the hand-off expires, and
// returns what finish returned. A failed finish is shown on the page, which offers to
// try again; it does not end Run. Expiry is an [*ExpiredError].
func Run[T any](ctx context.Context, h *Handoff, begin BeginFunc, finish FinishFunc[T]) (T, error) {
	var zero T
	results := make(chan T, 1)
	srv := &http.Server{
		Handler:           h.handler(ctx, begin, finishInto(finish, results)),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(h.ln) }()

	timer := time.NewTimer(h.timeout())
	defer timer.Stop()
	var (
		result T
		err    error
	)
	select {
	case result = <-results:
	case <-timer.C:
		h.mu.Lock()
		err = &ExpiredError{After: h.timeout(), Last: h.last}
		h.mu.Unlock()
	case <-ctx.Done():
		err = fmt.Errorf("wait for passkey: %w", ctx.Err())
	case err = <-served:
		err = fmt.Errorf("serve passkey page: %w", err)
	}

	// Shutdown lets the finish request that succeeded write its answer to the page.
	stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(stop)
	if err != nil {
		return zero, err
	}
	return result, nil
}

// finishInto wraps finish so a success is also sent to results, once.
func finishInto[T any](finish FinishFunc[T], results chan<- T) finishCall {
	return func(ctx context.Context, id string, response []byte) error {
		v, err := finish(ctx, id, response)
		if err != nil {
			return err
		}
		results <- v
		return nil
	}
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

func equalSecret(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// userMessage returns what the page may show about err: the message of an
// [*account.Error], or a general sentence for anything else.
func userMessage(err error) string {
	var ae *account.Error
	if errors.As(err, &ae) {
		return ae.Msg
	}
	var ee *ExpiredError
	if errors.As(err, &ee) {
		return ee.Error()
	}
	return "wk could not complete the ceremony: see the terminal"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
