//go:build tools

// Run by `make test` with the pinned tools: POLICYGEN_TOOLS names the
// directory holding conftest, opa and gator, POLICYGEN_KUSTOMIZE the
// kustomize binary. Each test runs a real tool over the committed dist/,
// as a user does, and takes every count from the spec.
package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/spec"
)

const dist = "../../dist"

func tool(t *testing.T, name string) string {
	t.Helper()
	if name == "kustomize" {
		if k := os.Getenv("POLICYGEN_KUSTOMIZE"); k != "" {
			return k
		}
		t.Fatal("POLICYGEN_KUSTOMIZE is unset: run `make test`, which installs the pinned kustomize")
	}
	dir := os.Getenv("POLICYGEN_TOOLS")
	if dir == "" {
		t.Fatal("POLICYGEN_TOOLS is unset: run `make test`, which installs the pinned conftest, opa and gator")
	}
	return filepath.Join(dir, name)
}

func embeddedSpec(t *testing.T) *spec.Spec {
	t.Helper()
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ruleIDs(s *spec.Spec, bundle string) []string {
	var ids []string
	for _, r := range s.RulesOf(bundle) {
		ids = append(ids, r.ID)
	}
	return ids
}

// OPA loads the published bundle and finds a violation of every rule in
// the DaemonSet that breaks them all.
func TestBundleWithOPA(t *testing.T) {
	s := embeddedSpec(t)
	out, err := exec.Command(tool(t, "opa"), "eval", "--format", "json", "-b", dist+"/bundle.tar.gz",
		"-i", "testdata/manifests/01-bad-daemonset.yaml", "data.main.violation").CombinedOutput()
	if err != nil {
		t.Fatalf("opa eval: %v\n%s", err, out)
	}
	var res struct {
		Result []struct {
			Expressions []struct {
				Value []struct {
					Details struct{ Rule string } `json:"details"`
				} `json:"value"`
			} `json:"expressions"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Result) != 1 || len(res.Result[0].Expressions) != 1 {
		t.Fatalf("opa output: %v\n%s", err, out)
	}
	var rules []string
	for _, v := range res.Result[0].Expressions[0].Value {
		if !slices.Contains(rules, v.Details.Rule) {
			rules = append(rules, v.Details.Rule)
		}
	}
	slices.Sort(rules)
	want := ruleIDs(s, "all")
	slices.Sort(want)
	if !slices.Equal(rules, want) {
		t.Errorf("the bundle finds violations of %v, want every rule %v", rules, want)
	}
}

// What an operator installs: each bundle builds with kustomize and lists,
// per rule of the bundle, its template before its constraints (those the
// constraints file gives the rule).
func TestKustomizeBundles(t *testing.T) {
	s := embeddedSpec(t)
	kinds := regexp.MustCompile(`(?m)^kind: (\S+)$`)
	for _, b := range s.BundleNames() {
		out, err := exec.Command(tool(t, "kustomize"), "build", dist+"/gatekeeper/"+b).CombinedOutput()
		if err != nil {
			t.Fatalf("kustomize build %s: %v\n%s", b, err, out)
		}
		var got, want []string
		for _, m := range kinds.FindAllStringSubmatch(string(out), -1) {
			got = append(got, m[1])
		}
		for _, r := range s.RulesOf(b) {
			want = append(want, "ConstraintTemplate")
			for range s.ConstraintsOf(r.ID) {
				want = append(want, r.Kind)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("kustomize build %s gives kinds %v, want %v", b, got, want)
		}
	}
}

// gator over the published templates and sample constraints alone finds
// nothing, and finds one violation of each rule in the DaemonSet that
// breaks them all once each.
func TestGatorOverDist(t *testing.T) {
	s := embeddedSpec(t)
	gator := tool(t, "gator")
	if out, err := exec.Command(gator, "test", "-f", dist+"/gatekeeper").CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("gator test -f dist/gatekeeper: %v\n%s", err, out)
	}
	out, _ := exec.Command(gator, "test", "-o", "json", "-f", dist+"/gatekeeper", "-f", "testdata/manifests/01-bad-daemonset.yaml").Output()
	var results []struct {
		Constraint struct{ Kind string } `json:"constraint"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("gator output: %v\n%s", err, out)
	}
	var kindsSeen []string
	for _, r := range results {
		kindsSeen = append(kindsSeen, r.Constraint.Kind)
	}
	slices.Sort(kindsSeen)
	var want []string
	for _, r := range s.Rules {
		want = append(want, r.Kind)
	}
	slices.Sort(want)
	if !slices.Equal(kindsSeen, want) {
		t.Errorf("gator finds %v in the bad DaemonSet, want one violation of each rule %v", kindsSeen, want)
	}
}
