package harness_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/policygen/policygen/internal/violation"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/reference"
)

// The benchmarks measure one admission review in every engine and in the
// reference model, the native Go baseline; `make bench` runs them and
// summarises the results. Sub-benchmarks are named key=value so that
// benchstat groups them by engine and container count.

// benchParams let the DaemonSet's image run as HostProcess, so that it
// passes all eight rules, as a pod a hardened cluster admits does.
var benchParams = map[string]map[string]any{
	reference.RuleAllowed: {"allowedImages": []any{"mcr.microsoft.com/oss/kubernetes-csi/*"}},
}

// daemonSet is a typical HostProcess DaemonSet (csi-proxy-like) with n
// containers: HostProcess and the account set at pod level, limits on each
// container, a hostPath volume, placed on Windows.
func daemonSet(n int) map[string]any {
	containers := make([]any, n)
	for i := range containers {
		containers[i] = map[string]any{
			"name":      fmt.Sprintf("csi-proxy-%d", i),
			"image":     "mcr.microsoft.com/oss/kubernetes-csi/csi-proxy:v1.1.3",
			"args":      []any{"--v=4"},
			"resources": map[string]any{"limits": map[string]any{"cpu": "100m", "memory": "128Mi"}},
		}
	}
	return map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "DaemonSet",
		"metadata":   map[string]any{"name": "csi-proxy", "namespace": "kube-system"},
		"spec": map[string]any{
			"selector": map[string]any{"matchLabels": map[string]any{"app": "csi-proxy"}},
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"app": "csi-proxy"}},
				"spec": map[string]any{
					"hostNetwork":  true,
					"os":           map[string]any{"name": "windows"},
					"nodeSelector": map[string]any{"kubernetes.io/os": "windows"},
					"securityContext": map[string]any{"windowsOptions": map[string]any{
						"hostProcess":   true,
						"runAsUserName": `NT AUTHORITY\LOCAL SERVICE`,
					}},
					"containers": containers,
					"volumes": []any{map[string]any{
						"name":     "kubelet-dir",
						"hostPath": map[string]any{"path": `C:\var\lib\kubelet`, "type": "Directory"},
					}},
				},
			},
		},
	}
}

// referenceEngine is the Go model behind the Engine interface: it converts
// the object into its typed form and judges it, as a native webhook would
// (without the differential test's check of the conversion).
type referenceEngine struct{}

func (referenceEngine) Name() string { return "reference" }

func (referenceEngine) Admission() bool { return true }

func (referenceEngine) Evaluate(_ context.Context, r harness.Review) ([]violation.Violation, error) {
	obj, err := reference.Typed(r.Object)
	if err != nil {
		return nil, err
	}
	return reference.Evaluate(obj, reference.ParamsFrom(r.Parameters)), nil
}

// cachedEngines are built once per test binary: -count runs each benchmark
// function again, and building the engines costs seconds.
var cachedEngines []harness.Engine

func benchEngines(t testing.TB) []harness.Engine {
	if cachedEngines == nil {
		cachedEngines = append(engines(t), referenceEngine{})
	}
	return cachedEngines
}

// benchReviews measures reviews of objs (one op reviews them all) and
// reports reviews per second besides the time per op.
func benchReviews(b *testing.B, e harness.Engine, objs []map[string]any, params map[string]map[string]any) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, o := range objs {
			if _, err := e.Evaluate(ctx, harness.Review{Object: o, Parameters: params}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(objs))/b.Elapsed().Seconds(), "reviews/s")
}

// admitted fails unless the engine finds no violation in obj: a benchmark
// of the wrong verdict measures nothing.
func admitted(t testing.TB, e harness.Engine, obj map[string]any) {
	t.Helper()
	vs, err := e.Evaluate(context.Background(), harness.Review{Object: obj, Parameters: benchParams})
	if err != nil || len(vs) > 0 {
		t.Fatalf("%s: got %v, %v; want no violations", e.Name(), vs, err)
	}
}

// The DaemonSets the benchmarks review pass every rule in every engine, so
// that make bench measures whole reviews and does not fail after minutes.
func TestBenchmarkDaemonSets(t *testing.T) {
	for _, e := range benchEngines(t) {
		for _, n := range containerCounts {
			admitted(t, e, daemonSet(n))
		}
	}
}

// BenchmarkReview is one admission review of a HostProcess DaemonSet
// against all eight rules.
func BenchmarkReview(b *testing.B) {
	obj := daemonSet(1)
	for _, e := range benchEngines(b) {
		b.Run("engine="+e.Name(), func(b *testing.B) {
			admitted(b, e, obj)
			benchReviews(b, e, []map[string]any{obj}, benchParams)
		})
	}
}

// auditObjects is the size of the audit batch: generated objects of every
// pod-bearing kind, about two in three of them HostProcess pods, each of
// those with violations under the default parameters. An engine judged by
// the CEL contract, several times slower per review than the Rego engines,
// reviews the first auditObjectsCEL of them, so that make bench keeps
// its length (reviews per second do not depend on the batch's size).
const (
	auditObjects    = 10000
	auditObjectsCEL = 1000
)

// BenchmarkAudit reviews an audit-like batch of generated objects under the
// default parameters; one op is the whole batch, but for what an engine
// declines (the ValidatingAdmissionPolicy engines: what the typed object
// cannot hold).
func BenchmarkAudit(b *testing.B) {
	g := generate.New(20261123)
	objs := make([]map[string]any, auditObjects)
	for i := range objs {
		objs[i] = generate.Unstructured(g.Next())
	}
	for _, e := range benchEngines(b) {
		b.Run("engine="+e.Name(), func(b *testing.B) { benchReviews(b, e, judged(e, objs), nil) })
	}
}

// judged are the objects of the audit batch that e judges.
func judged(e harness.Engine, objs []map[string]any) []map[string]any {
	if harness.ContractOf(e) == harness.PerRule {
		objs = objs[:auditObjectsCEL]
	}
	var out []map[string]any
	for _, o := range objs {
		if harness.Declines(e, harness.Review{Object: o}) == "" {
			out = append(out, o)
		}
	}
	return out
}

// containerCounts are the pod sizes of BenchmarkContainers.
var containerCounts = []int{1, 10, 50}

// BenchmarkContainers reviews the DaemonSet with 1, 10 and 50 containers:
// the cost should grow linearly with the containers.
func BenchmarkContainers(b *testing.B) {
	for _, e := range benchEngines(b) {
		b.Run("engine="+e.Name(), func(b *testing.B) {
			for _, n := range containerCounts {
				obj := daemonSet(n)
				b.Run(fmt.Sprintf("containers=%d", n), func(b *testing.B) {
					admitted(b, e, obj)
					benchReviews(b, e, []map[string]any{obj}, benchParams)
				})
			}
		})
	}
}

// Every engine judges most of the audit batch: a benchmark of the reviews
// an engine declines would measure an error.
func TestAuditBatchIsJudged(t *testing.T) {
	g := generate.New(20261123)
	objs := make([]map[string]any, auditObjectsCEL)
	for i := range objs {
		objs[i] = generate.Unstructured(g.Next())
	}
	for _, e := range benchEngines(t) {
		got := judged(e, objs)
		t.Logf("%s judges %d of %d audit objects", e.Name(), len(got), len(objs))
		if len(got) < len(objs)/2 {
			t.Errorf("%s judges %d of %d audit objects", e.Name(), len(got), len(objs))
		}
		for _, o := range got[:20] {
			if _, err := e.Evaluate(context.Background(), harness.Review{Object: o}); err != nil {
				t.Errorf("%s: %v", e.Name(), err)
			}
		}
	}
}
