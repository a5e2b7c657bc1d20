//go:build tools

// Run by `make test` with the pinned conftest: POLICYGEN_CONFTEST names it.
package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// eval's verdicts are conftest's on the same files. (conftest reports a
// multi-document file as a whole, so the comparison is per file.)
func TestEvalMatchesConftest(t *testing.T) {
	bin := os.Getenv("POLICYGEN_CONFTEST")
	if bin == "" {
		t.Fatal("POLICYGEN_CONFTEST is unset: run `make test`, which installs the pinned conftest")
	}
	files, _ := filepath.Glob("testdata/manifests/*")
	sort.Strings(files)
	out, _ := exec.Command(bin, append([]string{"test", "--no-color", "-o", "json", "-p", "../../dist/conftest"}, files...)...).Output()
	var results []struct {
		Filename string `json:"filename"`
		Failures []struct {
			Msg      string `json:"msg"`
			Metadata struct {
				Details struct{ Rule, Field string } `json:"details"`
			} `json:"metadata"`
		} `json:"failures"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("conftest output: %v\n%s", err, out)
	}
	fromConftest := map[string][]string{} // file → violations
	for _, r := range results {
		for _, f := range r.Failures {
			fromConftest[r.Filename] = append(fromConftest[r.Filename], f.Metadata.Details.Rule+" "+f.Metadata.Details.Field+" "+f.Msg)
		}
	}
	code, evalOut, stderr := runEval(t, "", append([]string{"--format", "json"}, files...)...)
	if code != exitFailed {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	got := decodeEval(t, evalOut)
	fromEval := map[string][]string{}
	for _, o := range got.Objects {
		for _, v := range o.Violations {
			fromEval[o.File] = append(fromEval[o.File], v.Rule+" "+v.Field+" "+v.Msg)
		}
	}
	violations := 0
	for _, f := range files {
		c, e := fromConftest[f], fromEval[f]
		sort.Strings(c)
		sort.Strings(e)
		if strings.Join(c, "\n") != strings.Join(e, "\n") {
			t.Errorf("%s:\nconftest: %q\neval:     %q", f, c, e)
		}
		violations += len(c)
	}
	if violations != 26 {
		t.Errorf("conftest found %d violations in testdata/manifests, want 27", violations)
	}
}
