package bundle_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"testing"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/conftest"
	"github.com/policygen/policygen/policies"
)

// realModules returns the default spec and its rendered conftest tree, the
// modules the shipped bundle holds.
func realModules(t *testing.T) (*spec.Spec, render.Artifacts) {
	t.Helper()
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatalf("default spec does not load:\n%v", err)
	}
	a, err := conftest.Render(s)
	if err != nil {
		t.Fatalf("conftest.Render: %v", err)
	}
	return s, a.Under(conftest.Dir)
}

// entry is one file of a tar.gz, header and content.
type entry struct {
	hdr  *tar.Header
	body []byte
}

// untar lists the entries of a tar.gz in archive order.
func untar(t *testing.T, tgz []byte) []entry {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []entry
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, entry{hdr, body})
	}
}

// retar writes entries back into a tar.gz, headers unchanged.
func retar(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		hdr := *e.hdr
		hdr.Size = int64(len(e.body))
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// file returns the content of the named entry of a tar.gz.
func file(t *testing.T, tgz []byte, name string) []byte {
	t.Helper()
	for _, e := range untar(t, tgz) {
		if e.hdr.Name == name {
			return e.body
		}
	}
	t.Fatalf("no %s in the bundle", name)
	return nil
}

// keyPair is what signs and what verifies, as Sign and Verify take them.
type keyPair struct{ private, public []byte }

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func publicPEM(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock("PUBLIC KEY", der)
}

// rsaKeys is a fresh RSA 2048 key: PKCS#1 private, PKIX public.
func rsaKeys(t *testing.T) keyPair {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k)), publicPEM(t, &k.PublicKey)}
}

// ecKeys is a fresh P-256 key: SEC 1 private, PKIX public.
func ecKeys(t *testing.T) keyPair {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return keyPair{pemBlock("EC PRIVATE KEY", der), publicPEM(t, &k.PublicKey)}
}

// hmacKeys is a fresh shared secret, 32 random bytes in hex.
func hmacKeys(t *testing.T) keyPair {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	secret := []byte(hex.EncodeToString(b))
	return keyPair{secret, secret}
}
