package mail

import (
	"context"
	"testing"

	"github.com/wk-tools/wk/internal/mail/mailtest"
)

func BenchmarkNotifySMTP(b *testing.B) {
	sink := mailtest.Start(b)
	m := New(Config{Host: sink.Host(), Port: sink.Port(), TLS: TLSNone})
	ctx := context.Background()

	for b.Loop() {
		if err := m.Notify(ctx, resetNotice()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNotifyOutbox(b *testing.B) {
	m := New(Config{OutboxDir: b.TempDir()})
	ctx := context.Background()

	for b.Loop() {
		if err := m.Notify(ctx, resetNotice()); err != nil {
			b.Fatal(err)
		}
	}
}
