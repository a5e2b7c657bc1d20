package reference

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/policygen/policygen/internal/kinds"
)

// HasPodSpec reports whether objects of kind have a pod spec.
func HasPodSpec(kind string) bool {
	_, ok := kinds.Of(kind)
	return ok
}

// Decode returns the typed form of an unstructured pod-bearing object, and
// an error when that form would not be judged as the object is: a kind
// without a pod spec, a value of the wrong type, or a pod spec that the
// typed form does not hold as written (an unknown or misspelt field, a
// value it reads differently, a volume or volumeMounts name written as "",
// an inherit-user annotation the typed form holds otherwise). The pod spec
// is checked by encoding the typed form again and comparing it with the
// object's (see sameForRules), so that whatever Decode accepts, the rules
// read alike in both forms: they read nothing but the kind, the pod spec
// and the inherit-user annotation. A limit that is no quantity makes the
// typed conversion fail; EvaluateDocument takes such limits out first and
// judges them as missing (see sanitize).
func Decode(u map[string]any) (runtime.Object, error) {
	in, err := asJSON(u)
	if err != nil {
		return nil, err
	}
	obj, err := Typed(in)
	if err != nil {
		return nil, err
	}
	back, err := asJSON(obj)
	if err != nil {
		return nil, err
	}
	_, prefix, ok := PodSpecOf(obj)
	if !ok {
		prefix = "spec.template.spec" // a ReplicationController without a template
	}
	at := strings.Split(prefix, ".")
	if where, ok := emptyNames(get(in, at), at); !ok {
		return nil, fmt.Errorf("the typed form cannot tell the name \"\" at %s from a missing one", pathText(where))
	}
	if meta, metaPrefix, ok := PodMetaOf(obj); ok {
		annotations, _ := get(in, strings.Split(metaPrefix+".annotations", ".")).(map[string]any)
		raw, present := annotations[InheritUserAnnotation]
		typed, typedPresent := meta.Annotations[InheritUserAnnotation]
		if s, _ := raw.(string); present != typedPresent || s != typed {
			return nil, fmt.Errorf("the typed form differs at %s.annotations[%q]", metaPrefix, InheritUserAnnotation)
		}
	}
	spec, typed := prune(get(in, at)), prune(get(back, at))
	if isEmpty(spec) && isEmpty(typed) {
		return obj, nil // no pod spec, or an empty one: nothing to judge either way
	}
	if where, ok := sameForRules(spec, typed, at); !ok {
		return nil, fmt.Errorf("the typed form differs at %s", pathText(where))
	}
	return obj, nil
}

// emptyNames finds a volume or volumeMounts entry whose name is written as
// "": the typed form holds it as it holds a missing name, but rule 7 reads
// a written "" as a name that a mount of "" names.
func emptyNames(spec any, at []string) ([]string, bool) {
	s, _ := spec.(map[string]any)
	named := func(list any, at []string) ([]string, bool) {
		entries, _ := list.([]any)
		for i, e := range entries {
			if m, ok := e.(map[string]any); ok && m["name"] == "" {
				return join(at, fmt.Sprint(i), "name"), false
			}
		}
		return nil, true
	}
	if where, ok := named(s["volumes"], join(at, "volumes")); !ok {
		return where, false
	}
	for _, list := range []string{"containers", "initContainers", "ephemeralContainers"} {
		entries, _ := s[list].([]any)
		for i, e := range entries {
			c, _ := e.(map[string]any)
			if where, ok := named(c["volumeMounts"], join(at, list, fmt.Sprint(i), "volumeMounts")); !ok {
				return where, false
			}
		}
	}
	return nil, true
}

// Typed converts an unstructured pod-bearing object to its typed form, as a
// webhook written in Go decodes it, without Decode's check that the rules
// read both forms alike.
func Typed(u map[string]any) (runtime.Object, error) {
	kind, _ := u["kind"].(string)
	k, ok := kinds.Of(kind)
	if !ok {
		return nil, fmt.Errorf("kind %q has no pod spec", kind)
	}
	obj := k.New()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// get returns the value at path in decoded JSON, nil when there is none.
func get(v any, path []string) any {
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// asJSON is v as JSON decodes into maps and lists: int64 and float64
// numbers, as unstructured objects hold them.
func asJSON(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, utiljson.Unmarshal(raw, &m)
}

// prune returns decoded JSON without what the rules read as absent: null
// and empty maps and lists are left out of maps, and a null list entry is
// an empty object (an empty container, volume or term, as the API server
// decodes it). Entries of lists stay, so that indices do not move.
func prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			p := prune(e)
			if isEmpty(p) {
				continue
			}
			out[k] = p
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			if e == nil {
				e = map[string]any{}
			}
			out[i] = prune(e)
		}
		return out
	}
	return v
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(t) == 0
	case []any:
		return len(t) == 0
	}
	return false
}

// sameForRules compares a pruned pod spec (in) with the pruned pod spec of
// its typed form encoded again (back). Values must be equal, except that a
// limit or request must be the same quantity on both sides (the typed form
// writes quantities in canonical form; rule 8 reads their value), and
// a zero value on one side may be missing on the other only where the
// rules read it as they read a missing value (see zeroIsMissing). Anything
// else is a value one form has and the other has not: os: {} comes back
// with os.name "", which names another OS. It returns the path of the
// first difference.
func sameForRules(in, back any, at []string) ([]string, bool) {
	if quantity(at) {
		// The typed form writes quantities in canonical form: the value
		// must be the same.
		a, errA := parsedQuantity(in)
		b, errB := parsedQuantity(back)
		if errA != nil || errB != nil || a.Cmp(b) != 0 {
			return at, false
		}
		return nil, true
	}
	switch i := in.(type) {
	case map[string]any:
		b, ok := back.(map[string]any)
		if !ok {
			return at, false
		}
		for _, k := range slices.Sorted(maps.Keys(i)) {
			if _, ok := b[k]; !ok && zeroIsMissing(join(at, k), i[k]) {
				continue
			}
			if where, ok := sameForRules(i[k], b[k], join(at, k)); !ok {
				return where, false
			}
		}
		for _, k := range slices.Sorted(maps.Keys(b)) {
			if _, ok := i[k]; !ok && !zeroIsMissing(join(at, k), b[k]) {
				return join(at, k), false
			}
		}
		return nil, true
	case []any:
		b, ok := back.([]any)
		if !ok || len(b) != len(i) {
			return at, false
		}
		for n := range i {
			if where, ok := sameForRules(i[n], b[n], join(at, fmt.Sprint(n))); !ok {
				return where, false
			}
		}
		return nil, true
	}
	return at, in == back
}

// parsedQuantity reads a limit or request as written: a string, or a JSON
// number as its JSON text.
func parsedQuantity(v any) (resource.Quantity, error) {
	switch t := v.(type) {
	case string:
		return resource.ParseQuantity(t)
	case int64, float64:
		return resource.ParseQuantity(jsonText(t))
	}
	return resource.Quantity{}, fmt.Errorf("not a quantity: %v", v)
}

// quantity: at is a resource limit or request.
func quantity(at []string) bool {
	n := len(at)
	return n >= 3 && at[n-3] == "resources" && (at[n-2] == "limits" || at[n-2] == "requests")
}

// zeroIsMissing: v is a zero value that the rules read at the end of at as
// they read a missing value. A container's or volume's name only labels
// messages; a hostPath's path "" is no named pipe; a node selector
// requirement's key or operator "" is neither kubernetes.io/os nor In;
// hostNetwork false is not true; an image "" is no image. (Not so an
// os.name "", which names another OS.)
func zeroIsMissing(at []string, v any) bool {
	n := len(at)
	parent := func(k int) string {
		if n > k {
			return at[n-1-k]
		}
		return ""
	}
	switch at[n-1] {
	case "name":
		switch parent(2) {
		case "containers", "initContainers", "ephemeralContainers", "volumes":
			return v == ""
		}
	case "path":
		return parent(1) == "hostPath" && v == ""
	case "image":
		return v == ""
	case "key", "operator":
		return parent(2) == "matchExpressions" && v == ""
	case "hostNetwork":
		return parent(1) == "spec" && v == false
	}
	return false
}

// pathText writes a path the way violation fields are written.
func pathText(at []string) string {
	var b strings.Builder
	for i, k := range at {
		if _, err := strconv.Atoi(k); err == nil {
			fmt.Fprintf(&b, "[%s]", k)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(k)
	}
	return b.String()
}

func join(at []string, k ...string) []string { return append(append([]string{}, at...), k...) }
