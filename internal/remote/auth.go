package remote

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/wk-tools/wk/internal/account"
)

// passwordPair is the {password1, password2} object the password routes take.
type passwordPair struct {
	Password1 string `json:"password1"`
	Password2 string `json:"password2"`
}

// endedAnswer is the {"ended":N} body of the wk extension routes.
type endedAnswer struct {
	Ended *int `json:"ended"`
}

// Login posts the email and password to /api/auth/login and keeps the id cookie the
// server sets as the session credential.
func (c *Client) Login(ctx context.Context, email, password string) (*account.LoginResult, error) {
	rq := request{method: http.MethodPost, path: "/auth/login", anonymous: true,
		body: map[string]string{"email": account.NormalizeEmail(email), "password": password}}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	return c.sessionFrom(ctx, resp)
}

// LoginWithToken trades an API token for a session with POST /api/auth/tokenLogin when
// the server offers it. Plain WEBKNOSSOS has no such route, so there the token is
// checked with GET /api/user and itself becomes the credential (Kind token).
func (c *Client) LoginWithToken(ctx context.Context, token string) (*account.LoginResult, error) {
	cred := account.Credential{Kind: account.CredentialToken, Secret: token}
	ok, err := c.hasExtension(ctx, extTokenLogin)
	if err != nil {
		return nil, err
	}
	if ok {
		resp, err := c.send(ctx, request{method: http.MethodPost, path: "/auth/tokenLogin", cred: &cred})
		if err != nil {
			return nil, err
		}
		return c.sessionFrom(ctx, resp)
	}

	var u account.User
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/user", cred: &cred}, &u); err != nil {
		return nil, err
	}
	return &account.LoginResult{Credential: cred, User: &u}, nil
}

// sessionFrom reads the id cookie of a login answer and the user, from the answer's body
// when it holds one (wk serve) or else from GET /api/user (WEBKNOSSOS answers empty).
func (c *Client) sessionFrom(ctx context.Context, resp *response) (*account.LoginResult, error) {
	var secret string
	for _, ck := range (&http.Response{Header: resp.header}).Cookies() {
		if ck.Name == "id" && ck.Value != "" {
			secret = ck.Value
		}
	}
	if secret == "" {
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s accepted the login but sent no session cookie", c.URL())
	}
	cred := account.Credential{Kind: account.CredentialSession, Secret: secret}

	var u account.User
	if json.Unmarshal(resp.body, &u) != nil || u.ID == "" {
		if _, err := c.call(ctx, request{method: http.MethodGet, path: "/user", cred: &cred}, &u); err != nil {
			return nil, err
		}
	}
	return &account.LoginResult{Credential: cred, User: &u}, nil
}

// ForgotPassword asks the server to mail a reset link with POST
// /api/auth/startResetPassword. The server answers the same for unknown addresses.
func (c *Client) ForgotPassword(ctx context.Context, email string) error {
	email, err := account.CheckEmail(email)
	if err != nil {
		return err
	}
	rq := request{method: http.MethodPost, path: "/auth/startResetPassword", anonymous: true,
		body: map[string]string{"email": email}}
	_, err = c.send(ctx, rq)
	return err
}

// ResetPassword sets a new password with a reset token through POST
// /api/auth/resetPassword. Plain WEBKNOSSOS leaves the user's sessions alive.
func (c *Client) ResetPassword(ctx context.Context, token, password string) error {
	if err := account.CheckPassword(password, ""); err != nil {
		return err
	}
	rq := request{method: http.MethodPost, path: "/auth/resetPassword", anonymous: true,
		body: map[string]any{"token": token, "password": passwordPair{password, password}}}
	_, err := c.send(ctx, rq)
	return err
}

// ChangePassword replaces the caller's password with POST /api/auth/changePassword. It
// returns the number of sessions the server ended, or -1 when the server does not say:
// plain WEBKNOSSOS ends none (its web page then logs out everywhere) and, when called
// with an API token, deletes that token.
func (c *Client) ChangePassword(ctx context.Context, current, next string) (int, error) {
	if err := account.CheckPassword(next, ""); err != nil {
		return 0, err
	}
	rq := request{method: http.MethodPost, path: "/auth/changePassword",
		body: map[string]any{"oldPassword": current, "password": passwordPair{next, next}}}
	var ans endedAnswer
	if _, err := c.call(ctx, rq, &ans); err != nil {
		return 0, err
	}
	if ans.Ended == nil {
		return -1, nil
	}
	return *ans.Ended, nil
}

// Logout ends the current session with POST /api/auth/logout. With an API token there
// is no session, and nothing is sent: WEBKNOSSOS would delete the token.
func (c *Client) Logout(ctx context.Context) error {
	if c.opts.Credential.Kind != account.CredentialSession || c.opts.Credential.IsZero() {
		return nil
	}
	_, err := c.send(ctx, request{method: http.MethodPost, path: "/auth/logout"})
	return err
}

// Sessions lists the caller's sessions with GET /api/auth/sessions, a wk extension.
func (c *Client) Sessions(ctx context.Context) ([]account.Session, error) {
	if err := c.need(ctx, extSessions, "listing sessions"); err != nil {
		return nil, err
	}
	var list []account.Session
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/auth/sessions"}, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// RevokeSession ends one session with DELETE /api/auth/sessions/{id}, a wk extension.
func (c *Client) RevokeSession(ctx context.Context, id string) error {
	if err := c.need(ctx, extSessions, "listing sessions"); err != nil {
		return err
	}
	_, err := c.send(ctx, request{method: http.MethodDelete, path: "/auth/sessions/" + url.PathEscape(id)})
	return err
}

// LogoutAll ends every session with POST /api/auth/logoutEverywhere and returns how
// many ended, or -1 when the server does not say (plain WEBKNOSSOS). With revokeToken
// on plain WEBKNOSSOS the token is deleted with DELETE /api/auth/token, in the order
// that keeps the caller's own credential working until the second call.
func (c *Client) LogoutAll(ctx context.Context, revokeToken bool) (int, error) {
	ok, err := c.hasExtension(ctx, extLogoutEverywhere)
	if err != nil {
		return 0, err
	}
	everywhere := request{method: http.MethodPost, path: "/auth/logoutEverywhere"}
	if ok {
		if revokeToken {
			everywhere.query = url.Values{"revokeToken": {"true"}}
		}
		var ans endedAnswer
		if _, err := c.call(ctx, everywhere, &ans); err != nil {
			return 0, err
		}
		if ans.Ended == nil {
			return -1, nil
		}
		return *ans.Ended, nil
	}

	steps := []request{everywhere}
	if revokeToken {
		del := request{method: http.MethodDelete, path: "/auth/token"}
		steps = []request{del, everywhere}
		if c.opts.Credential.Kind == account.CredentialToken {
			steps = []request{everywhere, del}
		}
	}
	for _, rq := range steps {
		if _, err := c.send(ctx, rq); err != nil {
			return 0, err
		}
	}
	return -1, nil
}

// need fails with ErrUnsupported when the server lacks the extension; what names the
// feature in the message.
func (c *Client) need(ctx context.Context, ext, what string) error {
	ok, err := c.hasExtension(ctx, ext)
	if err != nil {
		return err
	}
	if !ok {
		return account.Errorf(account.ErrUnsupported, "the server at %s does not support %s", c.URL(), what)
	}
	return nil
}
