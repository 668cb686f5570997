// Package passkeytest keeps passkeys for one user in memory, implementing
// [account.PasskeyBackend] over the [passkey.Engine] the way a store does: ceremonies
// are kept by id until they expire and can be finished once, names are unique
// regardless of case, and logins update the signature counter.
//
// It backs the engine's tests and the browser demo; it is not a store.
package passkeytest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/passkey"
)

// Backend is an in-memory [account.PasskeyBackend] for one user.
type Backend struct {
	engine passkey.Engine
	user   account.User
	now    func() time.Time

	mu         sync.Mutex
	ceremonies map[string]ceremony
	keys       []key
	logins     int
}

type ceremony struct {
	state   []byte
	expires time.Time
}

type key struct {
	pk   account.Passkey
	cred passkey.Credential
}

var _ account.PasskeyBackend = (*Backend)(nil)

// New returns a backend for user; now is its clock, nil meaning time.Now.
func New(user account.User, now func() time.Time) *Backend {
	if now == nil {
		now = time.Now
	}
	return &Backend{
		engine:     passkey.Engine{Now: now},
		user:       user,
		now:        now,
		ceremonies: make(map[string]ceremony),
	}
}

// Logins reports how many passkey logins succeeded.
func (b *Backend) Logins() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.logins
}

// Credential returns the stored credential of the passkey with id, as a store would
// keep it.
func (b *Backend) Credential(id string) (passkey.Credential, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, k := range b.keys {
		if k.pk.ID == id {
			return k.cred, true
		}
	}
	return passkey.Credential{}, false
}

func (b *Backend) engineUser() *passkey.User {
	u := &passkey.User{ID: []byte(b.user.ID), Email: b.user.Email, DisplayName: b.user.FullName()}
	for _, k := range b.keys {
		u.Credentials = append(u.Credentials, k.cred)
	}
	return u
}

func (b *Backend) keep(begun *passkey.Begun) *account.Ceremony {
	id := newID()
	b.ceremonies[id] = ceremony{state: begun.State, expires: begun.Expires}
	return &account.Ceremony{ID: id, Options: begun.Options, Expires: account.At(begun.Expires)}
}

// take removes and returns a ceremony, so it can be finished only once.
func (b *Backend) take(id string) ([]byte, bool) {
	c, ok := b.ceremonies[id]
	delete(b.ceremonies, id)
	if !ok || !b.now().Before(c.expires) {
		return nil, false
	}
	return c.state, true
}

// BeginPasskeyRegistration implements [account.PasskeyBackend].
func (b *Backend) BeginPasskeyRegistration(_ context.Context, name string, rp account.RelyingParty) (*account.Ceremony, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	begun, err := b.engine.BeginRegistration(rp, b.engineUser(), name)
	if err != nil {
		return nil, err
	}
	return b.keep(begun), nil
}

// FinishPasskeyRegistration implements [account.PasskeyBackend].
func (b *Backend) FinishPasskeyRegistration(_ context.Context, ceremonyID string, response []byte) (*account.Passkey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	state, ok := b.take(ceremonyID)
	if !ok {
		return nil, account.Errorf(account.ErrNotFound, "passkey registration is unknown, used or expired: run the command again")
	}
	reg, err := b.engine.FinishRegistration(state, b.engineUser(), response)
	if err != nil {
		return nil, err
	}

	pk := account.Passkey{
		ID:             newID(),
		Name:           reg.Name,
		Created:        account.At(b.now()),
		Authenticator:  reg.Credential.Authenticator(),
		AAGUID:         passkey.FormatAAGUID(reg.Credential.AAGUID),
		BackupEligible: reg.Credential.BackupEligible,
		BackedUp:       reg.Credential.BackedUp,
	}
	b.keys = append(b.keys, key{pk: pk, cred: reg.Credential})
	return &pk, nil
}

// Passkeys implements [account.PasskeyBackend].
func (b *Backend) Passkeys(context.Context) ([]account.Passkey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]account.Passkey, 0, len(b.keys))
	for _, k := range b.keys {
		out = append(out, k.pk)
	}
	return out, nil
}

func (b *Backend) find(idOrName string) (int, error) {
	want := strings.TrimSpace(idOrName)
	for i, k := range b.keys {
		if k.pk.ID == want || strings.EqualFold(k.pk.Name, want) {
			return i, nil
		}
	}
	return -1, account.Errorf(account.ErrNotFound, "no passkey has the id or name %q: see wk passkey list", idOrName)
}

// RenamePasskey implements [account.PasskeyBackend].
func (b *Backend) RenamePasskey(_ context.Context, idOrName, newName string) (*account.Passkey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, err := b.find(idOrName)
	if err != nil {
		return nil, err
	}
	name, err := account.CheckPasskeyName(newName)
	if err != nil {
		return nil, err
	}
	for j, k := range b.keys {
		if j != i && strings.EqualFold(k.pk.Name, name) {
			return nil, account.Errorf(account.ErrConflict, "a passkey named %q already exists: choose another name", k.pk.Name)
		}
	}
	b.keys[i].pk.Name = name
	b.keys[i].cred.Name = name
	pk := b.keys[i].pk
	return &pk, nil
}

// DeletePasskey implements [account.PasskeyBackend].
func (b *Backend) DeletePasskey(_ context.Context, idOrName string) (*account.Passkey, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	i, err := b.find(idOrName)
	if err != nil {
		return nil, err
	}
	pk := b.keys[i].pk
	b.keys = append(b.keys[:i], b.keys[i+1:]...)
	return &pk, nil
}

// BeginPasskeyLogin implements [account.PasskeyBackend].
func (b *Backend) BeginPasskeyLogin(_ context.Context, rp account.RelyingParty) (*account.Ceremony, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	begun, err := b.engine.BeginLogin(rp)
	if err != nil {
		return nil, err
	}
	return b.keep(begun), nil
}

// FinishPasskeyLogin implements [account.PasskeyBackend]. The session it opens is a
// random secret that nothing checks.
func (b *Backend) FinishPasskeyLogin(_ context.Context, ceremonyID string, response []byte) (*account.LoginResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	state, ok := b.take(ceremonyID)
	if !ok {
		return nil, account.Errorf(account.ErrUnauthenticated, "passkey login is unknown, used or expired: run the command again")
	}
	lookup := func(handle []byte) (*passkey.User, error) {
		if !bytes.Equal(handle, []byte(b.user.ID)) {
			return nil, account.Errorf(account.ErrNotFound, "no user has this passkey")
		}
		return b.engineUser(), nil
	}
	in, err := b.engine.FinishLogin(state, response, lookup)
	if err != nil {
		return nil, err
	}

	for i := range b.keys {
		if bytes.Equal(b.keys[i].cred.ID, in.Credential.ID) {
			b.keys[i].cred = in.Credential
			b.keys[i].pk.LastUsed = account.At(b.now())
			b.keys[i].pk.BackedUp = in.Credential.BackedUp
		}
	}
	b.logins++
	u := b.user
	return &account.LoginResult{
		Credential: account.Credential{Kind: account.CredentialSession, Secret: newID() + newID()},
		User:       &u,
	}, nil
}

func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
