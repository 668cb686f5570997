package secret

import (
	"errors"
	"strings"
	"testing"
)

func TestNewCheck(t *testing.T) {
	for _, kind := range []Kind{KindToken, KindSession, KindOneTime} {
		t.Run(strings.TrimSuffix(string(kind), "_"), func(t *testing.T) {
			s := New(kind)
			if len(s) != Len || !strings.HasPrefix(s, string(kind)) {
				t.Fatalf("New(%q) = %q, want %d characters starting with the kind", kind, s, Len)
			}
			got, err := Check(s)
			if err != nil || got != kind {
				t.Errorf("Check(%q) = %q, %v, want %q, nil", s, got, err, kind)
			}
			if again := New(kind); again == s {
				t.Errorf("New(%q) returned %q twice", kind, s)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	good := New(KindToken)
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"short", good[:Len-1], ErrMalformed},
		{"long", good + "x", ErrMalformed},
		{"unknown_prefix", "wkx_" + good[4:], ErrMalformed},
		{"not_base62", good[:10] + "-" + good[11:], ErrMalformed},
		{"body_typo", flip(good, 10), ErrMistyped},
		{"checksum_typo", flip(good, Len-1), ErrMistyped},
		{"kind_swapped", "wks_" + good[4:], ErrMistyped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(tt.in)
			if !errors.Is(err, tt.want) {
				t.Errorf("Check(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestNewUnknownKindPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(\"zz_\") did not panic")
		}
	}()
	New("zz_")
}

func TestRandomBase62Spread(t *testing.T) {
	// 62 symbols over 62,000 draws: each should appear about 1000 times. A bias
	// from a plain modulo of 256 would push the first eight well above the rest.
	counts := map[rune]int{}
	for range 2000 {
		for _, r := range randomBase62(31) {
			counts[r]++
		}
	}
	if len(counts) != 62 {
		t.Fatalf("randomBase62 used %d distinct characters, want 62", len(counts))
	}
	for r, n := range counts {
		if n < 800 || n > 1200 {
			t.Errorf("character %q drawn %d times in 62000, want about 1000", r, n)
		}
	}
}

func TestHash(t *testing.T) {
	a, b := New(KindSession), New(KindSession)
	if got := Hash(a); len(got) != 32 || string(got) != string(Hash(a)) {
		t.Errorf("Hash(%q) = %x, want 32 stable bytes", a, got)
	}
	if string(Hash(a)) == string(Hash(b)) {
		t.Errorf("Hash gave the same value for %q and %q", a, b)
	}
}

func TestVisible(t *testing.T) {
	s := New(KindToken)
	tests := []struct{ in, want string }{
		{s, s[:10]},
		{"wkt_ab", "wkt_ab"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(KindToken)
	}
}

func BenchmarkCheck(b *testing.B) {
	s := New(KindToken)
	for b.Loop() {
		if _, err := Check(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	s := New(KindToken)
	for b.Loop() {
		Hash(s)
	}
}
