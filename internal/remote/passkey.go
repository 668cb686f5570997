package remote

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// The passkey extensions of wk serve.
const (
	// extPasskeyRename: PATCH /api/auth/webauthn/keys/{id} {name} renames a passkey.
	extPasskeyRename = "passkeyRename"
	// extPasskeyLinks: POST /api/auth/passkeyLinks makes a one-time passkey page and
	// GET /api/auth/passkeyLinks/status reports its outcome.
	extPasskeyLinks = "passkeyLinks"
)

// The cookies WEBKNOSSOS keeps a passkey ceremony's id in, and the header that carries
// a passkey link's poll secret.
const (
	registrationCookie = "webauthn-registration"
	loginCookie        = "webauthn-session"
	pollHeader         = "X-Wk-Passkey-Poll"
)

// PollInterval is how often a [account.PasskeyPage] asks the server whether its page is
// done.
const PollInterval = 500 * time.Millisecond

var (
	_ account.PasskeyBackend = (*Client)(nil)
	_ account.PasskeyPages   = (*Client)(nil)
)

// cookieHeader is a request header that sends one cookie.
func cookieHeader(name, value string) http.Header {
	return http.Header{"Cookie": {(&http.Cookie{Name: name, Value: value}).String()}}
}

// answerCookie returns the value of cookie name in an answer, or "".
func answerCookie(resp *response, name string) string {
	for _, ck := range (&http.Response{Header: resp.header}).Cookies() {
		if ck.Name == name && ck.Value != "" {
			return ck.Value
		}
	}
	return ""
}

// ceremony turns a start answer into a Ceremony whose ID is the server's cookie value,
// with extra values (the name, for registration) that finishing needs.
func (c *Client) ceremony(resp *response, cookie string, extra url.Values) (*account.Ceremony, error) {
	id := answerCookie(resp, cookie)
	if id == "" {
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s started a passkey ceremony but sent no %s cookie", c.URL(), cookie)
	}
	v := url.Values{"c": {id}}
	for k, vs := range extra {
		v[k] = vs
	}
	return &account.Ceremony{ID: v.Encode(), Options: json.RawMessage(resp.body),
		Expires: account.At(c.opts.Now().Add(account.CeremonyTimeout))}, nil
}

// BeginPasskeyRegistration starts a registration with POST
// /api/auth/webauthn/register/start. The server is the relying party, so rp is ignored;
// the browser answer must come from a page at the server's origin.
func (c *Client) BeginPasskeyRegistration(ctx context.Context, name string, _ account.RelyingParty) (*account.Ceremony, error) {
	name, err := account.CheckPasskeyName(name)
	if err != nil {
		return nil, err
	}
	rq := request{method: http.MethodPost, path: "/auth/webauthn/register/start",
		body: map[string]string{"name": name}}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	return c.ceremony(resp, registrationCookie, url.Values{"name": {name}})
}

// FinishPasskeyRegistration posts the browser's answer and the name to POST
// /api/auth/webauthn/register/finalize. wk serve answers the passkey; for WEBKNOSSOS
// it is looked up by name afterwards.
func (c *Client) FinishPasskeyRegistration(ctx context.Context, ceremonyID string, response []byte) (*account.Passkey, error) {
	v, err := url.ParseQuery(ceremonyID)
	if err != nil || v.Get("c") == "" {
		return nil, account.Errorf(account.ErrNotFound, "passkey registration %q is unknown: run the command again", ceremonyID)
	}
	rq := request{method: http.MethodPost, path: "/auth/webauthn/register/finalize",
		header: cookieHeader(registrationCookie, v.Get("c")),
		body:   map[string]any{"name": v.Get("name"), "key": json.RawMessage(response)}}
	var ans struct {
		Passkey *account.Passkey `json:"passkey"`
	}
	if _, err := c.call(ctx, rq, &ans); err != nil {
		return nil, err
	}
	if ans.Passkey != nil {
		return ans.Passkey, nil
	}
	return c.findPasskey(ctx, v.Get("name"))
}

// Passkeys lists the caller's passkeys with GET /api/auth/webauthn/keys. WEBKNOSSOS
// answers only their ids and names.
func (c *Client) Passkeys(ctx context.Context) ([]account.Passkey, error) {
	var list []account.Passkey
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/auth/webauthn/keys"}, &list); err != nil {
		return nil, err
	}
	return list, nil
}

// findPasskey finds one of the caller's passkeys by id, or else by name regardless of
// case, as the local store does.
func (c *Client) findPasskey(ctx context.Context, idOrName string) (*account.Passkey, error) {
	list, err := c.Passkeys(ctx)
	if err != nil {
		return nil, err
	}
	want := strings.TrimSpace(idOrName)
	for i := range list {
		if list[i].ID == want {
			return &list[i], nil
		}
	}
	for i := range list {
		if strings.EqualFold(list[i].Name, want) {
			return &list[i], nil
		}
	}
	return nil, account.Errorf(account.ErrNotFound,
		"no passkey has the id or name %q: see wk passkey list", idOrName)
}

// RenamePasskey renames a passkey with PATCH /api/auth/webauthn/keys/{id}, a wk
// extension; WEBKNOSSOS cannot rename passkeys.
func (c *Client) RenamePasskey(ctx context.Context, idOrName, newName string) (*account.Passkey, error) {
	if err := c.need(ctx, extPasskeyRename, "renaming passkeys"); err != nil {
		return nil, err
	}
	pk, err := c.findPasskey(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	name, err := account.CheckPasskeyName(newName)
	if err != nil {
		return nil, err
	}
	var out account.Passkey
	rq := request{method: http.MethodPatch, path: "/auth/webauthn/keys/" + url.PathEscape(pk.ID),
		body: map[string]string{"name": name}}
	if _, err := c.call(ctx, rq, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePasskey finds a passkey in the list and removes it with DELETE
// /api/auth/webauthn/keys/{id}; the server mails the notice.
func (c *Client) DeletePasskey(ctx context.Context, idOrName string) (*account.Passkey, error) {
	pk, err := c.findPasskey(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	rq := request{method: http.MethodDelete, path: "/auth/webauthn/keys/" + url.PathEscape(pk.ID)}
	if _, err := c.send(ctx, rq); err != nil {
		return nil, err
	}
	return pk, nil
}

// BeginPasskeyLogin starts a login with POST /api/auth/webauthn/auth/start. As with
// registration, rp is ignored.
func (c *Client) BeginPasskeyLogin(ctx context.Context, _ account.RelyingParty) (*account.Ceremony, error) {
	rq := request{method: http.MethodPost, path: "/auth/webauthn/auth/start", anonymous: true}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	return c.ceremony(resp, loginCookie, nil)
}

// FinishPasskeyLogin posts the assertion to POST /api/auth/webauthn/auth/finalize and
// keeps the session cookie the server sets.
func (c *Client) FinishPasskeyLogin(ctx context.Context, ceremonyID string, response []byte) (*account.LoginResult, error) {
	v, err := url.ParseQuery(ceremonyID)
	if err != nil || v.Get("c") == "" {
		return nil, account.Errorf(account.ErrUnauthenticated, "passkey login %q is unknown: run the command again", ceremonyID)
	}
	rq := request{method: http.MethodPost, path: "/auth/webauthn/auth/finalize", anonymous: true,
		header: cookieHeader(loginCookie, v.Get("c")),
		body:   map[string]any{"key": json.RawMessage(response)}}
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	return c.sessionFrom(ctx, resp)
}

// StartPasskeyPage asks wk serve for a one-time passkey page with POST
// /api/auth/passkeyLinks. The page runs at the server's origin, the relying party.
func (c *Client) StartPasskeyPage(ctx context.Context, mode, name string) (*account.PasskeyPage, error) {
	ok, err := c.hasExtension(ctx, extPasskeyLinks)
	if err != nil {
		return nil, err
	}
	if !ok {
		what := "register the passkey"
		if mode == account.PasskeyPageLogin {
			what = "sign in with the passkey"
		}
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s does not offer passkey pages for wk: %s in its web interface", c.URL(), what)
	}

	rq := request{method: http.MethodPost, path: "/auth/passkeyLinks",
		body: map[string]string{"mode": mode}}
	switch mode {
	case account.PasskeyPageRegister:
		if name, err = account.CheckPasskeyName(name); err != nil {
			return nil, err
		}
		rq.body = map[string]string{"mode": mode, "name": name}
	case account.PasskeyPageLogin:
		rq.anonymous = true
	default:
		return nil, account.Errorf(account.ErrInvalid, "passkey page mode %q is neither register nor login", mode)
	}
	var ans struct {
		URL     string            `json:"url"`
		Poll    string            `json:"poll"`
		Expires account.Timestamp `json:"expires"`
	}
	if _, err := c.call(ctx, rq, &ans); err != nil {
		return nil, err
	}
	if ans.URL == "" || ans.Poll == "" {
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s made a passkey page but did not say where", c.URL())
	}
	p := &pagePoll{c: c, mode: mode, poll: ans.Poll, expires: ans.Expires.Time}
	return &account.PasskeyPage{URL: ans.URL, Expires: ans.Expires, Wait: p.wait}, nil
}

// pagePoll waits for one passkey page.
type pagePoll struct {
	c       *Client
	mode    string
	poll    string
	expires time.Time
}

// wait polls GET /api/auth/passkeyLinks/status until the page is done, the server
// forgets it (expired or used), or its expiry has passed here too.
func (p *pagePoll) wait(ctx context.Context) (*account.PasskeyPageResult, error) {
	rq := request{method: http.MethodGet, path: "/auth/passkeyLinks/status", anonymous: true,
		header: http.Header{pollHeader: {p.poll}}}
	// A few seconds past the expiry lets the server have the last word.
	deadline := p.expires.Add(5 * time.Second)
	for {
		resp, err := p.c.send(ctx, rq)
		switch {
		case isStatus(err, http.StatusNotFound):
			return nil, p.expired()
		case err != nil:
			return nil, err
		case resp.status == http.StatusOK:
			return p.result(ctx, resp)
		}
		if !p.expires.IsZero() && p.c.opts.Now().After(deadline) {
			return nil, p.expired()
		}

		t := time.NewTimer(PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("wait for the passkey page: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// expired is the error of a page nobody finished: ErrUnauthenticated for a login,
// ErrNotFound for a registration (the caller is still signed in).
func (p *pagePoll) expired() error {
	kind := account.ErrNotFound
	if p.mode == account.PasskeyPageLogin {
		kind = account.ErrUnauthenticated
	}
	return account.Errorf(kind,
		"no passkey answer from the browser within %s: run the command again", account.CeremonyTimeout)
}

// result reads a finished page's answer.
func (p *pagePoll) result(ctx context.Context, resp *response) (*account.PasskeyPageResult, error) {
	var ans struct {
		Passkey *account.Passkey `json:"passkey"`
		User    *account.User    `json:"user"`
	}
	if err := json.Unmarshal(resp.body, &ans); err != nil {
		return nil, fmt.Errorf("decode passkey page answer: %w", err)
	}
	if p.mode != account.PasskeyPageLogin {
		if ans.Passkey == nil {
			return nil, account.Errorf(account.ErrUnsupported, "the server at %s finished the passkey page but sent no passkey", p.c.URL())
		}
		return &account.PasskeyPageResult{Passkey: ans.Passkey}, nil
	}
	secret := answerCookie(resp, "id")
	if secret == "" {
		return nil, account.Errorf(account.ErrUnsupported,
			"the server at %s accepted the passkey but sent no session cookie", p.c.URL())
	}
	cred := account.Credential{Kind: account.CredentialSession, Secret: secret}
	u := ans.User
	if u == nil || u.ID == "" {
		u = &account.User{}
		if _, err := p.c.call(ctx, request{method: http.MethodGet, path: "/user", cred: &cred}, u); err != nil {
			return nil, err
		}
	}
	return &account.PasskeyPageResult{Login: &account.LoginResult{Credential: cred, User: u}}, nil
}
