package server

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/wk-tools/wk/internal/account"
)

// Texts WEBKNOSSOS uses, kept so its clients show what they expect.
const (
	msgNotAllowed   = "You are not authorized to view or edit this resource."
	msgNotFound     = "Couldn't find the requested resource."
	msgNoMatch      = "The two passwords do not match."
	msgInternal     = "Internal server error."
	msgTooLarge     = "Request body is too large."
	msgBadJSON      = "Request body is not valid JSON."
	msgTooManyTries = "Too many requests from your address."
)

// errorBody is the WEBKNOSSOS error shape: {"messages":[{"error":"…"}]}.
type errorBody struct {
	Messages []map[string]string `json:"messages"`
}

// statusFor is the one place that turns an error into an HTTP status and a message.
// Account kinds map as WEBKNOSSOS does where it has a rule (a conflict such as an email
// in use is 400); a failure with no kind is a 500 whose details stay in the log.
func statusFor(err error) (status int, msg string) {
	var ae *account.Error
	var tooBig *http.MaxBytesError
	var te *account.ThrottledError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, msgTooLarge
	case errors.As(err, &te):
		return http.StatusTooManyRequests, err.Error()
	}

	msg = err.Error()
	if errors.As(err, &ae) {
		msg = ae.Msg
	}
	switch {
	case errors.Is(err, account.ErrUnauthenticated):
		return http.StatusUnauthorized, msg
	case errors.Is(err, account.ErrForbidden):
		return http.StatusForbidden, msg
	case errors.Is(err, account.ErrNotFound):
		return http.StatusNotFound, msg
	case errors.Is(err, account.ErrInvalid), errors.Is(err, account.ErrConflict):
		return http.StatusBadRequest, msg
	case errors.Is(err, account.ErrThrottled):
		return http.StatusTooManyRequests, msg
	case errors.Is(err, account.ErrUnsupported):
		return http.StatusNotImplemented, msg
	}
	return http.StatusInternalServerError, msgInternal
}

// KindHeader names the error's account kind (see kindNames) on error answers, so wk's
// remote backend need not guess it from the status and text. WEBKNOSSOS clients ignore it.
const KindHeader = "X-Wk-Error-Kind"

// kindNames are the values of KindHeader.
var kindNames = []struct {
	kind error
	name string
}{
	{account.ErrUnauthenticated, "unauthenticated"},
	{account.ErrForbidden, "forbidden"},
	{account.ErrNotFound, "not-found"},
	{account.ErrConflict, "conflict"},
	{account.ErrInvalid, "invalid"},
	{account.ErrThrottled, "throttled"},
	{account.ErrUnsupported, "unsupported"},
}

// writeError answers err in the WEBKNOSSOS error shape. A 429 carries Retry-After; a
// 500 is logged with the error, which never holds a secret.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := statusFor(err)
	for _, k := range kindNames {
		if errors.Is(err, k.kind) {
			w.Header().Set(KindHeader, k.name)
			break
		}
	}
	if status == http.StatusTooManyRequests {
		var te *account.ThrottledError
		if errors.As(err, &te) {
			setRetryAfter(w, te.Until.Sub(s.cfg.Now()))
		}
	}
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
	}
	writeMessage(w, status, msg)
}

// writeMessage answers status with one error message.
func writeMessage(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Messages: []map[string]string{{"error": msg}}})
}

// setRetryAfter sets Retry-After to wait rounded up to whole seconds, at least one.
func setRetryAfter(w http.ResponseWriter, wait time.Duration) {
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
}

// writeJSON answers status with v as JSON. The user object, the most requested, is
// written as its MarshalJSON makes it: json.Marshal would only check and compact the
// same bytes again, which costs as much as making them.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b []byte
	var err error
	if u, ok := v.(*account.User); ok && u != nil {
		b, err = u.MarshalJSON()
	} else {
		b, err = json.Marshal(v)
	}
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"messages":[{"error":"`+msgInternal+`"}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeEmpty answers 200 with no body, as WEBKNOSSOS does for most writes.
func writeEmpty(w http.ResponseWriter) { w.WriteHeader(http.StatusOK) }
