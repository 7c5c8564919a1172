package githubtest

import "net/http"

// Private serves s as a private repository: a request without an
// Authorization header gets 404 "Not Found", as GitHub answers anonymous
// requests for a private repository ("Troubleshooting the REST API":
// GitHub returns 404 rather than 403 so as not to confirm that it exists).
func (s *Server) Private() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			errJSON(w, http.StatusNotFound, "Not Found")
			return
		}
		s.ServeHTTP(w, r)
	})
}
