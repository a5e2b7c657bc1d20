package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// signBundle replaces the rendered bundle with a signed one.
func signBundle(o options, a render.Artifacts) error {
	key, err := os.ReadFile(o.signingKey)
	if err != nil {
		return &spec.Error{File: o.signingKey, Problem: "cannot read the signing key: " + err.Error(), Fix: "name a PEM private key (RS256, ES256) or a file holding the HS256 secret"}
	}
	signed, err := bundle.Sign(a[render.BundlePath], key, o.signingAlg, o.keyID)
	if err != nil {
		return &spec.Error{File: o.signingKey, Problem: err.Error(), Fix: "check that the key fits --signing-alg " + o.signingAlg}
	}
	a[render.BundlePath] = signed
	return nil
}

// verifyCmd checks a signed bundle: exit 0 when valid, 1 when not, 2 for
// bad arguments.
func verifyCmd(args []string, stdout, stderr io.Writer) int {
	fl := pflag.NewFlagSet("policygen verify", pflag.ContinueOnError)
	fl.SetOutput(stderr)
	file := fl.String("bundle", "dist/"+render.BundlePath, "the bundle to verify")
	pub := fl.String("public-key", "", "the public key (PEM), or the HS256 secret file")
	alg := fl.String("signing-alg", "RS256", "RS256, ES256 or HS256")
	keyID := fl.String("key-id", bundle.DefaultKeyID, "the key id the bundle was signed with")
	if err := fl.Parse(args); err != nil {
		return exitInvalid
	}
	if *pub == "" {
		fmt.Fprintln(stderr, "policygen verify: --public-key is required")
		return exitInvalid
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		fmt.Fprintf(stderr, "policygen verify: %v\n", err)
		return exitInvalid
	}
	key, err := os.ReadFile(*pub)
	if err != nil {
		fmt.Fprintf(stderr, "policygen verify: %v\n", err)
		return exitInvalid
	}
	if err := bundle.Verify(b, key, *alg, *keyID); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *file, err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "%s: signature valid (%s, key id %s)\n", *file, *alg, *keyID)
	return 0
}
