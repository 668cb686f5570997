// Package passkey runs wk's WebAuthn ceremonies and the loopback page a browser uses to
// take part in them.
//
// The [Engine] turns a user and their stored credentials into browser options plus a
// state blob, and later checks the browser's answer against that blob. It knows nothing
// of SQL: the caller keeps the blob (the store holds it for [account.CeremonyTimeout])
// and saves what Finish returns. The [Handoff] serves the one-ceremony page on
// 127.0.0.1 and calls the caller back for options and for the answer.
package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/wk-tools/wk/internal/account"
)

// User is the account a ceremony is for. ID is the WebAuthn user handle (at most 64
// bytes; wk uses the 24-character user id), Email the account name the authenticator
// shows, and DisplayName the person's full name.
type User struct {
	ID          []byte
	Email       string
	DisplayName string
	// Credentials are the user's stored passkeys.
	Credentials []Credential
}

// Credential is a stored passkey as plain data: what the store keeps and hands back.
type Credential struct {
	// ID is the credential id the authenticator chose.
	ID []byte
	// PublicKey is the COSE-encoded public key.
	PublicKey []byte
	// SignCount is the last signature counter seen; zero for authenticators that do
	// not count.
	SignCount uint32
	// AAGUID identifies the authenticator model; 16 bytes, zeros when unknown.
	AAGUID []byte
	// Transports are the transport hints the browser reported, like "internal".
	Transports []string
	// UserVerified, BackupEligible and BackedUp are the authenticator flags last seen.
	UserVerified   bool
	BackupEligible bool
	BackedUp       bool
	// AttestationType and AttestationFormat are what registration saw, like "none".
	AttestationType   string
	AttestationFormat string
	// Name is the passkey's name, used to refuse a duplicate at registration.
	Name string
}

// Authenticator returns the friendly name of the credential's authenticator model.
func (c Credential) Authenticator() string { return AuthenticatorName(c.AAGUID) }

// Begun is a started ceremony: Options go to the browser, State to the caller's
// ceremony table until Expires, and back to Finish.
type Begun struct {
	Options json.RawMessage
	State   []byte
	Expires time.Time
}

// Registered is what a successful registration gives the caller to store.
type Registered struct {
	// Name is the checked name given to BeginRegistration.
	Name       string
	Credential Credential
}

// LoggedIn is what a successful login gives the caller: who logged in and the
// credential with its new sign count and flags, to save in place of the old one.
type LoggedIn struct {
	UserID     []byte
	Credential Credential
}

// UserLookup finds the user a discoverable login names by its user handle, with their
// credentials. It returns an error unwrapping to [account.ErrNotFound] when there is
// none.
type UserLookup func(userHandle []byte) (*User, error)

// Engine runs ceremonies. The zero Engine is ready to use.
type Engine struct {
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Timeout is how long a ceremony stays open; zero means [account.CeremonyTimeout].
	Timeout time.Duration
}

const (
	kindRegister = "register"
	kindLogin    = "login"
)

// state is what the caller keeps between Begin and Finish. It holds the challenge but
// no secret: a challenge is only useful together with the authenticator's private key.
type state struct {
	Kind    string               `json:"kind"`
	RP      account.RelyingParty `json:"rp"`
	Name    string               `json:"name,omitempty"`
	Expires time.Time            `json:"expires"`
	Session webauthn.SessionData `json:"session"`
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

func (e *Engine) timeout() time.Duration {
	if e.Timeout > 0 {
		return e.Timeout
	}
	return account.CeremonyTimeout
}

// library returns a go-webauthn instance for one relying party. Expiry is checked by
// the engine against its own clock, so the library's is left off.
func (e *Engine) library(rp account.RelyingParty) (*webauthn.WebAuthn, error) {
	name := rp.Name
	if name == "" {
		name = rp.ID
	}
	w, err := webauthn.New(&webauthn.Config{
		RPID:                  rp.ID,
		RPDisplayName:         name,
		RPOrigins:             rp.Origins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			RequireResidentKey: protocol.ResidentKeyRequired(),
			ResidentKey:        protocol.ResidentKeyRequirementRequired,
			UserVerification:   protocol.VerificationPreferred,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("configure relying party %q: %w", rp.ID, err)
	}
	return w, nil
}

// BeginRegistration checks name (see [account.CheckPasskeyName]) and that none of the
// user's credentials already has it regardless of case, and starts a registration: a
// discoverable credential is required, user verification preferred, attestation none,
// and the user's credentials are excluded.
func (e *Engine) BeginRegistration(rp account.RelyingParty, u *User, name string) (*Begun, error) {
	name, err := account.CheckPasskeyName(name)
	if err != nil {
		return nil, err
	}
	if err := nameFree(u, name); err != nil {
		return nil, err
	}

	w, err := e.library(rp)
	if err != nil {
		return nil, err
	}
	wu := libUser{u}
	creation, session, err := w.BeginRegistration(wu,
		webauthn.WithExclusions(webauthn.Credentials(wu.WebAuthnCredentials()).CredentialDescriptors()),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	creation.Response.Timeout = int(e.timeout().Milliseconds())

	return e.begun(creation.Response, state{Kind: kindRegister, RP: rp, Name: name, Session: *session})
}

// BeginLogin starts a login with any discoverable credential for rp, preferring user
// verification.
func (e *Engine) BeginLogin(rp account.RelyingParty) (*Begun, error) {
	w, err := e.library(rp)
	if err != nil {
		return nil, err
	}
	assertion, session, err := w.BeginDiscoverableLogin(
		webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return nil, fmt.Errorf("begin passkey login: %w", err)
	}
	assertion.Response.Timeout = int(e.timeout().Milliseconds())

	return e.begun(assertion.Response, state{Kind: kindLogin, RP: rp, Session: *session})
}

func (e *Engine) begun(options any, st state) (*Begun, error) {
	st.Expires = e.now().Add(e.timeout()).UTC()
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, fmt.Errorf("encode passkey options: %w", err)
	}
	blob, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encode passkey ceremony: %w", err)
	}
	return &Begun{Options: opts, State: blob, Expires: st.Expires}, nil
}

// FinishRegistration verifies the browser's response (PublicKeyCredential.toJSON() of
// create()) against the state BeginRegistration returned, for the same user with
// their current credentials. Failures are ErrInvalid, an expired ceremony ErrNotFound,
// and a credential the user already has ErrConflict.
func (e *Engine) FinishRegistration(blob []byte, u *User, response []byte) (*Registered, error) {
	st, err := e.open(blob, kindRegister, account.ErrNotFound)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(st.Session.UserID, u.ID) {
		return nil, account.Errorf(account.ErrInvalid, "passkey registration was started for another user: run the command again")
	}
	if err := nameFree(u, st.Name); err != nil {
		return nil, err
	}

	parsed, err := protocol.ParseCredentialCreationResponseBytes(response)
	if err != nil {
		return nil, failure(account.ErrInvalid, "passkey registration failed", err)
	}
	for _, c := range u.Credentials {
		if bytes.Equal(c.ID, parsed.RawID) {
			return nil, account.Errorf(account.ErrConflict, "this authenticator already holds passkey %q: use another authenticator", c.Name)
		}
	}
	w, err := e.library(st.RP)
	if err != nil {
		return nil, err
	}
	cred, err := w.CreateCredential(libUser{u}, st.Session, parsed)
	if err != nil {
		return nil, failure(account.ErrInvalid, "passkey registration failed", err)
	}

	return &Registered{Name: st.Name, Credential: fromLibrary(cred, st.Name)}, nil
}

// FinishLogin verifies the browser's assertion (PublicKeyCredential.toJSON() of get())
// against the state BeginLogin returned. lookup resolves the user handle the
// authenticator sends. A signature counter that did not increase, when the stored one
// is not zero, is refused as a possibly cloned authenticator. Every failure is
// ErrUnauthenticated.
func (e *Engine) FinishLogin(blob []byte, response []byte, lookup UserLookup) (*LoggedIn, error) {
	st, err := e.open(blob, kindLogin, account.ErrUnauthenticated)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(response)
	if err != nil {
		return nil, failure(account.ErrUnauthenticated, "passkey login failed", err)
	}

	var found *User
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		u, err := lookup(userHandle)
		if err != nil {
			return nil, err
		}
		if !hasCredential(u, rawID) {
			return nil, errUnknownCredential
		}
		found = u
		return libUser{u}, nil
	}
	w, err := e.library(st.RP)
	if err != nil {
		return nil, err
	}
	_, cred, err := w.ValidatePasskeyLogin(handler, st.Session, parsed)
	if err != nil {
		return nil, loginFailure(err)
	}

	old := credentialByID(found, cred.ID)
	if cred.Authenticator.CloneWarning {
		return nil, account.Errorf(account.ErrUnauthenticated,
			"passkey %q sent signature counter %d after %d: the authenticator may be cloned, so the login was refused",
			old.Name, parsed.Response.AuthenticatorData.Counter, old.SignCount)
	}
	return &LoggedIn{UserID: found.ID, Credential: fromLibrary(cred, old.Name)}, nil
}

// open decodes a state blob and checks its kind and expiry; an expired ceremony is an
// error of the given kind.
func (e *Engine) open(blob []byte, kind string, expiredKind error) (*state, error) {
	var st state
	if err := json.Unmarshal(blob, &st); err != nil || st.Kind == "" {
		return nil, account.Errorf(account.ErrInvalid, "passkey ceremony state is damaged: run the command again")
	}
	if st.Kind != kind {
		names := map[string]string{kindRegister: "registration", kindLogin: "login"}
		return nil, account.Errorf(account.ErrInvalid, "passkey ceremony is a %s, not a %s: run the command again",
			names[st.Kind], names[kind])
	}
	if !e.now().Before(st.Expires) {
		return nil, account.Errorf(expiredKind, "passkey ceremony expired after %s: run the command again", e.timeout())
	}
	return &st, nil
}

// nameFree refuses a name one of the user's credentials has, regardless of case.
func nameFree(u *User, name string) error {
	for _, c := range u.Credentials {
		if strings.EqualFold(strings.TrimSpace(c.Name), name) {
			return account.Errorf(account.ErrConflict, "a passkey named %q already exists: choose another name", c.Name)
		}
	}
	return nil
}

var errUnknownCredential = errors.New("passkey is not registered, or was deleted")

func hasCredential(u *User, id []byte) bool {
	return credentialByID(u, id) != nil
}

func credentialByID(u *User, id []byte) *Credential {
	if u == nil {
		return nil
	}
	for i := range u.Credentials {
		if bytes.Equal(u.Credentials[i].ID, id) {
			return &u.Credentials[i]
		}
	}
	return nil
}
