// Package secret mints, checks and hashes the secrets wk hands out (API tokens, session
// secrets, one-time reset and invitation tokens) and hashes passwords with argon2id.
//
// A secret reads like wkt_ followed by 30 base62 characters of randomness (about 178 bits)
// and 6 base62 characters of a CRC-32 of everything before them. The prefix lets secret
// scanners and people recognise it; the checksum lets wk tell a mistyped secret from one
// that was revoked. Stores keep only [Hash] of a secret.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash/crc32"
	"strings"
)

// Kind says what a secret is for; its value is the secret's prefix.
type Kind string

// The kinds of secret wk mints.
const (
	// KindToken is a personal API token.
	KindToken Kind = "wkt_"
	// KindSession is a session secret, kept in the credentials file or a cookie.
	KindSession Kind = "wks_"
	// KindOneTime is a single-use token for a password reset or an invitation.
	KindOneTime Kind = "wkr_"
)

// Sizes of the parts of a secret.
const (
	prefixLen   = 4
	bodyLen     = 30
	checksumLen = 6
	// Len is the length of every secret this package mints.
	Len = prefixLen + bodyLen + checksumLen
	// visibleBody is how much of the body Visible shows.
	visibleBody = 6
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// ErrMalformed means the string is not a wk secret at all: an unknown prefix, a wrong
// length or a character outside base62.
var ErrMalformed = errors.New("not a wk secret")

// ErrMistyped means the string has the shape of a wk secret but its checksum does not
// match, so it was mistyped or cut short while copying.
var ErrMistyped = errors.New("secret checksum does not match")

// New mints a secret of the given kind. It panics if kind is unknown or the system's
// random source fails, both of which are programming or platform errors.
func New(kind Kind) string {
	if !known(kind) {
		panic("secret: unknown kind " + string(kind))
	}
	var b strings.Builder
	b.Grow(Len)
	b.WriteString(string(kind))
	b.WriteString(randomBase62(bodyLen))
	b.WriteString(checksum(b.String()))
	return b.String()
}

// Check reports the kind of s, or an error wrapping [ErrMalformed] or [ErrMistyped].
// It does not say whether any store knows s.
func Check(s string) (Kind, error) {
	if len(s) != Len {
		return "", ErrMalformed
	}
	kind := Kind(s[:prefixLen])
	if !known(kind) {
		return "", ErrMalformed
	}
	for i := prefixLen; i < Len; i++ {
		if strings.IndexByte(base62, s[i]) < 0 {
			return "", ErrMalformed
		}
	}
	if checksum(s[:Len-checksumLen]) != s[Len-checksumLen:] {
		return "", ErrMistyped
	}
	return kind, nil
}

// Hash returns the SHA-256 of s, the only form of a secret a store keeps.
func Hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Visible returns the start of s that is safe to show, like wkt_AbCd12: enough to
// recognise a secret, far too little to use it.
func Visible(s string) string {
	if n := prefixLen + visibleBody; len(s) > n {
		return s[:n]
	}
	return s
}

func known(k Kind) bool {
	return k == KindToken || k == KindSession || k == KindOneTime
}

// randomBase62 returns n characters drawn uniformly from base62. Bytes of 248 and above
// are dropped so that the modulo does not favour the first characters.
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4)
	for len(out) < n {
		rand.Read(buf)
		for _, c := range buf {
			if c < 248 && len(out) < n {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// checksum encodes the CRC-32 (IEEE) of s as exactly checksumLen base62 digits.
func checksum(s string) string {
	v := crc32.ChecksumIEEE([]byte(s))
	var out [checksumLen]byte
	for i := checksumLen - 1; i >= 0; i-- {
		out[i] = base62[v%62]
		v /= 62
	}
	return string(out[:])
}
