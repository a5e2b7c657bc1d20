//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	"k8s.io/client-go/discovery"
	"k8s.io/utils/ptr"

	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/vap"
)

// VAP enforces dist/vap with the API server's own ValidatingAdmissionPolicy
// admission (GA in Kubernetes 1.30; kube-apiserver v1.34 serves it with no
// flag), no webhook involved.
type VAP struct {
	c      *Cluster
	spec   *spec.Spec
	params string // the parameters (JSON) the e2e parameter object holds
	probed bool
}

func NewVAP(c *Cluster, s *spec.Spec) *VAP { return &VAP{c: c, spec: s} }

func (v *VAP) Name() string               { return "vap" }
func (v *VAP) Contract() harness.Contract { return harness.PerRule }

// Names of what the cases install beside the bundle's policies.
const (
	vapParams       = "e2e-params"       // the parameters of every e2e binding
	vapProbe        = "e2e-params-probe" // a policy that reports the parameters' generation
	vapProbeMessage = "e2e parameters generation "
	vapWarnSuffix   = "-warn"
)

var (
	vapDenial  = regexp.MustCompile(`ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)' denied request: `)
	vapWarning = regexp.MustCompile(`^Validation failed for ValidatingAdmissionPolicy '([^']+)' with binding '([^']+)': `)
)

// Install installs the bundle as a user does (InstallBundle), then swaps
// its bindings for two per rule in every namespace reading one parameter
// object that each parameter set rewrites (Constrain): one binding denies,
// the other warns. The API server's denial names only the first policy
// that denies; its warnings name every failing validation of every
// policy, so they tell which rules fire.
func (v *VAP) Install(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	bindings := v.InstallBundle(t)
	client := v.c.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	for _, u := range bindings {
		if err := client.Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil {
			t.Fatalf("removing the bundle's binding %s: %v", u.GetName(), err)
		}
	}
	v.probe().install(t, v.c)
	if err := v.Constrain(t, nil); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Last, the warning binding of hostprocess-allowed, which a HostProcess
	// pod fires with the default parameters: the API server's binding
	// informer delivers events in order, so once the pod is warned by it,
	// the bundle's bindings are gone and every e2e binding is there.
	for i := range v.spec.Rules {
		r := v.spec.Rules[len(v.spec.Rules)-1-i]
		for _, action := range []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny, admissionregistrationv1.Warn} {
			b, err := vap.Binding(v.spec, r, spec.Constraint{Name: r.ID, Rule: r.ID}, vapParams)
			if err != nil {
				t.Fatal(err)
			}
			b.Name = "e2e-" + r.ID
			if action == admissionregistrationv1.Warn {
				b.Name += vapWarnSuffix
			}
			b.Spec.ValidationActions = []admissionregistrationv1.ValidationAction{action}
			if _, err := client.Create(ctx, b, metav1.CreateOptions{}); err != nil {
				t.Fatalf("binding %s: %v", b.Name, err)
			}
		}
	}
	last := "e2e-" + v.spec.Rules[0].ID + vapWarnSuffix
	hp := pod("e2e-vap-probe", hostProcessPodSpec("docker.io/library/busybox:1.36"))
	hp.SetNamespace(casesNamespace)
	v.c.Namespace(casesNamespace)
	err := Eventually(30*time.Second, 50*time.Millisecond, func() (bool, error) {
		v.c.Warnings.Take()
		_, err := v.c.Client(hp).Create(ctx, hp, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		for _, w := range v.c.Warnings.Take() {
			if m := vapWarning.FindStringSubmatch(w); m != nil && m[2] == last {
				return true, nil
			}
		}
		return false, fmt.Errorf("no warning of %s (%v)", last, err)
	})
	if err != nil {
		t.Fatalf("the e2e bindings never took effect: %v", err)
	}
	v.c.Time(fmt.Sprintf("%d e2e bindings in effect", 2*len(v.spec.Rules)), start)
}

// InstallBundle installs dist/vap/all through kustomize and the API, the
// parameter CRD first, and waits until every policy is type-checked and a
// HostProcess pod is denied; it returns the bindings.
func (v *VAP) InstallBundle(t testing.TB) []*unstructured.Unstructured {
	t.Helper()
	c := v.c
	ctx := context.Background()
	start := time.Now()
	objs := Kustomize(t, filepath.Join(root(t), "dist", vap.Root, "all"))
	c.Time(fmt.Sprintf("kustomize build dist/vap/all (%d objects)", len(objs)), start)
	start = time.Now()
	var policies, bindings []*unstructured.Unstructured
	for _, u := range objs {
		switch u.GetKind() {
		case "ValidatingAdmissionPolicy":
			policies = append(policies, u)
		case "ValidatingAdmissionPolicyBinding":
			bindings = append(bindings, u)
		}
		err := c.CreateWhenServed(ctx, u, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
		}
	}
	if len(policies) != len(v.spec.Rules) {
		t.Fatalf("dist/vap/all: %d policies for %d rules", len(policies), len(v.spec.Rules))
	}
	c.Time(fmt.Sprintf("dist/vap/all created (%d policies, %d bindings)", len(policies), len(bindings)), start)
	// The type checking kube-controller-manager's status controller writes
	// into each policy's status (this cluster runs none): the same checker
	// over the API server's own schemas of the matched kinds and params.
	dc := discovery.NewDiscoveryClientForConfigOrDie(c.Config)
	tc := &validating.TypeChecker{SchemaResolver: &resolver.ClientDiscoveryResolver{Discovery: dc}, RestMapper: c.mapper}
	warnings := 0
	for _, u := range policies {
		var p admissionregistrationv1.ValidatingAdmissionPolicy
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &p); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.Check(&p) {
			warnings++
			t.Errorf("type checking of %s: %s: %s", p.Name, w.FieldRef, w.Warning)
		}
	}
	c.Time(fmt.Sprintf("%d policies type-checked against the API server's schemas (%d warnings)", len(policies), warnings), start)
	// The admission plugin compiles the policies from its own informers:
	// a HostProcess pod outside kube-system is denied once it has.
	const ns = "e2e-vap-bundle"
	c.Namespace(ns)
	hp := pod("hp-probe", hostProcessPodSpec("docker.io/library/busybox:1.36"))
	hp.SetNamespace(ns)
	err := Eventually(30*time.Second, 50*time.Millisecond, func() (bool, error) {
		_, err := c.Client(hp).Create(ctx, hp, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil {
			return false, nil
		}
		_, ok := v.Denial(err)
		return ok, err
	})
	if err != nil {
		t.Fatalf("dist/vap/all never denied a HostProcess pod: %v", err)
	}
	c.Time("dist/vap/all: a HostProcess pod denied", start)
	return bindings
}

// paramProbe is a policy that denies one ConfigMap (of its own name) with
// the generation of the parameter object it reads. The API server shares
// one informer per parameter kind among all policies, so once the probe
// reports a generation, every policy of that kind reads it.
type paramProbe struct {
	name  string // of the policy, its binding and its ConfigMap
	kind  admissionregistrationv1.ParamKind
	param string // the parameter object
}

func (p paramProbe) install(t testing.TB, c *Cluster) {
	t.Helper()
	ctx := context.Background()
	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: p.name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: ptr.To(admissionregistrationv1.Fail),
			ParamKind:     &p.kind,
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{
					Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
					Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}},
				},
			}}},
			MatchConditions: []admissionregistrationv1.MatchCondition{{Name: "probe", Expression: fmt.Sprintf("object.metadata.name == %q", p.name)}},
			Validations: []admissionregistrationv1.Validation{{
				Expression:        "false",
				MessageExpression: fmt.Sprintf("%q + string(params.metadata.generation)", vapProbeMessage),
			}},
		},
	}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: p.name},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        p.name,
			ParamRef:          &admissionregistrationv1.ParamRef{Name: p.param, ParameterNotFoundAction: ptr.To(admissionregistrationv1.DenyAction)},
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
	if _, err := c.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// wait waits until the probe reports generation.
func (p paramProbe) wait(c *Cluster, generation int64) error {
	ctx := context.Background()
	want := fmt.Sprint(vapProbeMessage, generation)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: p.name, Namespace: casesNamespace}}
	c.Namespace(casesNamespace)
	return Eventually(30*time.Second, 20*time.Millisecond, func() (bool, error) {
		_, err := c.Kube.CoreV1().ConfigMaps(casesNamespace).Create(ctx, cm, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err != nil && strings.HasSuffix(err.Error(), want), err
	})
}

func (v *VAP) probe() paramProbe {
	return paramProbe{name: vapProbe, kind: admissionregistrationv1.ParamKind{APIVersion: vap.ParamGroup + "/v1", Kind: vap.ParamKind(v.spec)}, param: vapParams}
}

// Constrain writes params into the e2e parameter object and waits until
// the probe reads its new generation. An error is the API server refusing
// the parameters (the CRD's schema).
func (v *VAP) Constrain(t testing.TB, params map[string]map[string]any) error {
	t.Helper()
	paramSpec := map[string]any{}
	for _, r := range v.spec.Rules {
		if p, ok := params[r.ID]; ok {
			paramSpec[celenv.ParamKey(r)] = map[string]any(p)
		}
	}
	key, _ := json.Marshal(paramSpec)
	if v.probed && string(key) == v.params {
		return nil
	}
	ctx := context.Background()
	u := vap.ParamObject(v.spec, vapParams, paramSpec)
	u.Object = deepCopy(u.Object)
	client := v.c.Client(u)
	old, err := client.Get(ctx, vapParams, metav1.GetOptions{})
	var saved *unstructured.Unstructured
	switch {
	case apierrors.IsNotFound(err):
		saved, err = client.Create(ctx, u, metav1.CreateOptions{})
	case err == nil:
		u.SetResourceVersion(old.GetResourceVersion())
		saved, err = client.Update(ctx, u, metav1.UpdateOptions{})
	}
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
		return err
	}
	if err != nil {
		t.Fatalf("parameters %s: %v", key, err)
	}
	if err := v.probe().wait(v.c, saved.GetGeneration()); err != nil {
		t.Fatalf("the policies never read parameters %s: %v", key, err)
	}
	v.params, v.probed = string(key), true
	return nil
}

// Denial is the first policy that denies, with its message.
func (v *VAP) Denial(err error) (map[string][]string, bool) { return vapDenialOf(err, nil) }

// Fired is every rule that fires, from the warning bindings, with the
// rule the denial names.
func (v *VAP) Fired(denial map[string][]string, warnings []string) map[string][]string {
	return vapFired(denial, warnings, nil)
}

// vapDenialOf is the first policy that denies, with its message, under
// the name rule gives the policy (its own when rule has none).
func vapDenialOf(err error, rule map[string]string) (map[string][]string, bool) {
	msg := err.Error()
	if se, ok := err.(apierrors.APIStatus); ok {
		msg = se.Status().Message
	}
	m := vapDenial.FindStringSubmatchIndex(msg)
	if m == nil {
		return nil, false
	}
	return map[string][]string{ruleOf(msg[m[2]:m[3]], rule): {msg[m[1]:]}}, true
}

// vapFired is every rule that fires, from the warning bindings, with the
// rule the denial names. Past 4 KiB of warnings the API server cuts each
// to 256 characters (still naming the policy) and then drops the rest.
func vapFired(denial map[string][]string, warnings []string, rule map[string]string) map[string][]string {
	out := map[string][]string{}
	for _, w := range warnings {
		if m := vapWarning.FindStringSubmatchIndex(w); m != nil {
			policy := ruleOf(w[m[2]:m[3]], rule)
			out[policy] = append(out[policy], w[m[1]:])
		}
	}
	for policy, msgs := range denial {
		if _, ok := out[policy]; !ok {
			out[policy] = msgs
		}
	}
	return out
}

func ruleOf(policy string, rule map[string]string) string {
	if id, ok := rule[policy]; ok {
		return id
	}
	return policy
}
