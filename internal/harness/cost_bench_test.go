package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/policies"
)

// The cost benchmarks put the rules beside what a review costs anyway, in
// one run, through Gatekeeper's constraint framework client (and through
// `gator bench` when POLICYGEN_GATOR names a gator binary):
//
//	set=floor     eight trivial templates that never violate: the fixed
//	              cost of eight templates in the framework
//	set=baseline  one minimal template that checks only hostProcess (with
//	              the guard's image allowlist, so that it decides what the
//	              guard decides): what a peer would ship
//	set=guard     the guard rule alone
//	set=rules     all eight rules
//
// each on a HostProcess DaemonSet (pod=hostprocess), a DaemonSet whose pods
// are not HostProcess (pod=plain), the same as Pods (pod=hostprocess-Pod,
// pod=plain-Pod: the kind admission sees most) and HostProcess DaemonSets
// of n containers (containers=n).

// trivialRego never violates and reads the object once.
const trivialRego = `package k8strivial%d

violation contains {"msg": msg} if {
	input.review.object.kind == "NeverAKind"
	msg := "never"
}
`

// baselineRego is the minimal HostProcess check: pod-level or any
// container's hostProcess: true, unless every image it applies to is
// allowed. Only a Pod's or a workload's pod spec, no lists, no messages
// beyond the container's name.
const baselineRego = `package k8sbaselinehostprocess

kinds := {
	"Pod": ["spec"],
	"Deployment": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

pod := object.get(input.review.object, kinds[input.review.object.kind], null)

containers contains c if {
	some list in ["containers", "initContainers", "ephemeralContainers"]
	some c in pod[list]
}

allowed(image) if {
	some entry in input.parameters.allowedImages
	entry == image
}

allowed(image) if {
	some entry in input.parameters.allowedImages
	endswith(entry, "*")
	startswith(image, trim_suffix(entry, "*"))
}

violation contains {"msg": msg} if {
	pod.securityContext.windowsOptions.hostProcess == true
	some c in containers
	not allowed(c.image)
	msg := sprintf("HostProcess is not allowed for %v", [c.name])
}

violation contains {"msg": msg} if {
	some c in containers
	c.securityContext.windowsOptions.hostProcess == true
	not allowed(c.image)
	msg := sprintf("HostProcess is not allowed for %v", [c.name])
}
`

// costSet is a set of templates with one constraint each.
type costSet struct {
	name        string
	templates   []*unstructured.Unstructured
	constraints []*unstructured.Unstructured
}

// templateOf is a ConstraintTemplate of kind with Rego (v1) and, when
// params, an object parameter schema that accepts anything.
func templateOf(kind, rego string, params bool) *unstructured.Unstructured {
	crd := map[string]any{"names": map[string]any{"kind": kind}}
	if params {
		crd["validation"] = map[string]any{"openAPIV3Schema": map[string]any{
			"type":                                 "object",
			"x-kubernetes-preserve-unknown-fields": true,
		}}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1",
		"kind":       "ConstraintTemplate",
		"metadata":   map[string]any{"name": lower(kind)},
		"spec": map[string]any{
			"crd": map[string]any{"spec": crd},
			"targets": []any{map[string]any{
				"target": gatekeeper.GatekeeperTarget,
				"code": []any{map[string]any{
					"engine": "Rego",
					"source": map[string]any{"version": "v1", "rego": rego},
				}},
			}},
		},
	}}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func constraintOf(kind string, params map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": gatekeeper.ConstraintGroupVersion,
		"kind":       kind,
		"metadata":   map[string]any{"name": "bench"},
		"spec":       map[string]any{},
	}}
	if params != nil {
		u.Object["spec"].(map[string]any)["parameters"] = params
	}
	return u
}

// costSets are the four sets of the table, the project's templates as
// published, and the bound: the eight rules with a pods lib that finds no
// HostProcess pod in one indexed lookup. The bound is not a policy (it
// judges nothing) but the least a rule that reads the shared lib's pods can
// cost on a plain pod: the table sets it beside the rules, whose cost over
// it is the exact test of a pod spec (the rule index reading pod-level
// hostProcess, the first container's, and whether the other lists have
// entries).
func costSets(t testing.TB) (sets []costSet, bound costSet) {
	t.Helper()
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := pipeline.Render(s, nil, pipeline.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	floor := costSet{name: "floor"}
	for i := range 8 {
		kind := fmt.Sprintf("K8sTrivial%d", i)
		floor.templates = append(floor.templates, templateOf(kind, fmt.Sprintf(trivialRego, i), false))
		floor.constraints = append(floor.constraints, constraintOf(kind, nil))
	}
	base := costSet{name: "baseline",
		templates:   []*unstructured.Unstructured{templateOf("K8sBaselineHostProcess", baselineRego, true)},
		constraints: []*unstructured.Unstructured{constraintOf("K8sBaselineHostProcess", benchParams[reference.RuleAllowed])},
	}
	guard, rules := costSet{name: "guard"}, costSet{name: "rules"}
	for _, r := range s.Rules {
		var u unstructured.Unstructured
		if err := yaml.Unmarshal(a[gatekeeper.TemplatePath(r)], &u.Object); err != nil {
			t.Fatal(err)
		}
		c := gatekeeper.Constraint{Name: "bench", Parameters: benchParams[r.ID]}.Of(r)
		rules.templates, rules.constraints = append(rules.templates, &u), append(rules.constraints, c)
		if r.ID == reference.RuleAllowed {
			guard.templates, guard.constraints = []*unstructured.Unstructured{&u}, []*unstructured.Unstructured{c}
		}
	}
	return []costSet{floor, base, guard, rules}, boundSet(t, s, rules.constraints)
}

// boundSet is the bound of costSets: each rule's template built with the
// Gatekeeper libs, the pods lib's hostprocess_pods rules replaced by one
// that never holds.
func boundSet(t testing.TB, s *spec.Spec, constraints []*unstructured.Unstructured) costSet {
	t.Helper()
	libs, err := gatekeeper.TemplateLibs(s)
	if err != nil {
		t.Fatal(err)
	}
	pods, err := spec.PodsModule(s, s.Targets["gatekeeper"])
	if err != nil {
		t.Fatal(err)
	}
	i, cut := slices.Index(libs, pods), strings.Index(pods, "\nhostprocess_pods contains")
	if i < 0 || cut < 0 {
		t.Fatal("the Gatekeeper libs carry no pods lib with hostprocess_pods rules")
	}
	libs[i] = pods[:cut] + "\nhostprocess_pods contains {} if input.review.object.kind == \"NeverAKind\"\n"
	bound := costSet{name: "bound", constraints: constraints}
	for _, r := range s.Rules {
		typed, err := gatekeeper.ConstraintTemplate(s, r, libs)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
		if err != nil {
			t.Fatal(err)
		}
		bound.templates = append(bound.templates, &unstructured.Unstructured{Object: obj})
	}
	return bound
}

// costPods are the pods reviewed, by sub-benchmark name.
func costPods() []struct {
	name string
	obj  map[string]any
} {
	plain := daemonSet(1)
	podSpec := plain["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
	delete(podSpec, "hostNetwork")
	podSpec["securityContext"] = map[string]any{"runAsNonRoot": true}
	out := []struct {
		name string
		obj  map[string]any
	}{{"pod=hostprocess", daemonSet(1)}, {"pod=plain", plain},
		{"pod=hostprocess-Pod", podOf(daemonSet(1))}, {"pod=plain-Pod", podOf(plain)}}
	for _, n := range []int{1, 10, 50, 200} {
		out = append(out, struct {
			name string
			obj  map[string]any
		}{"containers=" + strconv.Itoa(n), daemonSet(n)})
	}
	return out
}

// podOf is a Pod of a DaemonSet's pod template, as its controller creates it.
func podOf(ds map[string]any) map[string]any {
	template := ds["spec"].(map[string]any)["template"].(map[string]any)
	metadata := ds["metadata"].(map[string]any)
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "Pod",
		"metadata": map[string]any{
			"name":      metadata["name"].(string) + "-x7k2p",
			"namespace": metadata["namespace"],
			"labels":    template["metadata"].(map[string]any)["labels"],
		},
		"spec": template["spec"],
	}
}

// frameworksClient is a constraint framework client, as gator builds it,
// with the set's templates and constraints.
func frameworksClient(t testing.TB, set costSet) gator.Client {
	t.Helper()
	client, err := gator.NewOPAClient(false)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, u := range set.templates {
		tmpl, err := reader.ToTemplate(scheme, u)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.AddTemplate(ctx, tmpl); err != nil {
			t.Fatalf("%s: %v", set.name, err)
		}
	}
	for _, c := range set.constraints {
		if _, err := client.AddConstraint(ctx, c); err != nil {
			t.Fatalf("%s: %v", set.name, err)
		}
	}
	return client
}

// createReview is the admission review of creating obj.
func createReview(t testing.TB, obj map[string]any) *target.AugmentedReview {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: obj}
	gvk := u.GroupVersionKind()
	req := &admissionv1.AdmissionRequest{
		Operation: admissionv1.Create,
		Name:      u.GetName(),
		Namespace: u.GetNamespace(),
		Object:    runtime.RawExtension{Raw: raw},
	}
	req.Kind.Group, req.Kind.Version, req.Kind.Kind = gvk.Group, gvk.Version, gvk.Kind
	return &target.AugmentedReview{AdmissionRequest: req, IsAdmission: true, Source: mutationtypes.SourceTypeOriginal}
}

// BenchmarkCost is one admission review through the framework client, per
// set and pod. Every review must pass: a benchmark of a violation would
// measure the message.
func BenchmarkCost(b *testing.B) {
	ctx := context.Background()
	sets, _ := costSets(b)
	for _, set := range sets {
		client := frameworksClient(b, set)
		for _, pod := range costPods() {
			review := createReview(b, pod.obj)
			b.Run("set="+set.name+"/"+pod.name, func(b *testing.B) {
				resp, err := client.Review(ctx, review, reviews.EnforcementPoint(util.GatorEnforcementPoint))
				if err != nil || len(resp.Results()) > 0 {
					b.Fatalf("got %v, %v; want no violations", resp.Results(), err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := client.Review(ctx, review, reviews.EnforcementPoint(util.GatorEnforcementPoint)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// costPairs are the ratios the table gives: a set over another on a pod,
// each against its target but the bound's.
var costPairs = []struct{ over, under, pod string }{
	{"rules", "floor", "plain"},
	{"rules", "floor", "plain-Pod"},
	{"bound", "floor", "plain"},
	{"bound", "floor", "plain-Pod"},
	{"rules", "floor", "hostprocess"},
	{"rules", "floor", "hostprocess-Pod"},
	{"guard", "baseline", "hostprocess"},
}

// BenchmarkCostPair measures each ratio of costPairs on reviews of the two
// sets taken in turn, one of each per iteration and their order swapped
// every other iteration, so that a machine whose speed drifts slows both
// alike. The ratio metric is the time of the first set's reviews over the
// second's; benchtable prefers it to the ratio of BenchmarkCost's medians.
func BenchmarkCostPair(b *testing.B) {
	ctx := context.Background()
	clients := map[string]gator.Client{}
	sets, bound := costSets(b)
	for _, set := range append(sets, bound) {
		clients[set.name] = frameworksClient(b, set)
	}
	pods := map[string]map[string]any{}
	for _, pod := range costPods() {
		pods[pod.name] = pod.obj
	}
	for _, p := range costPairs {
		review := createReview(b, pods["pod="+p.pod])
		over, under := clients[p.over], clients[p.under]
		b.Run("set="+p.over+"-over-"+p.under+"/pod="+p.pod, func(b *testing.B) {
			var took [2]time.Duration
			timed := func(i int, c gator.Client) {
				start := time.Now()
				if _, err := c.Review(ctx, review, reviews.EnforcementPoint(util.GatorEnforcementPoint)); err != nil {
					b.Fatal(err)
				}
				took[i] += time.Since(start)
			}
			odd := false
			for b.Loop() {
				if odd {
					timed(1, under)
					timed(0, over)
				} else {
					timed(0, over)
					timed(1, under)
				}
				odd = !odd
			}
			b.ReportMetric(float64(took[0])/float64(took[1]), "ratio")
		})
	}
}

// gatorIterations are the reviews of one `gator bench` run.
var gatorIterations = 200

// BenchmarkGatorCost runs `gator bench` (the Rego engine) once per set and
// pod, POLICYGEN_GATOR naming the binary, and reports its median latency
// and its allocations per review as the op (gator gives bytes only as
// text). Run it with -benchtime 1x.
func BenchmarkGatorCost(b *testing.B) {
	bin := os.Getenv("POLICYGEN_GATOR")
	if bin == "" {
		b.Skip("POLICYGEN_GATOR names no gator binary")
	}
	if out, err := exec.Command(bin, "bench", "--help").CombinedOutput(); err != nil {
		b.Skipf("%s has no bench command: %v: %.200s", bin, err, out)
	}
	sets, _ := costSets(b)
	for _, set := range sets {
		for _, pod := range costPods() {
			b.Run("set="+set.name+"/"+pod.name, func(b *testing.B) {
				dir := b.TempDir()
				var files []any
				for _, u := range set.templates {
					files = append(files, u.Object)
				}
				for _, u := range set.constraints {
					files = append(files, u.Object)
				}
				files = append(files, pod.obj)
				for i, f := range files {
					y, err := yaml.Marshal(f)
					if err != nil {
						b.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%02d.yaml", i)), y, 0o644); err != nil {
						b.Fatal(err)
					}
				}
				for b.Loop() {
					out, err := exec.Command(bin, "bench", "-f", dir, "-e", "rego", "--memory",
						"-n", strconv.Itoa(gatorIterations), "-o", "json").Output()
					if err != nil {
						b.Fatalf("gator bench: %v: %s", err, out)
					}
					var results []struct {
						ViolationCount int `json:"violationCount"`
						Latencies      struct {
							P50 string `json:"p50"`
						} `json:"latencies"`
						MemoryStats *struct {
							AllocsPerReview float64 `json:"allocsPerReview"`
						} `json:"memoryStats"`
					}
					if err := json.Unmarshal(out, &results); err != nil || len(results) != 1 {
						b.Fatalf("gator bench output: %v: %.500s", err, out)
					}
					r := results[0]
					if r.ViolationCount > 0 {
						b.Fatalf("gator bench: %d violations; want none", r.ViolationCount)
					}
					p50, err := time.ParseDuration(r.Latencies.P50)
					if err != nil {
						b.Fatalf("gator bench p50: %v", err)
					}
					b.ReportMetric(float64(p50.Nanoseconds()), "ns/op")
					if r.MemoryStats != nil {
						b.ReportMetric(r.MemoryStats.AllocsPerReview, "allocs/op")
					}
				}
			})
		}
	}
}
