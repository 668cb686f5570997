package passkey

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
)

//go:embed page.html
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// claimCookie marks the browser that opened the page first; the page's calls need it,
// so someone else who learns the URL cannot take over the ceremony.
const claimCookie = "wk_passkey"

// maxResponseBytes bounds a posted credential; real ones are a few kilobytes.
const maxResponseBytes = 64 << 10

type pageData struct {
	ScriptNonce string
	Mode        Mode
	Base        string
	Title       string
	Success     string
}

// finishCall is a [FinishFunc] with its result already delivered to Run.
type finishCall func(ctx context.Context, ceremonyID string, response []byte) error

func (h *Handoff) handler(ctx context.Context, begin BeginFunc, finish finishCall) http.Handler {
	var finishing sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("X-Content-Type-Options", "nosniff")

		// A page reached through another name (DNS rebinding, 127.0.0.1) gets nothing:
		// the RP ID and origin only work for localhost:PORT.
		if r.Host != strings.TrimPrefix(h.Origin(), "http://") {
			host := strings.TrimPrefix(h.Origin(), "http://")
			http.Error(w, "wrong host: open "+host+" instead", http.StatusMisdirectedRequest)
			return
		}
		nonce, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		if !equalSecret(nonce, h.nonce) {
			http.NotFound(w, r)
			return
		}

		switch {
		case rest == string(h.mode) && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			h.servePage(w, r)
		case rest == "options" && r.Method == http.MethodPost:
			if h.refuseCall(w, r) {
				return
			}
			h.serveOptions(ctx, w, begin)
		case rest == "finish" && r.Method == http.MethodPost:
			if h.refuseCall(w, r) {
				return
			}
			finishing.Lock()
			defer finishing.Unlock()
			h.serveFinish(ctx, w, r, finish)
		default:
			http.NotFound(w, r)
		}
	})
}

func (h *Handoff) servePage(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	claim, done := h.claim, h.done
	if claim == "" {
		claim = randomToken()
		h.claim = claim
	} else if c, err := r.Cookie(claimCookie); err != nil || !equalSecret(c.Value, claim) {
		claim = ""
	}
	h.mu.Unlock()
	if claim == "" {
		http.Error(w, "this passkey page is already open in another browser: run the command again", http.StatusConflict)
		return
	}
	if done {
		http.Error(w, "this passkey ceremony is over: you can close this tab", http.StatusGone)
		return
	}

	data := pageData{ScriptNonce: randomToken(), Mode: h.mode, Base: h.base(), Title: "wk: add a passkey",
		Success: h.SuccessText}
	if h.mode == ModeLogin {
		data.Title = "wk: log in with a passkey"
	}
	if data.Success == "" {
		data.Success = map[Mode]string{
			ModeRegister: "Passkey added. You can close this tab and return to the terminal.",
			ModeLogin:    "Logged in. You can close this tab and return to the terminal.",
		}[h.mode]
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		http.Error(w, "render passkey page", http.StatusInternalServerError)
		return
	}

	w.Header().Set("Content-Security-Policy", contentPolicy(data.ScriptNonce))
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.SetCookie(w, &http.Cookie{Name: claimCookie, Value: claim, Path: h.base(), HttpOnly: true,
		SameSite: http.SameSiteStrictMode})
	_, _ = w.Write(buf.Bytes())
}

// contentPolicy allows the page nothing but its own nonce-tagged script and style and
// calls back to its own origin.
func contentPolicy(nonce string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'nonce-" + nonce + "'",
		"style-src 'nonce-" + nonce + "'",
		"connect-src 'self'",
		"img-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// refuseCall answers and returns true when a call does not come from the page: it
// must carry the claim cookie, and a browser's Origin header must be the page's.
func (h *Handoff) refuseCall(w http.ResponseWriter, r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" && o != h.Origin() {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "request from another origin"})
		return true
	}
	h.mu.Lock()
	claim, done := h.claim, h.done
	h.mu.Unlock()
	c, err := r.Cookie(claimCookie)
	if claim == "" || err != nil || !equalSecret(c.Value, claim) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "open the page from its link first"})
		return true
	}
	if done {
		writeJSON(w, http.StatusGone, map[string]string{"error": "this passkey ceremony is over"})
		return true
	}
	return false
}

func (h *Handoff) serveOptions(ctx context.Context, w http.ResponseWriter, begin BeginFunc) {
	c, err := begin(ctx)
	if err != nil {
		h.fail(err)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": userMessage(err)})
		return
	}
	h.mu.Lock()
	h.ceremonies[c.ID] = struct{}{}
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ceremony": c.ID, "options": c.Options})
}

func (h *Handoff) serveFinish(ctx context.Context, w http.ResponseWriter, r *http.Request, finish finishCall) {
	var body struct {
		Ceremony   string          `json:"ceremony"`
		Credential json.RawMessage `json:"credential"`
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxResponseBytes))
	if err != nil || json.Unmarshal(raw, &body) != nil || len(body.Credential) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the browser sent no credential"})
		return
	}
	h.mu.Lock()
	_, issued := h.ceremonies[body.Ceremony]
	done := h.done
	h.mu.Unlock()
	switch {
	case done:
		writeJSON(w, http.StatusGone, map[string]string{"error": "this passkey ceremony is over"})
		return
	case !issued:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown ceremony: reload the page"})
		return
	}

	if err := finish(ctx, body.Ceremony, body.Credential); err != nil {
		h.fail(err)
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": userMessage(err)})
		return
	}
	h.mu.Lock()
	h.done = true
	h.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"message": "ok"})
}

func (h *Handoff) fail(err error) {
	h.mu.Lock()
	h.last = err
	h.mu.Unlock()
}
