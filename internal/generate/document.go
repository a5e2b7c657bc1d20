package generate

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/violation"
)

// Document is one generated document as the engines see it (Object), with
// the typed twin of each pod-bearing object in it, by the item path that
// reference.Items gives it ("" for the document itself, "items[1].items[0]"
// inside lists). A twin is what the rules page says its object reads as:
// wrong-typed values unset, limits that are no quantity missing.
type Document struct {
	Object  map[string]any
	Twins   map[string]runtime.Object
	Shape   string   // "Pod", "List", "PodList (untyped items)", ... for reports
	Changes []string // wrong-typed values and respellings, for reports
}

// Corrupted reports whether some object of the document has values that
// its twin does not hold (wrong types, respellings).
func (d Document) Corrupted() bool { return len(d.Changes) > 0 }

// Reference is the reference model's verdict on the document, through the
// twins: each pod-bearing item judged in its typed form, with its prefixes.
func (d Document) Reference(params reference.Params) []violation.Violation {
	var out []violation.Violation
	for _, it := range reference.Items(d.Object) {
		if !it.HasPodSpec() {
			continue
		}
		twin := d.Twins[it.Path]
		if twin == nil {
			panic(fmt.Sprintf("generate: no twin for %q (%s) in a %s", it.Path, it.Kind, d.Shape))
		}
		out = append(out, reference.EvaluateItem(it, twin, params)...)
	}
	return out
}

// NextDocument returns a document: mostly one object of a pod-bearing kind,
// else a list (List, <Kind>List with untyped items, nested lists, items of
// other kinds and items that are no objects). An object has wrong-typed
// values a fifth of the time, and limits or annotations respelt a third.
func (g *Generator) NextDocument() Document {
	d := Document{Twins: map[string]runtime.Object{}}
	if chance(g.rng, 0.8) {
		u, twin, changes := g.item(nil)
		tm, _ := TypeMetaOf(twin)
		d.Object, d.Shape, d.Changes = u, tm.Kind, changes
		d.Twins[""] = twin
		return d
	}
	d.Object = g.list(&d, "", 0)
	return d
}

// item makes one pod-bearing object, of kind k or any, with its twin.
func (g *Generator) item(k *kind) (map[string]any, runtime.Object, []string) {
	r := g.rng
	var obj runtime.Object
	if k == nil {
		obj = g.Next()
	} else {
		obj = g.NextOf(k.name)
	}
	u, twin := Unstructured(obj), obj
	var changes []string
	if chance(r, 0.2) {
		var cs []Change
		u, twin, cs = Corrupt(obj, r)
		for _, c := range cs {
			changes = append(changes, c.String())
		}
	}
	if chance(r, 0.35) {
		changes = append(changes, Respell(u, twin, r)...)
	}
	return u, twin, changes
}

// NextOf returns a new object of the named pod-bearing kind.
func (g *Generator) NextOf(name string) runtime.Object {
	for {
		obj := g.Next()
		if tm, _ := TypeMetaOf(obj); tm.Kind == name {
			return obj
		}
	}
}

// list makes a list at path, with the twins of its items in d.
func (g *Generator) list(d *Document, path string, depth int) map[string]any {
	r := g.rng
	var of *kind // the X of an XList, whose items may leave out their kind
	kindName := "List"
	switch count(r, 45, 35, 10, 10) {
	case 1:
		k := pick(r, kinds)
		of, kindName = &k, k.name+"List"
	case 2:
		kindName = pick(r, []string{"ConfigMapList", "SecretList"})
	case 3:
		kindName = pick(r, []string{"DeploymentList", "PodList"}) // typed items of any kind
	}
	if d.Shape == "" {
		d.Shape = kindName
		if of != nil {
			d.Shape += " (untyped items)"
		}
	}
	var items []any
	for i := range count(r, 8, 30, 30, 17, 15) {
		at := fmt.Sprintf("items[%d]", i)
		if path != "" {
			at = path + "." + at
		}
		switch count(r, 70, 10, 8, 12) {
		case 0:
			u, twin, changes := g.item(of)
			for _, c := range changes {
				d.Changes = append(d.Changes, at+": "+c)
			}
			switch {
			case of != nil && chance(r, 0.6):
				delete(u, "kind") // kubectl fills it in: judged as the list's X
				d.Twins[at] = twin
			case of == nil && kindName == "List" && chance(r, 0.1):
				delete(u, "kind") // an untyped item of a plain List has no pod spec
			default:
				d.Twins[at] = twin
			}
			items = append(items, u)
		case 1:
			items = append(items, map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "cfg", "namespace": "default"}, "data": map[string]any{"a": "b"}})
		case 2:
			items = append(items, pick(r, []any{nil, "Pod", int64(3), []any{}}))
		case 3:
			if depth < 2 {
				items = append(items, g.list(d, at, depth+1))
			} else {
				items = append(items, map[string]any{"kind": "ConfigMap", "items": []any{}})
			}
		}
	}
	if items == nil {
		items = []any{}
	}
	return map[string]any{"apiVersion": "v1", "kind": kindName, "metadata": map[string]any{}, "items": items}
}
