package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// build --out into a directory that holds a user's file refuses, exit 2,
// and leaves the file; a regular file given as --dist stays a file.
func TestOutputDirectoriesAreNeverDestroyed(t *testing.T) {
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(notes, []byte("precious\n"), 0o644)
	code, out, stderr := runCLI(t, "build", "--out", dir)
	if code != exitInvalid || out != "" || !strings.Contains(stderr, "fix:") {
		t.Errorf("build --out into a user's directory: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "precious\n" {
		t.Errorf("notes.txt after build: %q, %v", b, err)
	}
	file := filepath.Join(t.TempDir(), "dist")
	os.WriteFile(file, []byte("a file\n"), 0o644)
	if code, _, stderr := runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", file); code != exitInvalid {
		t.Errorf("publish --dist FILE: exit %d: %s", code, stderr)
	}
	if st, err := os.Stat(file); err != nil || st.IsDir() {
		t.Errorf("the regular file given as --dist is now %v, %v", st, err)
	}
	// A previous output of policygen is replaced.
	out1 := filepath.Join(t.TempDir(), "out")
	for i := 0; i < 2; i++ {
		if code, _, stderr := runCLI(t, "build", "--out", out1); code != 0 {
			t.Fatalf("build #%d into its own output: exit %d: %s", i+1, code, stderr)
		}
	}
}

// kubectl reads hostProcess: yes as true (YAML 1.1), so eval must too.
func TestEvalReadsYAMLAsKubectlDoes(t *testing.T) {
	pod := "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {windowsOptions: {hostProcess: yes}}\n  containers: [{name: a, image: a}]\n"
	code, out, _ := runEval(t, pod, "--bundle", "guard", "-")
	if code != exitFailed || !strings.Contains(out, "FAIL  -#1 Pod p") || !strings.Contains(out, "hostprocess-allowed") {
		t.Errorf("hostProcess: yes: exit %d\n%s", code, out)
	}
}

// Every command explains itself with --help, exit 0; a flag problem names
// the command, the problem and the usage line, exit 2.
func TestHelpAndFlagProblems(t *testing.T) {
	for _, c := range commands {
		code, out, _ := runCLI(t, c.name, "--help")
		if code != 0 || !strings.Contains(out, "Usage:\n  policygen "+c.name) || !strings.Contains(out, "Exit codes:") {
			t.Errorf("%s --help: exit %d\n%s", c.name, code, out)
		}
		code, _, stderr := runCLI(t, c.name, "--bogus")
		if code != exitInvalid || !strings.HasPrefix(stderr, "policygen "+c.name+": unknown flag: --bogus\nusage: policygen "+c.name) {
			t.Errorf("%s --bogus: exit %d\n%s", c.name, code, stderr)
		}
	}
	for _, args := range [][]string{{"publish", "--spec"}, {"test", "--format", "xml"}, {"eval", "--verbose", "x.yaml"}, {"eval"}, {"build"}, {"verify"}} {
		code, _, stderr := runCLI(t, args...)
		if code != exitInvalid || !strings.HasPrefix(stderr, "policygen "+args[0]+": ") || !strings.Contains(stderr, "usage: policygen "+args[0]) {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
}
