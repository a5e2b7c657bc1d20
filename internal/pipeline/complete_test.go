package pipeline

import (
	"os"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/spec"
)

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every rule has its cases, its reference model and its README row.
func TestEveryRuleIsComplete(t *testing.T) {
	s, all, err := Load(Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range Incomplete(s, all, reference.Rules(), readme(t)) {
		t.Error(p)
	}
}

// Forgetting any piece of a new rule fails with a message naming the file
// to write.
func TestAnIncompleteRuleIsNamed(t *testing.T) {
	s, all, err := Load(Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	added := *s
	added.Rules = append(append([]spec.Rule{}, s.Rules...), spec.Rule{ID: s.Metadata.Name + "-new-rule", Kind: "K8sNewRule", Bundle: "hardening"})
	fires := cases.Case{Name: "new", File: "new-rule.yaml", Expect: map[string][]cases.Expectation{added.Rules[len(added.Rules)-1].ID: {{}}}}
	for _, tt := range []struct {
		name     string
		cases    []cases.Case
		modelled []string
		readme   string
		want     string
	}{
		{"no case file", all, append(reference.Rules(), added.Rules[len(added.Rules)-1].ID), readme(t) + "| `" + added.Rules[len(added.Rules)-1].ID + "` |", "has no cases: write testcases/new-rule.yaml"},
		{"only cases where it fires", append(all, fires), append(reference.Rules(), added.Rules[len(added.Rules)-1].ID), readme(t) + "| `" + added.Rules[len(added.Rules)-1].ID + "` |", "needs cases where it fires and cases in testcases/new-rule.yaml where it must not"},
		{"no reference model", append(all, fires, cases.Case{Name: "silent", File: "new-rule.yaml"}), reference.Rules(), readme(t) + "| `" + added.Rules[len(added.Rules)-1].ID + "` |", "has no reference model: write internal/reference/new_rule.go"},
		{"no README row", append(all, fires, cases.Case{Name: "silent", File: "new-rule.yaml"}), append(reference.Rules(), added.Rules[len(added.Rules)-1].ID), readme(t), "is not in the README's rule table"},
	} {
		got := Incomplete(&added, tt.cases, tt.modelled, tt.readme)
		if len(got) != 1 || !strings.Contains(got[0], tt.want) || !strings.Contains(got[0], "new-rule") {
			t.Errorf("%s: got %q, want one problem saying %q", tt.name, got, tt.want)
		}
	}
}
