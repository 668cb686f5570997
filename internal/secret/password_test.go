package secret

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestHashVerifyPassword(t *testing.T) {
	phc, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	wantStart := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", current.Memory, current.Time, current.Threads)
	if !strings.HasPrefix(phc, wantStart) {
		t.Errorf("HashPassword = %q, want prefix %q", phc, wantStart)
	}
	if current.Memory < 19456 || current.Time < 2 || current.Threads < 1 {
		t.Errorf("current params %+v are below OWASP's minimum", current)
	}

	tests := []struct {
		pw     string
		wantOK bool
	}{
		{"correct horse battery", true},
		{"correct horse batterY", false},
		{"", false},
	}
	for _, tt := range tests {
		ok, rehash, err := VerifyPassword(tt.pw, phc)
		if err != nil || ok != tt.wantOK || rehash {
			t.Errorf("VerifyPassword(%q) = %v, %v, %v, want %v, false, nil", tt.pw, ok, rehash, err, tt.wantOK)
		}
	}
	if again, _ := HashPassword("correct horse battery"); again == phc {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPasswordNeedsRehash(t *testing.T) {
	ctx := context.Background()
	salt := make([]byte, saltLen)
	tests := []struct {
		name string
		p    params
		want bool
	}{
		{"current", current, false},
		{"less_memory", params{Memory: 4096, Time: 2, Threads: 1}, true},
		{"fewer_passes", params{Memory: current.Memory, Time: 1, Threads: 1}, true},
		{"more_than_current", params{Memory: current.Memory * 2, Time: 3, Threads: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			phc, err := hashWith(ctx, "pw-for-rehash", salt, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := VerifyPassword("pw-for-rehash", phc)
			if err != nil || !ok || rehash != tt.want {
				t.Errorf("VerifyPassword(%s) = %v, %v, %v, want true, %v, nil", phc, ok, rehash, err, tt.want)
			}
		})
	}
}

func TestVerifyPasswordBadHash(t *testing.T) {
	good, _ := HashPassword("whatever123")
	parts := strings.Split(good, "$")
	tests := []struct{ name, phc string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuJ6nXo0Q0b7yqWcS4bKvZCqgJ1xJ9y5W"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"old_version", strings.Replace(good, "v=19", "v=16", 1)},
		{"huge_memory", strings.Join([]string{"", parts[1], parts[2], "m=99999999,t=2,p=1", parts[4], parts[5]}, "$")},
		{"bad_salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$")},
		{"short_key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
		{"extra_field", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, _, err := VerifyPassword("whatever123", tt.phc)
			if ok || !errors.Is(err, ErrBadHash) {
				t.Errorf("VerifyPassword(%q) = %v, %v, want false, ErrBadHash", tt.phc, ok, err)
			}
		})
	}
}

func TestHashPasswordHonoursContext(t *testing.T) {
	// Fill every slot so the call has to wait, then cancel it.
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	defer func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := HashPasswordContext(ctx, "some password"); !errors.Is(err, context.Canceled) {
		t.Errorf("HashPasswordContext(cancelled, all slots busy) = %v, want context.Canceled", err)
	}
}

func TestHashPasswordConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			pw := fmt.Sprintf("password-%d", i)
			phc, err := HashPassword(pw)
			if err == nil {
				var ok bool
				if ok, _, err = VerifyPassword(pw, phc); err == nil && !ok {
					err = fmt.Errorf("hash of %q does not verify", pw)
				}
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func BenchmarkVerifyPassword(b *testing.B) {
	phc, err := HashPassword("benchmark password")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if ok, _, err := VerifyPassword("benchmark password", phc); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
