package bundle_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	opabundle "github.com/open-policy-agent/opa/v1/bundle"

	"github.com/policygen/policygen/internal/bundle"
)

const tamperedModule = "/rules/hostprocess-allowed.rego"

func TestSignAndVerify(t *testing.T) {
	s, modules := realModules(t)
	unsigned, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	algs := []struct {
		alg           string
		keys          func(*testing.T) keyPair
		deterministic bool
	}{
		{"RS256", rsaKeys, true},
		{"ES256", ecKeys, false},
		{"HS256", hmacKeys, true},
	}
	for _, a := range algs {
		t.Run(a.alg, func(t *testing.T) {
			key, other := a.keys(t), a.keys(t)
			signed, err := bundle.Sign(unsigned, key.private, a.alg, "")
			if err != nil {
				t.Fatal(err)
			}
			if err := bundle.Verify(signed, key.public, a.alg, ""); err != nil {
				t.Fatalf("the signed bundle does not verify: %v", err)
			}
			t.Logf("signed bundle: %d bytes", len(signed))

			again, err := bundle.Sign(unsigned, key.private, a.alg, "")
			if err != nil {
				t.Fatal(err)
			}
			if a.deterministic && !bytes.Equal(signed, again) {
				t.Errorf("signing twice gives different bytes")
			}
			// Re-signing a signed bundle replaces the signature.
			resigned, err := bundle.Sign(signed, key.private, a.alg, "")
			if err != nil {
				t.Fatal(err)
			}
			if a.deterministic && !bytes.Equal(signed, resigned) {
				t.Errorf("re-signing a signed bundle gives different bytes")
			}
			if err := bundle.Verify(resigned, key.public, a.alg, ""); err != nil {
				t.Errorf("the re-signed bundle does not verify: %v", err)
			}
			sameContent(t, unsigned, signed)

			// A named key signs and verifies too.
			named, err := bundle.Sign(unsigned, key.private, a.alg, "release-2026")
			if err != nil {
				t.Fatal(err)
			}
			if err := bundle.Verify(named, key.public, a.alg, "release-2026"); err != nil {
				t.Errorf("signed under a named key, does not verify: %v", err)
			}

			rejected := []struct {
				name   string
				bundle func() []byte
				key    []byte
				err    string
			}{
				{
					name:   "tampered module",
					bundle: func() []byte { return tamper(t, signed, tamperedModule) },
					err:    "bundle signature verification failed: rules/hostprocess-allowed.rego: digest mismatch",
				},
				{
					name: "tampered manifest",
					bundle: func() []byte {
						return rewrite(t, signed, "/.manifest", []byte(`"revision":"`), []byte(`"revision":"0`))
					},
					err: "bundle signature verification failed: .manifest: digest mismatch",
				},
				{
					name:   "removed module",
					bundle: func() []byte { return remove(t, signed, tamperedModule) },
					err:    "bundle signature verification failed: file(s) [rules/hostprocess-allowed.rego] specified in bundle signatures but not found in the target bundle",
				},
				{
					name:   "removed manifest",
					bundle: func() []byte { return remove(t, signed, "/.manifest") },
					err:    "bundle signature verification failed: file(s) [.manifest] specified in bundle signatures but not found in the target bundle",
				},
				{
					name: "added module",
					bundle: func() []byte {
						return add(t, signed, "/lib/hostprocess/extra.rego", "package lib.hostprocess.extra\n\nallow := true\n")
					},
					err: "bundle signature verification failed: file lib/hostprocess/extra.rego not included in bundle signature",
				},
				{
					name:   "wrong key",
					bundle: func() []byte { return signed },
					key:    other.public,
					err:    "bundle signature verification failed: failed to verify JWT signature",
				},
				{
					name:   "signatures removed",
					bundle: func() []byte { return remove(t, signed, "/.signatures.json") },
					err:    "bundle signature verification failed: bundle missing .signatures.json file",
				},
				{
					name:   "never signed",
					bundle: func() []byte { return unsigned },
					err:    "bundle signature verification failed: bundle missing .signatures.json file",
				},
				{
					name:   "no key",
					bundle: func() []byte { return signed },
					key:    []byte{},
					err:    "bundle signature verification failed: no verification key given",
				},
			}
			for _, r := range rejected {
				t.Run(r.name, func(t *testing.T) {
					k := key.public
					if r.key != nil {
						k = r.key
					}
					err := bundle.Verify(r.bundle(), k, a.alg, "")
					if err == nil {
						t.Fatalf("accepted, want an error containing %q", r.err)
					}
					if !strings.Contains(err.Error(), r.err) {
						t.Fatalf("error:\n %v\nwant one containing\n %s", err, r.err)
					}
				})
			}
		})
	}
}

// sameContent checks that signing changed nothing but .signatures.json.
func sameContent(t *testing.T, unsigned, signed []byte) {
	t.Helper()
	var without []entry
	for _, e := range untar(t, signed) {
		if e.hdr.Name != "/.signatures.json" {
			without = append(without, e)
		}
	}
	before := untar(t, unsigned)
	if len(before) != len(without) {
		t.Fatalf("signed bundle has %d files besides .signatures.json, unsigned has %d", len(without), len(before))
	}
	for i := range before {
		if before[i].hdr.Name != without[i].hdr.Name || !bytes.Equal(before[i].body, without[i].body) {
			t.Errorf("entry %d: %s in the unsigned bundle, %s in the signed one, or different contents",
				i, before[i].hdr.Name, without[i].hdr.Name)
		}
	}
}

// tamper changes one byte of the named file.
func tamper(t *testing.T, tgz []byte, name string) []byte {
	t.Helper()
	entries := untar(t, tgz)
	for i, e := range entries {
		if e.hdr.Name == name {
			body := bytes.Clone(e.body)
			body[len(body)/2] ^= 0x01
			entries[i].body = body
			return retar(t, entries)
		}
	}
	t.Fatalf("no %s in the bundle", name)
	return nil
}

// rewrite replaces old by new in the named file.
func rewrite(t *testing.T, tgz []byte, name string, old, new []byte) []byte {
	t.Helper()
	entries := untar(t, tgz)
	for i, e := range entries {
		if e.hdr.Name == name {
			if !bytes.Contains(e.body, old) {
				t.Fatalf("%s has no %q", name, old)
			}
			entries[i].body = bytes.Replace(e.body, old, new, 1)
			return retar(t, entries)
		}
	}
	t.Fatalf("no %s in the bundle", name)
	return nil
}

// remove drops the named file.
func remove(t *testing.T, tgz []byte, name string) []byte {
	t.Helper()
	var kept []entry
	for _, e := range untar(t, tgz) {
		if e.hdr.Name != name {
			kept = append(kept, e)
		}
	}
	if len(kept) == len(untar(t, tgz)) {
		t.Fatalf("no %s in the bundle", name)
	}
	return retar(t, kept)
}

// add appends a file, with the headers of the first one.
func add(t *testing.T, tgz []byte, name, content string) []byte {
	t.Helper()
	entries := untar(t, tgz)
	hdr := *entries[0].hdr
	hdr.Name = name
	return retar(t, append(entries, entry{&hdr, []byte(content)}))
}

func TestSignRejectsBadKeys(t *testing.T) {
	s, modules := realModules(t)
	unsigned, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(existing, []byte("the real secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	rsa := rsaKeys(t)
	tests := []struct {
		name   string
		bundle []byte
		key    []byte
		alg    string
		err    string
	}{
		{"unsupported algorithm", unsigned, rsa.private, "RS999", `bundle signing failed: unsupported algorithm "RS999"`},
		{"no key", unsigned, nil, "HS256", "bundle signing failed: no HS256 key given"},
		{"RSA key not PEM", unsigned, []byte("not a key"), "RS256", "bundle signing failed: the RS256 key must be PEM"},
		{"public key to sign", unsigned, rsa.public, "RS256", "bundle signing failed: RS256 key: unsupported key type: PUBLIC KEY"},
		{"EC algorithm, RSA key", unsigned, rsa.private, "ES256", "bundle signing failed: ES256 key:"},
		{"secret names a file", unsigned, []byte(existing), "HS256", "bundle signing failed: the HS256 secret is also the name of an existing file"},
		{"secret OPA cannot stat", unsigned, []byte("s3cr\x00t"), "HS256", "bundle signing failed: OPA cannot use this HS256 secret"},
		{"not a bundle", []byte("not a tar.gz"), rsa.private, "RS256", "bundle signing failed: OPA does not load the bundle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := bundle.Sign(tc.bundle, tc.key, tc.alg, "")
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
			if len(tc.key) > 0 && !strings.HasPrefix(string(tc.key), "-----BEGIN") && strings.Contains(err.Error(), string(tc.key)) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}

// A signed bundle still loads in an OPA that does not verify, and OPA's own
// reader with verification accepts it as Verify does.
func TestSignedBundleLoadsInOPA(t *testing.T) {
	s, modules := realModules(t)
	unsigned, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	key := rsaKeys(t)
	signed, err := bundle.Sign(unsigned, key.private, "RS256", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := opabundle.NewReader(bytes.NewReader(signed)).WithSkipBundleVerification(true).Read(); err != nil {
		t.Errorf("OPA does not load the signed bundle without verification: %v", err)
	}
	vc := opabundle.NewVerificationConfig(map[string]*opabundle.KeyConfig{
		bundle.DefaultKeyID: {Key: string(key.public), Algorithm: "RS256"},
	}, "", "", nil) // no key id configured: OPA takes it from the JWT
	if _, err := opabundle.NewReader(bytes.NewReader(signed)).WithBundleVerificationConfig(vc).Read(); err != nil {
		t.Errorf("OPA does not verify the signed bundle by the JWT's key id: %v", err)
	}
}
