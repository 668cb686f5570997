package server

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strings"
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

// clientKey is the rate-limit key of a request's connection: its IPv4 address, or the
// /64 network of an IPv6 address, since one host usually owns a whole /64.
func clientKey(r *http.Request) string {
	addr, host, ok := remoteAddr(r)
	if !ok {
		return host
	}
	return keyOf(addr)
}

// remoteAddr parses the connection's address; host is its text without the port.
func remoteAddr(r *http.Request) (addr netip.Addr, host string, ok bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err = netip.ParseAddr(host)
	return addr.Unmap(), host, err == nil
}

func keyOf(addr netip.Addr) string {
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// client is the rate-limit and log key of the client behind a request. Without
// Config.TrustedProxies it is clientKey. A request from a trusted proxy is put on the
// client its X-Forwarded-For names: the nearest hop, read from the right, that is not
// itself a trusted proxy. Hops further left could be made up by that client, so they
// are never read; an unparsable hop counts as the proxy that added it.
func (s *Server) client(r *http.Request) string {
	addr, _, ok := remoteAddr(r)
	if !ok || !s.trusted(addr) {
		return clientKey(r)
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := parseHop(hops[i])
		if err != nil {
			break
		}
		addr = hop
		if !s.trusted(hop) {
			break
		}
	}
	return keyOf(addr)
}

// trusted reports whether addr is one of Config.TrustedProxies.
func (s *Server) trusted(addr netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, maybe with a port.
func parseHop(hop string) (netip.Addr, error) {
	hop = strings.TrimSpace(hop)
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr().Unmap(), nil
	}
	addr, err := netip.ParseAddr(hop)
	return addr.Unmap(), err
}

// limited wraps a handler that checks a secret (a password, a reset token) so that one
// address cannot try many: beyond the bucket it answers 429 with Retry-After.
func (s *Server) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limiter.allow(s.client(r)); !ok {
			setRetryAfter(w, wait)
			writeMessage(w, http.StatusTooManyRequests, msgTooManyTries+" Try again later.")
			return
		}
		next(w, r)
	}
}
