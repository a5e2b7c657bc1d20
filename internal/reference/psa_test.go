package reference_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/reference"
)

// TestAllowedIsPSABaseline: with default parameters, hostprocess-allowed is
// violated exactly when Pod Security Admission's Baseline check
// windowsHostProcess forbids the pod (rules page, rule 1).
func TestAllowedIsPSABaseline(t *testing.T) {
	g := generate.New(1)
	forbidden, pods, inLists := 0, 0, 0
	for pods < 20000 {
		d := g.NextDocument()
		for _, path := range slices.Sorted(maps.Keys(d.Twins)) {
			obj := d.Twins[path]
			spec, prefix, _ := reference.PodSpecOf(obj)
			violated := false
			for _, v := range reference.EvaluatePodSpec(spec, prefix, reference.DefaultParams()) {
				violated = violated || v.Rule == reference.RuleAllowed
			}
			psa, detail := reference.PSAForbids(spec)
			if psa {
				forbidden++
			}
			if path != "" {
				inLists++
			}
			pods++
			if violated != psa {
				t.Fatalf("%s %q: hostprocess-allowed %v, PSA forbids %v (%s): %v", d.Shape, path, violated, psa, detail, generate.Unstructured(obj))
			}
		}
	}
	t.Logf("%d pods (%d list items), %d forbidden by PSA Baseline windowsHostProcess, all agreeing", pods, inLists, forbidden)
	if forbidden == 0 || forbidden == pods || inLists == 0 {
		t.Errorf("the generator gave %d forbidden pods of %d, %d in lists: no test", forbidden, pods, inLists)
	}
}
