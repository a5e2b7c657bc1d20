package harness

import (
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/violation"
)

func expect(t *testing.T, field, msg string) cases.Expectation {
	t.Helper()
	e, err := cases.NewExpectation(field, msg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// The judge decides whether an engine passes a case: each expectation must
// match exactly one violation of its rule, and nothing may be left over.
// A lenient judge would hide every engine's mistakes, so each way of
// failing is a row here.
func TestJudge(t *testing.T) {
	v := func(rule, field, msg string) violation.Violation {
		return violation.Violation{Rule: rule, Field: field, Message: msg}
	}
	a := v("r1", "spec.hostNetwork", "a HostProcess pod must set hostNetwork: true")
	b := v("r1", "spec.os.name", "must be placed on Windows nodes")
	c := v("r2", "spec.containers[0].resources.limits", "without resources.limits for cpu, memory")
	tests := []struct {
		name   string
		expect map[string][]cases.Expectation
		got    []violation.Violation
		diffs  []string // the first line of each rule's difference; none means pass
	}{
		{"nothing expected, nothing got", nil, nil, nil},
		{"exact match", map[string][]cases.Expectation{"r1": {expect(t, "spec.hostNetwork", "hostNetwork: true")}}, []violation.Violation{a}, nil},
		{"order of violations does not matter",
			map[string][]cases.Expectation{"r1": {expect(t, "spec.hostNetwork", "hostNetwork"), expect(t, "spec.os.name", "Windows")}},
			[]violation.Violation{b, a}, nil},
		{"an empty field matches any field", map[string][]cases.Expectation{"r1": {expect(t, "", "hostNetwork")}}, []violation.Violation{a}, nil},
		{"a missing violation fails",
			map[string][]cases.Expectation{"r1": {expect(t, "spec.hostNetwork", "hostNetwork"), expect(t, "spec.os.name", "Windows")}},
			[]violation.Violation{a}, []string{"rule r1: want 2 violation(s), got 1"}},
		{"an extra violation of an expected rule fails",
			map[string][]cases.Expectation{"r1": {expect(t, "", "hostNetwork")}},
			[]violation.Violation{a, b}, []string{"rule r1: want 1 violation(s), got 2"}},
		{"a violation of a rule not expected fails", nil, []violation.Violation{c}, []string{"rule r2: want 0 violation(s), got 1"}},
		{"the right message at the wrong field fails",
			map[string][]cases.Expectation{"r1": {expect(t, "spec.template.spec.hostNetwork", "hostNetwork")}},
			[]violation.Violation{a}, []string{"rule r1: want 1 violation(s), got 1"}},
		{"the right field with another message fails",
			map[string][]cases.Expectation{"r1": {expect(t, "spec.hostNetwork", "^must be placed")}},
			[]violation.Violation{a}, []string{"rule r1: want 1 violation(s), got 1"}},
		{"one violation cannot satisfy two expectations",
			map[string][]cases.Expectation{"r1": {expect(t, "", "hostNetwork"), expect(t, "", "HostProcess")}},
			[]violation.Violation{a}, []string{"rule r1: want 2 violation(s), got 1"}},
		{"the assignment is searched, not greedy",
			// The first expectation matches both violations; only the
			// assignment a→second, b→first satisfies both.
			map[string][]cases.Expectation{"r1": {expect(t, "", "."), expect(t, "spec.hostNetwork", "")}},
			[]violation.Violation{a, b}, nil},
		{"each rule is judged on its own",
			map[string][]cases.Expectation{"r1": {expect(t, "", "hostNetwork")}, "r2": {expect(t, "", "memory")}},
			[]violation.Violation{c}, []string{"rule r1: want 1 violation(s), got 0"}},
		{"an expectation never compiled matches nothing",
			map[string][]cases.Expectation{"r1": {{Field: "spec.hostNetwork", Message: "hostNetwork"}}},
			[]violation.Violation{a}, []string{"rule r1: want 1 violation(s), got 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var heads []string
			for _, d := range Judge(cases.Case{Expect: tt.expect}, tt.got) {
				if strings.HasPrefix(d, "rule ") {
					heads = append(heads, d)
				}
			}
			if strings.Join(heads, "\n") != strings.Join(tt.diffs, "\n") {
				t.Errorf("judge gave\n%s\nwant\n%s", strings.Join(heads, "\n"), strings.Join(tt.diffs, "\n"))
			}
		})
	}
}

func TestSameViolations(t *testing.T) {
	a := violation.Violation{Rule: "r", Field: "f", Message: "m"}
	b := violation.Violation{Rule: "r", Field: "g", Message: "m"}
	if !sameViolations([]violation.Violation{a, b}, []violation.Violation{b, a}) {
		t.Error("the same violations in another order differ")
	}
	if sameViolations([]violation.Violation{a}, []violation.Violation{a, a}) {
		t.Error("a repeated violation is the same as one")
	}
	if sameViolations([]violation.Violation{a}, []violation.Violation{{Rule: "r", Field: "f", Message: "m."}}) {
		t.Error("another message is the same violation")
	}
}

// The CEL contract: per rule, whether it fires; a message and no field;
// and the messages name the same containers and volumes as the Rego's.
// Counts and wording are free. Each way of failing is a row.
func TestJudgePerRule(t *testing.T) {
	v := func(rule, field, msg string) violation.Violation {
		return violation.Violation{Rule: rule, Field: field, Message: msg}
	}
	rego := []violation.Violation{
		v("r1", "spec.containers[0].securityContext.runAsNonRoot", `containers[0] "a" is a HostProcess container with runAsNonRoot: true`),
		v("r1", "spec.initContainers[1].securityContext.runAsNonRoot", `initContainers[1] "b" is a HostProcess container with runAsNonRoot: true`),
		v("r2", "spec.hostNetwork", "a HostProcess pod must set hostNetwork: true"),
	}
	both := map[string][]cases.Expectation{
		"r1": {expect(t, "", "containers"), expect(t, "", "initContainers")},
		"r2": {expect(t, "spec.hostNetwork", "hostNetwork")},
	}
	joined := v("r1", "", `containers[0] "a" is a HostProcess container with runAsNonRoot: true; initContainers[1] "b" is a HostProcess container with runAsNonRoot: true`)
	network := v("r2", "", "a HostProcess pod must set hostNetwork: true")
	tests := []struct {
		name   string
		expect map[string][]cases.Expectation
		ref    []violation.Violation
		got    []violation.Violation
		diffs  []string
	}{
		{"nothing expected, nothing got", nil, nil, nil, nil},
		{"one violation naming every container passes", both, rego, []violation.Violation{joined, network}, nil},
		{"one violation per container passes too", both, rego, []violation.Violation{
			v("r1", "", `containers[0] "a" is a HostProcess container with runAsNonRoot: true`),
			v("r1", "", `initContainers[1] "b" is a HostProcess container with runAsNonRoot: true`), network}, nil},
		{"a rule that does not fire fails", both, rego, []violation.Violation{joined},
			[]string{"rule r2: want it to fire, got no violation"}},
		{"a rule that fires unexpectedly fails", map[string][]cases.Expectation{"r1": both["r1"]}, rego[:2], []violation.Violation{joined, network},
			[]string{"rule r2: want no violation, got 1"}},
		{"an expectation of no violation is none", map[string][]cases.Expectation{"r2": {}}, nil, []violation.Violation{network},
			[]string{"rule r2: want no violation, got 1"}},
		{"a container left out fails", both, rego, []violation.Violation{v("r1", "", `containers[0] "a" is a HostProcess container with runAsNonRoot: true`), network},
			[]string{"rule r1: the messages name [containers[0]], the Rego's name [containers[0] initContainers[1]]",
				`rule r1: the messages lack the Rego's "initContainers[1] \"b\" is a HostProcess container with runAsNonRoot: true"`}},
		{"other words fail", both, rego, []violation.Violation{joined, v("r2", "", "hostNetwork: true is missing")},
			[]string{`rule r2: the messages lack the Rego's "a HostProcess pod must set hostNetwork: true"`}},
		{"a message trimmed by the validator passes", map[string][]cases.Expectation{"r2": both["r2"]},
			[]violation.Violation{v("r2", "spec.hostNetwork", "runs as \"Administrators\u00a0\"; groups: administrators\u00a0")},
			[]violation.Violation{v("r2", "", "runs as \"Administrators\u00a0\"; groups: administrators")}, nil},
		{"another container named fails", both, rego, []violation.Violation{
			v("r1", "", joined.Message+`; ephemeralContainers[0] "c" is a HostProcess container with runAsNonRoot: true`), network},
			[]string{"rule r1: the messages name [containers[0] ephemeralContainers[0] initContainers[1]], the Rego's name [containers[0] initContainers[1]]"}},
		{"a field fails", both, rego, []violation.Violation{joined, v("r2", "spec.hostNetwork", "a HostProcess pod must set hostNetwork: true")},
			[]string{`rule r2: want a message and no field, got spec.hostNetwork "a HostProcess pod must set hostNetwork: true"`}},
		{"an empty message fails", both, rego, []violation.Violation{joined, v("r2", "", "")},
			[]string{`rule r2: want a message and no field, got  ""`, `rule r2: the messages lack the Rego's "a HostProcess pod must set hostNetwork: true"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			diffs := JudgePerRule(cases.Case{Expect: tc.expect}, tc.ref, tc.got)
			var firsts []string
			for _, d := range diffs {
				if strings.HasPrefix(d, "rule ") {
					firsts = append(firsts, d)
				}
			}
			if strings.Join(firsts, "\n") != strings.Join(tc.diffs, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(diffs, "\n"), strings.Join(tc.diffs, "\n"))
			}
		})
	}
}
