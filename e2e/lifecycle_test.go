//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/target/vap"
	"github.com/policygen/policygen/internal/violation"
)

const lifecycleNamespace = "e2e-lifecycle"

// hostProcessPodSpec is a HostProcess pod spec the API server accepts
// (host network, every container HostProcess) that violates every rule
// of the guard and several of the hardening.
func hostProcessPodSpec(image string) map[string]any {
	return map[string]any{
		"hostNetwork": true,
		"securityContext": map[string]any{"windowsOptions": map[string]any{
			"hostProcess": true, "runAsUserName": `NT AUTHORITY\SYSTEM`}},
		"containers": []any{map[string]any{"name": "agent", "image": image}},
	}
}

// compliantPodSpec meets every rule when allowedImages admits its image.
func compliantPodSpec(image string) map[string]any {
	ps := hostProcessPodSpec(image)
	ps["securityContext"] = map[string]any{"windowsOptions": map[string]any{
		"hostProcess": true, "runAsUserName": `NT AUTHORITY\LOCAL SERVICE`}}
	ps["nodeSelector"] = map[string]any{"kubernetes.io/os": "windows"}
	ps["containers"] = []any{map[string]any{"name": "agent", "image": image,
		"resources": map[string]any{"limits": map[string]any{"cpu": "500m", "memory": "256Mi"}}}}
	return ps
}

func object(apiVersion, kind, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": apiVersion, "kind": kind, "spec": spec}}
	u.SetName(name)
	u.SetNamespace(lifecycleNamespace)
	return u
}

func pod(name string, spec map[string]any) *unstructured.Unstructured {
	return object("v1", "Pod", name, spec)
}

func deployment(name string, podSpec map[string]any) *unstructured.Unstructured {
	return object("apps/v1", "Deployment", name, map[string]any{
		"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
		"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}}, "spec": podSpec},
	})
}

// judge is the project's own Gatekeeper engine over the published
// templates: what the webhook should answer for a request.
type judge struct {
	t      testing.TB
	engine *gatekeeper.Engine
	vap    *vap.Engine // the API server's validator over dist/vap, in process
}

func newJudge(t testing.TB, s *spec.Spec) *judge {
	t.Helper()
	dist := render.Artifacts{}
	for _, r := range s.Rules {
		p := gatekeeper.TemplatePath(r)
		b, err := os.ReadFile(filepath.Join(root(t), "dist", p))
		if err != nil {
			t.Fatal(err)
		}
		dist[p] = b
	}
	for _, r := range s.Rules {
		p := path.Join(vap.Root, r.ID, "policy.yaml")
		b, err := os.ReadFile(filepath.Join(root(t), "dist", p))
		if err != nil {
			t.Fatal(err)
		}
		dist[p] = b
	}
	e, err := gatekeeper.NewEngine(s, dist)
	if err != nil {
		t.Fatal(err)
	}
	v, err := vap.NewEngine(s, dist)
	if err != nil {
		t.Fatal(err)
	}
	return &judge{t: t, engine: e, vap: v}
}

// rules is the violations per rule of a review.
func (j *judge) rules(r harness.Review) map[string]int {
	j.t.Helper()
	vs, err := j.engine.Evaluate(context.Background(), r)
	if err != nil {
		j.t.Fatal(err)
	}
	out := map[string]int{}
	for _, v := range vs {
		out[v.Rule]++
	}
	return out
}

// perRule judges a CEL engine's denial of a case by the CEL contract
// against the Rego engine's violations of the case: the messages of each
// rule name the same containers and volumes and hold the Rego's messages.
func (j *judge) perRule(c cases.Case, denial map[string][]string) []string {
	j.t.Helper()
	r := harness.ReviewOf(c)
	r.Object, r.OldObject = asDecoded(r.Object), asDecoded(r.OldObject)
	ref, err := j.engine.Evaluate(context.Background(), r)
	if err != nil {
		j.t.Fatal(err)
	}
	var got []violation.Violation
	for id, msgs := range denial {
		for _, m := range msgs {
			got = append(got, violation.Violation{Rule: id, Message: m})
		}
	}
	return harness.JudgePerRule(c, ref, got)
}

// asDecoded is an object as the API server passes it to admission: through
// its Go type, so a quantity in its canonical form ("0m" is "0", the number
// 1048575 the string "1048575") and a null string empty, and with every
// resource quantity rounded up to milli-units as the API server's defaulting
// of a ResourceList does ("0.0009765624Gi" is "1048575893m"). An object of
// no type client-go knows, or that its type cannot hold, is returned as it
// is.
func asDecoded(obj map[string]any) map[string]any {
	if obj == nil {
		return nil
	}
	u := &unstructured.Unstructured{Object: deepCopy(obj)}
	typed, err := scheme.Scheme.New(u.GroupVersionKind())
	if err != nil {
		return obj
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
		return obj
	}
	out, err := runtime.DefaultUnstructuredConverter.ToUnstructured(typed)
	if err != nil {
		return obj
	}
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if q, ok := e.(string); ok && (key == "limits" || key == "requests") {
					if parsed, err := resource.ParseQuantity(q); err == nil {
						parsed.RoundUp(resource.Milli)
						t[k] = parsed.String()
					}
					continue
				}
				walk(e, k)
			}
		case []any:
			for _, e := range t {
				walk(e, key)
			}
		}
	}
	walk(out, "")
	return out
}

func counts(v map[string][]string) map[string]int {
	out := map[string]int{}
	for k, msgs := range v {
		out[k] = len(msgs)
	}
	return out
}

func show(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

// TestLifecycle follows objects through a cluster that had them before
// the policies: audit, updates, deletion, an ephemeral container,
// enforcement actions.
func TestLifecycle(t *testing.T) {
	s, _, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	c := StartCluster(t)
	StartGatekeeper(c, admissionregistrationv1.Ignore) // Gatekeeper's default
	e := NewGatekeeperWebhook(c, s)
	j := newJudge(t, s)
	c.Namespace(lifecycleNamespace)
	ctx := context.Background()

	// Stored before any policy: violating objects, one held by a finalizer.
	const image = "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.0"
	hpDeploy := deployment("hp-deploy", hostProcessPodSpec(image))
	hpPod := pod("hp-pod", hostProcessPodSpec(image))
	hpPod.SetFinalizers([]string{"policygen.dev/hold"})
	web := pod("web", map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}})
	pre := []*unstructured.Unstructured{hpDeploy, hpPod, web}
	for _, u := range pre {
		if _, err := c.Client(u).Create(ctx, u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("storing %s: %v", u.GetName(), err)
		}
	}
	t.Cleanup(func() {
		// Let the held pod go, so that nothing waits on it.
		p, err := c.Client(hpPod).Get(ctx, "hp-pod", metav1.GetOptions{})
		if err == nil && len(p.GetFinalizers()) > 0 {
			p.SetFinalizers(nil)
			_, _ = c.Client(hpPod).Update(ctx, p, metav1.UpdateOptions{})
		}
	})
	e.Install(t)

	// stored is what the API server holds now.
	stored := func(u *unstructured.Unstructured) *unstructured.Unstructured {
		t.Helper()
		got, err := c.Client(u).Get(ctx, u.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	t.Run("audit", func(t *testing.T) {
		// The sample constraints judge every stored object; each
		// constraint's totalViolations is the judge's count over them.
		want := judgeStored(t, c, j)
		start := time.Now()
		got := waitAudit(t, c, e, s, want, 90*time.Second)
		c.Time("audit: every constraint's totalViolations as judged", start)
		t.Logf("audit totalViolations: %s (judged %s)", show(got), show(want))
	})

	// update sends an update of u made by edit and compares the answer with
	// the judge's verdict on the same old and new object.
	update := func(t *testing.T, what string, u *unstructured.Unstructured, edit func(*unstructured.Unstructured), v2 string) {
		t.Helper()
		old := stored(u)
		neu := old.DeepCopy()
		edit(neu)
		want := j.rules(harness.Review{Object: neu.Object, OldObject: old.Object, Operation: "UPDATE"})
		_, err := c.Client(u).Update(ctx, neu, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}})
		got := outcome(e, err, c.Warnings.Take())
		if got.Result != Admitted && got.Result != Denied {
			t.Fatalf("%s: %s: %s", what, got.Result, got.Message)
		}
		if g := counts(got.Violations); !maps.Equal(g, want) {
			t.Errorf("%s: the webhook answers %s (%s), the judge %s", what, got.Result, show(g), show(want))
		}
		if got.Result != v2 {
			t.Errorf("%s: %s %s; the rules page says %s", what, got.Result, show(counts(got.Violations)), v2)
		}
		t.Logf("%s: %s %s", what, got.Result, show(counts(got.Violations)))
	}

	t.Run("update", func(t *testing.T) {
		update(t, "label change of a violating Deployment", hpDeploy, func(u *unstructured.Unstructured) {
			u.SetLabels(map[string]string{"team": "windows"})
		}, Admitted)
		update(t, "scale change of a violating Deployment", hpDeploy, func(u *unstructured.Unstructured) {
			_ = unstructured.SetNestedField(u.Object, int64(3), "spec", "replicas")
		}, Admitted)
		update(t, "finalizer removal of a violating Pod", hpPod, func(u *unstructured.Unstructured) {
			u.SetFinalizers(nil)
		}, Admitted)
		update(t, "pod-spec change of a violating Deployment", hpDeploy, func(u *unstructured.Unstructured) {
			cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
			cs[0].(map[string]any)["image"] = "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0"
			_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "template", "spec", "containers")
		}, Denied)
		update(t, "image change of a violating Pod", hpPod, func(u *unstructured.Unstructured) {
			cs, _, _ := unstructured.NestedSlice(u.Object, "spec", "containers")
			cs[0].(map[string]any)["image"] = "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0"
			_ = unstructured.SetNestedSlice(u.Object, cs, "spec", "containers")
		}, Denied)
	})

	t.Run("delete", func(t *testing.T) {
		for _, u := range []*unstructured.Unstructured{hpDeploy, hpPod} {
			err := c.Client(u).Delete(ctx, u.GetName(), metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}})
			if got := outcome(e, err, nil); got.Result != Admitted {
				t.Errorf("DELETE of violating %s %s: %s %s %s", u.GetKind(), u.GetName(), got.Result, show(counts(got.Violations)), got.Message)
			} else {
				t.Logf("DELETE of violating %s %s: admitted", u.GetKind(), u.GetName())
			}
		}
	})

	t.Run("ephemeral container", func(t *testing.T) {
		// A pod that meets every rule, admitted under the policies; then a
		// HostProcess ephemeral container of an image not allowed.
		params := map[string]map[string]any{"hostprocess-allowed": {"allowedImages": []any{"mcr.microsoft.com/*"}}}
		if err := e.Constrain(t, params); err != nil {
			t.Fatal(err)
		}
		p := pod("hp-ok", compliantPodSpec(image))
		if _, err := c.Client(p).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatalf("a compliant HostProcess pod: %v", err)
		}
		old := stored(p)
		neu := old.DeepCopy()
		_ = unstructured.SetNestedSlice(neu.Object, []any{map[string]any{
			"name": "debug", "image": "docker.io/library/busybox:1.36",
			"securityContext": map[string]any{"windowsOptions": map[string]any{"hostProcess": true}},
		}}, "spec", "ephemeralContainers")
		want := j.rules(harness.Review{Object: neu.Object, OldObject: old.Object, Operation: "UPDATE", Parameters: params})
		_, err := c.Client(p).Update(ctx, neu, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}, "ephemeralcontainers")
		got := outcome(e, err, nil)
		t.Logf("pods/ephemeralcontainers with a HostProcess ephemeral container: %s %s (judged %s) %s",
			got.Result, show(counts(got.Violations)), show(want), got.Message)
		if got.Result != Denied || !maps.Equal(counts(got.Violations), want) {
			t.Errorf("pods/ephemeralcontainers: %s %s, judged %s: the sample constraints do not hold the subresource", got.Result, show(counts(got.Violations)), show(want))
		}
	})

	t.Run("enforcement actions", func(t *testing.T) {
		if err := e.Constrain(t, nil); err != nil {
			t.Fatal(err)
		}
		setAction := func(action string) {
			for _, r := range s.Rules {
				u := gatekeeper.Constraint{Name: r.ID, Match: e.Match(r)}.Of(r)
				_ = unstructured.SetNestedField(u.Object, action, "spec", "enforcementAction")
				e.Apply(t, u)
				e.waitEnforced(t, u)
			}
		}
		hp := pod("hp-warn", hostProcessPodSpec(image))
		want := j.rules(harness.Review{Object: hp.Object})

		setAction("warn")
		c.Warnings.Take()
		_, err := c.Client(hp).Create(ctx, hp, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		warnings := c.Warnings.Take()
		got := ParseDenial(strings.Join(warnings, "\n"))
		t.Logf("warn: err=%v, %d warnings: %s", err, len(warnings), show(counts(got)))
		if err != nil || !maps.Equal(counts(got), want) {
			t.Errorf("warn: err=%v, warnings %s, judged %s", err, show(counts(got)), show(want))
		}

		setAction("dryrun")
		hp.SetName("hp-dryrun")
		_, err = c.Client(hp).Create(ctx, hp, metav1.CreateOptions{})
		warnings = c.Warnings.Take()
		if err != nil || len(warnings) > 0 {
			t.Errorf("dryrun: err=%v, warnings %q: want a silent admission", err, warnings)
		}
		start := time.Now()
		waitAudit(t, c, e, s, judgeStored(t, c, j), 90*time.Second)
		c.Time("dryrun: the admitted pod in audit", start)
	})
}

// judgeStored is the judge's count per rule over the pods and deployments
// stored in the lifecycle namespace, with the default parameters the
// sample constraints carry.
func judgeStored(t testing.TB, c *Cluster, j *judge) map[string]int {
	t.Helper()
	want := map[string]int{}
	for _, u := range []*unstructured.Unstructured{pod("", nil), deployment("", nil)} {
		list, err := c.Client(u).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range list.Items {
			for rule, n := range j.rules(harness.Review{Object: item.Object}) {
				want[rule] += n
			}
		}
	}
	return want
}

// totals is each constraint's status.totalViolations (rule id → count).
func totals(t testing.TB, c *Cluster, e *GatekeeperWebhook, s *spec.Spec) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, r := range s.Rules {
		u := gatekeeper.Constraint{Name: r.ID}.Of(r)
		got, err := c.Client(u).Get(context.Background(), r.ID, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n, found, _ := unstructured.NestedInt64(got.Object, "status", "totalViolations")
		if found && n > 0 {
			out[r.ID] = int(n)
		}
	}
	return out
}

// waitAudit waits until every constraint's totalViolations is want.
func waitAudit(t testing.TB, c *Cluster, e *GatekeeperWebhook, s *spec.Spec, want map[string]int, timeout time.Duration) map[string]int {
	t.Helper()
	var got map[string]int
	err := Eventually(timeout, time.Second, func() (bool, error) {
		got = totals(t, c, e, s)
		return maps.Equal(got, want), nil
	})
	if err != nil {
		b, _ := yaml.Marshal(got)
		t.Errorf("audit: totalViolations %s, judged %s (%s)", show(got), show(want), b)
	}
	return got
}
