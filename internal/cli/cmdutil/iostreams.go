package cmdutil

import (
	"bufio"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// IOStreams are a command's standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// InTTY and OutTTY report whether stdin and stdout are terminals.
	InTTY, OutTTY bool
	// ErrTTY reports whether stderr is a terminal, which decides colour on messages.
	ErrTTY bool
	// NoColor turns colour off, as NO_COLOR asks.
	NoColor bool

	stdin *bufio.Reader
}

// System returns the process's streams with terminal detection.
func System() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:   isTerminal(os.Stdin),
		OutTTY:  isTerminal(os.Stdout),
		ErrTTY:  isTerminal(os.Stderr),
		NoColor: noColor || os.Getenv("TERM") == "dumb",
	}
}

func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// CanPrompt reports whether a prompt can be shown: stdin and stdout are terminals and
// WK_PROMPT_DISABLED is not set.
func (s *IOStreams) CanPrompt() bool {
	return s.InTTY && s.OutTTY && os.Getenv("WK_PROMPT_DISABLED") == ""
}

// ReadLine reads one line from stdin without its line ending. At the end of input with
// nothing read it returns io.EOF. Later calls continue where the last one stopped, so a
// command can read a current and a new password as two lines.
func (s *IOStreams) ReadLine() (string, error) {
	if s.stdin == nil {
		s.stdin = bufio.NewReader(s.In)
	}
	line, err := s.stdin.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	return strings.TrimRight(line, "\r\n"), err
}
