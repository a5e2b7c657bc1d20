package pipeline

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/kinds"
	"github.com/policygen/policygen/internal/target/conftest"
)

// The pod-bearing kinds are defined once (internal/kinds); the spec's
// match, the Rego's pod spec paths and the README agree with that list.
func TestKindsAgree(t *testing.T) {
	s, err := LoadSpec(Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	// The sample constraints match each kind, its <Kind>List, and List.
	var matched []string
	for _, m := range s.Match {
		matched = append(matched, m.Kinds...)
	}
	want := append(kinds.Names(), "List")
	for _, k := range kinds.Names() {
		want = append(want, k+"List")
	}
	slices.Sort(matched)
	slices.Sort(want)
	if !slices.Equal(matched, want) {
		t.Errorf("the spec's match has kinds %v, want %v", matched, want)
	}

	// The Rego finds each kind's pod spec where the list says.
	files, err := conftest.Render(s)
	if err != nil {
		t.Fatal(err)
	}
	lib := s.Sources[s.Libs[0]]
	m, err := ast.ParseModuleWithOpts(s.Libs[0], lib, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	opts := []func(*rego.Rego){rego.Query(m.Package.Path.String() + ".pod_spec_paths"), rego.SetRegoVersion(ast.RegoV1)}
	for p, b := range files.Under(conftest.Dir) {
		if strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, "_test.rego") {
			opts = append(opts, rego.Module(p, string(b)))
		}
	}
	rs, err := rego.New(opts...).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("pod_spec_paths: %v %v", rs, err)
	}
	b, _ := json.Marshal(rs[0].Expressions[0].Value)
	var paths map[string][]string
	if err := json.Unmarshal(b, &paths); err != nil {
		t.Fatal(err)
	}
	wantPaths := map[string][]string{}
	for _, k := range kinds.All {
		wantPaths[k.Name] = k.PodSpec
	}
	if gb, wb := mustJSON(paths), mustJSON(wantPaths); gb != wb {
		t.Errorf("the Rego's pod_spec_paths are\n%s\nthe kinds list says\n%s", gb, wb)
	}

	// So does the CEL: the lib's podPath leads to the pod template, whose
	// spec is the pod spec.
	var podPath string
	for _, v := range s.CELSources[s.CEL.Libs[0]].Variables {
		if v.Name == "podPath" {
			podPath = v.Expression
		}
	}
	celPaths := map[string][]string{}
	for _, k := range append(kinds.Names(), "ConfigMap", "PodList") {
		got, err := celenv.Eval(podPath, map[string]any{"anyObject": map[string]any{"kind": k}})
		if err != nil {
			t.Fatalf("podPath of a %s: %v", k, err)
		}
		if got == nil {
			continue
		}
		b, _ := json.Marshal(got)
		var p []string
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("podPath of a %s: %s", k, b)
		}
		celPaths[k] = append(p, "spec")
	}
	if gb, wb := mustJSON(celPaths), mustJSON(wantPaths); gb != wb {
		t.Errorf("the CEL's podPath leads to\n%s\nthe kinds list says\n%s", gb, wb)
	}

	// The README names every kind the rules judge.
	readme := readme(t)
	for _, k := range kinds.Names() {
		if !strings.Contains(readme, k) {
			t.Errorf("the README does not name the kind %s", k)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
