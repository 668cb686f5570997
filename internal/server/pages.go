package server

import (
	"embed"
	"net/http"
	"path"
)

// pageFS holds the HTML pages and their assets. They load nothing from other origins.
// The passkey pages (passkey.html, passkey.js) are served by handlers_passkey.go.
//
//go:embed pages
var pageFS embed.FS

// assetTypes are the files /auth/assets/ may serve, with their content types.
var assetTypes = map[string]string{
	"reset.js":   "text/javascript; charset=utf-8",
	"passkey.js": "text/javascript; charset=utf-8",
	"wk.css":     "text/css; charset=utf-8",
}

// resetPage serves the form a reset mail links to. The token stays in the query string,
// which the page's script reads and then removes from the address bar.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	s.servePage(w, "reset.html", "text/html; charset=utf-8", cspPage)
}

// asset serves the pages' scripts and styles.
func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.PathValue("name"))
	ctype, ok := assetTypes[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.servePage(w, name, ctype, cspAPI)
}

func (s *Server) servePage(w http.ResponseWriter, name, ctype, csp string) {
	b, err := pageFS.ReadFile("pages/" + name)
	if err != nil {
		writeMessage(w, http.StatusInternalServerError, msgInternal)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Security-Policy", csp)
	w.Write(b)
}
