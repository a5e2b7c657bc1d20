// Package ocitest runs an OCI registry in the test process, on 127.0.0.1
// and a free port, for the tests of push and of the real tools pulling
// from it. Never linked into the binary.
package ocitest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Start serves an in-memory registry (go-containerregistry's) until the
// test ends and returns its host:port. wrap, if given, wraps its handler,
// to refuse or fail requests.
func Start(t testing.TB, wrap ...func(http.Handler) http.Handler) string {
	t.Helper()
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	for _, w := range wrap {
		h = w(h)
	}
	srv := httptest.NewServer(h) // listens on 127.0.0.1, a free port
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// ReadOnly refuses every write with status (401 or 403), as a registry
// refuses a push without the right credentials; reads pass.
func ReadOnly(status int) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next.ServeHTTP(w, r)
				return
			}
			code := "DENIED"
			if status == http.StatusUnauthorized {
				code = "UNAUTHORIZED"
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"errors":[{"code":"`+code+`","message":"this registry is read-only"}]}`)
		})
	}
}
