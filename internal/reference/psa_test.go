package reference_test

import (
	"testing"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/reference"
)

// TestAllowedIsPSABaseline: with default parameters, hostprocess-allowed is
// violated exactly when Pod Security Admission's Baseline check
// windowsHostProcess forbids the pod (rules page, rule 1).
func TestAllowedIsPSABaseline(t *testing.T) {
	g := generate.New(1)
	forbidden := 0
	for i := range 20000 {
		obj := g.Next()
		spec, prefix, _ := reference.PodSpecOf(obj)
		violated := false
		for _, v := range reference.EvaluatePodSpec(spec, prefix, reference.DefaultParams()) {
			violated = violated || v.Rule == reference.RuleAllowed
		}
		psa, detail := reference.PSAForbids(spec)
		if psa {
			forbidden++
		}
		if violated != psa {
			t.Fatalf("object %d: hostprocess-allowed %v, PSA forbids %v (%s): %v", i, violated, psa, detail, generate.Unstructured(obj))
		}
	}
	t.Logf("20000 pods, %d forbidden by PSA Baseline windowsHostProcess, all agreeing", forbidden)
	if forbidden == 0 || forbidden == 20000 {
		t.Errorf("the generator gave %d forbidden pods of 20000: no test", forbidden)
	}
}
