package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/policygen/policygen/internal/problem"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/bundle"
	bundletarget "github.com/policygen/policygen/internal/target/bundle"
)

var verifyCmd = func() *command {
	var file, pub, alg, keyID string
	return &command{
		name:    "verify",
		summary: "check the signature of a signed OPA bundle (dist/bundle.tar.gz)",
		help: `Check that a bundle signed by "policygen publish --signing-key" carries a
valid signature over exactly the files it holds, as OPA checks it when it
loads the bundle with a verification key.`,
		failed: "the signature is missing or invalid",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			fl.StringVar(&file, "opa-bundle", "dist/"+bundletarget.Path, "the OPA bundle to verify")
			fl.StringVar(&pub, "public-key", "", "the public key (PEM), or the HS256 secret file (required)")
			fl.StringVar(&alg, "signing-alg", "RS256", "RS256, ES256 or HS256")
			fl.StringVar(&keyID, "key-id", bundle.DefaultKeyID, "the key id the bundle was signed with")
			return func(args []string) error {
				if pub == "" {
					return errors.New("--public-key is required")
				}
				return all(func() error { return noArgs(args) }, func() error { return checkAlg(alg) })
			}
		},
		run: func(e env, _ []string) error {
			b, err := os.ReadFile(file)
			if err != nil {
				return &problem.Error{File: file, Problem: "cannot read the OPA bundle: " + err.Error(), Fix: "name it with --opa-bundle"}
			}
			key, err := os.ReadFile(pub)
			if err != nil {
				return &problem.Error{File: pub, Problem: "cannot read the key: " + err.Error(), Fix: "name the public key with --public-key"}
			}
			if err := bundle.Verify(b, key, alg, keyID); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
			fmt.Fprintf(e.stdout, "%s: signature valid (%s, key id %s)\n", file, alg, keyID)
			return nil
		},
	}
}()
