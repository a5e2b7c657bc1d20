package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeRSAKeys(t *testing.T, dir string) (private, public string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	private, public = filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem")
	os.WriteFile(private, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), 0o600)
	os.WriteFile(public, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
	return private, public
}

func TestPublishSignedAndVerify(t *testing.T) {
	dir := t.TempDir()
	key, pub := writeRSAKeys(t, dir)
	_, otherPub := writeRSAKeys(t, t.TempDir())
	dist := filepath.Join(dir, "dist")
	if code, _, stderr := runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", dist, "--signing-key", key); code != 0 {
		t.Fatalf("publish: %s", stderr)
	}
	b := filepath.Join(dist, "bundle.tar.gz")
	if code, out, stderr := runCLI(t, "verify", "--opa-bundle", b, "--public-key", pub); code != 0 || !strings.Contains(out, "signature valid (RS256, key id policygen)") {
		t.Errorf("verify: exit %d: %s%s", code, out, stderr)
	}
	// RS256 signatures are deterministic, so check reproduces the signed dist.
	if code, out, _ := runCLI(t, "check", "--cases", oneCase(t, 1), "--dist", dist, "--signing-key", key); code != 0 {
		t.Errorf("check of a signed dist: exit %d: %s", code, out)
	}
	if code, _, stderr := runCLI(t, "verify", "--opa-bundle", b, "--public-key", otherPub); code != exitFailed || !strings.Contains(stderr, "bundle signature verification failed") {
		t.Errorf("verify with another key: exit %d: %s", code, stderr)
	}
	unsigned := filepath.Join(t.TempDir(), "dist")
	runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", unsigned)
	if code, _, stderr := runCLI(t, "verify", "--opa-bundle", filepath.Join(unsigned, "bundle.tar.gz"), "--public-key", pub); code != exitFailed || !strings.Contains(stderr, "missing .signatures.json") {
		t.Errorf("verify of an unsigned bundle: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", unsigned, "--signing-key", pub); code != exitInvalid || !strings.Contains(stderr, "fix: ") {
		t.Errorf("signing with a public key: exit %d: %s", code, stderr)
	}
}
