package server

import (
	"net/http"
	"strings"
)

// probeMethods are the methods apiFallback tries when it looks for the ones a path has.
var probeMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete,
}

// apiFallback answers /api/ requests no route took. When the path has routes for other
// methods it answers 405 with an Allow header listing them, in the WEBKNOSSOS error
// shape; otherwise 404. ServeMux alone cannot tell, because this catch-all matches
// every method and so hides the 405 the mux would give.
func (s *Server) apiFallback(mux *http.ServeMux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			probe := &http.Request{Method: m, URL: r.URL, Host: r.Host}
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) == 0 {
			writeMessage(w, http.StatusNotFound, msgNotFound)
			return
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeMessage(w, http.StatusMethodNotAllowed, "Method "+r.Method+" is not allowed here.")
	}
}
