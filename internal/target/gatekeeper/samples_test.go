package gatekeeper

import (
	"context"
	"maps"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
)

// TestPublishedConstraints installs the published templates with the
// published constraints, as `kubectl apply -k dist/gatekeeper/all` does, and
// reviews every case in its namespace (default when it names none, as
// kubectl applies it), the case's parameters set on every constraint of
// the rule they are for. Each rule must give the case's violations where
// the constraint that selects the namespace adds no parameters of its own
// (or the case gives them); a rule no constraint selects there gives none.
func TestPublishedConstraints(t *testing.T) {
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
	var published []*unstructured.Unstructured
	for _, r := range s.Rules {
		for _, c := range s.ConstraintsOf(r.ID) {
			u := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(a[ConstraintPath(c)], &u.Object); err != nil {
				t.Fatal(err)
			}
			published = append(published, u)
		}
	}
	matched := map[string]bool{}
	for _, m := range s.Match {
		for _, k := range m.Kinds {
			matched[k] = true
		}
	}
	reviewed, excludedCases, noObject := 0, 0, 0
	for _, c := range all {
		if c.Object == nil {
			noObject++ // Gatekeeper's matcher needs an object; the API server always sends one
			continue
		}
		for _, con := range published {
			con = con.DeepCopy()
			id := con.GetLabels()["policygen.dev/rule"]
			if p, ok := c.Parameters[id]; ok {
				if err := unstructured.SetNestedField(con.Object, runtime.DeepCopyJSONValue(map[string]any(p)), "spec", "parameters"); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := g.client.AddConstraint(ctx, con); err != nil {
				t.Fatalf("%s: %s: %v", c.Name, con.GetName(), err)
			}
		}
		review := harness.ReviewOf(c)
		ns, _, _ := unstructured.NestedString(c.Object, "metadata", "namespace")
		if ns == "" {
			ns = "default"
			review.Object = withNamespace(review.Object, ns)
			if review.OldObject != nil {
				review.OldObject = withNamespace(review.OldObject, ns)
			}
		}
		kind, _ := c.Object["kind"].(string)
		want := c
		want.Expect = map[string][]cases.Expectation{}
		for id, exps := range c.Expect {
			keep := false
			if matched[kind] {
				for _, sc := range s.ConstraintsOf(id) {
					_, given := c.Parameters[id]
					if sc.Match.Selects(ns) && (len(sc.Parameters) == 0 || given) {
						keep = true
					}
				}
			}
			if keep {
				want.Expect[id] = exps
			} else {
				excludedCases++
			}
		}
		got, err := g.review(ctx, review)
		if err != nil {
			t.Errorf("%s:%d %s: %v", c.File, c.Line, c.Name, err)
			continue
		}
		if diff := harness.Judge(want, got); len(diff) > 0 {
			t.Errorf("%s:%d %s under the published constraints:\n  %s", c.File, c.Line, c.Name, strings.Join(diff, "\n  "))
		}
		reviewed++
	}
	// Cases name kube-system on purpose.
	if reviewed != len(all)-noObject || noObject > 1 || excludedCases == 0 {
		t.Errorf("reviewed %d of %d cases (%d without an object) (%d expectations left out by the constraints' match); want all but the one DELETE without an object, and some left out", reviewed, len(all), noObject, excludedCases)
	}
	t.Logf("%d cases reviewed under the published constraints; %d rule expectations left out by their match", reviewed, excludedCases)
}

// withNamespace is a shallow copy of obj in namespace ns (a metadata that
// is not an object is replaced).
func withNamespace(obj map[string]any, ns string) map[string]any {
	out := maps.Clone(obj)
	meta, _ := out["metadata"].(map[string]any)
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]any{}
	}
	meta["namespace"] = ns
	out["metadata"] = meta
	return out
}
