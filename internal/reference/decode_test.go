package reference

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/policygen/policygen/internal/cases"
)

// decodePod decodes a Pod whose spec is the given JSON.
func decodePod(t *testing.T, specJSON string) (*corev1.Pod, error) {
	t.Helper()
	var u map[string]any
	if err := json.Unmarshal([]byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": `+specJSON+`}`), &u); err != nil {
		t.Fatal(err)
	}
	obj, err := Decode(u)
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

func TestDecodeAccepts(t *testing.T) {
	for _, spec := range []string{
		`{"containers": [{"name": "a", "image": "x", "securityContext": {"windowsOptions": {"hostProcess": true}}}]}`,
		`{"hostNetwork": false, "containers": []}`,                                              // false and [] read as missing
		`{"containers": [null, {}], "initContainers": null}`,                                    // null entries are empty containers
		`{"containers": [{"name": "a", "resources": {"limits": {"cpu": 1, "memory": "1Gi"}}}]}`, // any quantity is a limit
		`{"volumes": [{"name": "v", "hostPath": {"type": "Socket"}}]}`,                          // path "" is no pipe
		`{"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"values": ["windows"]}]}]}}}}`,
		`{"os": {"name": "windows"}, "securityContext": {}, "nodeSelector": {}}`,
		`{"containers": [{"name": "a", "image": ""}]}`, // an empty image is no image
		`{}`,
	} {
		if _, err := decodePod(t, spec); err != nil {
			t.Errorf("%s: %v", spec, err)
		}
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, c := range []struct{ spec, err string }{
		{`{"securityContext": {"windowsOptions": {"hostProcess": "true"}}}`, "unrecognized type: bool"},
		{`{"containers": {"name": "a"}}`, "cannot restore slice from map"},
		{`{"containers": ["a"]}`, "cannot restore struct from: string"},
		{`{"securityContext": {"windowsOptions": {"HostProcess": true}}}`, "differs at spec.securityContext"},
		{`{"securityContext": {"hostProcess": true}}`, "differs at spec.securityContext"},
		{`{"os": {}}`, "differs at spec.os"}, // os.name "" names another OS
		{`{"containers": [{"name": "a", "resources": {"limits": {"cpu": null}}}]}`, "differs at spec.containers[0].resources"},
		{`{"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [{"values": [null]}]}]}}}}`, "differs at spec.affinity"},
	} {
		_, err := decodePod(t, c.spec)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: got error %v, want %q", c.spec, err, c.err)
		}
	}
	if _, err := Decode(map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}); err == nil || err.Error() != `kind "ConfigMap" has no pod spec` {
		t.Errorf("ConfigMap: %v", err)
	}
}

func TestDecodeCronJob(t *testing.T) {
	u := map[string]any{"apiVersion": "batch/v1", "kind": "CronJob", "spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{
		"template": map[string]any{"spec": map[string]any{"hostNetwork": true}},
	}}}}
	obj, err := Decode(u)
	if err != nil {
		t.Fatal(err)
	}
	if s, prefix, _ := PodSpecOf(obj); obj.(*batchv1.CronJob) == nil || !s.HostNetwork || prefix != "spec.jobTemplate.spec.template.spec" {
		t.Fatalf("decoded %#v", obj)
	}
}

// TestDecodedCases: every case whose items Decode accepts is judged by the
// reference (as a review: lists expanded, updates, deletions) exactly as
// the case expects (rule and field).
func TestDecodedCases(t *testing.T) {
	_, all, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	decoded, differ := 0, 0
	for _, c := range all {
		vs, err := EvaluateReview(c.Object, c.OldObject, c.Operation, ParamsFrom(c.Parameters))
		if err != nil {
			continue
		}
		decoded++
		var got, want []string
		for _, v := range vs {
			got = append(got, v.Rule+" "+v.Field)
		}
		for rule, exps := range c.Expect {
			for _, e := range exps {
				want = append(want, rule+" "+e.Field)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if fmt.Sprint(got) == fmt.Sprint(want) {
			continue
		}
		differ++
		t.Errorf("%s:%d %s:\n got  %v\n want %v", c.File, c.Line, c.Name, got, want)
	}
	if decoded < len(all)/2 {
		t.Errorf("only %d of %d cases decode", decoded, len(all))
	}
	t.Logf("%d of %d cases decode, %d judged otherwise than the case expects", decoded, len(all), differ)
}
