package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandler measures one request through the middleware and routes, without
// the network: the health check against a token-authenticated GET /api/user.
func BenchmarkHandler(b *testing.B) {
	for _, bc := range []struct{ name, path string }{
		{"healthz", "/healthz"},
		{"user_token", "/api/v14/user"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b, Config{})
			tok := e.token()
			h := e.srv.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				r := httptest.NewRequest("GET", bc.path, nil)
				r.Header.Set("X-Auth-Token", tok)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("GET %s = %d %s", bc.path, w.Code, w.Body)
				}
			}
		})
	}
}
