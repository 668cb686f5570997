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

// deleteToken revokes the caller's API token and the sessions opened with it, unlike
// WEBKNOSSOS, which leaves those sessions alone. The next GET /api/auth/token makes and
// shows a new one, as WEBKNOSSOS's "revoke and generate" page expects. Without a token
// the answer is an empty 200, as in WEBKNOSSOS.
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	revoked, err := s.backend(r).RevokeToken(r.Context())
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !revoked {
		writeEmpty(w)
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
