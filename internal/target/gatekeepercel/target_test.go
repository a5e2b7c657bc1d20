package gatekeepercel

import (
	"testing"

	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/harness"
)

// The engine declines, with its reason, only what Gatekeeper's CEL is never
// given or cannot read, and what CEL cannot fold.
func TestDeclines(t *testing.T) {
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{}}
	groups := map[string]map[string]any{"hostprocess-run-as-user-name": {"allowedLocalGroups": []any{"administrators"}}}
	named := map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{"securityContext": map[string]any{"windowsOptions": map[string]any{"runAsUserName": "ADMİNİSTRATORS"}}}}
	for _, tc := range []struct {
		name string
		r    harness.Review
		want string
	}{
		{"a pod", harness.Review{Object: pod}, ""},
		{"an UPDATE of a pod", harness.Review{Object: pod, OldObject: pod, Operation: "UPDATE"}, ""},
		{"a DELETE of a pod", harness.Review{Object: pod, Operation: "DELETE"}, ""},
		{"a PodList", harness.Review{Object: map[string]any{"kind": "PodList", "items": []any{pod}}}, NotAdmitted},
		{"a DELETE of nothing", harness.Review{Operation: "DELETE"}, NoObject},
		{"a kind that is a list", harness.Review{Object: map[string]any{"kind": []any{"Pod"}}}, NoKind},
		{"an old object without a kind", harness.Review{Object: pod, OldObject: map[string]any{}, Operation: "UPDATE"}, NoKind},
		{"a name only Unicode folds to a group", harness.Review{Object: named, Parameters: groups}, celenv.UnicodeCase},
		{"the same name without the group", harness.Review{Object: named}, ""},
	} {
		if got := (&Engine{}).Declines(tc.r); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
