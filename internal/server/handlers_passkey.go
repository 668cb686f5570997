package server

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/store"
)

// The cookies that carry a WebAuthn ceremony's id between start and finalize, as
// WEBKNOSSOS names them.
const (
	registrationCookie = "webauthn-registration"
	loginCookie        = "webauthn-session"
)

// pollHeader carries the poll secret of a passkey link; a header keeps it out of URLs
// and request logs.
const pollHeader = "X-Wk-Passkey-Poll"

// Texts of the passkey routes, WEBKNOSSOS's where it has one.
const (
	msgPasskeysOff      = "Passkeys are only supported with HTTPS."
	msgPasskeyFailed    = "Passkey authentication failed."
	msgRegisterTimeout  = "Timeout during registration. Please try again."
	msgLoginTimeout     = "Timeout during authentication. Please try again."
	msgKeyRegistered    = "Key registered successfully"
	msgPasskeyKeyNeeded = "Send the passkey as key: the JSON of PublicKeyCredential.toJSON()."
)

// relyingParty completes the configured relying party from the public URL: ID its
// host, Name "wk", Origins its origin. Passkeys are on when every origin is a secure
// context for browsers: https, or http on localhost.
func relyingParty(cfg Config) (account.RelyingParty, bool) {
	rp := cfg.Passkey
	u, err := url.Parse(cfg.PublicURL)
	fromURL := err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http")
	if rp.ID == "" && fromURL {
		rp.ID = u.Hostname()
	}
	if rp.Name == "" {
		rp.Name = "wk"
	}
	if len(rp.Origins) == 0 && fromURL {
		rp.Origins = []string{u.Scheme + "://" + u.Host}
	}

	on := rp.ID != "" && len(rp.Origins) > 0
	for _, o := range rp.Origins {
		ou, err := url.Parse(o)
		secure := err == nil && (ou.Scheme == "https" || (ou.Scheme == "http" && ou.Hostname() == "localhost"))
		on = on && secure
	}
	return rp, on
}

// passkeyRoutes adds the WEBKNOSSOS WebAuthn routes, the key rename extension, the
// passkey link extension and the two pages.
func (s *Server) passkeyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/passkeys/register", s.passkeyPage)
	mux.HandleFunc("GET /auth/passkeys/login", s.passkeyPage)

	mux.HandleFunc("POST /api/auth/webauthn/register/start", s.needPasskeys(s.registerStart))
	mux.HandleFunc("POST /api/auth/webauthn/register/finalize", s.needPasskeys(s.registerFinalize))
	mux.HandleFunc("POST /api/auth/webauthn/auth/start", s.needPasskeys(s.limited(s.passkeyLoginStart)))
	mux.HandleFunc("POST /api/auth/webauthn/auth/finalize", s.needPasskeys(s.limited(s.passkeyLoginFinalize)))
	mux.HandleFunc("GET /api/auth/webauthn/keys", s.passkeyList)
	mux.HandleFunc("DELETE /api/auth/webauthn/keys/{id}", s.passkeyDelete)
	mux.HandleFunc("PATCH /api/auth/webauthn/keys/{id}", s.passkeyRename)

	mux.HandleFunc("POST /api/auth/passkeyLinks", s.needPasskeys(s.linkStart))
	mux.HandleFunc("POST /api/auth/passkeyLinks/begin", s.needPasskeys(s.limited(s.linkBegin)))
	mux.HandleFunc("POST /api/auth/passkeyLinks/finish", s.needPasskeys(s.limited(s.linkFinish)))
	mux.HandleFunc("GET /api/auth/passkeyLinks/status", s.linkStatus)
}

// needPasskeys answers 400 as WEBKNOSSOS does when passkeys are off.
func (s *Server) needPasskeys(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.passkeysOn {
			s.writeError(w, r, account.Errorf(account.ErrInvalid, msgPasskeysOff))
			return
		}
		next(w, r)
	}
}

// links returns the store's passkey link side for the request's caller.
func (s *Server) links(r *http.Request, cred account.Credential) store.PasskeyLinks {
	return s.db.PasskeyLinks(store.BackendOptions{
		Credential: cred,
		UserAgent:  r.UserAgent(),
		Notifier:   s.cfg.Notifier,
		Now:        s.cfg.Now,
	})
}

// ceremonyCookie sets or, with an empty value, clears a ceremony cookie: HttpOnly,
// SameSite=Strict, two minutes, Secure when the public URL is https.
func (s *Server) ceremonyCookie(w http.ResponseWriter, name, value string) {
	maxAge := int(account.CeremonyTimeout.Seconds())
	if value == "" {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/api", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode})
}

// decodeOptional reads a JSON body into v when there is one.
func decodeOptional(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if json.Unmarshal(b, v) != nil {
		return account.Errorf(account.ErrInvalid, msgBadJSON)
	}
	return nil
}

// registerStart begins a registration for the caller. WEBKNOSSOS takes the name only
// at finalize; wk also takes it here, and until finalize names it the passkey has a
// placeholder name.
func (s *Server) registerStart(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeOptional(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(in.Name) == "" {
		suffix := make([]byte, 3)
		rand.Read(suffix)
		in.Name = "passkey " + hex.EncodeToString(suffix)
	}

	c, err := s.backend(r).BeginPasskeyRegistration(r.Context(), in.Name, s.rp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.ceremonyCookie(w, registrationCookie, c.ID)
	writeRawJSON(w, c.Options)
}

// registerFinalize verifies the browser's answer and stores the passkey under the name
// given here, or else the one given at start.
func (s *Server) registerFinalize(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string          `json:"name"`
		Key  json.RawMessage `json:"key"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Key) == 0 {
		s.writeError(w, r, account.Errorf(account.ErrInvalid, msgPasskeyKeyNeeded))
		return
	}
	ck, err := r.Cookie(registrationCookie)
	if err != nil || ck.Value == "" {
		s.writeError(w, r, account.Errorf(account.ErrUnauthenticated, msgRegisterTimeout))
		return
	}

	if strings.TrimSpace(in.Name) != "" {
		err := s.links(r, credentialFrom(r)).NamePasskeyRegistration(r.Context(), ck.Value, in.Name)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	pk, err := s.backend(r).FinishPasskeyRegistration(r.Context(), ck.Value, in.Key)
	if pk != nil {
		err = s.settle(r, err)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.ceremonyCookie(w, registrationCookie, "")
	writeJSON(w, http.StatusOK, map[string]any{"message": msgKeyRegistered, "passkey": pk})
}

// passkeyLoginStart begins a login with any discoverable credential.
func (s *Server) passkeyLoginStart(w http.ResponseWriter, r *http.Request) {
	c, err := s.backendFor(r, account.Credential{}).BeginPasskeyLogin(r.Context(), s.rp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.ceremonyCookie(w, loginCookie, c.ID)
	writeRawJSON(w, c.Options)
}

// passkeyLoginFinalize verifies the assertion and sets the new session's cookie. Every
// failure answers the same 401; the log keeps the reason.
func (s *Server) passkeyLoginFinalize(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Key json.RawMessage `json:"key"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ck, err := r.Cookie(loginCookie)
	if err != nil || ck.Value == "" {
		s.writeError(w, r, account.Errorf(account.ErrUnauthenticated, msgLoginTimeout))
		return
	}

	s.ceremonyCookie(w, loginCookie, "")
	res, err := s.backendFor(r, account.Credential{}).FinishPasskeyLogin(r.Context(), ck.Value, in.Key)
	if err != nil {
		s.passkeyRefused(w, r, err)
		return
	}
	s.setSession(w, res.Credential.Secret)
	writeJSON(w, http.StatusOK, res.User)
}

// passkeyRefused answers a failed passkey sign-in with 401 and logs why.
func (s *Server) passkeyRefused(w http.ResponseWriter, r *http.Request, err error) {
	if status, _ := statusFor(err); status == http.StatusRequestEntityTooLarge || status == http.StatusInternalServerError {
		s.writeError(w, r, err)
		return
	}
	s.log.Info("passkey sign-in refused", "path", r.URL.Path, "reason", err.Error())
	s.writeError(w, r, account.Errorf(account.ErrUnauthenticated, msgPasskeyFailed))
}

// passkeyList lists the caller's passkeys: WEBKNOSSOS's id and name, and wk's extra
// fields.
func (s *Server) passkeyList(w http.ResponseWriter, r *http.Request) {
	list, err := s.backend(r).Passkeys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []account.Passkey{}
	}
	writeJSON(w, http.StatusOK, list)
}

// passkeyDelete removes one of the caller's passkeys. Unlike WEBKNOSSOS, an unknown id
// is 404.
func (s *Server) passkeyDelete(w http.ResponseWriter, r *http.Request) {
	_, err := s.backend(r).DeletePasskey(r.Context(), r.PathValue("id"))
	if err = s.settle(r, err); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// passkeyRename renames one of the caller's passkeys (extension passkeyRename).
func (s *Server) passkeyRename(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	pk, err := s.backend(r).RenamePasskey(r.Context(), r.PathValue("id"), in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pk)
}

// linkStart makes a one-time passkey page for wk's command line: a registration for
// the caller, or a login for anyone (rate-limited like login).
func (s *Server) linkStart(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Mode string `json:"mode"`
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	cred := credentialFrom(r)
	if in.Mode == account.PasskeyPageLogin {
		if ok, wait := s.limiter.allow(clientKey(r)); !ok {
			setRetryAfter(w, wait)
			writeMessage(w, http.StatusTooManyRequests, msgTooManyTries+" Try again later.")
			return
		}
		cred = account.Credential{}
	}

	l, err := s.links(r, cred).StartPasskeyLink(r.Context(), in.Mode, in.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := s.pageBase() + "/auth/passkeys/" + l.Mode + "?" + url.Values{"link": {l.Link}}.Encode()
	writeJSON(w, http.StatusOK, map[string]any{"url": page, "poll": l.Poll,
		"expires": account.At(l.Expires)})
}

// pageBase is the origin the passkey pages are reached at.
func (s *Server) pageBase() string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	return s.rp.Origins[0]
}

// linkBody is what the passkey page posts: its link and, to finish, the credential.
type linkBody struct {
	Link string          `json:"link"`
	Key  json.RawMessage `json:"key"`
}

// linkBegin starts the ceremony of the page's link and answers its options.
func (s *Server) linkBegin(w http.ResponseWriter, r *http.Request) {
	var in linkBody
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	mode, c, err := s.links(r, account.Credential{}).BeginPasskeyLink(r.Context(), in.Link, s.rp)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"mode": mode, "options": c.Options, "expires": c.Expires})
}

// linkFinish checks the page's answer. A login's session is made only when the
// command polls, so no session secret waits in the store.
func (s *Server) linkFinish(w http.ResponseWriter, r *http.Request) {
	var in linkBody
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(in.Key) == 0 {
		s.writeError(w, r, account.Errorf(account.ErrInvalid, msgPasskeyKeyNeeded))
		return
	}
	pk, err := s.links(r, account.Credential{}).FinishPasskeyLink(r.Context(), in.Link, in.Key)
	if pk != nil {
		err = s.settle(r, err)
	}
	switch {
	case errors.Is(err, account.ErrUnauthenticated):
		s.passkeyRefused(w, r, err)
	case err != nil:
		s.writeError(w, r, err)
	case pk != nil:
		writeJSON(w, http.StatusOK, map[string]any{"message": msgKeyRegistered, "passkey": pk})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"message": "Signed in."})
	}
}

// linkStatus tells the command whether its page is done: 202 {"done":false} while it
// is not, then once 200 with the passkey, or with the user and the new session's
// cookie.
func (s *Server) linkStatus(w http.ResponseWriter, r *http.Request) {
	poll := strings.TrimSpace(r.Header.Get(pollHeader))
	if poll == "" {
		s.writeError(w, r, account.Errorf(account.ErrInvalid, "send the poll secret in the "+pollHeader+" header"))
		return
	}
	res, err := s.links(r, account.Credential{}).PollPasskeyLink(r.Context(), poll)
	switch {
	case err != nil:
		s.writeError(w, r, err)
	case !res.Done:
		writeJSON(w, http.StatusAccepted, map[string]bool{"done": false})
	case res.Login != nil:
		s.setSession(w, res.Login.Credential.Secret)
		writeJSON(w, http.StatusOK, map[string]any{"done": true, "user": res.Login.User})
	default:
		writeJSON(w, http.StatusOK, map[string]any{"done": true, "passkey": res.Passkey})
	}
}

// passkeyPage serves the registration or login page; its script reads the mode from
// the path.
func (s *Server) passkeyPage(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, "passkey.html", "text/html; charset=utf-8", cspPage)
}

// writeRawJSON answers 200 with JSON that is already encoded.
func writeRawJSON(w http.ResponseWriter, b json.RawMessage) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(append(b, '\n'))
}
