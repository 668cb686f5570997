package remote

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wk-tools/wk/internal/account"
)

// Message fragments of WEBKNOSSOS answers that need a sharper kind than their status.
// WEBKNOSSOS answers 400 for a wrong password and for an email in use.
const (
	textBadCredentials = "incorrect email or password"
	textEmailTaken     = "already exists"
	textInvalidToken   = "the supplied token is invalid or expired"
)

// kindHeader is where wk serve names an error's account kind; plain WEBKNOSSOS does
// not send it, and the status and text decide.
const kindHeader = "X-Wk-Error-Kind"

var kindByName = map[string]error{
	"unauthenticated": account.ErrUnauthenticated,
	"forbidden":       account.ErrForbidden,
	"not-found":       account.ErrNotFound,
	"conflict":        account.ErrConflict,
	"invalid":         account.ErrInvalid,
	"unsupported":     account.ErrUnsupported,
}

// maxMessageLen bounds the message an HTTPError shows, so a server's HTML error page
// cannot flood the terminal.
const maxMessageLen = 300

// HTTPError is a non-2xx answer from the server. It unwraps to the [account] sentinel
// its status stands for, so callers test it with errors.Is like any backend error.
type HTTPError struct {
	// Status is the HTTP status code.
	Status int
	// Messages are the server's error texts, in order; empty when the body held none.
	Messages []string
	// RetryAfter is the wait the server asked for with a 429; zero otherwise.
	RetryAfter time.Duration

	kind error
}

// Error returns the server's first message as one lowercase line without final
// punctuation, or the status text when the server said nothing.
func (e *HTTPError) Error() string {
	if len(e.Messages) == 0 {
		return fmt.Sprintf("server answered %d %s", e.Status, strings.ToLower(http.StatusText(e.Status)))
	}
	return oneLine(strings.Join(e.Messages, "; "))
}

// Unwrap returns the sentinel for the status: 401 [account.ErrUnauthenticated], 403
// [account.ErrForbidden], 404 [account.ErrNotFound], 400 and 413 [account.ErrInvalid]
// (or [account.ErrConflict] for an email in use, [account.ErrUnauthenticated] for a wrong
// password), 429 a [*account.ThrottledError], 405 and 501 [account.ErrUnsupported].
// Other statuses, such as 500, unwrap to nothing.
func (e *HTTPError) Unwrap() error { return e.kind }

// newHTTPError reads an error answer's body and headers into an HTTPError.
func newHTTPError(status int, header http.Header, body []byte, now time.Time) *HTTPError {
	e := &HTTPError{Status: status, Messages: parseMessages(body)}
	text := strings.ToLower(strings.Join(e.Messages, " "))

	switch status {
	case http.StatusUnauthorized:
		e.kind = account.ErrUnauthenticated
	case http.StatusForbidden:
		e.kind = account.ErrForbidden
	case http.StatusNotFound:
		e.kind = account.ErrNotFound
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		e.kind = account.ErrInvalid
		switch {
		case strings.Contains(text, textBadCredentials), strings.Contains(text, textInvalidToken):
			e.kind = account.ErrUnauthenticated
		case strings.Contains(text, textEmailTaken):
			e.kind = account.ErrConflict
		}
	case http.StatusTooManyRequests:
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
		e.kind = &account.ThrottledError{Until: now.Add(e.RetryAfter)}
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		e.kind = account.ErrUnsupported
	}
	if k, ok := kindByName[header.Get(kindHeader)]; ok && status != http.StatusTooManyRequests {
		e.kind = k
	}
	return e
}

// parseMessages finds the error texts in the shapes servers use: WEBKNOSSOS's
// {"messages":[{"error":…}]}, its {"messages":"…"} variant, Silhouette's {"message":…},
// or a short plain-text body.
func parseMessages(body []byte) []string {
	body = []byte(strings.TrimSpace(string(body)))
	if len(body) == 0 {
		return nil
	}
	var wire struct {
		Messages json.RawMessage `json:"messages"`
		Message  string          `json:"message"`
	}
	if json.Unmarshal(body, &wire) != nil {
		if !utf8.Valid(body) || strings.HasPrefix(string(body), "<") {
			return nil
		}
		return []string{string(body)}
	}

	var out []string
	var list []map[string]string
	var single string
	switch {
	case json.Unmarshal(wire.Messages, &list) == nil:
		for _, m := range list {
			for _, key := range []string{"error", "info", "success"} {
				if v := strings.TrimSpace(m[key]); v != "" {
					out = append(out, v)
				}
			}
		}
	case json.Unmarshal(wire.Messages, &single) == nil && single != "":
		out = append(out, single)
	}
	if len(out) == 0 && wire.Message != "" {
		out = append(out, wire.Message)
	}
	return out
}

// oneLine folds s to a single line, lowercases its first letter, drops final
// punctuation and caps its length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessageLen {
		s = strings.ToValidUTF8(s[:maxMessageLen], "") + "…"
	}
	s = strings.TrimRight(s, ".!")
	r, n := utf8.DecodeRuneInString(s)
	if n > 0 && unicode.IsUpper(r) {
		s = string(unicode.ToLower(r)) + s[n:]
	}
	return s
}

// parseRetryAfter reads a Retry-After header in seconds or as an HTTP date. A missing or
// unreadable header means one second, so callers never retry in a busy loop.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return time.Second
}
