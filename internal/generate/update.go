package generate

import (
	"maps"
	"math/rand/v2"
	"slices"

	"github.com/policygen/policygen/internal/reference"
)

// Update kinds: what an oldObject made by UpdateOf changes.
const (
	UpdateNoOld       = "no oldObject"
	UpdateLabels      = "labels and finalizers"
	UpdateReplicas    = "replicas and status"
	UpdateTemplate    = "template labels"
	UpdateImage       = "image"
	UpdateAnnotation  = "pod annotation"
	UpdateAnnotations = "annotations absent against {}"
)

// UpdateOf returns an oldObject for the document u, for an UPDATE, and what
// it changes: nothing that the rules read (labels, finalizers, replicas,
// status, the template's labels: the update is not judged), the pod spec
// or the pod annotations (judged in full), or no oldObject at all (judged
// in full). When u has nothing a change can be made in, it falls back to
// the same object.
func UpdateOf(u map[string]any, r *rand.Rand) (map[string]any, string) {
	how := pick(r, []string{UpdateNoOld, UpdateLabels, UpdateLabels, UpdateReplicas, UpdateTemplate, UpdateImage, UpdateImage, UpdateAnnotation, UpdateAnnotations})
	if how == UpdateNoOld {
		return nil, how
	}
	old := reference.CopyJSON(u).(map[string]any)
	var spec, meta map[string]any
	for _, it := range reference.Items(old) {
		specPath, metaPath, ok := reference.PodSpecPaths(it.Kind)
		if !ok {
			continue
		}
		s, _ := get(it.Object, specPath).(map[string]any)
		m, _ := get(it.Object, metaPath).(map[string]any)
		if s != nil && m != nil {
			spec, meta = s, m
			break
		}
	}
	objMeta, _ := old["metadata"].(map[string]any)
	switch how {
	case UpdateLabels:
		if objMeta != nil {
			objMeta["labels"] = map[string]any{"changed": "yes"}
			objMeta["finalizers"] = []any{"example.com/keep"}
			return old, how
		}
	case UpdateReplicas:
		if s, ok := old["spec"].(map[string]any); ok && old["kind"] != "Pod" {
			s["replicas"] = int64(7)
		}
		old["status"] = map[string]any{"phase": "Running", "replicas": int64(3)}
		return old, how
	case UpdateTemplate:
		if meta != nil && old["kind"] != "Pod" {
			meta["labels"] = map[string]any{"app": "older"}
			return old, how
		}
	case UpdateImage:
		if spec != nil {
			if cs, ok := spec["containers"].([]any); ok && len(cs) > 0 {
				if c, ok := cs[0].(map[string]any); ok {
					image, _ := c["image"].(string)
					c["image"] = image + "-old"
					return old, how
				}
			}
			spec["priorityClassName"] = "older"
			return old, how
		}
	case UpdateAnnotation:
		if meta != nil {
			if a, ok := meta["annotations"].(map[string]any); ok && len(a) > 0 {
				delete(a, slices.Sorted(maps.Keys(a))[0]) // the old object lacked it
			} else {
				meta["annotations"] = map[string]any{reference.InheritUserAnnotation: "false"}
			}
			return old, how
		}
	case UpdateAnnotations:
		if meta != nil {
			if a, present := meta["annotations"]; present && a != nil { // null is absent
				delete(meta, "annotations")
			} else {
				meta["annotations"] = map[string]any{}
			}
			return old, how
		}
	}
	return old, "the same object"
}

// get returns the value at a dotted path in decoded JSON, nil when there is none.
func get(v any, dotted string) any {
	got, _ := pathOf(dotted).Get(v)
	return got
}
