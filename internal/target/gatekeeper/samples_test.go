package gatekeeper

import (
	"context"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
)

// TestSampleConstraints installs the published templates with the published
// sample constraints, as `kubectl apply -k dist/gatekeeper/all` or
// `gator test -f dist/gatekeeper` does, and reviews every case, with the
// case's parameters set on the samples. Each must give the case's violations, except where the
// sample constraint's match leaves the object out: the guard's excluded
// kube-system, and kinds no sample matches (a kind without a pod spec).
func TestSampleConstraints(t *testing.T) {
	s, all, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	a := render.Artifacts{}
	if err := (Target{}).Render(s, all, a); err != nil {
		t.Fatal(err)
	}
	g, err := NewEngine(s, a)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	samples := map[string]*unstructured.Unstructured{} // rule id → its sample constraint
	for _, r := range s.Rules {
		samples[r.ID] = &unstructured.Unstructured{}
		if err := yaml.Unmarshal(a[ConstraintPath(r)], &samples[r.ID].Object); err != nil {
			t.Fatal(err)
		}
	}
	matched := map[string]bool{}
	for _, m := range s.Match {
		for _, k := range m.Kinds {
			matched[k] = true
		}
	}

	reviewed, excludedCases := 0, 0
	noObject := 0
	for _, c := range all {
		if c.Object == nil {
			// A DELETE without an object: Gatekeeper's matcher, not the
			// policy, needs an object to match namespaces and kinds against
			// (the API server always sends oldObject). The Gatekeeper engine
			// shows the policy itself never errors on it.
			noObject++
			continue
		}
		// The sample, with the case's parameters where it gives some: what an
		// operator who changes a parameter installs.
		for id, sample := range samples {
			con := sample.DeepCopy()
			if p, ok := c.Parameters[id]; ok {
				if err := unstructured.SetNestedField(con.Object, runtime.DeepCopyJSONValue(map[string]any(p)), "spec", "parameters"); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := g.client.AddConstraint(ctx, con); err != nil {
				t.Fatalf("%s: %s: %v", c.Name, id, err)
			}
		}
		want := c
		kind, _ := c.Object["kind"].(string)
		ns, _, _ := unstructured.NestedString(c.Object, "metadata", "namespace")
		want.Expect = map[string][]cases.Expectation{}
		for id, exps := range c.Expect {
			excluded, _, _ := unstructured.NestedStringSlice(samples[id].Object, "spec", "match", "excludedNamespaces")
			if matched[kind] && !slices.Contains(excluded, ns) {
				want.Expect[id] = exps
			} else {
				excludedCases++
			}
		}
		got, err := g.review(ctx, harness.ReviewOf(c))
		if err != nil {
			t.Errorf("%s:%d %s: %v", c.File, c.Line, c.Name, err)
			continue
		}
		if diff := harness.Judge(want, got); len(diff) > 0 {
			t.Errorf("%s:%d %s under the sample constraints:\n  %s", c.File, c.Line, c.Name, strings.Join(diff, "\n  "))
		}
		reviewed++
	}
	// A case names kube-system on purpose.
	if reviewed != len(all)-noObject || noObject > 1 || excludedCases == 0 {
		t.Errorf("reviewed %d of %d cases (%d without an object) (%d expectations left out by the samples' match); want all but the one DELETE without an object, and some left out", reviewed, len(all), noObject, excludedCases)
	}
	t.Logf("%d cases reviewed under the sample constraints; %d rule expectations left out by their match", reviewed, excludedCases)
}
