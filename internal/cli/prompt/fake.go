package prompt

import (
	"fmt"
	"slices"
	"sync"
)

// Fake is a [Prompter] for tests of other packages. It answers from a queue, in order,
// and records every title it was asked. It fails when the queue is empty or the next
// answer has the wrong type, so a test notices an unexpected prompt.
//
// Queue a string for Input, Password, NewPassword and Select, a bool for Confirm, or an
// error (such as [ErrCancelled]) to make that prompt fail. An answer that validate
// refuses, or a Select answer that is not among the options, is returned as an error
// rather than re-asked. The zero Fake has no answers. It is safe for concurrent use.
type Fake struct {
	mu      sync.Mutex
	answers []any
	titles  []string
}

// NewFake returns a Fake that gives answers in order.
func NewFake(answers ...any) *Fake {
	return &Fake{answers: answers}
}

// Add queues more answers after the existing ones.
func (f *Fake) Add(answers ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, answers...)
}

// Titles returns the titles of the prompts asked so far, in order.
func (f *Fake) Titles() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.titles)
}

// Remaining returns how many queued answers were not used.
func (f *Fake) Remaining() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.answers)
}

// next records title and pops the next answer.
func (f *Fake) next(method, title string) (any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.titles = append(f.titles, title)
	if len(f.answers) == 0 {
		return nil, fmt.Errorf("fake prompter: no answer queued for %s %q", method, title)
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	if err, ok := a.(error); ok {
		return nil, err
	}
	return a, nil
}

func (f *Fake) text(method, title string, validate func(string) error) (string, error) {
	a, err := f.next(method, title)
	if err != nil {
		return "", err
	}
	s, ok := a.(string)
	if !ok {
		return "", fmt.Errorf("fake prompter: %s %q got a %T answer, want a string",
			method, title, a)
	}
	if validate != nil {
		if err := validate(s); err != nil {
			return "", err
		}
	}
	return s, nil
}

// Input returns the next queued string.
func (f *Fake) Input(title, _ string, validate func(string) error) (string, error) {
	return f.text("Input", title, validate)
}

// Password returns the next queued string.
func (f *Fake) Password(title string, validate func(string) error) (string, error) {
	return f.text("Password", title, validate)
}

// NewPassword returns the next queued string; the fake does not ask twice.
func (f *Fake) NewPassword(title string, validate func(string) error) (string, error) {
	return f.text("NewPassword", title, validate)
}

// Confirm returns the next queued bool.
func (f *Fake) Confirm(title string, _ bool) (bool, error) {
	a, err := f.next("Confirm", title)
	if err != nil {
		return false, err
	}
	b, ok := a.(bool)
	if !ok {
		return false, fmt.Errorf("fake prompter: Confirm %q got a %T answer, want a bool", title, a)
	}
	return b, nil
}

// Select returns the next queued string, which must be one of options.
func (f *Fake) Select(title string, options []string, _ string) (string, error) {
	s, err := f.text("Select", title, nil)
	if err != nil {
		return "", err
	}
	if !slices.Contains(options, s) {
		return "", fmt.Errorf("fake prompter: Select %q answer %q is not among %q",
			title, s, options)
	}
	return s, nil
}
