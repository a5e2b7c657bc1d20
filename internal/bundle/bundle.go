// Package bundle publishes the Rego modules as an OPA bundle (a tar.gz with
// a .manifest), signs it and verifies it, with OPA's own bundle package, so
// that what OPA loads is exactly what was tested. One verb per file: build,
// sign, verify; the manifest and the tar.gz round trip live here and in
// manifest.go.
package bundle

import (
	"bytes"

	opabundle "github.com/open-policy-agent/opa/v1/bundle"
)

const (
	// DefaultKeyID names the key in .signatures.json when Sign or Verify is
	// given none.
	DefaultKeyID = "policygen"
	// DefaultAlgorithm is the signing algorithm when none is given, as in OPA.
	DefaultAlgorithm = "RS256"
)

// write serializes b with OPA's bundle writer. The writer is deterministic:
// every tar header has mode 0600, uid and gid 0, no user or group name and a
// zero mtime; the gzip header has no name and a zero mtime; the entries come
// in a fixed order (/data.json, the modules in slice order, /.signatures.json
// if signed, /.manifest). So equal bundles with modules in equal order give
// equal bytes.
func write(b opabundle.Bundle) ([]byte, error) {
	var buf bytes.Buffer
	// Modules are written as they are: the writer never formats them, and
	// DisableFormat says so. Paths are the module paths, not URLs.
	if err := opabundle.NewWriter(&buf).UseModulePath(true).DisableFormat(true).Write(b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// read loads a bundle with OPA's reader, ignoring any .signatures.json.
func read(bundleTarGz []byte) (opabundle.Bundle, error) {
	return opabundle.NewReader(bytes.NewReader(bundleTarGz)).
		WithSkipBundleVerification(true).
		Read()
}

// Modules returns the Rego modules of a bundle, by path, as OPA reads them.
func Modules(bundleTarGz []byte) (map[string]string, error) {
	b, err := read(bundleTarGz)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, m := range b.Modules {
		out[m.Path] = string(m.Raw)
	}
	return out, nil
}
