package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// passwordPair is the {password1, password2} object of the password routes.
type passwordPair struct {
	Password1 string `json:"password1"`
	Password2 string `json:"password2"`
}

// checked returns the new password when both copies match.
func (p passwordPair) checked() (string, error) {
	if p.Password1 != p.Password2 {
		return "", account.Errorf(account.ErrInvalid, msgNoMatch)
	}
	return p.Password1, nil
}

// ended is the {"ended":N} answer of the routes that end sessions.
type ended struct {
	Ended int `json:"ended"`
}

// login checks an email and password and sets the new session's cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}

	res, err := s.backendFor(r, account.Credential{}).Login(r.Context(), in.Email, in.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSession(w, res.Credential.Secret)
	writeJSON(w, http.StatusOK, res.User)
}

// tokenLogin trades the request's API token for a session opened with it.
func (s *Server) tokenLogin(w http.ResponseWriter, r *http.Request) {
	tok := headerToken(r)
	if tok == "" {
		s.writeError(w, r, account.Errorf(account.ErrUnauthenticated,
			"Send the API token in X-Auth-Token."))
		return
	}

	res, err := s.backendFor(r, account.Credential{}).LoginWithToken(r.Context(), tok)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSession(w, res.Credential.Secret)
	writeJSON(w, http.StatusOK, res.User)
}

// logout ends the session of the id cookie, if any, and clears the cookie. A token
// request ends nothing: unlike WEBKNOSSOS, logout never deletes the API token.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil && c.Value != "" {
		cred := account.Credential{Kind: account.CredentialSession, Secret: c.Value}
		err := s.backendFor(r, cred).Logout(r.Context())
		if err != nil && !errors.Is(err, account.ErrUnauthenticated) {
			s.writeError(w, r, err)
			return
		}
		s.clearSession(w)
	}
	writeJSON(w, http.StatusOK, "/")
}

// logoutEverywhere ends every session of the caller, and the token with
// ?revokeToken=true.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	revoke, _ := strconv.ParseBool(r.URL.Query().Get("revokeToken"))
	n, err := s.backend(r).LogoutAll(r.Context(), revoke)
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	if credentialFrom(r).Kind == account.CredentialSession {
		s.clearSession(w)
	}
	writeJSON(w, http.StatusOK, ended{n})
}

// sessions lists the caller's sessions.
func (s *Server) sessions(w http.ResponseWriter, r *http.Request) {
	list, err := s.backend(r).Sessions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []account.Session{}
	}
	writeJSON(w, http.StatusOK, list)
}

// revokeSession ends one of the caller's sessions.
func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	if err := s.backend(r).RevokeSession(r.Context(), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// changePassword replaces the caller's password and ends their other sessions.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		OldPassword string       `json:"oldPassword"`
		Password    passwordPair `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	next, err := in.Password.checked()
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	n, err := s.backend(r).ChangePassword(r.Context(), in.OldPassword, next)
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ended{n})
}

// startResetPassword mails a reset token, answering the same for unknown addresses. It
// answers at once and sends the mail in the background, so the answer takes as long for
// an address without an account as for one with. A malformed address and a server
// without mail are still reported.
func (s *Server) startResetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, err := account.CheckEmail(in.Email); err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.cfg.Notifier == nil {
		s.writeError(w, r, account.Errorf(account.ErrUnsupported,
			"cannot send a reset mail: no mail delivery is set up"))
		return
	}

	b := s.backendFor(r, account.Credential{})
	ctx := context.WithoutCancel(r.Context())
	s.mailing.Add(1)
	go func() {
		defer s.mailing.Done()
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := b.ForgotPassword(ctx, in.Email); err != nil {
			s.log.Warn("reset mail not sent", "error", err)
		}
	}()
	writeEmpty(w)
}

// WaitForMail waits until the reset mails sent in the background for requests already
// answered have gone out. Serve does so before it returns; tests use it to read a mail
// right after asking for it.
func (s *Server) WaitForMail() { s.mailing.Wait() }

// resetPassword sets a new password with a reset token.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string       `json:"token"`
		Password passwordPair `json:"password"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	next, err := in.Password.checked()
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	err = s.backendFor(r, account.Credential{}).ResetPassword(r.Context(), strings.TrimSpace(in.Token), next)
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeEmpty(w)
}
