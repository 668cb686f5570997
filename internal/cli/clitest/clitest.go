// Package clitest runs wk commands in-process for tests, with a fake terminal and a fake
// prompter, against a real store in a temporary HOME.
package clitest

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wk-tools/wk/internal/cli/cmdutil"
	"github.com/wk-tools/wk/internal/cli/prompt"
)

// Env is a temporary HOME with its own config and data folders.
type Env struct {
	T    *testing.T
	Home string
	// Prompter answers every prompt of the commands run with [Env.Terminal].
	Prompter *prompt.Fake
}

// New makes a fresh HOME and points the XDG variables and WK_* settings at it for the
// rest of the test.
func New(t *testing.T) *Env {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	for _, k := range []string{"WK_DB", "WK_URL", "WK_TOKEN", "WK_CONFIG", "WK_SMTP_HOST",
		"WK_PROMPT_DISABLED", "WK_THEME", "NO_COLOR"} {
		t.Setenv(k, "")
	}
	return &Env{T: t, Home: home, Prompter: prompt.NewFake()}
}

// Result is what one command printed and its exit code.
type Result struct {
	Code           int
	Stdout, Stderr string
}

// Run runs wk without a terminal, stdin given.
func (e *Env) Run(run Runner, stdin string, args ...string) Result {
	return e.run(run, false, stdin, args)
}

// Terminal runs wk as if stdin and stdout were a terminal; prompts go to e.Prompter.
func (e *Env) Terminal(run Runner, args ...string) Result {
	return e.run(run, true, "", args)
}

// Runner runs a command line with a factory, like cli.Run. It is passed in to keep this
// package free of an import cycle with internal/cli.
type Runner func(ctx context.Context, f *cmdutil.Factory, args []string) int

func (e *Env) run(run Runner, tty bool, stdin string, args []string) Result {
	var out, errOut bytes.Buffer
	f := cmdutil.New(cmdutil.BuildInfo{Version: "test", Commit: "none", Date: "today"})
	f.IO = &cmdutil.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		InTTY: tty, OutTTY: tty}
	f.NewPrompter = func(string) prompt.Prompter { return e.Prompter }
	f.Now = time.Now

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := run(ctx, f, args)
	return Result{Code: code, Stdout: out.String(), Stderr: errOut.String()}
}

// Must fails the test unless r exited with want.
func (r Result) Must(t *testing.T, want int, what string) Result {
	t.Helper()
	if r.Code != want {
		t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.Code, want, r.Stdout, r.Stderr)
	}
	return r
}
