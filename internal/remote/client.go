// Package remote is the account backend that talks to a WEBKNOSSOS-compatible server
// over HTTP: webknossos.org, a self-hosted WEBKNOSSOS, or `wk serve`. It implements
// [account.Backend] with the routes of the WEBKNOSSOS API and uses the extension routes
// of `wk serve` when the server lists them in GET /api/features.
package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// The API versions this client speaks, oldest first. Requests go to /api/v<N>/ with
// the highest one the server also supports.
var supportedVersions = []int{13, 14}

// DefaultTimeout bounds one request when [Options.Timeout] is zero.
const DefaultTimeout = 30 * time.Second

// DefaultUserAgent is sent when [Options.UserAgent] is empty.
const DefaultUserAgent = "wk"

// maxResponseBytes bounds how much of an answer the client reads.
const maxResponseBytes = 4 << 20

// Options configures a [Client]. The zero value works for anonymous calls.
type Options struct {
	// Credential is the caller's session secret or API token; zero for calls that need
	// none, such as Login.
	Credential account.Credential
	// UserAgent is sent on every request. WEBKNOSSOS ties cookie sessions to request
	// headers, so it must not change between calls. Default DefaultUserAgent.
	UserAgent string
	// HTTPClient sends the requests. Default: a new client with no cookie jar.
	HTTPClient *http.Client
	// Timeout bounds each request. Default DefaultTimeout.
	Timeout time.Duration
	// AllowHTTP permits a plain http:// URL whose host is not a loopback address.
	// Credentials then cross the network unencrypted. Default false.
	AllowHTTP bool
	// Logger receives one debug line per request (method, path, status, duration;
	// never a header or body). Default: nothing is logged.
	Logger *slog.Logger
	// Now is the clock used for Retry-After. Default time.Now.
	Now func() time.Time
}

// Client is an [account.Backend] over the WEBKNOSSOS HTTP API. It is safe for
// concurrent use. Build it with [New].
type Client struct {
	base *url.URL
	opts Options
	http *http.Client

	mu         sync.Mutex
	version    int
	extensions map[string]bool
	probed     bool
}

var _ account.Backend = (*Client)(nil)

// New returns a client for the server at baseURL, such as https://webknossos.org. It
// checks the URL but sends nothing; the first call asks the server for its API version.
func New(baseURL string, opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(baseURL), "/"))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, account.Errorf(account.ErrInvalid,
			"server URL %q is not valid: give one like https://webknossos.org", baseURL)
	}
	if u.Scheme == "http" && !opts.AllowHTTP && !isLoopback(u.Hostname()) {
		return nil, account.Errorf(account.ErrInvalid,
			"server URL %s is not encrypted: use https, or allow plain http explicitly", u.Redacted())
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil

	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{CheckRedirect: sameServer}
	}
	return &Client{base: u, opts: opts, http: hc}, nil
}

// URL returns the server's base URL, without a trailing slash.
func (c *Client) URL() string { return c.base.String() }

// sameServer lets the default HTTP client follow a redirect only to the same host
// without leaving https. Go forwards custom headers such as X-Auth-Token on every
// redirect, so following one elsewhere would hand the token to another server.
func sameServer(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	switch {
	case len(via) >= 5:
		return fmt.Errorf("follow redirects from %s: stopped after %d", first.Host, len(via))
	case req.URL.Host != first.Host:
		return fmt.Errorf("follow redirect from %s to %s: refused, a credential would leave the server; use the new URL if you trust it", first.Host, req.URL.Host)
	case first.Scheme == "https" && req.URL.Scheme != "https":
		return fmt.Errorf("follow redirect from https to %s: refused", req.URL.Redacted())
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// request is one call for send.
type request struct {
	method string
	// path is the route after /api, like "/user"; send adds the version prefix.
	path  string
	query url.Values
	// body is marshalled as JSON when not nil.
	body any
	// unversioned sends the request to /api<path> rather than /api/v<N><path>.
	unversioned bool
	// cred overrides the client's credential when set.
	cred *account.Credential
	// anonymous sends no credential at all.
	anonymous bool
	// header is added to the request, such as a ceremony cookie or a poll secret.
	header http.Header
}

// response is a 2xx answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request and returns its answer, or an *HTTPError for a non-2xx
// status. It is the only place that talks to the network.
func (c *Client) send(ctx context.Context, rq request) (*response, error) {
	prefix := "/api"
	if !rq.unversioned {
		v, err := c.apiVersion(ctx)
		if err != nil {
			return nil, err
		}
		prefix = fmt.Sprintf("/api/v%d", v)
	}
	u := *c.base
	u.Path = c.base.Path + prefix + rq.path
	u.RawQuery = rq.query.Encode()

	var body io.Reader
	if rq.body != nil {
		b, err := json.Marshal(rq.body)
		if err != nil {
			return nil, fmt.Errorf("encode request %s: %w", rq.path, err)
		}
		body = bytes.NewReader(b)
	}

	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, rq.method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("build request %s: %w", rq.path, err)
	}
	req.Header.Set("User-Agent", c.opts.UserAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range rq.header {
		req.Header[k] = vs
	}
	if !rq.anonymous {
		cred := c.opts.Credential
		if rq.cred != nil {
			cred = *rq.cred
		}
		setCredential(req, cred)
	}

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach server %s: %w", c.base.Host, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	c.opts.Logger.Debug("remote request", "method", rq.method, "path", u.Path,
		"status", resp.StatusCode, "duration", time.Since(start))
	if err != nil {
		return nil, fmt.Errorf("read answer %s: %w", rq.path, err)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newHTTPError(resp.StatusCode, resp.Header, data, c.opts.Now())
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// setCredential puts a session secret in the id cookie and a token in X-Auth-Token.
func setCredential(req *http.Request, cred account.Credential) {
	switch {
	case cred.IsZero():
	case cred.Kind == account.CredentialSession:
		req.AddCookie(&http.Cookie{Name: "id", Value: cred.Secret})
	default:
		req.Header.Set("X-Auth-Token", cred.Secret)
	}
}

// call sends rq and decodes a JSON answer into out, if out is not nil and the answer
// has a body.
func (c *Client) call(ctx context.Context, rq request, out any) (*response, error) {
	resp, err := c.send(ctx, rq)
	if err != nil {
		return nil, err
	}
	if out != nil && len(bytes.TrimSpace(resp.body)) > 0 {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return nil, fmt.Errorf("decode answer %s %s: %w", rq.method, rq.path, err)
		}
	}
	return resp, nil
}

// apiVersion returns the version to use, asking the server once per Client.
func (c *Client) apiVersion(ctx context.Context) (int, error) {
	if err := c.probe(ctx); err != nil {
		return 0, err
	}
	return c.version, nil
}

// hasExtension reports whether the server lists the wk extension name in
// GET /api/features. A server that lists none is plain WEBKNOSSOS.
func (c *Client) hasExtension(ctx context.Context, name string) (bool, error) {
	if err := c.probe(ctx); err != nil {
		return false, err
	}
	return c.extensions[name], nil
}

// probe reads GET /api/buildinfo and GET /api/features once. A failure is not cached,
// so the next call asks again.
func (c *Client) probe(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.probed {
		return nil
	}

	var info struct {
		Versioning *struct {
			Current int `json:"currentApiVersion"`
			Oldest  int `json:"oldestSupportedApiVersion"`
		} `json:"httpApiVersioning"`
	}
	build := request{method: http.MethodGet, path: "/buildinfo", unversioned: true, anonymous: true}
	if _, err := c.call(ctx, build, &info); err != nil {
		return fmt.Errorf("read server version: %w", err)
	}
	if info.Versioning == nil {
		return account.Errorf(account.ErrUnsupported,
			"the server at %s does not say which API versions it speaks: is it a WEBKNOSSOS server?", c.URL())
	}
	version := 0
	for _, v := range supportedVersions {
		if v >= info.Versioning.Oldest && v <= info.Versioning.Current {
			version = v
		}
	}
	if version == 0 {
		return account.Errorf(account.ErrUnsupported,
			"the server at %s speaks API versions %d to %d, but wk needs one of %v",
			c.URL(), info.Versioning.Oldest, info.Versioning.Current, supportedVersions)
	}

	var feats struct {
		Extensions []string `json:"wkExtensions"`
	}
	featReq := request{method: http.MethodGet, path: "/features", unversioned: true, anonymous: true}
	if _, err := c.call(ctx, featReq, &feats); err != nil && !isStatus(err, http.StatusNotFound) {
		return fmt.Errorf("read server features: %w", err)
	}
	c.extensions = make(map[string]bool, len(feats.Extensions))
	for _, e := range feats.Extensions {
		c.extensions[e] = true
	}
	c.version, c.probed = version, true
	return nil
}

// isStatus reports whether err is an *HTTPError with one of the statuses.
func isStatus(err error, statuses ...int) bool {
	var he *HTTPError
	return errors.As(err, &he) && slices.Contains(statuses, he.Status)
}

// Close releases idle connections of the client's own HTTP client.
func (c *Client) Close() error {
	if c.opts.HTTPClient == nil {
		c.http.CloseIdleConnections()
	}
	return nil
}
