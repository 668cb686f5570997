package remote

import (
	"context"
	"net/http"
	"net/url"

	"github.com/wk-tools/wk/internal/account"
)

// Init always fails with [account.ErrUnsupported]: a remote server is set up where it runs.
func (c *Client) Init(ctx context.Context, req account.InitRequest) (*account.User, error) {
	return nil, account.Errorf(account.ErrUnsupported,
		"wk init creates a local store; a server is set up on the server")
}

// CurrentUser returns the caller from GET /api/user.
func (c *Client) CurrentUser(ctx context.Context) (*account.User, error) {
	var u account.User
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/user"}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// Organization returns the caller's organization from GET /api/organizations/{id}.
func (c *Client) Organization(ctx context.Context) (*account.Organization, error) {
	u, err := c.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}

	var org account.Organization
	rq := request{method: http.MethodGet, path: "/organizations/" + url.PathEscape(u.Organization)}
	if _, err := c.call(ctx, rq, &org); err != nil {
		return nil, err
	}
	if org.ID == "" {
		org.ID = u.Organization
	}
	return &org, nil
}

// SetName checks the names, then sends them with PATCH /api/users/{id}. WEBKNOSSOS does
// not check names itself, so the local rules are applied here.
func (c *Client) SetName(ctx context.Context, first, last string) (*account.User, error) {
	first, err := account.CheckName("first name", first)
	if err != nil {
		return nil, err
	}
	last, err = account.CheckName("last name", last)
	if err != nil {
		return nil, err
	}
	return c.patchSelf(ctx, map[string]string{"firstName": first, "lastName": last})
}

// SetEmail sends the new address and the current password with PATCH /api/users/{id}.
func (c *Client) SetEmail(ctx context.Context, email, password string) (*account.User, error) {
	email, err := account.CheckEmail(email)
	if err != nil {
		return nil, err
	}
	return c.patchSelf(ctx, map[string]string{"email": email, "password": password})
}

// SetTheme sends the theme as a JSON string with PUT /api/users/{id}/selectedTheme.
func (c *Client) SetTheme(ctx context.Context, theme account.Theme) (*account.User, error) {
	theme, err := account.ParseTheme(string(theme))
	if err != nil {
		return nil, err
	}
	me, err := c.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}

	var u account.User
	rq := request{method: http.MethodPut, path: "/users/" + url.PathEscape(me.ID) + "/selectedTheme",
		body: string(theme)}
	if _, err := c.call(ctx, rq, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// patchSelf sends only the changed keys of the caller's user object.
func (c *Client) patchSelf(ctx context.Context, fields map[string]string) (*account.User, error) {
	me, err := c.CurrentUser(ctx)
	if err != nil {
		return nil, err
	}

	var u account.User
	rq := request{method: http.MethodPatch, path: "/users/" + url.PathEscape(me.ID), body: fields}
	if _, err := c.call(ctx, rq, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
