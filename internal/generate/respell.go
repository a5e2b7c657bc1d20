package generate

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/reference"
)

// Respell rewrites, in u, the unstructured form of twin, what a file may
// write in ways the typed form cannot: limits as equivalent spellings (an
// exponent, a plain decimal, a sign, a JSON number), as new values in any
// of those, or as strings that are no quantity; and the inherit-user
// annotation with a value that is not a string, or annotations that are not
// an object. It changes twin to what the rules page reads: a limit that is
// no quantity is missing; a non-string annotation value is set (""); an
// annotations value that is not an object is no annotations. It returns
// what it changed.
func Respell(u map[string]any, twin runtime.Object, r *rand.Rand) []string {
	var out []string
	spec, prefix, ok := reference.PodSpecOf(twin)
	if !ok {
		return nil
	}
	specMap, _ := pathOf(prefix).Get(u)
	for _, list := range containerLists {
		entries, _ := (Path{list}).Get(specMap)
		l, _ := entries.([]any)
		for i := range l {
			limits, _ := (Path{list, i, "resources", "limits"}).Get(specMap)
			m, _ := limits.(map[string]any)
			for _, name := range slices.Sorted(maps.Keys(m)) {
				written, isString := m[name].(string)
				c := containerAt(spec, list, i)
				q, inTwin := c.Resources.Limits[corev1.ResourceName(name)]
				if !isString || !inTwin || !chance(r, 0.5) {
					continue
				}
				v, twinQ, counts := respellQuantity(q, r)
				m[name] = v
				if counts {
					c.Resources.Limits[corev1.ResourceName(name)] = twinQ
				} else {
					delete(c.Resources.Limits, corev1.ResourceName(name))
				}
				out = append(out, fmt.Sprintf("%s[%d] %s %q -> %s", list, i, name, written, jsonText(v)))
			}
		}
	}
	meta, metaPrefix, ok := reference.PodMetaOf(twin)
	metaMap, _ := pathOf(metaPrefix).Get(u)
	if m, isMap := metaMap.(map[string]any); ok && isMap && chance(r, 0.25) {
		if chance(r, 0.7) {
			v := pick(r, []any{true, false, int64(0), int64(1), nil, map[string]any{}, []any{"true"}, 1.5})
			a, isMap := m["annotations"].(map[string]any)
			if !isMap {
				a = map[string]any{}
				m["annotations"] = a
			}
			a[reference.InheritUserAnnotation] = v
			if meta.Annotations == nil {
				meta.Annotations = map[string]string{}
			}
			meta.Annotations[reference.InheritUserAnnotation] = ""
			out = append(out, fmt.Sprintf("annotation %s", jsonText(v)))
		} else {
			v := pick(r, []any{reference.InheritUserAnnotation, []any{reference.InheritUserAnnotation}, int64(5), nil})
			m["annotations"] = v
			meta.Annotations = nil
			out = append(out, fmt.Sprintf("annotations %s", jsonText(v)))
		}
	}
	return out
}

// invalidQuantities are strings resource.ParseQuantity refuses.
var invalidQuantities = []string{
	"abc", " 1", "1 ", "", "1K", "1GiB", "0x10", "1e", "--1", "1.2.3", "Infinity", "NaN", "1Mi ", "½", "1,5", "1_000",
}

// respellQuantity returns a value that writes q otherwise, or another value,
// with the quantity the typed twin holds for it, and false when the value is
// no quantity (the twin leaves the limit out).
func respellQuantity(q resource.Quantity, r *rand.Rand) (any, resource.Quantity, bool) {
	switch count(r, 45, 15, 15, 25) {
	case 0: // the same value, spelt otherwise
		c := q.DeepCopy()
		d := c.AsDec()
		forms := []string{d.String(), fmt.Sprintf("%se%d", d.UnscaledBig(), -int(d.Scale()))}
		if q.Sign() > 0 {
			forms = append(forms, "+"+d.String())
		}
		s := pick(r, forms)
		if p, err := resource.ParseQuantity(s); err == nil && p.Cmp(q) == 0 {
			return s, p, true
		}
	case 1: // the same value as a JSON number
		if n, ok := asNumber(q); ok {
			return n, mustQuantity(jsonText(n)), true
		}
	case 2: // no quantity
		return pick(r, invalidQuantities), resource.Quantity{}, false
	}
	// Another value: zero, tiny, negative, large, as a string or a number.
	v := pick(r, []any{"0", "-0", "0.0", "0e0", "0Ki", "1048575", "1048576", "1e6", "1023Ki", "512Ki", "-1", "+0.5", "1e-9", "1e300",
		int64(0), int64(-1), 0.5, int64(1048575), int64(1048576), 1e300, 1e-12, int64(1), int64(2147483648)})
	return v, mustQuantity(jsonText(v)), true
}

// asNumber is q as a JSON number with the same value, when there is one.
func asNumber(q resource.Quantity) (any, bool) {
	c := q.DeepCopy()
	d := c.AsDec()
	if d.Scale() <= 0 {
		if i, ok := q.AsInt64(); ok {
			return i, true
		}
	}
	f, err := strconv.ParseFloat(d.String(), 64)
	if err != nil {
		return nil, false
	}
	if p, err := resource.ParseQuantity(jsonText(f)); err != nil || p.Cmp(q) != 0 {
		return nil, false
	}
	return f, true
}

// mustQuantity parses a quantity, a JSON number as its text, without quotes.
func mustQuantity(s string) resource.Quantity {
	return resource.MustParse(strings.Trim(s, `"`))
}
