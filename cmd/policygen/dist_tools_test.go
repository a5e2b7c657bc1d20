//go:build tools

// Run by `make test` with the pinned tools: POLICYGEN_TOOLS names the
// directory holding conftest, opa and gator, POLICYGEN_KUSTOMIZE the
// kustomize binary. Each test runs a real tool over the committed dist/,
// as a user does, and takes every count from the spec.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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
// the DaemonSet that breaks them all, each with its rule's remedy in
// details.remedy.
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
					Details struct{ Rule, Remedy string } `json:"details"`
				} `json:"value"`
			} `json:"expressions"`
		} `json:"result"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Result) != 1 || len(res.Result[0].Expressions) != 1 {
		t.Fatalf("opa output: %v\n%s", err, out)
	}
	remedies := map[string]string{}
	for _, r := range s.Rules {
		remedies[r.ID] = strings.TrimSpace(r.Remedy)
	}
	var rules []string
	for _, v := range res.Result[0].Expressions[0].Value {
		if v.Details.Remedy != remedies[v.Details.Rule] || v.Details.Remedy == "" {
			t.Errorf("%s: details.remedy %q, want %q", v.Details.Rule, v.Details.Remedy, remedies[v.Details.Rule])
		}
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

// conftest's exception excepts one rule by its per-rule entry point
// (violation_<rule>): exactly that rule's violations of the bad DaemonSet
// are dropped, the others stay, each reported once.
func TestConftestExceptionOfOneRule(t *testing.T) {
	s := embeddedSpec(t)
	bin := os.Getenv("POLICYGEN_CONFTEST")
	if bin == "" {
		t.Fatal("POLICYGEN_CONFTEST is unset: run `make test`, which installs the pinned conftest")
	}
	const manifest = "testdata/manifests/01-bad-daemonset.yaml"
	judge := func(policies ...string) (failures []string, exceptions int) {
		t.Helper()
		args := []string{"test", "--no-color", "-o", "json"}
		for _, p := range policies {
			args = append(args, "-p", p)
		}
		out, _ := exec.Command(bin, append(args, manifest)...).Output()
		var results []struct {
			Failures []struct {
				Msg      string `json:"msg"`
				Metadata struct {
					Details struct{ Rule string } `json:"details"`
				} `json:"metadata"`
			} `json:"failures"`
			Exceptions []struct {
				Msg string `json:"msg"`
			} `json:"exceptions"`
		}
		if err := json.Unmarshal(out, &results); err != nil || len(results) != 1 {
			t.Fatalf("conftest output: %v\n%s", err, out)
		}
		for _, f := range results[0].Failures {
			failures = append(failures, f.Metadata.Details.Rule+": "+f.Msg)
		}
		slices.Sort(failures)
		return failures, len(results[0].Exceptions)
	}
	all, n := judge(dist + "/conftest")
	if n != 0 {
		t.Errorf("%d exceptions without an exception", n)
	}
	var rules []string
	for _, f := range all {
		rule, _, _ := strings.Cut(f, ": ")
		if !slices.Contains(rules, rule) {
			rules = append(rules, rule)
		}
	}
	slices.Sort(rules)
	if want := ruleIDs(s, "all"); len(all) != len(want) || !slices.Equal(rules, slices.Sorted(slices.Values(want))) {
		t.Fatalf("without an exception conftest reports %d violations of %v, want one of each of %v:\n%s", len(all), rules, want, strings.Join(all, "\n"))
	}
	i := slices.IndexFunc(s.Rules, func(r spec.Rule) bool { return r.ID == "hostprocess-run-as-user-name" })
	if i < 0 {
		t.Fatal("the spec has no rule hostprocess-run-as-user-name")
	}
	excepted := s.Rules[i]
	dir := t.TempDir()
	exception := "package main\n\nexception contains [\"" + excepted.RegoName() + "\"] if input.metadata.name == \"node-agent\"\n"
	if err := os.WriteFile(filepath.Join(dir, "exception.rego"), []byte(exception), 0o644); err != nil {
		t.Fatal(err)
	}
	left, n := judge(dist+"/conftest", dir)
	want := slices.DeleteFunc(slices.Clone(all), func(f string) bool { return strings.HasPrefix(f, excepted.ID+": ") })
	if len(want) != len(all)-1 || !slices.Equal(left, want) {
		t.Errorf("with an exception of %s conftest reports\n%s\nwant\n%s", excepted.ID, strings.Join(left, "\n"), strings.Join(want, "\n"))
	}
	if n != 2 { // conftest counts the exception of violation_<rule> and of warn_<rule>
		t.Errorf("%d exceptions, want 2", n)
	}
}

// `opa inspect -a` shows every rule module's METADATA: its title, id,
// kind, bundle, severity and remedy, at its package.
func TestInspectAnnotationsWithOPA(t *testing.T) {
	s := embeddedSpec(t)
	out, err := exec.Command(tool(t, "opa"), "inspect", "-a", "-f", "json", dist+"/conftest").Output()
	if err != nil {
		t.Fatalf("opa inspect: %v\n%s", err, out)
	}
	var res struct {
		Annotations []struct {
			Annotations struct {
				Scope  string         `json:"scope"`
				Title  string         `json:"title"`
				Custom map[string]any `json:"custom"`
			} `json:"annotations"`
			Path []struct{ Value any } `json:"path"`
		} `json:"annotations"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("opa inspect output: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, a := range res.Annotations {
		c := a.Annotations.Custom
		got[fmt.Sprint(c["id"])] = fmt.Sprintf("%s|%s|%v|%v|%v|%v", a.Annotations.Scope, a.Annotations.Title, c["kind"], c["bundle"], c["severity"], c["remedy"])
	}
	want := map[string]string{}
	for _, r := range s.Rules {
		want[r.ID] = fmt.Sprintf("package|%s|%s|%s|%s|%s", r.Title, r.Kind, r.Bundle, s.Severity(r), strings.TrimSpace(r.Remedy))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("annotations\n%v\nwant\n%v", got, want)
	}
}
