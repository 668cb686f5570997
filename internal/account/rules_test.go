package account

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"ada@example.com", "ada@example.com", false},
		{"  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com", false},
		{"a+tag@sub.example.org", "a+tag@sub.example.org", false},
		{"", "", true},
		{"ada", "", true},
		{"ada@", "", true},
		{"@example.com", "", true},
		{"ada@example", "", true},
		{"ada@example..com", "", true},
		{"ada@.example.com", "", true},
		{"Ada <ada@example.com>", "", true},
		{"ada lovelace@example.com", "", true},
		{strings.Repeat("a", 250) + "@example.com", "", true},
	}
	for _, tt := range tests {
		got, err := CheckEmail(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("CheckEmail(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckEmail(%q) error %v is not ErrInvalid", tt.in, err)
		}
	}
}

func TestSplitFullName(t *testing.T) {
	tests := []struct {
		in                  string
		wantFirst, wantLast string
		wantErr             string
	}{
		{"Ada Lovelace", "Ada", "Lovelace", ""},
		{"  Augusta   Ada  King ", "Augusta Ada", "King", ""},
		{"Ada", "", "", "one word"},
		{"", "", "", "empty"},
		{"   ", "", "", "empty"},
		{"Ada Love\x07lace", "", "", "control character"},
		{strings.Repeat("x", 101) + " Lovelace", "", "", "too long"},
	}
	for _, tt := range tests {
		first, last, err := SplitFullName(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("SplitFullName(%q) error = %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || first != tt.wantFirst || last != tt.wantLast {
			t.Errorf("SplitFullName(%q) = %q, %q, %v; want %q, %q", tt.in, first, last, err, tt.wantFirst, tt.wantLast)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		pw, email string
		wantErr   string
	}{
		{"correct horse battery", "ada@example.com", ""},
		{"12345678", "", "too common"},
		{"PassWord123", "", "too common"},
		{"short", "", "too short"},
		{"sieben7", "", "too short"},
		{"äöüßäöüß", "", ""},
		{strings.Repeat("a", MaxPasswordBytes+1), "", "too long"},
		{"          ", "", "whitespace"},
		{"Ada@Example.com", "ada@example.com", "equals the email"},
	}
	for _, tt := range tests {
		err := CheckPassword(tt.pw, tt.email)
		if tt.wantErr == "" {
			if err != nil {
				t.Errorf("CheckPassword(%q) = %v, want nil", tt.pw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
			t.Errorf("CheckPassword(%q) = %v, want an ErrInvalid saying %q", tt.pw, err, tt.wantErr)
		}
	}
}

func TestParseTheme(t *testing.T) {
	tests := map[string]Theme{"system": ThemeAuto, "auto": ThemeAuto, "AUTO": ThemeAuto,
		" light ": ThemeLight, "Dark": ThemeDark}
	for in, want := range tests {
		if got, err := ParseTheme(in); err != nil || got != want {
			t.Errorf("ParseTheme(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "purple", "system-default"} {
		if _, err := ParseTheme(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseTheme(%q) error = %v, want ErrInvalid", in, err)
		}
	}
}

func TestOrganizationID(t *testing.T) {
	tests := map[string]string{
		"Connectomics Lab":     "connectomics_lab",
		"  MPI -- Brain/Res. ": "mpi_brain_res",
		"lab42":                "lab42",
		"Über Lab":             "ber_lab",
	}
	for in, want := range tests {
		if got, err := OrganizationID(in); err != nil || got != want {
			t.Errorf("OrganizationID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := OrganizationID("!!!"); !errors.Is(err, ErrInvalid) {
		t.Errorf("OrganizationID(%q) error = %v, want ErrInvalid", "!!!", err)
	}
}
