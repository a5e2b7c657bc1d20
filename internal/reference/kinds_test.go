package reference

import (
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/kinds"
)

// The typed accessors of the model agree with the one list of pod-bearing
// kinds: each kind's pod spec and pod metadata are where the list says.
func TestTypedAccessorsFollowKinds(t *testing.T) {
	for _, k := range kinds.All {
		obj, err := Typed(map[string]any{"apiVersion": k.APIVersion, "kind": k.Name, "spec": map[string]any{"template": map[string]any{}}})
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		if _, prefix, ok := PodSpecOf(obj); !ok || prefix != strings.Join(k.PodSpec, ".") {
			t.Errorf("%s: PodSpecOf gives %q (%v), the kinds list %q", k.Name, prefix, ok, strings.Join(k.PodSpec, "."))
		}
		if _, prefix, ok := PodMetaOf(obj); !ok || prefix != strings.Join(k.PodMetadata(), ".") {
			t.Errorf("%s: PodMetaOf gives %q (%v), the kinds list %q", k.Name, prefix, ok, strings.Join(k.PodMetadata(), "."))
		}
	}
}
