package server

import (
	"net/http"
)

// token answers the caller's API token: its metadata, and the secret only in the
// answer that made it (the store keeps a hash).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	tok, err := s.backend(r).Token(r.Context())
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tok)
}

// deleteToken revokes the caller's API token and the sessions opened with it. The
// account rules always keep a token in place, so a new one replaces it whose secret is
// not shown; POST /api/auth/token/rotate is the way to get one to use.
//
// TODO(wk): add a revoke-only call to account.Backend so that GET /api/auth/token can
// then make and show a fresh token, as WEBKNOSSOS's "revoke and generate" page expects.
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	_, err := s.backend(r).RotateToken(r.Context())
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"messages": "Token was deleted."})
}

// rotateToken revokes the caller's API token and answers a new one with its secret.
func (s *Server) rotateToken(w http.ResponseWriter, r *http.Request) {
	tok, err := s.backend(r).RotateToken(r.Context())
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tok)
}
