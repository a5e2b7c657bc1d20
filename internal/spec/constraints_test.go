package spec_test

import (
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

func TestDefaultConstraints(t *testing.T) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rules {
		if len(s.ConstraintsOf(r.ID)) == 0 {
			t.Errorf("rule %s has no default constraint", r.ID)
		}
	}
	// The guard excludes kube-system only.
	g := s.ConstraintsOf("hostprocess-allowed")
	if len(g) != 1 || strings.Join(g[0].Match.ExcludedNamespaces, ",") != "kube-system" || len(g[0].Match.Namespaces) != 0 {
		t.Errorf("guard constraints: %+v", g)
	}
}

// Each bad constraints file gives its problem at its line, with a fix.
func TestConstraintProblems(t *testing.T) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	head := "apiVersion: policygen.dev/v1\nkind: Constraints\nconstraints:\n"
	for _, tc := range []struct{ name, body, want string }{
		{"unknown rule", "  - name: x\n    rule: hostprocess-nope\n", `c.yaml:5: constraint "x" names rule "hostprocess-nope"`},
		{"unknown field", "  - name: x\n    rule: hostprocess-allowed\n    matches: {}\n", `c.yaml:6: field matches not found`},
		{"unknown parameter", "  - name: x\n    rule: hostprocess-allowed\n    parameters:\n      allowSystem: true\n", `c.yaml:7: rule "hostprocess-allowed" has no parameter "allowSystem"`},
		{"wrong type", "  - name: x\n    rule: hostprocess-run-as-user-name\n    parameters:\n      allowSystem: \"yes\"\n", `c.yaml:7: parameter allowSystem of constraint "x" does not fit its schema`},
		{"unknown action", "  - name: x\n    rule: hostprocess-allowed\n    action: audit\n", `c.yaml:6: action "audit" of constraint "x" is unknown`},
		{"scoped without actions", "  - name: x\n    rule: hostprocess-allowed\n    action: scoped\n", `c.yaml:6: constraint "x" has action scoped but no scopedEnforcementActions`},
		{"unknown point", "  - name: x\n    rule: hostprocess-allowed\n    action: scoped\n    scopedEnforcementActions:\n      - action: deny\n        enforcementPoints: [{name: webhook}]\n", `c.yaml:9: enforcement point "webhook"`},
		{"wildcard", "  - name: x\n    rule: hostprocess-allowed\n    match: {namespaces: [kube-*]}\n", `c.yaml:6: namespace "kube-*" of constraint "x" has a wildcard`},
		{"bad selector", "  - name: x\n    rule: hostprocess-allowed\n    match:\n      namespaceSelector:\n        matchExpressions: [{key: a, operator: Near}]\n", `c.yaml:7: namespaceSelector of constraint "x" is invalid`},
		{"duplicate name", "  - name: x\n    rule: hostprocess-allowed\n    match: {namespaces: [a]}\n  - name: x\n    rule: hostprocess-allowed\n    match: {namespaces: [b]}\n", `c.yaml:7: constraint name "x" of rule "hostprocess-allowed" is used twice`},
		{"overlap everywhere", "  - name: a\n    rule: hostprocess-allowed\n  - name: b\n    rule: hostprocess-allowed\n    action: warn\n", `c.yaml:6: constraints "a" and "b" of rule "hostprocess-allowed" can both select any namespace that neither excludes: they differ`},
		{"overlap in a namespace", "  - name: a\n    rule: hostprocess-allowed\n    match: {excludedNamespaces: [kube-system]}\n  - name: b\n    rule: hostprocess-allowed\n    match: {namespaces: [kube-system, calico-system]}\n", `can both select namespace calico-system`},
		{"same twice", "  - name: a\n    rule: hostprocess-allowed\n    match: {namespaces: [x]}\n  - name: b\n    rule: hostprocess-allowed\n    match: {namespaces: [x]}\n", `they are the same, so every violation there would be reported twice`},
		{"selector does not separate", "  - name: a\n    rule: hostprocess-allowed\n    match: {namespaceSelector: {matchLabels: {a: b}}}\n  - name: b\n    rule: hostprocess-allowed\n    match: {excludedNamespaces: [x]}\n    action: warn\n", `can both select`},
	} {
		_, err := spec.ParseConstraints("c.yaml", []byte(head+tc.body), s)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "fix:") {
			t.Errorf("%s: got %v\nwant %q and a fix", tc.name, err, tc.want)
		}
	}
	// Disjoint by name: no problem.
	ok := head + "  - name: a\n    rule: hostprocess-allowed\n    match: {excludedNamespaces: [kube-system, calico-system]}\n  - name: b\n    rule: hostprocess-allowed\n    match: {namespaces: [kube-system, calico-system]}\n    action: warn\n"
	if _, err := spec.ParseConstraints("c.yaml", []byte(ok), s); err != nil {
		t.Errorf("disjoint constraints: %v", err)
	}
}
