package store

import (
	"testing"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/account/accounttest"
)

func benchEnv(b *testing.B, kind account.CredentialKind) (*testEnv, account.Credential) {
	e := newTestEnv(b)
	res, err := e.backend(account.Credential{}).Login(b.Context(), accounttest.DefaultInit.Email,
		accounttest.DefaultInit.Password)
	if err != nil {
		b.Fatal(err)
	}
	if kind == account.CredentialSession {
		return e, res.Credential
	}
	tok, err := e.backend(res.Credential).Token(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	return e, account.Credential{Kind: account.CredentialToken, Secret: tok.Secret}
}

// BenchmarkCheckCredential measures the check every authenticated call starts with,
// on a warm store where the once-a-minute touch does not fire.
func BenchmarkCheckCredential(b *testing.B) {
	for _, kind := range []account.CredentialKind{account.CredentialSession, account.CredentialToken} {
		b.Run(string(kind), func(b *testing.B) {
			e, cred := benchEnv(b, kind)
			be := e.backend(cred).(*backend)
			for b.Loop() {
				if _, err := be.authenticate(b.Context()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCurrentUser measures one whole CurrentUser call through the Backend.
func BenchmarkCurrentUser(b *testing.B) {
	e, cred := benchEnv(b, account.CredentialSession)
	be := e.backend(cred)
	for b.Loop() {
		if _, err := be.CurrentUser(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen measures opening an up-to-date store, the fast path every wk command
// takes, plus closing it.
func BenchmarkOpen(b *testing.B) {
	e := newTestEnv(b)
	for b.Loop() {
		db, err := Open(b.Context(), e.path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkLogin measures a password login, dominated by argon2id.
func BenchmarkLogin(b *testing.B) {
	e := newTestEnv(b)
	be := e.backend(account.Credential{})
	for b.Loop() {
		if _, err := be.Login(b.Context(), accounttest.DefaultInit.Email, accounttest.DefaultInit.Password); err != nil {
			b.Fatal(err)
		}
	}
}
