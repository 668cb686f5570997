package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestOrganizationIsPublic checks GET /api/organizations/{id} as WEBKNOSSOS's
// UserAwareAction answers it: the public fields for anyone, the owner's email only
// for members, 404 for an organization that does not exist.
func TestOrganizationIsPublic(t *testing.T) {
	e := newEnv(t, Config{})
	cookie := e.login()
	member := keys(t, e.do("GET", "/api/organizations/connectomics_lab", "", withCookie(cookie)))
	if member["ownerEmail"] != e.init.Email {
		t.Errorf("member's organization ownerEmail = %v, want %s", member["ownerEmail"], e.init.Email)
	}

	tests := []struct {
		name string
		opts []opt
	}{
		{"no_credential", nil},
		{"ended_session", []opt{withCookie("wks_not-a-live-session")}},
		{"bad_token", []opt{withToken("wkt_not-a-live-token")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do("GET", "/api/organizations/connectomics_lab", "", tt.opts...)
			if a.Status != http.StatusOK {
				t.Fatalf("GET organization = %d %s, want 200", a.Status, a.Body)
			}
			got := keys(t, a)
			if _, ok := got["ownerEmail"]; ok {
				t.Errorf("public organization shows ownerEmail: %s", a.Body)
			}
			want := map[string]any{}
			for k, v := range member {
				if k != "ownerEmail" {
					want[k] = v
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("public organization differs from the member's (-want +got):\n%s", diff)
			}
		})
	}

	a := e.do("GET", "/api/organizations/no_such_lab", "")
	if a.Status != http.StatusNotFound || a.errorText(t) == "" {
		t.Errorf("GET unknown organization = %d %s, want 404 with a message", a.Status, a.Body)
	}
}

// TestMethodNotAllowed checks that a known /api/ path asked with a method it lacks
// answers 405 with Allow and the JSON error body, and an unknown path still 404.
func TestMethodNotAllowed(t *testing.T) {
	e := newEnv(t, Config{})
	tests := []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"delete_user", "DELETE", "/api/user", 405, "GET, HEAD"},
		{"versioned", "POST", "/api/v14/user", 405, "GET, HEAD"},
		{"get_login", "GET", "/api/auth/login", 405, "POST"},
		{"put_token", "PUT", "/api/auth/token", 405, "GET, HEAD, DELETE"},
		{"unknown_path", "GET", "/api/no/such/route", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := e.do(tt.method, tt.path, "")
			if a.Status != tt.status {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, a.Status, a.Body, tt.status)
			}
			if got := a.Header.Get("Allow"); got != tt.allow {
				t.Errorf("%s %s Allow = %q, want %q", tt.method, tt.path, got, tt.allow)
			}
			if a.errorText(t) == "" {
				t.Errorf("%s %s has an empty error message", tt.method, tt.path)
			}
		})
	}
}

// TestTrustedProxies checks which address the rate limiter and log see.
func TestTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("2001:db8:ffff::/48")}
	tests := []struct {
		name, remote string
		xff          []string
		proxies      []netip.Prefix
		want         string
	}{
		{"no_proxies_ignores_header", "10.0.0.1:4000", []string{"198.51.100.9"}, nil, "10.0.0.1"},
		{"untrusted_sender_ignored", "192.0.2.1:4000", []string{"198.51.100.9"}, proxies, "192.0.2.1"},
		{"trusted_proxy", "10.0.0.1:4000", []string{"198.51.100.9"}, proxies, "198.51.100.9"},
		{"chain_of_proxies", "10.0.0.1:4000", []string{"203.0.113.5, 198.51.100.9, 10.2.3.4"},
			proxies, "198.51.100.9"},
		{"header_lines_joined", "10.0.0.1:4000", []string{"203.0.113.5", "198.51.100.9:555"},
			proxies, "198.51.100.9"},
		{"spoofed_left_hops_unread", "10.0.0.1:4000", []string{"10.9.9.9, 198.51.100.9"},
			proxies, "198.51.100.9"},
		{"garbage_hop_counts_as_proxy", "10.0.0.1:4000", []string{"203.0.113.5, nonsense"},
			proxies, "10.0.0.1"},
		{"ipv6_client", "[2001:db8:ffff::1]:443", []string{"2001:db8:1:2::77"}, proxies,
			"2001:db8:1:2::/64"},
		{"no_header", "10.0.0.1:4000", nil, proxies, "10.0.0.1"},
		{"all_hops_trusted", "10.0.0.1:4000", []string{"10.1.1.1, 10.2.2.2"}, proxies, "10.1.1.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(nil, Config{TrustedProxies: tt.proxies})
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := s.client(r); got != tt.want {
				t.Errorf("client(%s, X-Forwarded-For %q) = %q, want %q", tt.remote, tt.xff, got, tt.want)
			}
		})
	}
}

// TestTrustedProxyRateLimit runs the limiter end to end: behind a trusted proxy two
// clients have a bucket each; without the setting they share the proxy's.
func TestTrustedProxyRateLimit(t *testing.T) {
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	for _, tt := range []struct {
		name        string
		proxies     []netip.Prefix
		secondAfter int
	}{
		{"trusted", loopback, http.StatusUnauthorized},
		{"not_trusted", nil, http.StatusTooManyRequests},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{AuthBurst: 1, TrustedProxies: tt.proxies})
			body := `{"email":"nobody@example.com","password":"wrong-password"}`
			a := e.do("POST", "/api/auth/login", body, withHeader("X-Forwarded-For", "198.51.100.1"))
			if a.Status != http.StatusUnauthorized {
				t.Fatalf("first client's login = %d %s, want 401", a.Status, a.Body)
			}
			a = e.do("POST", "/api/auth/login", body, withHeader("X-Forwarded-For", "198.51.100.2"))
			if a.Status != tt.secondAfter {
				t.Errorf("second client's login = %d %s, want %d", a.Status, a.Body, tt.secondAfter)
			}
		})
	}
}
