package store

import (
	"encoding/base64"
	"testing"

	"golang.org/x/crypto/argon2"
)

// weakKey is the argon2id key of pw for the salt "saltsaltsaltsalt" at 4 MiB, 1 pass.
func weakKey(t *testing.T, pw string) string {
	t.Helper()
	key := argon2.IDKey([]byte(pw), []byte("saltsaltsaltsalt"), 1, 4096, 1, 32)
	return base64.RawStdEncoding.EncodeToString(key)
}
