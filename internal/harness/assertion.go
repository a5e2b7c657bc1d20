package harness

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/violation"
)

// Judge compares an engine's violations with a case's expectations, rule by
// rule: each expectation must match exactly one violation of its rule and
// no violation may be left over. It returns one line per difference.
func Judge(c cases.Case, got []violation.Violation) []string {
	byRule := map[string][]violation.Violation{}
	for _, v := range got {
		byRule[v.Rule] = append(byRule[v.Rule], v)
	}
	rules := map[string]bool{}
	for id := range c.Expect {
		rules[id] = true
	}
	for id := range byRule {
		rules[id] = true
	}
	var diffs []string
	for _, id := range slices.Sorted(maps.Keys(rules)) {
		exps, vs := c.Expect[id], byRule[id]
		if match(exps, vs, make([]bool, len(vs))) {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("rule %s: want %d violation(s), got %d", id, len(exps), len(vs)))
		for _, e := range exps {
			diffs = append(diffs, fmt.Sprintf("  - want %s", expectationText(e)))
		}
		for _, v := range vs {
			diffs = append(diffs, fmt.Sprintf("  + got  %s", v))
		}
	}
	return diffs
}

// match finds a one-to-one assignment of expectations to violations.
func match(exps []cases.Expectation, vs []violation.Violation, used []bool) bool {
	if len(exps) == 0 {
		for _, u := range used {
			if !u {
				return false
			}
		}
		return true
	}
	for i, v := range vs {
		if !used[i] && matches(exps[0], v) {
			used[i] = true
			if match(exps[1:], vs, used) {
				return true
			}
			used[i] = false
		}
	}
	return false
}

func matches(e cases.Expectation, v violation.Violation) bool {
	return (e.Field == "" || e.Field == v.Field) && e.Pattern() != nil && e.Pattern().MatchString(v.Message)
}

func expectationText(e cases.Expectation) string {
	if e.Field == "" {
		return fmt.Sprintf("/%s/", e.Message)
	}
	return fmt.Sprintf("%s /%s/", e.Field, e.Message)
}

// sameViolations reports whether two engines gave the same violations.
func sameViolations(a, b []violation.Violation) bool {
	return canonical(a) == canonical(b)
}

func canonical(vs []violation.Violation) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.Rule + "\x00" + v.Field + "\x00" + v.Message
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
