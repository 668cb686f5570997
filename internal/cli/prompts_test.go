package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/wk-tools/wk/internal/cli/clitest"
	"github.com/wk-tools/wk/internal/cli/prompt"
)

const pw = "correct horse battery\n"

func initStore(t *testing.T, e *clitest.Env) {
	t.Helper()
	e.Run(Run, pw, "init", "--org", "Lab", "--email", "ada@example.com", "--name",
		"Ada Lovelace", "--password-stdin").Must(t, 0, "init")
}

// On a terminal, commands ask for what is missing, and the answers reach the store.
func TestTerminalPrompts(t *testing.T) {
	e := clitest.New(t)
	e.Prompter.Add("correct horse battery")
	e.Terminal(Run, "init", "--org", "Lab", "--email", "ada@example.com", "--name", "Ada Lovelace").
		Must(t, 0, "init with a prompted password")

	e.Prompter.Add("ada@example.com", "correct horse battery")
	r := e.Terminal(Run, "login").Must(t, 0, "login with prompts")
	if !strings.Contains(r.Stderr, "Signed in") {
		t.Errorf("login stderr = %q, want a signed-in message", r.Stderr)
	}

	e.Prompter.Add("correct horse battery", "purple monkey dishwasher")
	e.Terminal(Run, "password", "change").Must(t, 0, "password change with prompts")

	e.Prompter.Add("purple monkey dishwasher")
	e.Terminal(Run, "profile", "set-email", "ada@example.org").Must(t, 0, "set-email with a prompt")

	want := []string{"Password for ada@example.com", "Email", "Password for ada@example.com",
		"Current password", "New password", "Current password"}
	if got := e.Prompter.Titles(); !slices.Equal(got, want) {
		t.Errorf("prompt titles = %q, want %q", got, want)
	}
	if n := e.Prompter.Remaining(); n != 0 {
		t.Errorf("%d answers were never asked for", n)
	}
}

// Declining a confirmation or cancelling a prompt exits 3 and changes nothing.
func TestCancelledPrompts(t *testing.T) {
	e := clitest.New(t)
	initStore(t, e)
	e.Run(Run, pw, "login", "--email", "ada@example.com", "--password-stdin").Must(t, 0, "login")

	e.Prompter.Add(false)
	e.Terminal(Run, "sessions", "logout-all").Must(t, 3, "logout-all declined")
	e.Prompter.Add(prompt.ErrCancelled)
	e.Terminal(Run, "token", "revoke").Must(t, 3, "token revoke cancelled")
	e.Prompter.Add(prompt.ErrCancelled)
	r := e.Terminal(Run, "password", "change").Must(t, 3, "password change cancelled")
	if !strings.Contains(r.Stderr, "wk: cancelled") {
		t.Errorf("stderr = %q, want \"wk: cancelled\"", r.Stderr)
	}

	// Still signed in: nothing was ended.
	e.Run(Run, "", "profile", "show").Must(t, 0, "profile show after cancelling")

	e.Prompter.Add(true)
	e.Terminal(Run, "sessions", "logout-all").Must(t, 0, "logout-all confirmed")
	e.Run(Run, "", "profile", "show").Must(t, 4, "profile show after logout-all")
}

// WK_PROMPT_DISABLED turns prompts off even on a terminal.
func TestPromptDisabled(t *testing.T) {
	e := clitest.New(t)
	initStore(t, e)
	t.Setenv("WK_PROMPT_DISABLED", "1")
	r := e.Terminal(Run, "login", "--email", "ada@example.com").Must(t, 2, "login without prompts")
	if !strings.Contains(r.Stderr, "--password-stdin") {
		t.Errorf("stderr = %q, want it to name --password-stdin", r.Stderr)
	}
	if e.Prompter.Titles() != nil {
		t.Errorf("asked %q with prompts disabled", e.Prompter.Titles())
	}
}
