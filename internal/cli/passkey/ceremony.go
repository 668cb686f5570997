package passkey

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/cli/cmdutil"
	handoff "github.com/wk-tools/wk/internal/passkey"
)

// URLPrefix starts the stderr line that carries the hand-off page's address. Scripts
// (and wk's end-to-end test) find the URL after it; the line's wording is stable.
const URLPrefix = "Open this page to continue: "

// Ceremony is one browser hand-off: which page to serve and the backend calls that
// start and finish it.
type Ceremony[T any] struct {
	Mode handoff.Mode
	// NoBrowser prints the URL without trying to open a browser.
	NoBrowser bool
	// Timeout is how long the page waits; zero means [account.CeremonyTimeout].
	Timeout time.Duration
	// Begin starts a ceremony for the page's relying party, such as
	// BeginPasskeyRegistration with a name bound in.
	Begin func(ctx context.Context, rp account.RelyingParty) (*account.Ceremony, error)
	// Finish checks the browser's answer, such as FinishPasskeyLogin.
	Finish handoff.FinishFunc[T]
}

// RunCeremony serves a hand-off page on a loopback port and returns what Finish
// returned once the browser completed the ceremony.
//
// It begins the first ceremony before showing the page, so a refused name or an
// unsupported server fails before any browser opens. Then it prints URLPrefix and
// the URL on stderr and opens a browser unless c.NoBrowser is set or none can be
// opened. When nobody finishes in time the error unwraps to [handoff.ErrExpired]
// and [account.ErrUnauthenticated].
func RunCeremony[T any](ctx context.Context, f *cmdutil.Factory, c Ceremony[T]) (T, error) {
	var zero T
	h, err := handoff.Listen(c.Mode)
	if err != nil {
		return zero, err
	}
	h.Timeout = c.Timeout

	rp := h.RelyingParty(rpName(f))
	first, err := c.Begin(ctx, rp)
	if err != nil {
		_ = h.Close()
		return zero, err
	}
	begin := reuseFirst(first, func(ctx context.Context) (*account.Ceremony, error) {
		return c.Begin(ctx, rp)
	})

	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s%s\n", URLPrefix, h.URL())
	if !c.NoBrowser {
		if err := handoff.OpenBrowser(h.URL()); err != nil {
			fmt.Fprintf(f.IO.ErrOut, "%s No browser could be opened here: open the page above in a browser on this machine.\n",
				pal.Warn("!"))
		}
	}
	fmt.Fprintf(f.IO.ErrOut, "%s\n", pal.Faint(fmt.Sprintf("Waiting up to %s for the browser…", timeout(c.Timeout))))

	return handoff.Run(ctx, h, begin, c.Finish)
}

// RunPage runs a ceremony in a page the server serves, for a backend that is not its
// own relying party (see [account.PasskeyPages]): it asks for the page, prints
// URLPrefix and its URL on stderr, opens a browser unless noBrowser is set or none can
// be opened, and waits until the page is done or expires.
func RunPage(ctx context.Context, f *cmdutil.Factory, pages account.PasskeyPages, mode, name string,
	noBrowser bool) (*account.PasskeyPageResult, error) {
	page, err := pages.StartPasskeyPage(ctx, mode, name)
	if err != nil {
		return nil, err
	}

	pal := f.Palette()
	fmt.Fprintf(f.IO.ErrOut, "%s%s\n", URLPrefix, page.URL)
	if !noBrowser {
		if err := handoff.OpenBrowser(page.URL); err != nil {
			fmt.Fprintf(f.IO.ErrOut, "%s No browser could be opened here: open the page above in a browser.\n",
				pal.Warn("!"))
		}
	}
	wait := account.CeremonyTimeout
	if !page.Expires.IsZero() {
		wait = page.Expires.Sub(f.Now()).Round(time.Second)
	}
	fmt.Fprintf(f.IO.ErrOut, "%s\n", pal.Faint(fmt.Sprintf("Waiting up to %s for the browser…", wait)))
	return page.Wait(ctx)
}

// reuseFirst hands out first on the first call and fresh ceremonies after, when the
// page reloads or its button starts again.
func reuseFirst(first *account.Ceremony, next handoff.BeginFunc) handoff.BeginFunc {
	var (
		mu   sync.Mutex
		used bool
	)
	return func(ctx context.Context) (*account.Ceremony, error) {
		mu.Lock()
		again := used
		used = true
		mu.Unlock()
		if !again {
			return first, nil
		}
		return next(ctx)
	}
}

// rpName is the relying party's display name the authenticator shows: the
// passkey.rp_name setting, "wk" by default.
func rpName(f *cmdutil.Factory) string {
	if cfg, err := f.Config(); err == nil && cfg.Passkey.RPName != "" {
		return cfg.Passkey.RPName
	}
	return "wk"
}

func timeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return account.CeremonyTimeout
}

// expiredError is a registration nobody finished in time. Unlike the hand-off's own
// error it does not unwrap to ErrUnauthenticated: the caller was signed in, so it
// exits 1 rather than 4.
type expiredError struct {
	*handoff.ExpiredError
}

// Unwrap returns [handoff.ErrExpired] only.
func (e *expiredError) Unwrap() error { return handoff.ErrExpired }

// asPlainExpiry turns a hand-off expiry into an [*expiredError]; other errors pass.
func asPlainExpiry(err error) error {
	var ee *handoff.ExpiredError
	if errors.As(err, &ee) {
		return &expiredError{ee}
	}
	return err
}
