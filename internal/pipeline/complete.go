package pipeline

import (
	"fmt"
	"strings"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/spec"
)

// Incomplete lists what each rule of the spec lacks of what a rule needs
// besides its Rego (which loading the spec checks): a case file of its own
// with cases in which it fires and cases in which it must not, a model in
// the reference (modelled lists the rule ids it judges), and a row in the
// README's rule table. Each line names the rule and the file to write.
func Incomplete(s *spec.Spec, all []cases.Case, modelled []string, readme string) []string {
	var out []string
	for _, r := range s.Rules {
		file := s.CaseFile(r)
		fires, silent, own := 0, 0, 0
		for _, c := range all {
			if c.File == file {
				own++
			}
			if len(c.Expect[r.ID]) > 0 {
				fires++
			} else if c.File == file {
				silent++
			}
		}
		switch {
		case own == 0:
			out = append(out, fmt.Sprintf("rule %s has no cases: write testcases/%s", r.ID, file))
		case fires == 0 || silent == 0:
			out = append(out, fmt.Sprintf("rule %s needs cases where it fires and cases in testcases/%s where it must not (it fires in %d, is silent in %d)", r.ID, file, fires, silent))
		}
		if !contains(modelled, r.ID) {
			out = append(out, fmt.Sprintf("rule %s has no reference model: write internal/reference/%s.go from the rules page and add it to the checks in internal/reference/reference.go", r.ID, strings.ReplaceAll(strings.TrimSuffix(file, ".yaml"), "-", "_")))
		}
		if !strings.Contains(readme, "| `"+r.ID+"` |") {
			out = append(out, fmt.Sprintf("rule %s is not in the README's rule table: add a row | `%s` | `%s` | %s | ... |", r.ID, r.ID, r.Kind, r.Bundle))
		}
	}
	for _, id := range modelled {
		if !hasRule(s, id) {
			out = append(out, fmt.Sprintf("the reference models %s, which the spec does not have: remove it from internal/reference or add the rule to the spec", id))
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func hasRule(s *spec.Spec, id string) bool {
	for _, r := range s.Rules {
		if r.ID == id {
			return true
		}
	}
	return false
}
