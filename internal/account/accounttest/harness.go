// Package accounttest is the contract suite every [account.Backend] must pass. A
// backend's tests call [Run] with a [Harness] that builds a fresh, initialized store
// for each subtest; the same subtests then run against the local store and against
// the remote client talking to `wk serve`.
package accounttest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// Harness builds the world one subtest runs in.
type Harness interface {
	// Setup returns a fresh store, initialized with Env.Init, whose notices go to
	// Env.Notices. It registers its own cleanup with t.
	Setup(t *testing.T) *Env
}

// HarnessFunc adapts a function to [Harness].
type HarnessFunc func(t *testing.T) *Env

// Setup calls f.
func (f HarnessFunc) Setup(t *testing.T) *Env { return f(t) }

// Env is one initialized store as a subtest sees it.
type Env struct {
	// Backend returns a backend for a caller holding cred (which may be zero).
	Backend func(cred account.Credential) account.Backend
	// Init is the request the store was initialized with; its user is the
	// Administrator and owner, and Init.Password is their password.
	Init account.InitRequest
	// Notices returns every notice sent so far, oldest first.
	Notices func() []account.Notice
	// Advance moves the backend's clock forward by d. Nil when the backend runs on
	// real time; subtests that need it are skipped.
	Advance func(d time.Duration)
	// AddUser adds an active user with the given email and password to the
	// organization, outside the Backend (as an administrator would). Nil when the
	// harness cannot; subtests that need a second user are skipped.
	AddUser func(t *testing.T, email, password string)
	// CanInit reports whether Backend(...).Init is expected to work at all, so the
	// suite checks that a second Init is refused with ErrConflict.
	CanInit bool
}

// Recorder is an [account.Notifier] that keeps every notice, for harnesses to wire in.
type Recorder struct {
	mu      sync.Mutex
	notices []account.Notice
	// Err, when set, is returned by Notify instead of recording.
	Err error
}

// Notify records n, or returns r.Err.
func (r *Recorder) Notify(_ context.Context, n account.Notice) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Err != nil {
		return r.Err
	}
	r.notices = append(r.notices, n)
	return nil
}

// Notices returns a copy of the notices recorded so far.
func (r *Recorder) Notices() []account.Notice {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]account.Notice(nil), r.notices...)
}

// Clock is a manual clock for harnesses: Now returns a time that moves only by Advance.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// DefaultInit is an Init request harnesses may use; its password passes the rules.
var DefaultInit = account.InitRequest{
	OrganizationName: "Connectomics Lab",
	Email:            "ada@example.com",
	FirstName:        "Ada",
	LastName:         "Lovelace",
	Password:         "analytical-engine-1843",
}
