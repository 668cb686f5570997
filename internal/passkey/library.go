package passkey

import (
	"errors"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/wk-tools/wk/internal/account"
)

// libUser shows a [User] to go-webauthn.
type libUser struct{ u *User }

func (l libUser) WebAuthnID() []byte          { return l.u.ID }
func (l libUser) WebAuthnName() string        { return l.u.Email }
func (l libUser) WebAuthnDisplayName() string { return l.u.DisplayName }

func (l libUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, 0, len(l.u.Credentials))
	for _, c := range l.u.Credentials {
		out = append(out, toLibrary(c))
	}
	return out
}

func toLibrary(c Credential) webauthn.Credential {
	transports := make([]protocol.AuthenticatorTransport, 0, len(c.Transports))
	for _, t := range c.Transports {
		transports = append(transports, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID:                c.ID,
		PublicKey:         c.PublicKey,
		AttestationType:   c.AttestationType,
		AttestationFormat: c.AttestationFormat,
		Transport:         transports,
		Flags: webauthn.CredentialFlags{
			UserPresent:    true,
			UserVerified:   c.UserVerified,
			BackupEligible: c.BackupEligible,
			BackupState:    c.BackedUp,
		},
		Authenticator: webauthn.Authenticator{AAGUID: c.AAGUID, SignCount: c.SignCount},
	}
}

func fromLibrary(c *webauthn.Credential, name string) Credential {
	transports := make([]string, 0, len(c.Transport))
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	aaguid := c.Authenticator.AAGUID
	if len(aaguid) == 0 {
		aaguid = make([]byte, 16)
	}
	return Credential{
		ID:                c.ID,
		PublicKey:         c.PublicKey,
		SignCount:         c.Authenticator.SignCount,
		AAGUID:            aaguid,
		Transports:        transports,
		UserVerified:      c.Flags.UserVerified,
		BackupEligible:    c.Flags.BackupEligible,
		BackedUp:          c.Flags.BackupState,
		AttestationType:   c.AttestationType,
		AttestationFormat: c.AttestationFormat,
		Name:              name,
	}
}

// failure turns a go-webauthn error into an [account.Error] of kind whose message
// names the check that failed, such as "error validating origin".
func failure(kind error, what string, err error) error {
	detail := err.Error()
	var pe *protocol.Error
	if errors.As(err, &pe) && pe.Details != "" {
		detail = pe.Details
		// The first sentence of the debug text names the failed check, such as
		// "RP Hash mismatch" or the origins compared; long or multi-line ones only
		// repeat challenge bytes.
		info, _, _ := strings.Cut(pe.DevInfo, ". ")
		if info != "" && len(info) <= 160 && !strings.ContainsAny(info, "\n\r") {
			detail += " (" + info + ")"
		}
	}
	return account.Errorf(kind, "%s: %s", what, lowerFirst(detail))
}

// loginFailure explains a failed login, telling a deleted or unknown passkey apart
// from one whose answer did not verify.
func loginFailure(err error) error {
	if errors.Is(err, errUnknownCredential) || errors.Is(err, account.ErrNotFound) {
		return account.Errorf(account.ErrUnauthenticated,
			"passkey login failed: this passkey is not registered with wk, or was deleted: use another passkey or log in with your password")
	}
	return failure(account.ErrUnauthenticated, "passkey login failed", err)
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
