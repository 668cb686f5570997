package cmdutil

import (
	"errors"
	"io"
	"strings"
)

// NoPrompt is the error for a prompt that cannot be shown: it names the flag to pass.
func NoPrompt(what, flag string) error {
	return Usagef("%s is needed but stdin and stdout are not both terminals: pass %s", what, flag)
}

// StdinSecret reads the next line of stdin as a secret named what ("the password"). An
// empty line or the end of input is a usage error, since a script forgot to send it.
func (s *IOStreams) StdinSecret(what string) (string, error) {
	line, err := s.ReadLine()
	if errors.Is(err, io.EOF) || (err == nil && strings.TrimSpace(line) == "") {
		return "", Usagef("expected %s on stdin, got nothing", what)
	}
	if err != nil {
		return "", err
	}
	return line, nil
}

// Confirm asks a yes/no question unless yes is already given. Without a terminal it fails
// with a usage error naming --yes; a "no" answer returns [ErrCancelled].
func (f *Factory) Confirm(yes bool, question string) error {
	if yes {
		return nil
	}
	if !f.IO.CanPrompt() {
		return NoPrompt("confirmation", "--yes")
	}
	ok, err := f.Prompter().Confirm(question, false)
	if err != nil {
		return err
	}
	if !ok {
		return ErrCancelled
	}
	return nil
}
