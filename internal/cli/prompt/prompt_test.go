package prompt

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
)

// Keys as a terminal sends them.
const (
	keyEnter     = "\r"
	keyBackspace = "\x7f"
	keyCtrlC     = "\x03"
	keyDown      = "\x1b[B"
)

// keys returns a reader that yields each chunk in its own read, a little apart: huh
// moves focus through asynchronous commands, so keys sent in one burst can land in the
// wrong field. The pipe stays open until the test ends, as a terminal would.
func keys(t *testing.T, chunks ...string) io.Reader {
	t.Helper()
	pr, pw := io.Pipe()
	go func() {
		for _, c := range chunks {
			// Longer than a frame (bubbletea draws at 60 per second), so what one key
			// makes huh draw, such as a validation message, is drawn before the next.
			time.Sleep(40 * time.Millisecond)
			if _, err := pw.Write([]byte(c)); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pw.Close() })
	return pr
}

// syncBuffer is a bytes.Buffer safe to read while huh writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testPrompter returns a normal-mode prompter on in, with a bound on every form so a
// stuck test fails instead of hanging.
func testPrompter(in io.Reader) (*huhPrompter, *syncBuffer) {
	out := new(syncBuffer)
	return &huhPrompter{in: in, out: out, theme: "auto", timeout: 5 * time.Second}, out
}

func minLen(n int) func(string) error {
	return func(s string) error {
		if len(s) < n {
			return errors.New("too short")
		}
		return nil
	}
}

func TestInput(t *testing.T) {
	tests := []struct {
		name     string
		chunks   []string
		validate func(string) error
		want     string
	}{
		{"typed", []string{"Ada Lovelace", keyEnter}, nil, "Ada Lovelace"},
		{"edited", []string{"Adx", keyBackspace, "a", keyEnter}, nil, "Ada"},
		{"reasked_after_invalid", []string{"x", keyEnter, "yz", keyEnter}, minLen(3), "xyz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := testPrompter(keys(t, tt.chunks...))

			got, err := p.Input("Full name", "FIRST LAST", tt.validate)
			if err != nil || got != tt.want {
				t.Errorf("Input() = %q, %v; want %q, nil", got, err, tt.want)
			}
		})
	}
}

func TestPasswordIsNotEchoed(t *testing.T) {
	const secret = "hunter2-correct"
	p, out := testPrompter(keys(t, secret, keyEnter))

	got, err := p.Password("Password", minLen(8))
	if err != nil || got != secret {
		t.Fatalf("Password() = %q, %v; want %q, nil", got, err, secret)
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Errorf("Password() drew the password on the terminal:\n%q", out.String())
	}
	if !strings.Contains(out.String(), "Password") {
		t.Errorf("Password() did not draw its title:\n%q", out.String())
	}
}

func TestNewPassword(t *testing.T) {
	t.Run("match", func(t *testing.T) {
		p, _ := testPrompter(keys(t, "correct horse", keyEnter, "correct horse", keyEnter))

		got, err := p.NewPassword("New password", minLen(8))
		if err != nil || got != "correct horse" {
			t.Errorf("NewPassword() = %q, %v; want %q, nil", got, err, "correct horse")
		}
	})

	t.Run("mismatch_reasks", func(t *testing.T) {
		p, out := testPrompter(keys(t, "secret-one1", keyEnter, "secret-two2", keyEnter,
			strings.Repeat(keyBackspace, len("secret-two2")), "secret-one1", keyEnter))

		got, err := p.NewPassword("New password", minLen(8))
		if err != nil || got != "secret-one1" {
			t.Errorf("NewPassword() = %q, %v; want %q, nil", got, err, "secret-one1")
		}
		if !strings.Contains(out.String(), mismatchMessage) {
			t.Errorf("NewPassword() did not say %q after a mismatch:\n%q",
				mismatchMessage, out.String())
		}
	})

	t.Run("first_entry_validated", func(t *testing.T) {
		p, out := testPrompter(keys(t, "short", keyEnter, "er-word", keyEnter,
			"shorter-word", keyEnter))

		got, err := p.NewPassword("New password", minLen(8))
		if err != nil || got != "shorter-word" {
			t.Errorf("NewPassword() = %q, %v; want %q, nil", got, err, "shorter-word")
		}
		if !strings.Contains(out.String(), "too short") {
			t.Errorf("NewPassword() did not show the validation error:\n%q", out.String())
		}
	})
}

func TestConfirm(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		defaultYes bool
		want       bool
	}{
		{"y_key", "y", false, true},
		{"n_key", "n", true, false},
		{"enter_takes_default_yes", keyEnter, true, true},
		{"enter_takes_default_no", keyEnter, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := testPrompter(keys(t, tt.key))

			got, err := p.Confirm("Sign out everywhere?", tt.defaultYes)
			if err != nil || got != tt.want {
				t.Errorf("Confirm(default %v) after %q = %v, %v; want %v, nil",
					tt.defaultYes, tt.key, got, err, tt.want)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	options := []string{"system", "light", "dark"}
	tests := []struct {
		name    string
		chunks  []string
		current string
		want    string
	}{
		{"current_preselected", []string{keyEnter}, "light", "light"},
		{"move_down", []string{keyDown, keyEnter}, "light", "dark"},
		{"unknown_current_starts_at_top", []string{keyEnter}, "sepia", "system"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := testPrompter(keys(t, tt.chunks...))

			got, err := p.Select("Theme", options, tt.current)
			if err != nil || got != tt.want {
				t.Errorf("Select(current %q) = %q, %v; want %q, nil", tt.current, got, err, tt.want)
			}
		})
	}

	p, _ := testPrompter(keys(t))
	if _, err := p.Select("Theme", nil, ""); err == nil {
		t.Error("Select() with no options = nil error, want an error")
	}
}

func TestCtrlCCancels(t *testing.T) {
	asks := map[string]func(p Prompter) error{
		"input":        func(p Prompter) error { _, err := p.Input("Name", "", nil); return err },
		"password":     func(p Prompter) error { _, err := p.Password("Password", nil); return err },
		"new_password": func(p Prompter) error { _, err := p.NewPassword("New", nil); return err },
		"confirm":      func(p Prompter) error { _, err := p.Confirm("Sure?", true); return err },
		"select": func(p Prompter) error {
			_, err := p.Select("Theme", []string{"light", "dark"}, "dark")
			return err
		},
	}
	for name, ask := range asks {
		t.Run(name, func(t *testing.T) {
			p, _ := testPrompter(keys(t, "ab", keyCtrlC))

			if err := ask(p); !errors.Is(err, ErrCancelled) {
				t.Errorf("%s after Ctrl-C = %v, want ErrCancelled", name, err)
			}
		})
	}
}

func accessiblePrompter(in io.Reader) (Prompter, *bytes.Buffer) {
	out := new(bytes.Buffer)
	return New(in, out, "auto", Accessible(true)), out
}

func TestAccessible(t *testing.T) {
	t.Run("input", func(t *testing.T) {
		p, out := accessiblePrompter(strings.NewReader("Ada Lovelace\n"))

		got, err := p.Input("Full name", "", nil)
		if err != nil || got != "Ada Lovelace" {
			t.Errorf("Input() = %q, %v; want %q, nil", got, err, "Ada Lovelace")
		}
		if !strings.Contains(out.String(), "Full name") {
			t.Errorf("Input() did not print its title: %q", out.String())
		}
	})

	t.Run("input_reasked", func(t *testing.T) {
		p, _ := accessiblePrompter(strings.NewReader("x\nxyz\n"))

		got, err := p.Input("Code", "", minLen(3))
		if err != nil || got != "xyz" {
			t.Errorf("Input() = %q, %v; want %q, nil", got, err, "xyz")
		}
	})

	cancelled := map[string]struct {
		input string
		ask   func(Prompter) error
	}{
		"input_no_answer": {"", func(p Prompter) error {
			_, err := p.Input("Name", "", nil)
			return err
		}},
		"input_only_invalid": {"x\n", func(p Prompter) error {
			_, err := p.Input("Code", "", minLen(3))
			return err
		}},
		"confirm_no_answer": {"", func(p Prompter) error {
			_, err := p.Confirm("Sure?", true)
			return err
		}},
	}
	for name, tt := range cancelled {
		t.Run(name, func(t *testing.T) {
			p, _ := accessiblePrompter(strings.NewReader(tt.input))

			if err := tt.ask(p); !errors.Is(err, ErrCancelled) {
				t.Errorf("%s on input %q = %v, want ErrCancelled", name, tt.input, err)
			}
		})
	}

	t.Run("confirm", func(t *testing.T) {
		p, _ := accessiblePrompter(strings.NewReader("y\n"))

		if got, err := p.Confirm("Sure?", false); err != nil || !got {
			t.Errorf("Confirm() after y = %v, %v; want true, nil", got, err)
		}
	})

	t.Run("select", func(t *testing.T) {
		p, _ := accessiblePrompter(strings.NewReader("3\n"))

		got, err := p.Select("Theme", []string{"system", "light", "dark"}, "light")
		if err != nil || got != "dark" {
			t.Errorf("Select() after 3 = %q, %v; want %q, nil", got, err, "dark")
		}
	})
}

// TestAccessiblePasswordNeedsTerminal guards against huh's silent empty password: read
// from anything but a terminal, a password prompt must fail, not return "".
func TestAccessiblePasswordNeedsTerminal(t *testing.T) {
	file := filepath.Join(t.TempDir(), "stdin")
	if err := os.WriteFile(file, []byte("hunter2-correct\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	inputs := map[string]io.Reader{
		"pipe":         strings.NewReader("hunter2-correct\n"),
		"regular_file": f,
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			p, _ := accessiblePrompter(in)

			got, err := p.Password("Password", nil)
			if err == nil || got != "" {
				t.Errorf("Password() from a %s = %q, %v; want an error", name, got, err)
			}
			if errors.Is(err, ErrCancelled) {
				t.Errorf("Password() from a %s = ErrCancelled, want a terminal error", name)
			}
		})
	}
}

func TestThemeFor(t *testing.T) {
	tests := []struct {
		theme string
		want  lipgloss.TerminalColor
	}{
		{"light", lightPalette.title},
		{"dark", darkPalette.title},
	}
	for _, tt := range tests {
		if got := themeFor(tt.theme).Focused.Title.GetForeground(); got != tt.want {
			t.Errorf("themeFor(%q) title colour = %v, want %v", tt.theme, got, tt.want)
		}
	}
	for _, name := range []string{"auto", "", "sepia"} {
		got := themeFor(name).Focused.Title.GetForeground()
		if _, ok := got.(lipgloss.AdaptiveColor); !ok {
			t.Errorf("themeFor(%q) title colour = %#v, want an adaptive colour", name, got)
		}
	}
}

func TestWantAccessible(t *testing.T) {
	tests := []struct {
		term, flag string
		want       bool
	}{
		{"xterm-256color", "", false},
		{"dumb", "", true},
		{"xterm", "1", true},
		{"xterm", "true", true},
		{"xterm", "0", false},
	}
	for _, tt := range tests {
		env := map[string]string{"TERM": tt.term, "WK_ACCESSIBLE": tt.flag}
		if got := WantAccessible(func(k string) string { return env[k] }); got != tt.want {
			t.Errorf("WantAccessible(TERM=%q WK_ACCESSIBLE=%q) = %v, want %v",
				tt.term, tt.flag, got, tt.want)
		}
	}
}
