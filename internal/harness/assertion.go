package harness

import (
	"fmt"
	"maps"
	"regexp"
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

// named are what a message names: container entries and volumes by list
// and index (`initContainers[0]`, `volumes[2]`).
var named = regexp.MustCompile(`\b(?:containers|initContainers|ephemeralContainers|volumes)\[\d+\]`)

// JudgePerRule judges the violations of a PerRule engine: per rule, it
// fires exactly when the case expects violations of it; every violation has
// a message and no field; its messages name the same containers and
// volumes as the reference's (an Exact engine's) violations of the rule;
// and they say what the reference's say: each reference message (trimmed,
// as the API server trims a message) is in them, word for word.
func JudgePerRule(c cases.Case, reference, got []violation.Violation) []string {
	byRule, refByRule := map[string][]violation.Violation{}, map[string][]violation.Violation{}
	for _, v := range got {
		byRule[v.Rule] = append(byRule[v.Rule], v)
	}
	for _, v := range reference {
		refByRule[v.Rule] = append(refByRule[v.Rule], v)
	}
	rules := map[string]bool{}
	for id, exps := range c.Expect {
		rules[id] = len(exps) > 0
	}
	for id := range byRule {
		rules[id] = true
	}
	var diffs []string
	for _, id := range slices.Sorted(maps.Keys(rules)) {
		want, vs := len(c.Expect[id]) > 0, byRule[id]
		switch {
		case want && len(vs) == 0:
			diffs = append(diffs, fmt.Sprintf("rule %s: want it to fire, got no violation", id))
			continue
		case !want && len(vs) > 0:
			diffs = append(diffs, fmt.Sprintf("rule %s: want no violation, got %d", id, len(vs)))
			for _, v := range vs {
				diffs = append(diffs, "  + got  "+v.String())
			}
			continue
		}
		for _, v := range vs {
			if v.Message == "" || v.Field != "" {
				diffs = append(diffs, fmt.Sprintf("rule %s: want a message and no field, got %s", id, v))
			}
		}
		if w, g := namedIn(refByRule[id]), namedIn(vs); w != g {
			diffs = append(diffs, fmt.Sprintf("rule %s: the messages name [%s], the Rego's name [%s]", id, g, w))
		}
		var texts []string
		for _, v := range vs {
			texts = append(texts, v.Message)
		}
		joined := strings.Join(texts, "; ")
		for _, w := range refByRule[id] {
			// The API server's validator trims a message.
			if !strings.Contains(joined, strings.TrimSpace(w.Message)) {
				diffs = append(diffs, fmt.Sprintf("rule %s: the messages lack the Rego's %q", id, w.Message))
			}
		}
	}
	return diffs
}

// namedIn are the containers and volumes the messages name, sorted, once each.
func namedIn(vs []violation.Violation) string {
	set := map[string]bool{}
	for _, v := range vs {
		for _, n := range named.FindAllString(v.Message, -1) {
			set[n] = true
		}
	}
	return strings.Join(slices.Sorted(maps.Keys(set)), " ")
}
