package remote

import (
	"context"
	"net/http"

	"github.com/wk-tools/wk/internal/account"
)

// prefixLen is how much of a token's secret becomes its visible prefix when the
// server sends no prefix of its own (plain WEBKNOSSOS).
const prefixLen = 6

// Token returns the caller's API token from GET /api/auth/token. Plain WEBKNOSSOS sends
// the secret every time, so Secret is then always set; wk serve sends it only when it
// made the token.
func (c *Client) Token(ctx context.Context) (*account.Token, error) {
	return c.readToken(ctx, request{method: http.MethodGet, path: "/auth/token"})
}

// RotateToken revokes the caller's API token and returns a new one. It uses POST
// /api/auth/token/rotate when the server offers it. On plain WEBKNOSSOS it does what
// its web page does, DELETE then GET /api/auth/token, which needs a session: the server
// cannot hand out a new token to a caller whose only credential was just revoked.
func (c *Client) RotateToken(ctx context.Context) (*account.Token, error) {
	ok, err := c.hasExtension(ctx, extTokenRotate)
	if err != nil {
		return nil, err
	}
	if ok {
		return c.readToken(ctx, request{method: http.MethodPost, path: "/auth/token/rotate"})
	}
	if c.opts.Credential.Kind != account.CredentialSession {
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s cannot replace the API token you are signed in with: log in with your password (wk login), then rotate the token", c.URL())
	}

	if _, err := c.send(ctx, request{method: http.MethodDelete, path: "/auth/token"}); err != nil {
		return nil, err
	}
	return c.Token(ctx)
}

// RevokeToken revokes the caller's token with DELETE /api/auth/token, which answers
// {"messages":"Token was deleted."} when there was one and an empty body when not.
func (c *Client) RevokeToken(ctx context.Context) (bool, error) {
	var ans struct {
		Messages any `json:"messages"`
	}
	if _, err := c.call(ctx, request{method: http.MethodDelete, path: "/auth/token"}, &ans); err != nil {
		return false, err
	}
	return ans.Messages != nil, nil
}

// readToken decodes a token answer, filling the prefix from the secret when the server
// sends only {"token":…}.
func (c *Client) readToken(ctx context.Context, rq request) (*account.Token, error) {
	var tok account.Token
	if _, err := c.call(ctx, rq, &tok); err != nil {
		return nil, err
	}
	if tok.Prefix == "" && len(tok.Secret) >= prefixLen {
		tok.Prefix = tok.Secret[:prefixLen]
	}
	if tok.ID == "" && tok.Secret == "" {
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s answered without a token", c.URL())
	}
	return &tok, nil
}
