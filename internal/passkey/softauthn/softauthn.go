// Package softauthn is a software WebAuthn authenticator and client for tests: it
// reads the options JSON a relying party sends and answers with the JSON a browser's
// PublicKeyCredential.toJSON() would post, signing with ECDSA P-256 keys it keeps in
// memory and attesting with format "none".
//
// Its fields let a test play a browser or authenticator that misbehaves: another
// origin, another RP ID, a counter that goes back.
package softauthn

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// AAGUID is the model id this authenticator reports unless told otherwise.
var AAGUID = [16]byte{'w', 'k', '-', 's', 'o', 'f', 't', 'a', 'u', 't', 'h', 'n', '-', 't', 's', 't'}

// ErrExcluded means the options excluded a credential this authenticator holds, the
// case where a browser reports InvalidStateError.
var ErrExcluded = errors.New("authenticator already holds an excluded credential")

// ErrNoCredential means the authenticator holds no credential the options accept.
var ErrNoCredential = errors.New("authenticator holds no matching credential")

// Authenticator is a platform authenticator plus the browser in front of it. The zero
// value is not usable; make one with [New].
type Authenticator struct {
	// Origin is what the "browser" writes into clientDataJSON, like
	// "http://localhost:8080".
	Origin string
	// RPID, when set, is hashed into authenticator data instead of the RP ID the
	// options name, as a phishing page's authenticator data would be.
	RPID string
	// AAGUID is the model id put into new credentials.
	AAGUID [16]byte
	// UserVerified sets the UV flag; New sets it.
	UserVerified bool
	// BackupEligible and BackedUp set the BE and BS flags.
	BackupEligible bool
	BackedUp       bool
	// NoCounter makes the authenticator always send counter 0, as many synced passkey
	// providers do.
	NoCounter bool

	creds []*credential
}

type credential struct {
	id         []byte
	key        *ecdsa.PrivateKey
	rpID       string
	userHandle []byte
	counter    uint32
}

// New returns an authenticator that answers as a browser at origin would, with user
// verification and the package's [AAGUID].
func New(origin string) *Authenticator {
	return &Authenticator{Origin: origin, AAGUID: AAGUID, UserVerified: true}
}

// CredentialIDs returns the ids of the credentials the authenticator holds, oldest
// first.
func (a *Authenticator) CredentialIDs() [][]byte {
	ids := make([][]byte, 0, len(a.creds))
	for _, c := range a.creds {
		ids = append(ids, c.id)
	}
	return ids
}

// SetCounter sets the signature counter of the credential with id, so a test can play
// a cloned authenticator.
func (a *Authenticator) SetCounter(id []byte, n uint32) error {
	for _, c := range a.creds {
		if bytes.Equal(c.id, id) {
			c.counter = n
			return nil
		}
	}
	return ErrNoCredential
}

type creationOptions struct {
	RP struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID b64 `json:"id"`
	} `json:"user"`
	Challenge          b64 `json:"challenge"`
	ExcludeCredentials []struct {
		ID b64 `json:"id"`
	} `json:"excludeCredentials"`
	PubKeyCredParams []struct {
		Alg int `json:"alg"`
	} `json:"pubKeyCredParams"`
}

type requestOptions struct {
	RPID             string `json:"rpId"`
	Challenge        b64    `json:"challenge"`
	AllowCredentials []struct {
		ID b64 `json:"id"`
	} `json:"allowCredentials"`
}

// Register answers creation options (PublicKeyCredentialCreationOptions JSON) with a
// new resident credential, and returns the registration response JSON.
func (a *Authenticator) Register(options []byte) ([]byte, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("read creation options: %w", err)
	}
	if !offersES256(o.PubKeyCredParams) {
		return nil, errors.New("read creation options: ES256 is not offered")
	}
	for _, ex := range o.ExcludeCredentials {
		for _, c := range a.creds {
			if bytes.Equal(c.id, ex.ID) {
				return nil, ErrExcluded
			}
		}
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make credential key: %w", err)
	}
	c := &credential{id: make([]byte, 32), key: key, rpID: o.RP.ID, userHandle: o.User.ID}
	_, _ = rand.Read(c.id)

	coseKey, err := cosePublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	attested := make([]byte, 0, 16+2+len(c.id)+len(coseKey))
	attested = append(attested, a.AAGUID[:]...)
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(c.id)))
	attested = append(attested, c.id...)
	attested = append(attested, coseKey...)
	authData := a.authData(o.RP.ID, flagAttested, c.counter, attested)

	attObj, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": authData})
	if err != nil {
		return nil, fmt.Errorf("encode attestation: %w", err)
	}
	clientData, err := a.clientData("webauthn.create", o.Challenge)
	if err != nil {
		return nil, err
	}
	a.creds = append(a.creds, c)

	return json.Marshal(map[string]any{
		"id":                      b64(c.id),
		"rawId":                   b64(c.id),
		"type":                    "public-key",
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64(clientData),
			"attestationObject": b64(attObj),
			"transports":        []string{"internal"},
		},
	})
}

// Login answers request options (PublicKeyCredentialRequestOptions JSON) with an
// assertion by the newest credential for the RP that the options allow, and returns
// the authentication response JSON.
func (a *Authenticator) Login(options []byte) ([]byte, error) {
	var o requestOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, fmt.Errorf("read request options: %w", err)
	}
	c := a.pick(o)
	if c == nil {
		return nil, ErrNoCredential
	}

	if !a.NoCounter {
		c.counter++
	}
	counter := c.counter
	if a.NoCounter {
		counter = 0
	}
	authData := a.authData(o.RPID, 0, counter, nil)
	clientData, err := a.clientData("webauthn.get", o.Challenge)
	if err != nil {
		return nil, err
	}
	hash := sha256.Sum256(clientData)
	digest := sha256.Sum256(append(append([]byte{}, authData...), hash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, c.key, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign assertion: %w", err)
	}

	return json.Marshal(map[string]any{
		"id":                      b64(c.id),
		"rawId":                   b64(c.id),
		"type":                    "public-key",
		"authenticatorAttachment": "platform",
		"clientExtensionResults":  map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64(clientData),
			"authenticatorData": b64(authData),
			"signature":         b64(sig),
			"userHandle":        b64(c.userHandle),
		},
	})
}

func (a *Authenticator) pick(o requestOptions) *credential {
	for i := len(a.creds) - 1; i >= 0; i-- {
		c := a.creds[i]
		if c.rpID != o.RPID {
			continue
		}
		if len(o.AllowCredentials) == 0 {
			return c
		}
		for _, allowed := range o.AllowCredentials {
			if bytes.Equal(allowed.ID, c.id) {
				return c
			}
		}
	}
	return nil
}

// Authenticator data flags (WebAuthn §6.1).
const (
	flagUserPresent    = 0x01
	flagUserVerified   = 0x04
	flagBackupEligible = 0x08
	flagBackedUp       = 0x10
	flagAttested       = 0x40
)

func (a *Authenticator) authData(rpID string, flags byte, counter uint32, attested []byte) []byte {
	if a.RPID != "" {
		rpID = a.RPID
	}
	flags |= flagUserPresent
	if a.UserVerified {
		flags |= flagUserVerified
	}
	if a.BackupEligible {
		flags |= flagBackupEligible
	}
	if a.BackedUp {
		flags |= flagBackedUp
	}
	rpHash := sha256.Sum256([]byte(rpID))
	out := append(rpHash[:], flags)
	out = binary.BigEndian.AppendUint32(out, counter)
	return append(out, attested...)
}

func (a *Authenticator) clientData(typ string, challenge b64) ([]byte, error) {
	b, err := json.Marshal(map[string]any{
		"type":        typ,
		"challenge":   base64.RawURLEncoding.EncodeToString(challenge),
		"origin":      a.Origin,
		"crossOrigin": false,
	})
	if err != nil {
		return nil, fmt.Errorf("encode client data: %w", err)
	}
	return b, nil
}

// cosePublicKey encodes an EC2 P-256 key for ES256 (RFC 9053): kty 2, alg -7, crv 1.
func cosePublicKey(pub *ecdsa.PublicKey) ([]byte, error) {
	raw, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	x, y := raw[1:33], raw[33:65]
	b, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return b, nil
}

func offersES256(params []struct {
	Alg int `json:"alg"`
}) bool {
	for _, p := range params {
		if p.Alg == -7 {
			return true
		}
	}
	return false
}

// b64 is bytes that JSON shows as unpadded base64url, as WebAuthn's JSON forms do.
type b64 []byte

func (b b64) MarshalJSON() ([]byte, error) {
	return json.Marshal(base64.RawURLEncoding.EncodeToString(b))
}

func (b *b64) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	v, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("decode base64url: %w", err)
	}
	*b = v
	return nil
}
