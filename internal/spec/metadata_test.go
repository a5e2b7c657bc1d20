package spec_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

// Every rule module carries a package METADATA block that OPA parses into
// exactly the spec's title, description, id, kind, version, bundle, severity, remedy
// and parameters; the source below it is unchanged.
func TestRuleModuleMetadata(t *testing.T) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rules {
		mod, err := s.RuleModule(r)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ast.ParseModuleWithOpts(r.Rego, mod, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			t.Fatalf("%s: %v\n%s", r.ID, err, mod)
		}
		if len(m.Annotations) != 1 || m.Annotations[0].Scope != "package" {
			t.Fatalf("%s: annotations %v, want one of package scope", r.ID, m.Annotations)
		}
		a := m.Annotations[0]
		if a.Title != r.Title || a.Description != strings.TrimSpace(r.Description) {
			t.Errorf("%s: title %q, description %q", r.ID, a.Title, a.Description)
		}
		var params []any
		for _, p := range r.Parameters {
			params = append(params, map[string]any{"name": p.Name, "description": strings.TrimSpace(p.Description), "default": p.Schema["default"]})
		}
		want := map[string]any{"id": r.ID, "kind": r.Kind, "version": r.Version, "bundle": r.Bundle, "severity": "error", "remedy": strings.TrimSpace(r.Remedy)}
		if params != nil {
			want["parameters"] = params
		}
		if !reflect.DeepEqual(normalize(a.Custom), normalize(want)) {
			t.Errorf("%s: custom\n%#v\nwant\n%#v", r.ID, a.Custom, want)
		}
		src := s.Sources[r.Rego]
		pkg := strings.Index(src, "\npackage ") + 1
		if !strings.HasSuffix(mod, src[pkg:]) || !strings.HasPrefix(mod, src[:pkg]+"\n# METADATA\n") {
			t.Errorf("%s: the source around the block changed:\n%s", r.ID, mod)
		}
	}
}

// normalize makes YAML's and Go's numbers and lists comparable.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := []any{}
		for _, e := range v {
			out = append(out, normalize(e))
		}
		return out
	case []string:
		out := []any{}
		for _, e := range v {
			out = append(out, e)
		}
		return out
	case int:
		return float64(v)
	case uint64:
		return float64(v)
	case int64:
		return float64(v)
	}
	return v
}

// Severity is the strictest action of the rule's constraints.
func TestSeverity(t *testing.T) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	r := s.Rules[0]
	for _, c := range []struct {
		constraints string
		want        string
	}{
		{"", "none"},
		{"  - {name: a, rule: RULE, action: dryrun, match: {excludedNamespaces: [x]}}\n  - {name: b, rule: RULE, action: warn, match: {namespaces: [x]}}\n", "warning"},
		{"  - {name: a, rule: RULE, action: scoped, scopedEnforcementActions: [{action: deny, enforcementPoints: [{name: gator.gatekeeper.sh}]}]}\n", "error"},
		{"  - {name: a, rule: RULE, action: dryrun}\n", "info"},
	} {
		file := "apiVersion: policygen.dev/v1\nkind: Constraints\nconstraints:\n" + strings.ReplaceAll(c.constraints, "RULE", r.ID)
		if c.constraints == "" {
			file = "apiVersion: policygen.dev/v1\nkind: Constraints\nconstraints: []\n"
		}
		cs, err := spec.ParseConstraints("c.yaml", []byte(file), s)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		s.UseConstraints(cs)
		if got := s.Severity(r); got != c.want {
			t.Errorf("%s: severity %q, want %q", file, got, c.want)
		}
	}
}
