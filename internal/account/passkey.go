package account

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Passkey name bounds, counted in characters after trimming.
const (
	MinPasskeyNameLen = 3
	MaxPasskeyNameLen = 64
)

// CeremonyTimeout is how long a passkey ceremony (registration or login) stays open,
// the two minutes WEBKNOSSOS uses.
const CeremonyTimeout = 2 * time.Minute

// Passkey is one WebAuthn credential registered to a user, as `wk passkey list` shows
// it. Key material never leaves the store; this is only what a person needs to tell
// their passkeys apart.
type Passkey struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Created is when it was registered; LastUsed is zero until a login uses it.
	Created  Timestamp `json:"created"`
	LastUsed Timestamp `json:"lastUsed"`
	// Authenticator is a friendly name derived from AAGUID, or "unknown authenticator".
	Authenticator string `json:"authenticator"`
	// AAGUID identifies the authenticator model in UUID form; all zeros when the
	// authenticator does not say.
	AAGUID string `json:"aaguid"`
	// BackupEligible reports whether the credential may be synced to other devices,
	// and BackedUp whether it currently is.
	BackupEligible bool `json:"backupEligible"`
	BackedUp       bool `json:"backedUp"`
}

// Ceremony is a started passkey registration or login: the options the browser passes
// to navigator.credentials.create() or get(), and the id under which the backend keeps
// the challenge until Expires. A ceremony can be finished once.
type Ceremony struct {
	ID string `json:"id"`
	// Options is the PublicKeyCredentialCreationOptions or RequestOptions JSON, in the
	// form PublicKeyCredential.parseCreationOptionsFromJSON and
	// parseRequestOptionsFromJSON accept.
	Options json.RawMessage `json:"options"`
	Expires Timestamp       `json:"expires"`
}

// RelyingParty is who a passkey belongs to: ID is the WebAuthn RP ID (a host name such
// as "localhost" or "wk.example.org"), Name its display name, and Origins the exact
// origins (scheme, host and port) a browser response may come from.
type RelyingParty struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Origins []string `json:"origins"`
}

// PasskeyBackend manages the caller's passkeys and logs in with them. Every [Backend]
// embeds it; a server without passkeys answers its calls with ErrUnsupported or
// ErrInvalid.
//
// The rp argument of the Begin calls is what the caller's hand-off page can offer. The
// local store binds the ceremony to it; a remote server uses its own relying party and
// ignores it. Responses are the JSON of PublicKeyCredential.toJSON().
type PasskeyBackend interface {
	// BeginPasskeyRegistration checks name with [CheckPasskeyName] and against the
	// caller's passkeys (ErrConflict when taken, regardless of case), and starts a
	// registration that requires a discoverable credential and excludes the caller's
	// existing ones.
	BeginPasskeyRegistration(ctx context.Context, name string, rp RelyingParty) (*Ceremony, error)
	// FinishPasskeyRegistration verifies the browser's response to the ceremony, stores
	// the passkey under the name given at the start, and mails a notice. An unknown,
	// used or expired ceremony is ErrNotFound; a response that fails verification is
	// ErrInvalid.
	FinishPasskeyRegistration(ctx context.Context, ceremonyID string, response []byte) (*Passkey, error)
	// Passkeys lists the caller's passkeys, oldest first.
	Passkeys(ctx context.Context) ([]Passkey, error)
	// RenamePasskey renames one of the caller's passkeys, found by id or by name
	// regardless of case.
	RenamePasskey(ctx context.Context, idOrName, newName string) (*Passkey, error)
	// DeletePasskey removes one of the caller's passkeys, found by id or by name
	// regardless of case, mails a notice, and returns what it removed.
	DeletePasskey(ctx context.Context, idOrName string) (*Passkey, error)

	// BeginPasskeyLogin starts a login with any discoverable credential. No credential.
	BeginPasskeyLogin(ctx context.Context, rp RelyingParty) (*Ceremony, error)
	// FinishPasskeyLogin verifies the browser's assertion, records the new signature
	// counter and opens a session recorded as opened with a passkey. Every failure,
	// including an unknown or expired ceremony and a counter that did not increase
	// (a possibly cloned authenticator), is ErrUnauthenticated. No credential.
	FinishPasskeyLogin(ctx context.Context, ceremonyID string, response []byte) (*LoginResult, error)
}

// CheckPasskeyName trims a passkey name and returns it, or an ErrInvalid error when it
// is shorter than MinPasskeyNameLen or longer than MaxPasskeyNameLen characters or holds
// control characters. Uniqueness is the backend's to check.
func CheckPasskeyName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if !utf8.ValidString(n) {
		return "", Errorf(ErrInvalid, "passkey name is not valid UTF-8: use letters, digits and punctuation")
	}
	switch count := utf8.RuneCountInString(n); {
	case count < MinPasskeyNameLen:
		return "", Errorf(ErrInvalid, "passkey name must be at least %d characters: give one like \"work laptop\"", MinPasskeyNameLen)
	case count > MaxPasskeyNameLen:
		return "", Errorf(ErrInvalid, "passkey name is too long: use at most %d characters", MaxPasskeyNameLen)
	}
	for _, r := range n {
		if unicode.IsControl(r) {
			return "", Errorf(ErrInvalid, "passkey name holds a control character: use letters, digits and punctuation")
		}
	}
	return n, nil
}

// Passkey page modes: what a [PasskeyPage] does.
const (
	PasskeyPageRegister = "register"
	PasskeyPageLogin    = "login"
)

// PasskeyPages is implemented by a backend whose passkey ceremonies must run in a page
// at the server's own origin, because the server is the relying party: the remote
// backend against `wk serve`. The CLI opens the page and waits for it instead of
// serving a loopback page of its own.
type PasskeyPages interface {
	// StartPasskeyPage asks the server for a one-time page: mode is PasskeyPageRegister
	// (needs a credential; name is the new passkey's name, checked with
	// [CheckPasskeyName]) or PasskeyPageLogin (no credential; name is ignored). A server
	// without such pages answers ErrUnsupported.
	StartPasskeyPage(ctx context.Context, mode, name string) (*PasskeyPage, error)
}

// PasskeyPage is a started one-time page. A person opens URL in a browser before
// Expires; Wait polls the server until the ceremony is done.
type PasskeyPage struct {
	URL     string
	Expires Timestamp
	// Wait blocks until the page's ceremony is done, ctx ends or the page expires. For
	// a registration the result has Passkey set, for a login Login. An expired page is
	// ErrNotFound for a registration and ErrUnauthenticated for a login.
	Wait func(ctx context.Context) (*PasskeyPageResult, error)
}

// PasskeyPageResult is what a finished [PasskeyPage] produced: the new passkey of a
// registration, or the session of a login.
type PasskeyPageResult struct {
	Passkey *Passkey
	Login   *LoginResult
}
