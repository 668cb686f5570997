// Package prompt asks the person at the terminal for values, built on
// github.com/charmbracelet/huh. Commands see only the [Prompter] interface; their tests
// use [Fake].
//
// The prompter never decides whether prompting is possible: the CLI checks that stdin
// and stdout are terminals first. Without one, huh's accessible mode reads an empty
// password and reports no error, so this package must not be used as a fallback.
// Only internal/cli may import it.
package prompt

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/charmbracelet/huh"
)

// ErrCancelled is returned when the person aborts a prompt with Ctrl-C (or ends the
// input); the CLI maps it to exit code 3.
var ErrCancelled = errors.New("prompt cancelled")

// Prompter asks questions. Each method blocks until an answer passes validate (which
// may be nil), the person cancels with [ErrCancelled], or the terminal fails.
type Prompter interface {
	// Input asks for one line of text; placeholder is shown while the field is empty.
	Input(title, placeholder string, validate func(string) error) (string, error)
	// Password asks for a secret without echoing it.
	Password(title string, validate func(string) error) (string, error)
	// NewPassword asks for a secret twice and re-asks with a clear message if the two
	// entries differ; validate applies to the first entry.
	NewPassword(title string, validate func(string) error) (string, error)
	// Confirm asks a yes/no question; defaultYes preselects yes.
	Confirm(title string, defaultYes bool) (bool, error)
	// Select asks for one of options; current is preselected when it is among them.
	Select(title string, options []string, current string) (string, error)
}

// Option changes how [New] builds a prompter.
type Option func(*huhPrompter)

// Accessible turns huh's accessible mode on or off: plain line prompts with no
// redrawing, for screen readers and dumb terminals. It still needs a terminal for
// passwords. See [WantAccessible].
func Accessible(on bool) Option {
	return func(p *huhPrompter) { p.accessible = on }
}

// WantAccessible reports whether the environment asks for accessible prompts: TERM is
// dumb or WK_ACCESSIBLE is 1 or true. getenv is usually os.Getenv.
func WantAccessible(getenv func(string) string) bool {
	switch getenv("WK_ACCESSIBLE") {
	case "1", "true", "TRUE", "True":
		return true
	}
	return getenv("TERM") == "dumb"
}

// New returns a huh prompter that reads keys from in and draws on out (stderr in the
// CLI). theme is the user's setting, "auto", "light" or "dark"; anything else means
// auto, which follows the terminal's background.
func New(in io.Reader, out io.Writer, theme string, opts ...Option) Prompter {
	p := &huhPrompter{in: in, out: out, theme: theme}
	for _, o := range opts {
		o(p)
	}
	return p
}

// huhPrompter is the [Prompter] behind [New].
type huhPrompter struct {
	in         io.Reader
	out        io.Writer
	theme      string
	accessible bool
	// timeout bounds each form in tests; zero means no bound.
	timeout time.Duration
}

// maxPasswordAttempts bounds how often NewPassword re-asks after a mismatch in
// accessible mode, where the repeat cannot be fixed in place.
const maxPasswordAttempts = 3

func (p *huhPrompter) Input(title, placeholder string,
	validate func(string) error) (string, error) {
	return ask(p, inputQuestion(p.theme, title, placeholder, validate))
}

func (p *huhPrompter) Password(title string, validate func(string) error) (string, error) {
	return ask(p, passwordQuestion(p.theme, title, validate))
}

func (p *huhPrompter) NewPassword(title string, validate func(string) error) (string, error) {
	if !p.accessible {
		return ask(p, newPasswordQuestion(p.theme, title, validate))
	}

	// Accessible mode asks field by field, so a mismatch restarts both entries.
	for range maxPasswordAttempts {
		first, err := p.Password(title, validate)
		if err != nil {
			return "", err
		}
		again, err := p.Password(repeatTitle(title), nil)
		if err != nil {
			return "", err
		}
		if first == again {
			return first, nil
		}
		fmt.Fprintln(p.out, mismatchMessage)
	}
	return "", fmt.Errorf("read new password: the entries differed %d times", maxPasswordAttempts)
}

func (p *huhPrompter) Confirm(title string, defaultYes bool) (bool, error) {
	return ask(p, confirmQuestion(p.theme, title, defaultYes))
}

func (p *huhPrompter) Select(title string, options []string, current string) (string, error) {
	if len(options) == 0 {
		return "", errors.New("select: no options to choose from")
	}
	return ask(p, selectQuestion(p.theme, title, options, current))
}

// ask runs one question: the whole form normally, or its single field line by line in
// accessible mode. It returns the answer, or the zero value with an error.
func ask[T any](p *huhPrompter, q question[T]) (T, error) {
	var zero T
	run := p.run
	if p.accessible {
		run = func(*huh.Form) error { return p.runAccessible(q.field, q.secret, q.check) }
	}
	if err := run(q.form); err != nil {
		return zero, err
	}
	return *q.value, nil
}

// run runs a form in normal mode and maps huh's abort onto [ErrCancelled].
func (p *huhPrompter) run(form *huh.Form) error {
	form = form.WithInput(p.in).WithOutput(p.out).WithAccessible(false)
	if p.timeout > 0 {
		form = form.WithTimeout(p.timeout)
	}

	err := form.Run()
	if errors.Is(err, huh.ErrUserAborted) {
		return ErrCancelled
	}
	if err != nil {
		return fmt.Errorf("run prompt: %w", err)
	}
	return nil
}

// runAccessible runs field as plain line prompts. huh's accessible mode swallows the
// end of input, so a reader wrapper notices it: input that ends before an answer, or
// on an answer that check refuses, means the person gave up. A secret is read from the
// terminal file itself, with echo off, which huh refuses on anything else.
func (p *huhPrompter) runAccessible(field huh.Field, secret bool, check func() error) error {
	r := &eofReader{r: p.in}
	in := io.Reader(r)
	if secret {
		in = p.in
	}

	field.Init()
	field.Focus()
	err := field.RunAccessible(p.out, in)
	fmt.Fprintln(p.out)
	switch {
	case errors.Is(err, io.EOF):
		return ErrCancelled
	case err != nil:
		return fmt.Errorf("read answer: %w", err)
	case r.eof && (r.n == 0 || check() != nil):
		return ErrCancelled
	}
	return nil
}

// eofReader notes how much was read and whether the input ended, which huh's
// accessible mode does not report.
type eofReader struct {
	r   io.Reader
	n   int
	eof bool
}

func (e *eofReader) Read(b []byte) (int, error) {
	n, err := e.r.Read(b)
	e.n += n
	if err == io.EOF {
		e.eof = true
	}
	return n, err
}
