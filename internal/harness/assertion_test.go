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
