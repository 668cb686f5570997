package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// sweepEvery is how often the limiter forgets addresses whose bucket is full again.
const sweepEvery = time.Minute

// limiter is a token bucket per client address: burst tokens, one more every refill.
type limiter struct {
	burst  float64
	refill time.Duration
	now    func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(burst int, refill time.Duration, now func() time.Time) *limiter {
	return &limiter{burst: float64(burst), refill: refill, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or reports how long until one is free.
func (l *limiter) allow(key string) (ok bool, wait time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > sweepEvery {
		l.sweep(now)
	}

	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = l.level(b, now)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	missing := 1 - b.tokens
	return false, time.Duration(math.Ceil(missing * float64(l.refill)))
}

// level is the bucket's tokens at now.
func (l *limiter) level(b *bucket, now time.Time) float64 {
	gained := float64(now.Sub(b.last)) / float64(l.refill)
	return min(l.burst, b.tokens+max(0, gained))
}

// sweep drops full buckets so the map holds only addresses seen recently.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.lastSweep = now
}

// clientKey is the rate-limit key of a request: its IPv4 address, or the /64 network of
// an IPv6 address, since one host usually owns a whole /64.
//
// TODO(wk): behind a reverse proxy every client shares the proxy's address; add a
// trusted-proxy setting that reads X-Forwarded-For.
func clientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// limited wraps a handler that checks a secret (a password, a reset token) so that one
// address cannot try many: beyond the bucket it answers 429 with Retry-After.
func (s *Server) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limiter.allow(clientKey(r)); !ok {
			setRetryAfter(w, wait)
			writeMessage(w, http.StatusTooManyRequests, msgTooManyTries+" Try again later.")
			return
		}
		next(w, r)
	}
}
