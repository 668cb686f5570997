package prompt

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFakeAnswersInOrder(t *testing.T) {
	f := NewFake("Ada Lovelace", "old-password", "new-password1", true, "dark")
	var p Prompter = f

	name, err := p.Input("Full name", "", nil)
	if err != nil || name != "Ada Lovelace" {
		t.Errorf("Input() = %q, %v; want %q, nil", name, err, "Ada Lovelace")
	}
	if got, err := p.Password("Current password", nil); err != nil || got != "old-password" {
		t.Errorf("Password() = %q, %v; want %q, nil", got, err, "old-password")
	}
	if got, err := p.NewPassword("New password", minLen(8)); err != nil || got != "new-password1" {
		t.Errorf("NewPassword() = %q, %v; want %q, nil", got, err, "new-password1")
	}
	if got, err := p.Confirm("Sure?", false); err != nil || !got {
		t.Errorf("Confirm() = %v, %v; want true, nil", got, err)
	}
	if got, err := p.Select("Theme", []string{"light", "dark"}, "light"); err != nil || got != "dark" {
		t.Errorf("Select() = %q, %v; want %q, nil", got, err, "dark")
	}

	want := []string{"Full name", "Current password", "New password", "Sure?", "Theme"}
	if diff := cmp.Diff(want, f.Titles()); diff != "" {
		t.Errorf("Titles() mismatch (-want +got):\n%s", diff)
	}
	if n := f.Remaining(); n != 0 {
		t.Errorf("Remaining() = %d, want 0", n)
	}
}

func TestFakeErrors(t *testing.T) {
	tests := []struct {
		name    string
		answers []any
		ask     func(Prompter) error
		wantErr string
		wantIs  error
	}{
		{"empty_queue", nil, func(p Prompter) error {
			_, err := p.Input("Email", "", nil)
			return err
		}, `no answer queued for Input "Email"`, nil},
		{"queued_error", []any{ErrCancelled}, func(p Prompter) error {
			_, err := p.Confirm("Sure?", true)
			return err
		}, "", ErrCancelled},
		{"wrong_type", []any{"yes"}, func(p Prompter) error {
			_, err := p.Confirm("Sure?", true)
			return err
		}, "want a bool", nil},
		{"validation", []any{"short"}, func(p Prompter) error {
			_, err := p.NewPassword("New password", minLen(8))
			return err
		}, "too short", nil},
		{"select_not_an_option", []any{"sepia"}, func(p Prompter) error {
			_, err := p.Select("Theme", []string{"light", "dark"}, "")
			return err
		}, `answer "sepia" is not among`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ask(NewFake(tt.answers...))
			if err == nil {
				t.Fatal("got nil error, want one")
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error = %v, want errors.Is %v", err, tt.wantIs)
			}
		})
	}
}

func TestFakeAdd(t *testing.T) {
	var f Fake
	f.Add("first")

	if got, err := f.Input("A", "", nil); err != nil || got != "first" {
		t.Errorf("Input() = %q, %v; want %q, nil", got, err, "first")
	}
	if _, err := f.Input("B", "", nil); err == nil {
		t.Error("Input() on an empty queue = nil error, want one")
	}
}
