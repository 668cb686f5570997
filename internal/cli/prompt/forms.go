package prompt

import (
	"errors"

	"github.com/charmbracelet/huh"
)

// mismatchMessage is shown when the two entries of a new password differ.
const mismatchMessage = "the passwords do not match: type the same password twice"

// question is a built but not yet run form, with the field it asks and where the answer
// lands. Building is apart from running so tests can drive a form with their own input.
type question[T any] struct {
	form  *huh.Form
	field huh.Field
	value *T
	// secret reports whether the answer is read with echo off.
	secret bool
	// check re-validates the answer; accessible mode uses it to spot a cancelled field.
	check func() error
}

func newQuestion[T any](theme string, field huh.Field, value *T) question[T] {
	form := huh.NewForm(huh.NewGroup(field)).WithTheme(themeFor(theme))
	return question[T]{form: form, field: field, value: value,
		check: func() error { return nil }}
}

// orAny returns validate, or a validator that accepts everything when it is nil.
func orAny(validate func(string) error) func(string) error {
	if validate == nil {
		return func(string) error { return nil }
	}
	return validate
}

func inputQuestion(theme, title, placeholder string, validate func(string) error) question[string] {
	validate = orAny(validate)
	value := new(string)
	field := huh.NewInput().Title(title).Placeholder(placeholder).Validate(validate).Value(value)
	q := newQuestion(theme, field, value)
	q.check = func() error { return validate(*value) }
	return q
}

func passwordQuestion(theme, title string, validate func(string) error) question[string] {
	validate = orAny(validate)
	value := new(string)
	field := huh.NewInput().Title(title).EchoMode(huh.EchoModePassword).
		Validate(validate).Value(value)
	q := newQuestion(theme, field, value)
	q.secret = true
	q.check = func() error { return validate(*value) }
	return q
}

// newPasswordQuestion asks for a password and its repeat in one form. A repeat that
// differs is refused in place with [mismatchMessage], so the person retypes it (or goes
// back to the first entry with shift-tab) without starting over.
func newPasswordQuestion(theme, title string, validate func(string) error) question[string] {
	first, again := new(string), new(string)
	firstField := huh.NewInput().Title(title).EchoMode(huh.EchoModePassword).
		Validate(orAny(validate)).Value(first)
	againField := huh.NewInput().Title(repeatTitle(title)).EchoMode(huh.EchoModePassword).
		Validate(func(s string) error {
			if s != *first {
				return errors.New(mismatchMessage)
			}
			return nil
		}).Value(again)

	form := huh.NewForm(huh.NewGroup(firstField, againField)).WithTheme(themeFor(theme))
	return question[string]{form: form, field: firstField, value: first, secret: true,
		check: func() error { return nil }}
}

// repeatTitle is the title of the second entry of a new password.
func repeatTitle(title string) string {
	return "Repeat: " + title
}

func confirmQuestion(theme, title string, defaultYes bool) question[bool] {
	value := new(bool)
	*value = defaultYes
	field := huh.NewConfirm().Title(title).Affirmative("Yes").Negative("No").Value(value)
	return newQuestion(theme, field, value)
}

func selectQuestion(theme, title string, options []string, current string) question[string] {
	value := new(string)
	*value = current
	field := huh.NewSelect[string]().Title(title).Options(huh.NewOptions(options...)...).
		Value(value)
	return newQuestion(theme, field, value)
}
