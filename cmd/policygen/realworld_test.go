package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/policygen/policygen/testcases/realworld"
)

// realworldVerdict is one entry of testcases/realworld/default-verdicts.yaml.
type realworldVerdict = realworld.DefaultVerdict

func realworldVerdicts(t *testing.T) []realworldVerdict {
	t.Helper()
	vs, err := realworld.DefaultVerdicts()
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// Under the default constraints, eval gives every real-world manifest the
// verdict recorded for it: the system components in kube-system admitted
// (warnings allowed), HostProcess workloads elsewhere denied.
func TestRealworldVerdictsUnderDefaultConstraints(t *testing.T) {
	want := realworldVerdicts(t)
	var files []string
	for _, v := range want {
		files = append(files, filepath.Join("../../testcases/realworld", v.File))
	}
	code, out, stderr := runEval(t, "", append([]string{"--format", "json"}, files...)...)
	if code != exitFailed {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	got := decodeEval(t, out)
	byFile := map[string]realworldVerdict{}
	for _, o := range got.Objects {
		v := realworldVerdict{File: filepath.Base(o.File), Verdict: map[string]string{"ok": "admit", "warn": "warn", "fail": "deny"}[o.Status]}
		for _, x := range o.Violations {
			if x.Action == "warn" {
				v.Warn = append(v.Warn, x.Rule)
			} else {
				v.Deny = append(v.Deny, x.Rule)
			}
		}
		v.Deny, v.Warn = set(v.Deny), set(v.Warn)
		byFile[v.File] = v
	}
	counts := map[string]int{}
	for _, w := range want {
		g := byFile[w.File]
		counts[g.Verdict]++
		if g.Verdict != w.Verdict || !slices.Equal(g.Deny, set(w.Deny)) || !slices.Equal(g.Warn, set(w.Warn)) {
			t.Errorf("%s: %s deny %v warn %v, want %s deny %v warn %v", w.File, g.Verdict, g.Deny, g.Warn, w.Verdict, w.Deny, w.Warn)
		}
	}
	if len(want) < 20 || counts["deny"] == 0 || counts["warn"] == 0 {
		t.Errorf("%d manifests (%v): want at least 20, some denied, some warned", len(want), counts)
	}
	t.Logf("eval under the default constraints: %d admitted, %d warned, %d denied", counts["admit"], counts["warn"], counts["deny"])
}

func set(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}
