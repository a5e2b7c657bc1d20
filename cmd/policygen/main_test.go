package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policygen/policygen/policies"
)

// oneCase is a cases directory with a single case, to keep publishes quick.
func oneCase(t *testing.T, expectCount int) string {
	t.Helper()
	dir := t.TempDir()
	exp := ""
	for i := 0; i < expectCount; i++ {
		exp += "        - {message: 'hostProcess: true'}\n"
	}
	body := `cases:
  - name: pod-level hostProcess
    object:
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        hostNetwork: true
        os: {name: windows}
        nodeSelector: {kubernetes.io/os: windows}
        securityContext: {windowsOptions: {hostProcess: true, runAsUserName: 'NT AUTHORITY\LOCAL SERVICE'}}
        containers: [{name: app, image: app:1, resources: {limits: {cpu: "1", memory: 1Gi}}}]
    expect:
      hostprocess-allowed:
` + exp
	if err := os.WriteFile(filepath.Join(dir, "c.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// brokenSpec copies the embedded spec tree to a directory and breaks one file.
func brokenSpec(t *testing.T, file, old, new string) string {
	t.Helper()
	dir := t.TempDir()
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		if p == file {
			if !bytes.Contains(b, []byte(old)) {
				t.Fatalf("%s has no %q", p, old)
			}
			b = bytes.Replace(b, []byte(old), []byte(new), 1)
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// snapshot reads every file below dir.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut}, args)
	return code, out.String(), errOut.String()
}

func TestPublishLeavesDistAloneOnBadInput(t *testing.T) {
	dist := filepath.Join(t.TempDir(), "dist")
	if code, _, stderr := runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", dist); code != 0 {
		t.Fatalf("first publish: exit %d: %s", code, stderr)
	}
	before := snapshot(t, dist)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"rego that does not parse", []string{"--spec", brokenSpec(t, "rego/rules/hostprocess-volume-mounts.rego", "some i, volume in volumes", "some i, volume in in volumes"), "--cases", oneCase(t, 1)},
			exitInvalid, "rego/rules/hostprocess-volume-mounts.rego:14: unexpected in keyword"},
		{"unknown spec field", []string{"--spec", brokenSpec(t, "hostprocess.yaml", "  title: Windows HostProcess pods\n", "  titel: Windows HostProcess pods\n"), "--cases", oneCase(t, 1)},
			exitInvalid, "hostprocess.yaml:10: field titel not found in type spec.Metadata"},
		{"case for an unknown rule", []string{"--cases", func() string {
			d := oneCase(t, 1)
			os.WriteFile(filepath.Join(d, "bad.yaml"), []byte("cases:\n  - name: x\n    object: {kind: Pod}\n    expect: {no-such-rule: []}\n"), 0o644)
			return d
		}()}, exitInvalid, `bad.yaml:2: case "x": expectation for unknown rule "no-such-rule"`},
		{"a failing case", []string{"--cases", oneCase(t, 2)}, exitFailed, "1 of 1 cases failed; nothing was published"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, append([]string{"publish", "--dist", dist}, tc.args...)...)
			if code != tc.wantCode {
				t.Errorf("exit %d, want %d", code, tc.wantCode)
			}
			if !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("stderr does not say %q:\n%s", tc.wantErr, stderr)
			}
			if tc.wantCode == exitInvalid && !strings.Contains(stderr, "fix: ") {
				t.Errorf("stderr gives no fix:\n%s", stderr)
			}
			if !equalTrees(before, snapshot(t, dist)) {
				t.Error("dist/ changed")
			}
		})
	}
}

func TestCheckFindsStaleDist(t *testing.T) {
	cases := oneCase(t, 1)
	dist := filepath.Join(t.TempDir(), "dist")
	if code, _, stderr := runCLI(t, "publish", "--cases", cases, "--dist", dist); code != 0 {
		t.Fatalf("publish: %s", stderr)
	}
	if code, out, _ := runCLI(t, "check", "--cases", cases, "--dist", dist); code != 0 {
		t.Fatalf("fresh dist is stale: %s", out)
	}
	os.WriteFile(filepath.Join(dist, "gatekeeper", "hostprocess-allowed", "template.yaml"), []byte("edited\n"), 0o644)
	os.Remove(filepath.Join(dist, "conftest", "main.rego"))
	os.WriteFile(filepath.Join(dist, "stray.txt"), []byte("x"), 0o644)
	code, out, _ := runCLI(t, "check", "--cases", cases, "--dist", dist)
	want := "missing: conftest/main.rego\nchanged: gatekeeper/hostprocess-allowed/template.yaml\nnot rendered: stray.txt\n"
	if code != exitFailed || !strings.Contains(out, want) {
		t.Errorf("check: exit %d, output:\n%s\nwant it to contain:\n%s", code, out, want)
	}
}

func TestPublishIsDeterministic(t *testing.T) {
	cases := oneCase(t, 1)
	var trees []map[string]string
	for i := 0; i < 2; i++ {
		wd := t.TempDir()
		t.Chdir(wd)
		if code, _, stderr := runCLI(t, "publish", "--cases", cases, "--dist", "out/dist"); code != 0 {
			t.Fatalf("publish in %s: %s", wd, stderr)
		}
		trees = append(trees, snapshot(t, filepath.Join(wd, "out", "dist")))
	}
	if len(trees[0]) < 40 || !equalTrees(trees[0], trees[1]) {
		t.Errorf("two publishes differ (or are too small: %d files)", len(trees[0]))
	}
}
