package generate

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/violation"
)

func keys(vs []violation.Violation) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Rule + " " + v.Field
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestDocuments: every pod-bearing item of a generated document has a twin;
// where the document decodes as it is (no wrong-typed values), the reference
// judges it through its unstructured form exactly as through the twins, so
// that the twins of respelt limits and annotations read as the rules page
// says; every shape comes up; the same seed makes the same documents.
func TestDocuments(t *testing.T) {
	g, again := New(17), New(17)
	shapes := map[string]int{}
	decoded, respelt, untyped, nested := 0, 0, 0, 0
	sets := ParameterSets()
	for i := range 4000 {
		d, d2 := g.NextDocument(), again.NextDocument()
		if !reflect.DeepEqual(d.Object, d2.Object) {
			t.Fatalf("document %d differs for the same seed", i)
		}
		shapes[d.Shape]++
		params := reference.ParamsFrom(sets[i%len(sets)].Params)
		want := keys(d.Reference(params))
		if strings.Contains(d.Shape, "untyped") && len(d.Twins) > 0 {
			untyped++
		}
		for _, it := range reference.Items(d.Object) {
			if strings.Count(it.Path, "items[") > 1 {
				nested++
			}
		}
		got, err := reference.EvaluateDocument(reference.CopyJSON(d.Object).(map[string]any), params)
		if err != nil {
			continue
		}
		decoded++
		if d.Corrupted() {
			respelt++
		}
		if keys(got) != want {
			t.Fatalf("document %d (%s, %v): through the twins\n%s\nthrough the object\n%s\nobject: %v", i, d.Shape, d.Changes, want, keys(got), d.Object)
		}
	}
	t.Logf("shapes %v; %d decode (%d of them respelt), %d lists of untyped items, %d nested items", shapes, decoded, respelt, untyped, nested)
	for _, s := range []string{"Pod", "List", "DeploymentList", "PodList (untyped items)", "ConfigMapList"} {
		if shapes[s] == 0 {
			t.Errorf("no %s made", s)
		}
	}
	if respelt == 0 || untyped == 0 || nested == 0 {
		t.Errorf("respelt %d, untyped %d, nested %d", respelt, untyped, nested)
	}
}

// TestUpdateOf: an oldObject that changes labels, finalizers, replicas or
// the template's labels leaves the update unjudged; one that changes the
// image or the annotations does not.
func TestUpdateOf(t *testing.T) {
	g := New(23)
	seen := map[string]int{}
	for range 2000 {
		d := g.NextDocument()
		old, how := UpdateOf(d.Object, g.Rand())
		seen[how]++
		if how == UpdateNoOld {
			if old != nil {
				t.Fatal("an oldObject for no oldObject")
			}
			continue
		}
		unchanged := reference.Unchanged(d.Object, old)
		switch how {
		case UpdateLabels, UpdateReplicas, UpdateTemplate, "the same object":
			if !unchanged {
				t.Fatalf("%s: judged: %v\nold: %v", how, d.Object, old)
			}
		default:
			if unchanged {
				t.Fatalf("%s: not judged: %v\nold: %v", how, d.Object, old)
			}
		}
	}
	t.Logf("updates: %v", seen)
	for _, how := range []string{UpdateNoOld, UpdateLabels, UpdateReplicas, UpdateTemplate, UpdateImage, UpdateAnnotation, UpdateAnnotations} {
		if seen[how] == 0 {
			t.Errorf("no %s", how)
		}
	}
}
