package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/store"
)

// cookieName is the session cookie WEBKNOSSOS uses.
const cookieName = "id"

// credentialFrom returns the credential a request carries. A header (X-Auth-Token, then
// Authorization: Bearer) wins over the id cookie: a cross-site page can send the cookie
// but never these headers, so a request that authenticates with a header cannot be a
// forged one (see csrf in middleware.go).
func credentialFrom(r *http.Request) account.Credential {
	if tok := headerToken(r); tok != "" {
		return account.Credential{Kind: account.CredentialToken, Secret: tok}
	}
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		return account.Credential{Kind: account.CredentialSession, Secret: c.Value}
	}
	return account.Credential{}
}

// headerToken reads X-Auth-Token or a Bearer Authorization header (any case of
// "Bearer"), or returns "".
func headerToken(r *http.Request) string {
	if tok := strings.TrimSpace(r.Header.Get("X-Auth-Token")); tok != "" {
		return tok
	}
	auth := r.Header.Get("Authorization")
	if len(auth) > len("Bearer ") && strings.EqualFold(auth[:len("Bearer ")], "Bearer ") {
		return strings.TrimSpace(auth[len("Bearer "):])
	}
	return ""
}

// backend returns an account backend for the request's caller. The store checks the
// credential on every call; the backend is closed when the request ends.
func (s *Server) backend(r *http.Request) account.Backend {
	return s.backendFor(r, credentialFrom(r))
}

// backendFor returns a backend for an explicit credential, such as none.
func (s *Server) backendFor(r *http.Request, cred account.Credential) account.Backend {
	b := s.db.Backend(store.BackendOptions{
		Credential: cred,
		UserAgent:  r.UserAgent(),
		Notifier:   s.cfg.Notifier,
		Now:        s.cfg.Now,
	})
	context.AfterFunc(r.Context(), func() { b.Close() })
	return b
}

// setSession sets the id cookie to a new session secret: HttpOnly, SameSite=Lax, and
// Secure when the public URL is https.
func (s *Server) setSession(w http.ResponseWriter, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    secret,
		Path:     "/",
		MaxAge:   int(s.cfg.CookieMaxAge / time.Second),
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// clearSession tells the browser to drop the id cookie.
func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
}
