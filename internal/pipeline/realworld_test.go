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
// every rule applied (no namespace left out).
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
	for _, m := range manifests {
		total += len(m.Want)
		for _, e := range engines {
			got, err := e.Evaluate(context.Background(), harness.Review{Object: m.Object})
			if err != nil {
				t.Fatalf("%s in %s: %v", m.File, e.Name(), err)
			}
			var keys []string
			for _, g := range got {
				keys = append(keys, g.Rule+" "+g.Field)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, m.Want) {
				t.Errorf("%s in %s:\n got  %s\n want %s\n (%s)", m.File, e.Name(), strings.Join(keys, "; "), strings.Join(m.Want, "; "), strings.TrimSpace(m.Why))
			}
		}
	}
	t.Logf("%d manifests, %d violations, through %d engines", len(manifests), total, len(engines))
}
