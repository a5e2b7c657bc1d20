package pipeline

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/testcases/realworld"
)

// Every engine judges the manifests modelled on real public projects
// (testcases/realworld) exactly as verdicts.yaml, derived by hand from the
// rules page, says: rule and field of every violation, default parameters,
// every rule applied (no namespace left out); the CEL engines by their
// contract (the rules that fire), except what they decline.
func TestRealWorldThroughEveryEngine(t *testing.T) {
	manifests, err := realworld.Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(manifests) < 20 {
		t.Fatalf("the corpus holds %d manifests, want at least 20", len(manifests))
	}
	engines := embeddedEngines(t)
	total := 0
	judged := map[string]int{}
	for _, m := range manifests {
		total += len(m.Want)
		for _, e := range engines {
			r := harness.Review{Object: m.Object}
			if harness.Declines(e, r) != "" {
				continue
			}
			judged[e.Name()]++
			got, err := e.Evaluate(context.Background(), r)
			if err != nil {
				t.Fatalf("%s in %s: %v", m.File, e.Name(), err)
			}
			want := m.Want
			var keys []string
			for _, g := range got {
				keys = append(keys, g.Rule+" "+g.Field)
			}
			if harness.ContractOf(e) == harness.PerRule {
				// The CEL contract: which rules fire (with no field).
				keys, want = rulesOf(keys), rulesOf(m.Want)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, want) {
				t.Errorf("%s in %s:\n got  %s\n want %s\n (%s)", m.File, e.Name(), strings.Join(keys, "; "), strings.Join(m.Want, "; "), strings.TrimSpace(m.Why))
			}
		}
	}
	t.Logf("%d manifests, %d violations, through %d engines (judged: %v)", len(manifests), total, len(engines), judged)
	for _, e := range engines {
		if judged[e.Name()] < len(manifests)/2 {
			t.Errorf("%s judged %d of %d manifests", e.Name(), judged[e.Name()], len(manifests))
		}
	}
}

// rulesOf are the rules of "rule field" lines, once each, sorted.
func rulesOf(lines []string) []string {
	var out []string
	for _, l := range lines {
		rule, _, _ := strings.Cut(l, " ")
		out = append(out, rule)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
