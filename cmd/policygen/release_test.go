package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// edit replaces old by new, once, in a file of a spec copy.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A template changed without a version bump fails check, naming the
// template, its version, the spec line and the fix; lock refuses it too and
// leaves the lock file alone. The release flow then passes step by step:
// bump the version (check wants its changelog entry), write the entry
// (check wants it locked), lock, check. A version lower than a released one
// is refused.
func TestReleaseFlow(t *testing.T) {
	cases := oneCase(t, 1)
	dir := brokenSpec(t, "rego/rules/hostprocess-host-network.rego",
		"package k8shostprocesshostnetwork\n", "package k8shostprocesshostnetwork\n\n# A comment is a change of the template.\n")
	specFile, lockFile, changelog := filepath.Join(dir, "hostprocess.yaml"), filepath.Join(dir, "versions.lock"), filepath.Join(dir, "CHANGELOG.md")
	dist := filepath.Join(t.TempDir(), "dist")
	publish := func() {
		t.Helper()
		if code, _, stderr := runCLI(t, "publish", "--spec", dir, "--cases", cases, "--dist", dist); code != 0 {
			t.Fatalf("publish: exit %d: %s", code, stderr)
		}
	}
	text, err := os.ReadFile(specFile)
	if err != nil {
		t.Fatal(err)
	}
	line := 2 + strings.Count(string(text[:strings.Index(string(text), "kind: K8sHostProcessHostNetwork")]), "\n")
	lockBefore, err := os.ReadFile(lockFile)
	if err != nil {
		t.Fatal(err)
	}

	publish()
	want := fmt.Sprintf("policygen check: a template's version does not match the lock\n"+
		"%s:%d: template k8shostprocesshostnetwork 1.0.0 (rule hostprocess-host-network) changed, but its version did not: %s records other digests for k8shostprocesshostnetwork 1.0.0\n"+
		"  fix: bump the rule's version (e.g. version: 1.0.1), add \"### 1.0.1 (YYYY-MM-DD)\" and what changed under \"## k8shostprocesshostnetwork\" in %s, then run `policygen lock`\n",
		specFile, line, lockFile, changelog)
	code, out, stderr := runCLI(t, "check", "--spec", dir, "--cases", cases, "--dist", dist)
	if code != exitFailed || stderr != want || !strings.HasPrefix(out, dist+" is up to date (") {
		t.Fatalf("check: exit %d, stdout:\n%s\nstderr:\n%s\nwant stderr:\n%s", code, out, stderr, want)
	}
	code, _, stderr = runCLI(t, "lock", "--spec", dir)
	if code != exitFailed || stderr != strings.Replace(want, "policygen check", "policygen lock", 1) {
		t.Errorf("lock: exit %d, stderr:\n%s", code, stderr)
	}
	if after, _ := os.ReadFile(lockFile); string(after) != string(lockBefore) {
		t.Error("a refused lock changed the lock file")
	}

	edit(t, specFile, "kind: K8sHostProcessHostNetwork\n    version: 1.0.0", "kind: K8sHostProcessHostNetwork\n    version: 1.0.1")
	code, _, stderr = runCLI(t, "check", "--spec", dir, "--cases", cases, "--dist", dist)
	if want := fmt.Sprintf("%s:%d: the changelog has no entry for template k8shostprocesshostnetwork 1.0.1 (rule hostprocess-host-network)\n", specFile, line); code != exitInvalid || !strings.HasPrefix(stderr, want) {
		t.Errorf("check after the bump: exit %d, stderr:\n%s\nwant it to begin with\n%s", code, stderr, want)
	}

	edit(t, changelog, "## k8shostprocesshostnetwork\n", "## k8shostprocesshostnetwork\n\n### 1.0.1 (2026-12-08)\n\n- A comment.\n")
	publish()
	code, _, stderr = runCLI(t, "check", "--spec", dir, "--cases", cases, "--dist", dist)
	if want := fmt.Sprintf("%s:%d: template k8shostprocesshostnetwork 1.0.1 (rule hostprocess-host-network) is not in %s\n  fix: run `policygen lock`", specFile, line, lockFile); code != exitFailed || !strings.Contains(stderr, want) || strings.Count(stderr, "\n  fix: ") != 1 {
		t.Errorf("check before lock: exit %d, stderr:\n%s\nwant it to contain\n%s", code, stderr, want)
	}
	code, out, stderr = runCLI(t, "lock", "--spec", dir)
	if code != 0 || out != "locked in "+lockFile+": k8shostprocesshostnetwork 1.0.1\n" {
		t.Fatalf("lock: exit %d, stdout %q, stderr:\n%s", code, out, stderr)
	}
	lock, _ := os.ReadFile(lockFile)
	if !strings.Contains(string(lock), "  k8shostprocesshostnetwork:\n    1.0.0:\n") || !strings.Contains(string(lock), "    1.0.1:\n      template: sha256:") {
		t.Errorf("the lock does not keep 1.0.0 and add 1.0.1:\n%s", lock)
	}
	code, out, _ = runCLI(t, "check", "--spec", dir, "--cases", cases, "--dist", dist)
	if code != 0 || !strings.HasSuffix(out, "8 template versions match "+lockFile+"\n") {
		t.Errorf("check after lock: exit %d, stdout:\n%s", code, out)
	}

	edit(t, specFile, "kind: K8sHostProcessHostNetwork\n    version: 1.0.1", "kind: K8sHostProcessHostNetwork\n    version: 0.9.0")
	edit(t, changelog, "## k8shostprocesshostnetwork\n", "## k8shostprocesshostnetwork\n\n### 0.9.0 (2026-12-09)\n\n- Lower.\n")
	publish()
	code, _, stderr = runCLI(t, "check", "--spec", dir, "--cases", cases, "--dist", dist)
	if want := fmt.Sprintf("%s:%d: template k8shostprocesshostnetwork 0.9.0 (rule hostprocess-host-network) is not locked, and 1.0.1 is already released\n  fix: give it a version higher than 1.0.1 (e.g. 1.0.2)", specFile, line); code != exitFailed || !strings.Contains(stderr, want) {
		t.Errorf("check of a lower version: exit %d, stderr:\n%s\nwant it to contain\n%s", code, stderr, want)
	}
}
