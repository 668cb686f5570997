package account

import (
	"bufio"
	_ "embed"
	"net/mail"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Password length bounds. The upper bound keeps hashing cost predictable.
const (
	MinPasswordLen   = 8
	MaxPasswordBytes = 1024
	maxEmailBytes    = 254
	maxNamePartRunes = 100
)

// NormalizeEmail trims space and lower-cases an address, the form the stores compare.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// CheckEmail returns the normalized address, or an ErrInvalid error saying why it is not
// one: it must be a bare address with a local part, an @ and a dotted domain.
func CheckEmail(email string) (string, error) {
	e := NormalizeEmail(email)
	if e == "" {
		return "", Errorf(ErrInvalid, "email is empty: give an address like ada@example.com")
	}
	bad := Errorf(ErrInvalid, "%q is not a valid email address: use a form like ada@example.com", email)
	if len(e) > maxEmailBytes || strings.ContainsAny(e, " \t\r\n<>\"") {
		return "", bad
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(e, '@')
	domain := e[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") ||
		strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return "", bad
	}
	return e, nil
}

// CheckName trims a first or last name and rejects one that is empty, whitespace, too
// long or holds control characters. field names it in the error, like "first name".
func CheckName(field, name string) (string, error) {
	n := strings.TrimSpace(name)
	if n == "" {
		return "", Errorf(ErrInvalid, "%s is empty: give at least one visible character", field)
	}
	if !utf8.ValidString(n) || utf8.RuneCountInString(n) > maxNamePartRunes {
		return "", Errorf(ErrInvalid, "%s is too long: use at most %d characters", field, maxNamePartRunes)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return "", Errorf(ErrInvalid, "%s holds a control character: use letters, spaces and punctuation", field)
		}
	}
	return n, nil
}

// SplitFullName splits "FIRST LAST" at the last space into a checked first and last name.
// A single word is refused: WEBKNOSSOS needs both names.
func SplitFullName(full string) (first, last string, err error) {
	f := strings.Join(strings.Fields(full), " ")
	i := strings.LastIndexByte(f, ' ')
	if f == "" {
		return "", "", Errorf(ErrInvalid, "name is empty: give it as \"FIRST LAST\"")
	}
	if i < 0 {
		return "", "", Errorf(ErrInvalid, "name %q has one word: give it as \"FIRST LAST\"", full)
	}
	if first, err = CheckName("first name", f[:i]); err != nil {
		return "", "", err
	}
	if last, err = CheckName("last name", f[i+1:]); err != nil {
		return "", "", err
	}
	return first, last, nil
}

// CheckPassword enforces the password rules: at least MinPasswordLen characters, at most
// MaxPasswordBytes bytes, not the account's email, and not on the list of common passwords.
func CheckPassword(password, email string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordLen:
		return Errorf(ErrInvalid, "password is too short: use at least %d characters", MinPasswordLen)
	case len(password) > MaxPasswordBytes:
		return Errorf(ErrInvalid, "password is too long: use at most %d bytes", MaxPasswordBytes)
	case strings.TrimSpace(password) == "":
		return Errorf(ErrInvalid, "password is only whitespace: choose another")
	case email != "" && strings.EqualFold(password, strings.TrimSpace(email)):
		return Errorf(ErrInvalid, "password equals the email address: choose another")
	case isCommonPassword(password):
		return Errorf(ErrInvalid, "password is too common: choose one that is harder to guess")
	}
	return nil
}

// ParseTheme accepts system, auto, light or dark in any case; system means auto.
func ParseTheme(s string) (Theme, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "system", "auto":
		return ThemeAuto, nil
	case "light":
		return ThemeLight, nil
	case "dark":
		return ThemeDark, nil
	}
	return "", Errorf(ErrInvalid, "unknown theme %q: use system, light or dark", s)
}

// OrganizationID turns an organization's display name into its id the way WEBKNOSSOS does:
// lower case, with runs of anything but letters and digits replaced by one underscore.
func OrganizationID(name string) (string, error) {
	var b strings.Builder
	pending := false
	for _, r := range strings.ToLower(strings.TrimSpace(name)) {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if pending && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			pending = false
			continue
		}
		pending = true
	}
	if b.Len() == 0 {
		return "", Errorf(ErrInvalid, "organization name %q has no letters or digits: give a name like \"Connectomics Lab\"", name)
	}
	return b.String(), nil
}

//go:embed common-passwords.txt
var commonPasswordList string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 1024)
	sc := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			set[strings.ToLower(w)] = struct{}{}
		}
	}
	return set
})

func isCommonPassword(p string) bool {
	_, ok := commonPasswords()[strings.ToLower(p)]
	return ok
}
