package bundle

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	opabundle "github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/keys"
)

// Sign returns the bundle with a /.signatures.json added by OPA's bundle
// signing: a JWT over the SHA-256 of every file (modules, data.json,
// .manifest), signed with key under alg and carrying keyID (DefaultKeyID if
// empty). key is a PEM private key for RS*, PS* and ES* (PKCS#1, SEC 1 or
// PKCS#8) and the shared secret for HS*. alg defaults to RS256. A signature
// already in the bundle is replaced. RS* and HS* signatures are
// deterministic, so signing the same bundle twice gives the same bytes;
// ES* and PS* signatures are randomized.
func Sign(bundleTarGz []byte, key []byte, alg, keyID string) ([]byte, error) {
	if alg == "" {
		alg = DefaultAlgorithm
	}
	if keyID == "" {
		keyID = DefaultKeyID
	}
	if err := checkSigningKey(key, alg); err != nil {
		return nil, fmt.Errorf("bundle signing failed: %w", err)
	}
	b, err := read(bundleTarGz)
	if err != nil {
		return nil, fmt.Errorf("bundle signing failed: OPA does not load the bundle: %w", err)
	}
	// Keep the output independent of the input's entry order.
	sort.Slice(b.Modules, func(i, j int) bool { return b.Modules[i].Path < b.Modules[j].Path })
	sc := opabundle.NewSigningConfig(string(key), alg, "")
	if err := b.GenerateSignature(sc, keyID, true); err != nil {
		return nil, fmt.Errorf("bundle signing failed: %s key: %w", alg, err)
	}
	out, err := write(b)
	if err != nil {
		return nil, fmt.Errorf("bundle signing failed: writing the tar.gz: %w", err)
	}
	return out, nil
}

// checkSigningKey rejects keys that OPA's signer would misread. OPA takes a
// key that does not start with "-----BEGIN" for a file name when such a file
// exists, and fails with the key in the message when it cannot be a file name
// at all; neither may happen to a secret.
func checkSigningKey(key []byte, alg string) error {
	if !keys.IsSupportedAlgorithm(alg) {
		return fmt.Errorf("unsupported algorithm %q (want RS256, ES256, HS256 or another JWS algorithm OPA supports)", alg)
	}
	if len(key) == 0 {
		return fmt.Errorf("no %s key given", alg)
	}
	if strings.HasPrefix(string(key), "-----BEGIN") {
		return nil
	}
	if !strings.HasPrefix(alg, "HS") {
		return fmt.Errorf("the %s key must be PEM, starting with -----BEGIN", alg)
	}
	_, err := os.Stat(string(key))
	var pathErr *fs.PathError
	switch {
	case err == nil:
		return fmt.Errorf("the %s secret is also the name of an existing file, which OPA would sign with instead; use another secret", alg)
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.As(err, &pathErr):
		return fmt.Errorf("OPA cannot use this %s secret: it tries it as a file name first, and that fails: %v", alg, pathErr.Err)
	default:
		return fmt.Errorf("OPA cannot use this %s secret: it tries it as a file name first, and that fails", alg)
	}
}
