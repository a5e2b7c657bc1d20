package bundle

import (
	"bytes"
	"errors"
	"fmt"

	opabundle "github.com/open-policy-agent/opa/v1/bundle"
)

// Verify loads the bundle with OPA's reader and a verification config for
// the one key publicKey (a PEM public key, or the shared secret for HS*)
// under keyID (DefaultKeyID if empty) and alg (DefaultAlgorithm if empty).
// It fails when .signatures.json is missing, when its JWT is not signed by
// that key, and when any file was changed, removed or added since signing;
// the error says which file, as OPA reports it.
func Verify(bundleTarGz []byte, publicKey []byte, alg, keyID string) error {
	if alg == "" {
		alg = DefaultAlgorithm
	}
	if keyID == "" {
		keyID = DefaultKeyID
	}
	if len(publicKey) == 0 {
		return errors.New("bundle signature verification failed: no verification key given")
	}
	keys := map[string]*opabundle.KeyConfig{
		keyID: {Key: string(publicKey), Algorithm: alg},
	}
	// A KeyID in the config makes OPA require .signatures.json and use this
	// key whatever the JWT names.
	vc := opabundle.NewVerificationConfig(keys, keyID, "", nil)
	_, err := opabundle.NewReader(bytes.NewReader(bundleTarGz)).
		WithBundleVerificationConfig(vc).
		Read()
	if err != nil {
		return fmt.Errorf("bundle signature verification failed: %w", err)
	}
	return nil
}
