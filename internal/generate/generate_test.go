package generate

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	podkinds "github.com/policygen/policygen/internal/kinds"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/reference"
)

func TestSameSeedSameObjects(t *testing.T) {
	a, b, c := New(42), New(42), New(43)
	differs := false
	for i := range 1000 {
		x, y, z := Unstructured(a.Next()), Unstructured(b.Next()), Unstructured(c.Next())
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("object %d differs for the same seed", i)
		}
		differs = differs || !reflect.DeepEqual(x, z)
	}
	if !differs {
		t.Error("seeds 42 and 43 give the same objects")
	}
}

// TestCoverage: the generator reaches every kind and makes every rule
// violate, and not violate, under every parameter set.
func TestCoverage(t *testing.T) {
	g := New(7)
	kindsSeen := map[string]int{}
	type key struct{ set, rule string }
	violated := map[key]int{}
	const n = 5000
	for range n {
		obj := g.Next()
		tm, _ := TypeMetaOf(obj)
		kindsSeen[tm.Kind]++
		for _, ps := range ParameterSets() {
			seen := map[string]bool{}
			for _, v := range reference.Evaluate(obj, reference.ParamsFrom(ps.Params)) {
				seen[v.Rule] = true
			}
			for r := range seen {
				violated[key{ps.Name, r}]++
			}
		}
	}
	if len(kindsSeen) != len(kinds) {
		t.Errorf("kinds made: %v", kindsSeen)
	}
	for _, ps := range ParameterSets() {
		for _, r := range reference.Rules() {
			k := violated[key{ps.Name, r}]
			if ps.Name == "empty requiredLimits" && r == reference.RuleResourceLimits {
				if k != 0 {
					t.Errorf("%s violated with no required limits", r)
				}
				continue
			}
			if k == 0 || k == n {
				t.Errorf("%s under %q: violated by %d of %d objects", r, ps.Name, k, n)
			}
		}
	}
	for _, r := range reference.Rules() {
		t.Logf("%-32s violated by %4d of %d objects under the defaults", r, violated[key{"defaults", r}], n)
	}
}

func TestUnstructured(t *testing.T) {
	g := New(3)
	for range 500 {
		obj := g.Next()
		u := Unstructured(obj)
		tm, _ := TypeMetaOf(obj)
		if u["apiVersion"] != tm.APIVersion || u["kind"] != tm.Kind {
			t.Fatalf("apiVersion/kind: %v %v", u["apiVersion"], u["kind"])
		}
		if hasNull(u) {
			t.Fatalf("null left in %v", u)
		}
		if back := decodeAs(t, obj, u); !apiequality.Semantic.DeepEqual(back, obj) {
			t.Fatalf("round trip differs:\n%v", u)
		}
	}
}

// TestCorruptTwins: the typed twin is exactly the corrupted object with
// each corrupted field removed, and the same seed corrupts the same way.
func TestCorruptTwins(t *testing.T) {
	g, again := New(11), New(11)
	changes := map[string]int{}
	for range 5000 {
		obj, obj2 := g.Next(), again.Next()
		u, twin, cs := Corrupt(obj, g.Rand())
		u2, _, _ := Corrupt(obj2, again.Rand())
		if !reflect.DeepEqual(u, u2) {
			t.Fatal("the same seed corrupts differently")
		}
		if len(cs) == 0 {
			t.Fatal("no change made")
		}
		last := cs[len(cs)-1]
		if got, ok := last.Path.Get(u); !ok || !reflect.DeepEqual(got, last.Value) {
			t.Fatalf("%s: found %v", last, got)
		}
		cleaned := reference.CopyJSON(u).(map[string]any)
		for _, c := range cs {
			c.Unset.Delete(cleaned)
			changes[c.Unset[len(c.Unset)-1].(string)]++
		}
		if back := decodeAs(t, obj, cleaned); !apiequality.Semantic.DeepEqual(back, twin) {
			t.Fatalf("twin is not the object without %v", cs)
		}
		_ = reference.Evaluate(twin, reference.DefaultParams())
	}
	t.Logf("fields corrupted: %v", changes)
}

func TestShrink(t *testing.T) {
	g := New(5)
	shrunk := 0
	for range 300 {
		obj := g.Next()
		violates := func(o runtime.Object) bool {
			for _, v := range reference.Evaluate(o, reference.DefaultParams()) {
				if v.Rule == reference.RuleVolumeMounts {
					return true
				}
			}
			return false
		}
		if !violates(obj) {
			continue
		}
		small := Shrink(obj, violates)
		spec, prefix, _ := reference.PodSpecOf(small)
		if !violates(small) || prefix != "spec" {
			t.Fatalf("shrunk to %v", Unstructured(small))
		}
		// A HostProcess pod (pod-level true needs no container), one volume
		// and a container that mounts it are all the rule needs: at most
		// that container and a HostProcess one.
		if n := len(spec.Containers) + len(spec.InitContainers) + len(spec.EphemeralContainers); n > 2 || len(spec.Volumes) != 1 {
			t.Fatalf("not minimal: %v", Unstructured(small))
		}
		shrunk++
	}
	if shrunk == 0 {
		t.Fatal("nothing to shrink")
	}
}

func TestShrinkUnstructured(t *testing.T) {
	g := New(9)
	for range 200 {
		u, _, cs := Corrupt(g.Next(), g.Rand())
		last := cs[len(cs)-1]
		keeps := func(m map[string]any) bool {
			v, ok := last.Path.Get(m)
			return ok && reflect.DeepEqual(v, last.Value)
		}
		small := ShrinkUnstructured(u, keeps)
		// Left: the path, what is inside the value, and the emptied list
		// elements before each index on the path (removing them would move it).
		left := len(last.Path) + countInner(last.Value)
		for _, s := range last.Path {
			if i, ok := s.(int); ok {
				left += i
			}
		}
		if !keeps(small) || len(deletable(small, nil)) != left {
			t.Fatalf("%s: shrunk to %v", last, small)
		}
	}
}

// countInner counts the deletable paths inside a corrupt value.
func countInner(v any) int { return len(deletable(map[string]any{"x": v}, nil)) - 1 }

func hasNull(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		for _, e := range t {
			if hasNull(e) {
				return true
			}
		}
	case []any:
		for _, e := range t {
			if hasNull(e) {
				return true
			}
		}
	}
	return false
}

// decodeAs decodes u into a new object of obj's type.
func decodeAs(t *testing.T, obj runtime.Object, u map[string]any) runtime.Object {
	t.Helper()
	raw, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	out := reflect.New(reflect.TypeOf(obj).Elem()).Interface().(runtime.Object)
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	return out
}

// The generator wraps pod specs in exactly the pod-bearing kinds.
func TestGeneratorKindsAreThePodBearingKinds(t *testing.T) {
	var names []string
	for _, k := range kinds {
		names = append(names, k.name)
	}
	want := podkinds.Names()
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("the generator makes %v, the pod-bearing kinds are %v", names, want)
	}
}
