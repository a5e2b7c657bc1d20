package generate

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// Unstructured returns obj as the engines see it: its JSON, decoded into
// maps and lists with int64 numbers (as unstructured.Unstructured holds
// them), with apiVersion and kind set and null values left out (as the API
// server stores objects; Corrupt puts nulls in on purpose).
func Unstructured(obj runtime.Object) map[string]any {
	raw, err := json.Marshal(obj)
	if err != nil {
		panic(fmt.Sprintf("generate: a typed object does not marshal: %v", err))
	}
	var m map[string]any
	if err := utiljson.Unmarshal(raw, &m); err != nil {
		panic(fmt.Sprintf("generate: its JSON does not unmarshal: %v", err))
	}
	if tm, ok := TypeMetaOf(obj); ok {
		m["apiVersion"], m["kind"] = tm.APIVersion, tm.Kind
	}
	dropNulls(m)
	return m
}

// dropNulls removes null map values, at every depth.
func dropNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
			} else {
				dropNulls(e)
			}
		}
	case []any:
		for _, e := range t {
			dropNulls(e)
		}
	}
}
