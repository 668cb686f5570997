package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/wk-tools/wk/internal/account"
	"github.com/wk-tools/wk/internal/store"
)

// buildInfo answers what webknossos-libs reads to pick an API version.
func (s *Server) buildInfo(w http.ResponseWriter, r *http.Request) {
	type versioning struct {
		Current int `json:"currentApiVersion"`
		Oldest  int `json:"oldestSupportedApiVersion"`
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"webknossos":               map[string]string{"name": "wk", "version": s.cfg.Version},
		"httpApiVersioning":        versioning{Current: currentAPIVersion, Oldest: advertisedAPIVersion},
		"localDataStoreEnabled":    false,
		"localTracingStoreEnabled": false,
	})
}

// features answers the feature flags WEBKNOSSOS clients read and the wk extensions.
func (s *Server) features(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"passkeysEnabled":      s.passkeysOn,
		"openIdConnectEnabled": false,
		"wkExtensions":         extensions,
	})
}

// healthz answers 200 while the server runs, for load balancers and the benchmark.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

// decodeJSON reads the request body into v. A body over the limit keeps its
// *http.MaxBytesError (413); anything else unreadable is ErrInvalid (400).
func decodeJSON(r *http.Request, v any) error {
	err := json.NewDecoder(r.Body).Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return account.Errorf(account.ErrInvalid, "request body is missing: send JSON")
	}
	return account.Errorf(account.ErrInvalid, msgBadJSON)
}

// settle treats a *store.NoticeError as success: the change was saved and only its
// mail failed, which is logged. Answering the same also keeps forgot-password from
// telling whether an address exists.
func (s *Server) settle(r *http.Request, err error) error {
	var ne *store.NoticeError
	if errors.As(err, &ne) {
		s.log.Warn("notice not sent", "path", r.URL.Path, "notice", string(ne.Kind), "error", ne.Err)
		return nil
	}
	return err
}
