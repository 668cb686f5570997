package secret

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// params are argon2id cost parameters.
type params struct {
	// Memory is in KiB.
	Memory  uint32
	Time    uint32
	Threads uint8
}

// current are the parameters new hashes use: OWASP's minimum for argon2id as of
// 2025-01-01 (19 MiB, 2 passes, 1 lane). A stored hash below them needs a rehash.
var current = params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrBadHash means a stored password hash is not an argon2id PHC string this package
// can read.
var ErrBadHash = errors.New("not an argon2id password hash")

// hashSlots bounds how many hashes run at once, each holding current.Memory, so a burst
// of logins cannot exhaust memory. One slot per processor keeps every core busy.
var hashSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// HashPassword hashes pw with the current parameters and returns a PHC string like
// $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func HashPassword(pw string) (string, error) {
	return HashPasswordContext(context.Background(), pw)
}

// HashPasswordContext is [HashPassword] that gives up with ctx's error while waiting
// for a hashing slot.
func HashPasswordContext(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, saltLen)
	rand.Read(salt)
	return hashWith(ctx, pw, salt, current)
}

// VerifyPassword reports whether pw matches the PHC string phc, and whether phc was made
// with parameters below the current ones so the caller should store a fresh hash.
func VerifyPassword(pw, phc string) (ok, needsRehash bool, err error) {
	return VerifyPasswordContext(context.Background(), pw, phc)
}

// VerifyPasswordContext is [VerifyPassword] that gives up with ctx's error while waiting
// for a hashing slot.
func VerifyPasswordContext(ctx context.Context, pw, phc string) (ok, needsRehash bool, err error) {
	p, salt, want, err := parsePHC(phc)
	if err != nil {
		return false, false, err
	}
	got, err := derive(ctx, pw, salt, p, uint32(len(want)))
	if err != nil {
		return false, false, err
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	needsRehash = p.Memory < current.Memory || p.Time < current.Time ||
		p.Threads < current.Threads || len(want) < keyLen || len(salt) < saltLen
	return ok, needsRehash, nil
}

func hashWith(ctx context.Context, pw string, salt []byte, p params) (string, error) {
	key, err := derive(ctx, pw, salt, p, keyLen)
	if err != nil {
		return "", err
	}
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// derive runs argon2id once a slot is free.
func derive(ctx context.Context, pw string, salt []byte, p params, n uint32) ([]byte, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for password hashing: %w", ctx.Err())
	}
	defer func() { <-hashSlots }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, n), nil
}

// parsePHC reads $argon2id$v=19$m=M,t=T,p=P$SALT$HASH. Limits on the numbers keep a
// tampered hash from asking for gigabytes or hours.
func parsePHC(phc string) (p params, salt, key []byte, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrBadHash
	}
	n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads)
	if err != nil || n != 3 || p.Memory < 8 || p.Memory > 1<<21 || p.Time < 1 ||
		p.Time > 64 || p.Threads < 1 {
		return p, nil, nil, ErrBadHash
	}
	if fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) != parts[3] {
		return p, nil, nil, ErrBadHash
	}
	enc := base64.RawStdEncoding
	salt, err = enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, ErrBadHash
	}
	key, err = enc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrBadHash
	}
	return p, salt, key, nil
}
