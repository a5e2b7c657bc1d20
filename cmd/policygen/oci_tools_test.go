//go:build tools

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/oci/ocitest"
)

const badDaemonSet = "testdata/manifests/01-bad-daemonset.yaml"

// publish --push sends a signed dist/ to a registry on 127.0.0.1; then the
// real tools pull from it, as the README shows, and each finds in the
// DaemonSet that breaks every rule once exactly one violation of each rule:
// conftest pull + conftest test, OPA's server with an OCI bundle service
// and the verification key, gator test --image.
func TestPulledFromRegistry(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials, for every tool
	s := embeddedSpec(t)
	want := ruleIDs(s, "all")
	slices.Sort(want)
	dir := t.TempDir()
	key, pub := writeRSAKeys(t, dir)
	host := ocitest.Start(t)
	ref := host + "/hostprocess"
	v := s.Metadata.Version
	if code, out, stderr := runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", filepath.Join(dir, "dist"), "--signing-key", key, "--push", ref); code != 0 || !strings.Contains(out, "/bundle:"+v+" sha256:") || !strings.Contains(out, " (1 layer; signed)\n") {
		t.Fatalf("publish --push: exit %d\n%s%s", code, out, stderr)
	}

	t.Run("conftest", func(t *testing.T) {
		// As a user does: conftest pulls into ./policy, where conftest test looks.
		work := t.TempDir()
		manifest, err := filepath.Abs(badDaemonSet)
		if err != nil {
			t.Fatal(err)
		}
		pull := exec.Command(tool(t, "conftest"), "pull", "oci://"+ref+"/conftest:"+v)
		pull.Dir = work
		if out, err := pull.CombinedOutput(); err != nil {
			t.Fatalf("conftest pull: %v\n%s", err, out)
		}
		test := exec.Command(tool(t, "conftest"), "test", "--no-color", "-o", "json", manifest)
		test.Dir = work
		out, _ := test.Output()
		var results []struct {
			Failures []struct {
				Metadata struct {
					Details struct{ Rule string } `json:"details"`
				} `json:"metadata"`
			} `json:"failures"`
		}
		if err := json.Unmarshal(out, &results); err != nil || len(results) != 1 {
			t.Fatalf("conftest output: %v\n%s", err, out)
		}
		var rules []string
		for _, f := range results[0].Failures {
			rules = append(rules, f.Metadata.Details.Rule)
		}
		slices.Sort(rules)
		if !slices.Equal(rules, want) {
			t.Errorf("conftest with the pulled policies: %d violations of %v, want one of each of %v", len(rules), rules, want)
		}
	})

	t.Run("opa", func(t *testing.T) {
		work := t.TempDir()
		cfg := opaConfig(t, work, host, v, pub)
		addr := freeAddr(t)
		var logs bytes.Buffer
		cmd := exec.Command(tool(t, "opa"), "run", "--server", "--addr", addr, "--config-file", cfg)
		cmd.Dir, cmd.Stdout, cmd.Stderr = work, &logs, &logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// stop ends OPA; its log is read only after.
		stop := sync.OnceFunc(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		defer stop()
		client := &http.Client{Timeout: 5 * time.Second}
		ready := false
		for i := 0; i < 120 && !ready; i++ { // up to 30s for the download
			resp, err := client.Get("http://" + addr + "/health?bundles")
			if err == nil {
				resp.Body.Close()
				ready = resp.StatusCode == http.StatusOK
			}
			if !ready {
				time.Sleep(250 * time.Millisecond)
			}
		}
		if !ready {
			stop()
			t.Fatalf("OPA did not activate the bundle from %s/bundle:%s:\n%s", ref, v, logs.String())
		}
		manifest, err := os.ReadFile(badDaemonSet)
		if err != nil {
			t.Fatal(err)
		}
		input, err := yaml.YAMLToJSON(manifest)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/v1/data/main/violation", strings.NewReader(`{"input":`+string(input)+`}`))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var res struct {
			Result []struct {
				Details struct{ Rule string } `json:"details"`
			} `json:"result"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
			t.Fatalf("OPA's answer: %v", err)
		}
		var rules []string
		for _, v := range res.Result {
			rules = append(rules, v.Details.Rule)
		}
		slices.Sort(rules)
		if !slices.Equal(rules, want) {
			t.Errorf("OPA with the pulled bundle: %d violations of %v, want one of each of %v", len(rules), rules, want)
		}
		stop()
		if !strings.Contains(logs.String(), "Bundle loaded and activated successfully") {
			t.Errorf("OPA's log does not say it activated the bundle:\n%s", logs.String())
		}
	})

	t.Run("opa refuses another key", func(t *testing.T) {
		// The same service with a key that did not sign the bundle: OPA
		// never activates it.
		_, otherPub := writeRSAKeys(t, t.TempDir())
		cfg := opaConfig(t, t.TempDir(), host, v, otherPub)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, tool(t, "opa"), "exec", "--config-file", cfg, "--decision", "main/violation", "--timeout", "10s", badDaemonSet).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "failed to verify JWT signature") {
			t.Errorf("opa exec with another key: %v\n%s", err, out)
		}
	})

	t.Run("gator", func(t *testing.T) {
		out, _ := exec.Command(tool(t, "gator"), "test", "-o", "json", "--tempdir", t.TempDir(), "--image", ref+"/gatekeeper:"+v, "-f", badDaemonSet).Output()
		var results []struct {
			Constraint struct{ Kind string } `json:"constraint"`
		}
		if err := json.Unmarshal(out, &results); err != nil {
			t.Fatalf("gator output: %v\n%s", err, out)
		}
		byKind := map[string]string{}
		for _, r := range s.Rules {
			byKind[r.Kind] = r.ID
		}
		var rules []string
		for _, r := range results {
			rules = append(rules, byKind[r.Constraint.Kind])
		}
		slices.Sort(rules)
		if !slices.Equal(rules, want) {
			t.Errorf("gator with the pulled image: %d violations of %v, want one of each of %v", len(rules), rules, want)
		}
	})
}

// opaConfig writes, in dir, the README's OPA configuration (the yaml
// block with an oci service, for 127.0.0.1:5000/hostprocess) for the
// registry on host, the spec version and the public key in the file pub,
// with OPA's store in dir and slow polling.
func opaConfig(t *testing.T, dir, host, version, pub string) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var block string
	for _, b := range strings.Split(string(readme), "```yaml\n")[1:] {
		if b, _, _ = strings.Cut(b, "```"); strings.Contains(b, "type: oci") {
			block = b
		}
	}
	const placeholder = "      -----BEGIN PUBLIC KEY-----\n      (pub.pem)\n      -----END PUBLIC KEY-----\n"
	if resource := "127.0.0.1:5000/hostprocess/bundle:" + version; !strings.Contains(block, placeholder) || !strings.Contains(block, resource) {
		t.Fatalf("the README shows no OPA configuration with an oci service, the resource %s and the key placeholder:\n%s", resource, block)
	}
	pem, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	block = strings.ReplaceAll(block, "127.0.0.1:5000", host)
	block = strings.Replace(block, placeholder, "      "+strings.ReplaceAll(strings.TrimSpace(string(pem)), "\n", "\n      ")+"\n", 1)
	var config map[string]any
	if err := yaml.Unmarshal([]byte(block), &config); err != nil {
		t.Fatalf("the README's OPA configuration: %v\n%s", err, block)
	}
	config["persistence_directory"] = filepath.Join(dir, "persist")
	bundles, _ := config["bundles"].(map[string]any)
	hostprocess, _ := bundles["hostprocess"].(map[string]any)
	if hostprocess == nil {
		t.Fatalf("the README's OPA configuration has no bundle hostprocess:\n%s", block)
	}
	hostprocess["polling"] = map[string]any{"min_delay_seconds": 60, "max_delay_seconds": 120}
	b, err := yaml.Marshal(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "opa.yaml")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// freeAddr is a free port on 127.0.0.1.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr())
}
