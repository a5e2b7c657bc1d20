package reference

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/policygen/policygen/internal/violation"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
)

// Item is one object of a document as the rules judge it: the document
// itself, or an object inside a list (recursively).
type Item struct {
	Path   string         // "" for the document itself; "items[2]", "items[0].items[2]" inside lists
	Kind   string         // the kind it is judged as: an untyped item of an XList is an X
	Object map[string]any // the object, with kind filled in when it was judged as X
}

// Items expands a document into the objects the rules judge: a list (kind
// List or ending in List, with items an array) item by item, recursively;
// items that are not objects are left out (indexes keep their places);
// anything else is one item, itself.
func Items(doc map[string]any) []Item {
	var out []Item
	var walk func(obj map[string]any, path string)
	walk = func(obj map[string]any, path string) {
		kind, _ := obj["kind"].(string)
		items, isArray := obj["items"].([]any)
		if !strings.HasSuffix(kind, "List") || !isArray {
			out = append(out, Item{Path: path, Kind: kind, Object: obj})
			return
		}
		for i, e := range items {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			at := fmt.Sprintf("items[%d]", i)
			if path != "" {
				at = path + "." + at
			}
			if _, typed := m["kind"].(string); !typed {
				filled := make(map[string]any, len(m)+1)
				for k, v := range m {
					filled[k] = v
				}
				// In a plain List, "" names no kind: no pod spec.
				filled["kind"] = strings.TrimSuffix(kind, "List")
				m = filled
			}
			walk(m, at)
		}
	}
	walk(doc, "")
	return out
}

// HasPodSpec reports whether the item's kind has a pod spec.
func (it Item) HasPodSpec() bool { return HasPodSpec(it.Kind) }

// prefix is what a violation of the item begins with: its field with
// "items[i].", its message with the item's path, kind and name.
func (it Item) prefix(vs []violation.Violation) []violation.Violation {
	if it.Path == "" {
		return vs
	}
	meta, _ := it.Object["metadata"].(map[string]any)
	ns, _ := meta["namespace"].(string)
	name, _ := meta["name"].(string)
	who := it.Path + " " + it.Kind
	if ns != "" || name != "" {
		who += " "
		if ns != "" {
			who += ns + "/"
		}
		who += name
	}
	out := make([]violation.Violation, len(vs))
	for i, v := range vs {
		out[i] = violation.Violation{Rule: v.Rule, Field: it.Path + "." + v.Field, Message: who + ": " + v.Message}
	}
	return out
}

// UndecodableError says that an item has no typed form that the rules read
// as they read the item: the reference cannot judge it.
type UndecodableError struct {
	Item Item
	Err  error
}

func (e *UndecodableError) Error() string {
	at := e.Item.Path
	if at == "" {
		at = "the object"
	}
	return fmt.Sprintf("%s (%s): %v", at, e.Item.Kind, e.Err)
}

func (e *UndecodableError) Unwrap() error { return e.Err }

// EvaluateDocument judges a document as conftest and gator do: every item
// of a list, recursively, with its path in front of its fields; each item
// decoded into its typed form first. It returns an *UndecodableError when
// some pod-bearing item has no typed form that reads like it (Decode):
// wrong-typed values, unknown keys. Limits and the inherit-user annotation
// are read from the item as written (see sanitize), so that a limit that is
// no quantity is judged as missing rather than making the item undecodable.
func EvaluateDocument(doc map[string]any, params Params) ([]violation.Violation, error) {
	return evaluateDocument(doc, params, Decode)
}

// evaluateDocument is EvaluateDocument with the given decoder.
func evaluateDocument(doc map[string]any, params Params, decode func(map[string]any) (runtime.Object, error)) ([]violation.Violation, error) {
	var out []violation.Violation
	for _, it := range Items(doc) {
		if !it.HasPodSpec() {
			continue
		}
		clean, notes := sanitize(it)
		obj, err := decode(clean)
		if err != nil {
			return nil, &UndecodableError{Item: it, Err: err}
		}
		out = append(out, it.prefix(evaluate(obj, params, notes))...)
	}
	return out, nil
}

// EvaluateItem judges the typed form of one item of a document (obj, which
// the caller made, such as a generator's typed twin), with the item's
// prefixes.
func EvaluateItem(it Item, obj runtime.Object, params Params) []violation.Violation {
	return it.prefix(Evaluate(obj, params))
}

// EvaluateReview judges an admission review: nothing on DELETE; nothing on
// an UPDATE whose oldObject has the same pod specs and pod annotations as
// object (Unchanged); else the object in full.
func EvaluateReview(object, oldObject map[string]any, operation string, params Params) ([]violation.Violation, error) {
	switch {
	case operation == "DELETE":
		return nil, nil
	case operation == "UPDATE" && oldObject != nil && Unchanged(object, oldObject):
		return nil, nil
	}
	return EvaluateDocument(object, params)
}

// Unchanged reports whether an UPDATE changes nothing the rules read: the
// list of (pod spec path, pod spec, pod metadata annotations) over every
// pod spec of each document, lists expanded, is the same JSON value.
// Absent values are null, and null is not {}.
func Unchanged(object, oldObject map[string]any) bool {
	return jsonEqual(podSpecTuples(object), podSpecTuples(oldObject))
}

func podSpecTuples(doc map[string]any) []any {
	var out []any
	for _, it := range Items(doc) {
		specPath, metaPath, ok := PodSpecPaths(it.Kind)
		if !ok {
			continue
		}
		path := specPath
		if it.Path != "" {
			path = it.Path + "." + path
		}
		out = append(out, []any{
			path,
			get(it.Object, strings.Split(specPath, ".")),
			get(it.Object, append(strings.Split(metaPath, "."), "annotations")),
		})
	}
	return out
}

// jsonEqual compares decoded JSON values: numbers by value, whatever their
// Go type; maps by keys and values; lists in order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case nil, bool, string:
		return a == b
	}
	xn, ok1 := number(a)
	yn, ok2 := number(b)
	return ok1 && ok2 && xn.Cmp(yn) == 0
}

func number(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(n), true
	case int:
		return new(big.Rat).SetInt64(int64(n)), true
	case float64:
		r := new(big.Rat)
		if r.SetFloat64(n) == nil {
			return nil, false
		}
		return r, true
	}
	return nil, false
}

// sanitize returns a copy of a pod-bearing item that its typed form can hold
// as the rules read it, and notes on what it took out:
//   - a limit that is neither a string that resource.ParseQuantity accepts
//     nor a JSON number is no limit (rule 8): it is removed, and noted so
//     that the message says why. (The typed form cannot hold it: its
//     decoder trims white space, reads null as zero, and refuses the rest.)
//   - annotations that are not an object are no annotations; an annotation
//     whose value is not a string is, for the inherit-user key, set (""
//     reads as set), and for any other key, which no rule reads, left out.
//
// Everything else stays as it is, for Decode to judge.
func sanitize(it Item) (map[string]any, map[limitKey]limitNote) {
	specPath, metaPath, _ := PodSpecPaths(it.Kind)
	u := CopyJSON(it.Object).(map[string]any)
	notes := map[limitKey]limitNote{}
	if spec, ok := get(u, strings.Split(specPath, ".")).(map[string]any); ok {
		for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
			entries, _ := spec[list].([]any)
			for i, e := range entries {
				c, _ := e.(map[string]any)
				res, _ := c["resources"].(map[string]any)
				limits, _ := res["limits"].(map[string]any)
				for name, v := range limits {
					if s, ok := v.(string); ok {
						if _, err := resource.ParseQuantity(s); err == nil {
							continue
						}
					}
					if _, ok := number(v); ok {
						continue
					}
					delete(limits, name)
					notes[limitKey{fmt.Sprintf("%s.%s[%d]", specPath, list, i), name}] = limitNote{
						why: fmt.Sprintf("%s %s is not a quantity", name, jsonText(v)),
					}
				}
			}
		}
	}
	if meta, ok := get(u, strings.Split(metaPath, ".")).(map[string]any); ok {
		if a, present := meta["annotations"]; present {
			annotations, isMap := a.(map[string]any)
			if !isMap {
				delete(meta, "annotations")
			}
			for k, v := range annotations {
				if _, isString := v.(string); isString {
					continue
				}
				if k == InheritUserAnnotation {
					annotations[k] = ""
				} else {
					delete(annotations, k)
				}
			}
		}
	}
	return u, notes
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// CopyJSON deep-copies decoded JSON, including values that
// runtime.DeepCopyJSON refuses (int, float32, ...).
func CopyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = CopyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = CopyJSON(e)
		}
		return out
	}
	return v
}
