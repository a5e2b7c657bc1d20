//go:build tools

// The three ways a user judges manifests, over the committed dist/ and
// under the default constraints, give the same verdicts: conftest over
// dist/conftest, `policygen eval`, and gator over what kustomize builds of
// dist/gatekeeper/all. Each tool runs once over every object, each object
// in a file of its own, and the results are mapped back to the objects.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/pipeline"
)

// The verdicts, as an admission would give them.
const (
	admitted = "admitted" // no violation
	warned   = "warned"   // only violations of warn constraints
	denied   = "denied"   // a violation of a deny constraint
)

// judged is one object's verdict in one tool.
type judged struct {
	action     string   // admitted, warned or denied
	violations []string // "action rule field: message", sorted
}

func (j judged) String() string {
	if len(j.violations) == 0 {
		return j.action
	}
	return j.action + ":\n      " + strings.Join(j.violations, "\n      ")
}

func (j judged) equal(o judged) bool {
	return j.action == o.action && slices.Equal(j.violations, o.violations)
}

// judgedOf sorts vs ("action rule field: message") and takes the action.
func judgedOf(vs []string) judged {
	slices.Sort(vs)
	j := judged{action: admitted, violations: vs}
	for _, v := range vs {
		if strings.HasPrefix(v, "deny ") {
			return judged{action: denied, violations: vs}
		}
		j.action = warned
	}
	return j
}

// subject is one object the tools judge.
type subject struct {
	name     string // what a failure names
	ciFile   string // the file conftest and eval read
	gatorKey string // the object gator reads (namespace filled in), as canonical JSON
}

// corpus is the objects and the directories that hold them.
type corpus struct {
	subjects                     []subject
	ciDir, gatorDir              string
	cases, kubeSystem, realWorld int // how many of each
}

// canonical is the JSON text of v (a JSON document) with sorted keys and
// numbers as written, so that two spellings of one object compare equal.
func canonical(b []byte) (string, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return "", err
	}
	out, err := json.Marshal(v)
	return string(out), err
}

// withNamespace is a copy of obj in namespace ns: set when ns is not empty,
// else filled in with "default" where obj names none, as kubectl applies
// it (gator judges an object without one as in no namespace at all).
func withNamespace(obj map[string]any, ns string) (map[string]any, bool) {
	b, _ := json.Marshal(obj)
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber() // numbers stay as written
	var c map[string]any
	if err := d.Decode(&c); err != nil {
		return nil, false
	}
	meta, ok := c["metadata"].(map[string]any)
	if c["metadata"] != nil && !ok {
		return nil, false // no namespace can be set on it
	}
	if meta == nil {
		meta = map[string]any{}
		c["metadata"] = meta
	}
	if ns != "" {
		meta["namespace"] = ns
	} else if s, _ := meta["namespace"].(string); s == "" {
		meta["namespace"] = "default"
	}
	return c, true
}

// buildCorpus writes every distinct object of the cases (object and
// oldObject), each also moved to kube-system, and every real-world
// manifest: as written for conftest and eval, with its namespace filled in
// for gator. Objects eval does not judge (no string kind or apiVersion)
// are left out: gator cannot read them either.
func buildCorpus(t *testing.T, withCases bool) *corpus {
	t.Helper()
	dir := t.TempDir()
	c := &corpus{ciDir: filepath.Join(dir, "ci"), gatorDir: filepath.Join(dir, "gator")}
	for _, d := range []string{c.ciDir, c.gatorDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}      // objects as written
	gatorSeen := map[string]bool{} // objects as gator reads them: one file each, or gator reports one twice
	add := func(name string, obj map[string]any, ciBytes []byte, ext string) bool {
		g, ok := withNamespace(obj, "")
		if !ok {
			t.Fatalf("%s: its metadata is not an object; gator cannot be given its namespace", name)
		}
		gb, err := json.Marshal(g)
		if err != nil {
			t.Fatal(err)
		}
		if ciBytes == nil {
			if ciBytes, err = json.Marshal(obj); err != nil {
				t.Fatal(err)
			}
			if seen[string(ciBytes)] {
				return false
			}
			seen[string(ciBytes)] = true
		}
		n := len(c.subjects)
		s := subject{name: name, ciFile: filepath.Join(c.ciDir, fmt.Sprintf("%04d%s", n, ext))}
		if s.gatorKey, err = canonical(gb); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(s.ciFile, ciBytes, 0o644); err != nil {
			t.Fatal(err)
		}
		if !gatorSeen[s.gatorKey] {
			gatorSeen[s.gatorKey] = true
			if err := os.WriteFile(filepath.Join(c.gatorDir, fmt.Sprintf("%04d.json", n)), gb, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c.subjects = append(c.subjects, s)
		return true
	}
	if withCases {
		_, all, err := pipeline.Load(pipeline.Inputs{})
		if err != nil {
			t.Fatal(err)
		}
		type object struct {
			name string
			obj  map[string]any
		}
		var objects []object
		for _, cs := range all {
			where := fmt.Sprintf("case %q (testcases/%s:%d)", cs.Name, cs.File, cs.Line)
			for _, o := range []object{{where + " object", cs.Object}, {where + " oldObject", cs.OldObject}} {
				kind, _ := o.obj["kind"].(string)
				apiVersion, _ := o.obj["apiVersion"].(string)
				if kind != "" && apiVersion != "" {
					objects = append(objects, o)
				}
			}
		}
		for _, o := range objects {
			if add(o.name, o.obj, nil, ".json") {
				c.cases++
			}
		}
		for _, o := range objects {
			moved, ok := withNamespace(o.obj, "kube-system")
			if !ok {
				continue
			}
			if add(o.name+" moved to kube-system", moved, nil, ".json") {
				c.kubeSystem++
			}
		}
	}
	for _, v := range realworldVerdicts(t) {
		raw, err := os.ReadFile(filepath.Join("../../testcases/realworld", v.File))
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(raw, &obj); err != nil {
			t.Fatalf("%s: %v", v.File, err)
		}
		add("testcases/realworld/"+v.File, obj, raw, "-"+v.File)
		c.realWorld++
	}
	return c
}

// conftestVerdicts runs conftest over every object's file, as a user runs
// it: the policies' own default constraints, the namespace from each
// object (default when it names none).
func (c *corpus) conftestVerdicts(t *testing.T) []judged {
	t.Helper()
	args := []string{"test", "--no-color", "-o", "json", "-p", dist + "/conftest"}
	for _, s := range c.subjects {
		args = append(args, s.ciFile)
	}
	out, err := exec.Command(tool(t, "conftest"), args...).Output()
	var results []struct {
		Filename string `json:"filename"`
		Failures []toolViolation
		Warnings []toolViolation
	}
	if jerr := json.Unmarshal(out, &results); jerr != nil {
		t.Fatalf("conftest: %v, output %v\n%.2000s", err, jerr, out)
	}
	byFile := map[string][]string{}
	for _, r := range results {
		byFile[r.Filename] = []string{}
		for _, f := range r.Failures {
			byFile[r.Filename] = append(byFile[r.Filename], f.text("deny"))
		}
		for _, f := range r.Warnings {
			byFile[r.Filename] = append(byFile[r.Filename], f.text("warn"))
		}
	}
	out2 := make([]judged, len(c.subjects))
	for i, s := range c.subjects {
		vs, ok := byFile[s.ciFile]
		if !ok {
			t.Fatalf("conftest reports nothing for %s (%s)", s.ciFile, s.name)
		}
		out2[i] = judgedOf(vs)
	}
	return out2
}

// evalVerdicts runs `policygen eval` over the same files, in process.
func (c *corpus) evalVerdicts(t *testing.T) []judged {
	t.Helper()
	code, out, stderr := runEval(t, "", "--format", "json", c.ciDir)
	if code != exitFailed && code != 0 {
		t.Fatalf("eval: exit %d: %s", code, stderr)
	}
	got := decodeEval(t, out)
	byFile := map[string]judged{}
	for _, o := range got.Objects {
		vs := o.lines()
		j := judgedOf(vs)
		if o.Status != "ok" && o.Status != "warn" && o.Status != "fail" {
			j = judged{action: "not judged (" + o.Status + ")"}
		}
		byFile[o.File] = j
	}
	out2 := make([]judged, len(c.subjects))
	for i, s := range c.subjects {
		j, ok := byFile[s.ciFile]
		if !ok {
			t.Fatalf("eval reports nothing for %s (%s)", s.ciFile, s.name)
		}
		out2[i] = j
	}
	return out2
}

// gatorVerdicts runs gator once over what kustomize builds of the
// kustomization dir and every object; gator names each violation's object
// by its content.
func (c *corpus) gatorVerdicts(t *testing.T, dir string) []judged {
	t.Helper()
	built, err := exec.Command(tool(t, "kustomize"), "build", dir).Output()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, built, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "gator"), "test", "-o", "json", "-f", policy, "-f", c.gatorDir).Output()
	var results []struct {
		toolViolation
		EnforcementAction string          `json:"enforcementAction"`
		ScopedActions     []string        `json:"scopedActions"` // the actions at gator's enforcement point
		ViolatingObject   json.RawMessage `json:"violatingObject"`
	}
	if len(bytes.TrimSpace(out)) > 0 {
		if jerr := json.Unmarshal(out, &results); jerr != nil {
			t.Fatalf("gator: %v, output %v\n%.2000s", err, jerr, out)
		}
	} else if err != nil {
		t.Fatalf("gator: %v", err)
	}
	byKey := map[string][]string{}
	for _, r := range results {
		action := r.EnforcementAction
		if action == "scoped" { // the most severe
			action = "dryrun"
			for _, a := range []string{"warn", "deny"} {
				if slices.Contains(r.ScopedActions, a) {
					action = a
				}
			}
		}
		if action == "dryrun" {
			continue // recorded, never reported
		}
		key, err := canonical(r.ViolatingObject)
		if err != nil {
			t.Fatal(err)
		}
		byKey[key] = append(byKey[key], r.text(action))
	}
	out2 := make([]judged, len(c.subjects))
	given := map[string]bool{}
	for i, s := range c.subjects {
		out2[i] = judgedOf(slices.Clone(byKey[s.gatorKey]))
		given[s.gatorKey] = true
	}
	for key := range byKey {
		if !given[key] {
			t.Fatalf("gator reports violations of an object it was not given:\n%.500s", key)
		}
	}
	return out2
}

// toolViolation is one violation in conftest's and gator's JSON.
type toolViolation struct {
	Msg      string `json:"msg"`
	Metadata struct {
		Details struct{ Rule, Field string } `json:"details"`
	} `json:"metadata"`
}

func (v toolViolation) text(action string) string {
	return action + " " + v.Metadata.Details.Rule + " " + v.Metadata.Details.Field + ": " + v.Msg
}

// disagreements names every object the three tools do not judge alike,
// with each tool's verdict.
func disagreements(c *corpus, conftest, eval, gator []judged) []string {
	var out []string
	for i, s := range c.subjects {
		if !conftest[i].equal(eval[i]) || !conftest[i].equal(gator[i]) {
			out = append(out, fmt.Sprintf("%s:\n  conftest %s\n  eval     %s\n  gator    %s", s.name, conftest[i], eval[i], gator[i]))
		}
	}
	return out
}

// Every distinct case object (as written, and moved to kube-system) and
// every real-world manifest: conftest, eval and gator under the default
// constraints give each the same action and the same violations (rule,
// field, message). Pointed at the guard bundle alone, gator disagrees,
// and the comparison says so, naming the objects.
func TestConftestEvalAndGatorAgree(t *testing.T) {
	c := buildCorpus(t, true)
	conftest, eval, gator := c.conftestVerdicts(t), c.evalVerdicts(t), c.gatorVerdicts(t, dist+"/gatekeeper/all")
	bad := disagreements(c, conftest, eval, gator)
	for _, d := range bad {
		t.Error(d)
	}
	counts := map[string]int{}
	for _, j := range conftest {
		counts[j.action]++
	}
	if len(bad) == 0 {
		t.Logf("%d distinct case objects (%d in kube-system) and %d real-world manifests: %d admitted, %d warned, %d denied alike",
			c.cases, c.kubeSystem, c.realWorld, counts[admitted], counts[warned], counts[denied])
	}
	if c.cases < 300 || c.kubeSystem < 300 || c.realWorld < 20 || counts[admitted] == 0 || counts[warned] == 0 || counts[denied] == 0 {
		t.Errorf("%d case objects, %d moved, %d real-world manifests, verdicts %v: want every kind of verdict over at least 300, 300 and 20",
			c.cases, c.kubeSystem, c.realWorld, counts)
	}

	t.Run("gator with the guard alone disagrees", func(t *testing.T) {
		bad := disagreements(c, conftest, eval, c.gatorVerdicts(t, dist+"/gatekeeper/guard"))
		// Denied by hardening rules too, in monitoring: gator sees only the guard's violation.
		want := "testcases/realworld/windows-exporter-windows-exporter.yaml:"
		if !slices.ContainsFunc(bad, func(d string) bool { return strings.HasPrefix(d, want) }) {
			t.Errorf("the comparison with the guard alone names %d objects, not %s", len(bad), want)
		}
		t.Logf("with the guard alone, gator disagrees on %d of %d objects", len(bad), len(c.subjects))
	})
}

// gator under the default constraints gives every real-world manifest the
// verdict testcases/realworld/default-verdicts.yaml records: the action,
// the rules that deny and the rules that only warn.
func TestGatorRealworldDefaultVerdicts(t *testing.T) {
	c := buildCorpus(t, false)
	got := c.gatorVerdicts(t, dist+"/gatekeeper/all")
	want := realworldVerdicts(t)
	if len(want) != len(c.subjects) {
		t.Fatalf("%d verdicts, %d manifests", len(want), len(c.subjects))
	}
	counts := map[string]int{}
	for i, w := range want {
		var deny, warn []string
		for _, v := range got[i].violations {
			action, rest, _ := strings.Cut(v, " ")
			rule, _, _ := strings.Cut(rest, " ")
			if action == "warn" {
				warn = append(warn, rule)
			} else {
				deny = append(deny, rule)
			}
		}
		verdict := map[string]string{admitted: "admit", warned: "warn", denied: "deny"}[got[i].action]
		counts[verdict]++
		deny, warn = set(deny), set(warn)
		if verdict != w.Verdict || !slices.Equal(deny, set(w.Deny)) || !slices.Equal(warn, set(w.Warn)) {
			t.Errorf("%s: gator %s deny %v warn %v, want %s deny %v warn %v", w.File, verdict, deny, warn, w.Verdict, set(w.Deny), set(w.Warn))
		}
	}
	t.Logf("gator under the default constraints: %d admitted, %d warned, %d denied", counts["admit"], counts["warn"], counts["deny"])
}

// The rollout components, in an overlay as the README writes it, change
// what gator says of the real-world manifests exactly as they promise:
// warn turns every denial into a warning, dryrun reports nothing, scoped
// still denies in gator (and warns only at admission and in audit).
func TestGatorRolloutComponents(t *testing.T) {
	c := buildCorpus(t, false)
	defaults := c.gatorVerdicts(t, dist+"/gatekeeper/all")
	root := t.TempDir()
	abs, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(abs, filepath.Join(root, "my-dist")); err != nil {
		t.Fatal(err)
	}
	for _, component := range []string{"warn", "dryrun", "scoped"} {
		overlay := filepath.Join(root, "overlays", component)
		if err := os.MkdirAll(overlay, 0o755); err != nil {
			t.Fatal(err)
		}
		k := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [../../my-dist/gatekeeper/all]\ncomponents: [../../my-dist/gatekeeper/rollout/" + component + "]\n"
		if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(k), 0o644); err != nil {
			t.Fatal(err)
		}
		got := c.gatorVerdicts(t, overlay)
		for i, s := range c.subjects {
			var vs []string
			switch component {
			case "warn":
				for _, v := range defaults[i].violations {
					vs = append(vs, "warn "+strings.TrimPrefix(strings.TrimPrefix(v, "deny "), "warn "))
				}
			case "scoped":
				vs = defaults[i].violations
			}
			if want := judgedOf(vs); !got[i].equal(want) {
				t.Errorf("%s with the %s component: gator %s, want %s", s.name, component, got[i], want)
			}
		}
	}
}
