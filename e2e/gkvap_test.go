//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel/transform"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
)

// GeneratedVAPArgs make Gatekeeper generate a ValidatingAdmissionPolicy
// from each template's K8sNativeValidation code and a binding per
// constraint (both on by default in v3.23.1; said explicitly). A binding
// waits --default-wait-for-vapb-generation seconds after its template's
// CRD is created, so that the API server has the constraint kind cached:
// 30 by default, 5 here.
var GeneratedVAPArgs = []string{
	"--enable-k8s-native-validation=true",
	"--default-create-vap-for-templates=true",
	"--default-create-vap-binding-for-constraints=true",
	"--default-wait-for-vapb-generation=5",
}

// gatekeeperWebhookConfig is the name of the webhook configuration in
// Gatekeeper's manifest, which Gatekeeper reads (--validating-webhook-configuration-name).
const gatekeeperWebhookConfig = "gatekeeper-validating-webhook-configuration"

// GeneratedVAP enforces the ValidatingAdmissionPolicies and bindings
// Gatekeeper generates from dist/gatekeeper-cel. Gatekeeper installs the
// bundle and generates them; then Gatekeeper is stopped and its webhook
// configuration removed, so that only the API server answers. The
// generated objects are plain API objects: they stay, and the policies read
// their parameters from the constraints themselves.
//
// Gatekeeper (with --sync-vap-enforcement-scope, true by default) copies
// its webhook's scope into each policy: the resources with
// pods/ephemeralcontainers, the operations (DELETE here, as the e2e
// webhook has it), the namespace selector and its exempt namespaces.
// Removing the webhook configuration while Gatekeeper runs would make it
// regenerate every policy with its default scope instead (CREATE and UPDATE
// of every resource, no subresource): so Gatekeeper is stopped first.
type GeneratedVAP struct {
	*GatekeeperWebhook
	gk     *Gatekeeper // nil once stopped
	policy map[string]string
}

// NewGeneratedVAP enforces what gk, running with GeneratedVAPArgs and its
// webhook registered, generates from dist/gatekeeper-cel.
func NewGeneratedVAP(c *Cluster, s *spec.Spec, gk *Gatekeeper) *GeneratedVAP {
	g := &GeneratedVAP{GatekeeperWebhook: NewGatekeeperCEL(c, s), gk: gk, policy: map[string]string{}}
	for _, r := range s.Rules {
		g.policy[generatedPolicy(r)] = r.ID
	}
	return g
}

func (g *GeneratedVAP) Name() string { return "gatekeeper-vap" }

// generatedPolicy is the name of the policy Gatekeeper generates from the
// rule's template (named by its kind in lower case).
func generatedPolicy(r spec.Rule) string { return "gatekeeper-" + strings.ToLower(r.Kind) }

// warnConstraint names the second constraint of a rule, whose binding warns.
func warnConstraint(r spec.Rule) string { return r.ID + vapWarnSuffix }

// Install installs dist/gatekeeper-cel/all and waits until Gatekeeper has
// generated a policy per template, in its webhook's scope, and a binding
// per constraint. It then swaps the bundle's constraints for two per rule
// in every namespace, one deny and one warn (the API server's denial names
// only the first policy that denies; its warnings name every rule that
// fires), waits for their bindings, stops Gatekeeper, removes its webhook
// configuration, and waits until the API server enforces them alone.
// Times are since the bundle was installed.
func (g *GeneratedVAP) Install(t testing.TB) {
	t.Helper()
	c, ctx := g.c, context.Background()
	constraints := g.InstallBundle(t)
	start := time.Now()
	policies := c.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicies()
	bindings := c.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	for _, r := range g.spec.Rules {
		name := generatedPolicy(r)
		err := Eventually(90*time.Second, 200*time.Millisecond, func() (bool, error) {
			p, err := policies.Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return inWebhookScope(p)
		})
		if err != nil {
			t.Fatalf("Gatekeeper never generated policy %s in its webhook's scope: %v\n%s", name, err, g.gk.Log())
		}
	}
	c.Time(fmt.Sprintf("%d policies generated in the webhook's scope", len(g.spec.Rules)), start)
	for _, u := range constraints {
		action, _, _ := unstructured.NestedString(u.Object, "spec", "enforcementAction")
		g.waitBinding(t, u.GetKind(), u.GetName(), bindingAction[action])
	}
	c.Time(fmt.Sprintf("%d bindings generated for the bundle's constraints", len(constraints)), start)
	for _, u := range constraints {
		if err := c.Client(u).Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil {
			t.Fatalf("removing the bundle's constraint %s: %v", u.GetName(), err)
		}
	}
	for _, u := range constraints {
		name := transform.GetVAPBindingName(u.GetKind(), u.GetName())
		err := Eventually(60*time.Second, 200*time.Millisecond, func() (bool, error) {
			_, err := bindings.Get(ctx, name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), err
		})
		if err != nil {
			t.Fatalf("Gatekeeper never removed binding %s of a deleted constraint: %v", name, err)
		}
	}
	if err := g.Constrain(t, nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range g.spec.Rules {
		g.waitBinding(t, r.Kind, r.ID, admissionregistrationv1.Deny)
		g.waitBinding(t, r.Kind, warnConstraint(r), admissionregistrationv1.Warn)
	}
	c.Time(fmt.Sprintf("%d bindings generated for the e2e constraints", 2*len(g.spec.Rules)), start)

	// Killed, not stopped: its shutdown takes up to 10 s and changes
	// nothing in the API server.
	g.gk.Kill()
	g.gk = nil
	if err := c.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(ctx, gatekeeperWebhookConfig, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("removing the webhook configuration: %v", err)
	}
	// The probes are created after every generated policy and binding:
	// the API server's informers deliver events in order, so once each
	// probe reports its constraint's generation, every generated policy
	// and binding is in effect with the current parameters.
	for _, r := range g.spec.Rules {
		g.probe(r).install(t, c)
	}
	g.waitProbes(t, g.spec.Rules)
	// A HostProcess pod: denied by the generated policy of
	// hostprocess-allowed, and warned by its warn binding.
	r := g.spec.Rules[0]
	hp := pod("e2e-gkvap-probe", hostProcessPodSpec("docker.io/library/busybox:1.36"))
	hp.SetNamespace(casesNamespace)
	c.Warnings.Take()
	_, err := c.Client(hp).Create(ctx, hp, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err == nil {
		t.Fatal("the generated policies admit a HostProcess pod")
	}
	v, ok := g.Denial(err)
	if fired := g.Fired(v, c.Warnings.Take()); !ok || len(fired[r.ID]) == 0 {
		t.Fatalf("a HostProcess pod: %v; rules fired %v, want %s", err, fired, r.ID)
	}
	c.Time("Gatekeeper killed, its webhook removed: the generated policies deny", start)
}

// inWebhookScope says whether a generated policy carries the e2e webhook's
// scope: DELETE and the pods/ephemeralcontainers subresource.
func inWebhookScope(p *admissionregistrationv1.ValidatingAdmissionPolicy) (bool, error) {
	if p.Spec.MatchConstraints == nil {
		return false, fmt.Errorf("policy %s: no matchConstraints", p.Name)
	}
	var del, eph bool
	for _, rr := range p.Spec.MatchConstraints.ResourceRules {
		del = del || slices.Contains(rr.Operations, admissionregistrationv1.Delete)
		eph = eph || slices.Contains(rr.Resources, "pods/ephemeralcontainers")
	}
	if !del || !eph {
		return false, fmt.Errorf("policy %s: resource rules %v, not the webhook's", p.Name, p.Spec.MatchConstraints.ResourceRules)
	}
	return true, nil
}

// bindingAction is the action of the binding Gatekeeper generates for a
// constraint's enforcementAction ("" for scoped: the actions the
// constraint scopes to vap.k8s.io).
var bindingAction = map[string]admissionregistrationv1.ValidationAction{
	"deny": admissionregistrationv1.Deny, "warn": admissionregistrationv1.Warn, "dryrun": admissionregistrationv1.Audit,
}

// waitBinding waits until Gatekeeper has generated the binding of a
// constraint, with action (any when "").
func (g *GeneratedVAP) waitBinding(t testing.TB, kind, constraint string, action admissionregistrationv1.ValidationAction) {
	t.Helper()
	name := transform.GetVAPBindingName(kind, constraint)
	bindings := g.c.Kube.AdmissionregistrationV1().ValidatingAdmissionPolicyBindings()
	err := Eventually(90*time.Second, 200*time.Millisecond, func() (bool, error) {
		b, err := bindings.Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if action != "" && !slices.Equal(b.Spec.ValidationActions, []admissionregistrationv1.ValidationAction{action}) {
			return false, fmt.Errorf("binding %s: actions %v", name, b.Spec.ValidationActions)
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("Gatekeeper never generated binding %s [%s]: %v\n%s", name, action, err, g.gk.Log())
	}
}

// probe reports the generation of the rule's deny constraint, as the
// API server's informer of the rule's constraint kind has it.
func (g *GeneratedVAP) probe(r spec.Rule) paramProbe {
	return paramProbe{
		name:  "e2e-probe-" + r.ID,
		kind:  admissionregistrationv1.ParamKind{APIVersion: gatekeeper.ConstraintGroupVersion, Kind: r.Kind},
		param: r.ID,
	}
}

// waitProbes waits until every rule's probe reports its deny constraint's
// current generation.
func (g *GeneratedVAP) waitProbes(t testing.TB, rules []spec.Rule) {
	t.Helper()
	for _, r := range rules {
		u := gatekeeper.Constraint{Name: r.ID}.Of(r)
		got, err := g.c.Client(u).Get(context.Background(), r.ID, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.probe(r).wait(g.c, got.GetGeneration()); err != nil {
			t.Fatalf("the policy of %s never read its constraint's generation %d: %v", r.ID, got.GetGeneration(), err)
		}
	}
}

// Constrain writes params into the two constraints of each rule whose
// parameters change, the warn one first, so that once the probe reads
// the deny one's generation the policy reads both. While Gatekeeper runs
// (Install) it generates their bindings; afterwards only the parameters
// change, which the policies read from the constraints.
func (g *GeneratedVAP) Constrain(t testing.TB, params map[string]map[string]any) error {
	t.Helper()
	var changed []spec.Rule
	for _, r := range g.spec.Rules {
		p := params[r.ID]
		key, _ := json.Marshal(p)
		if prev, ok := g.params[r.ID]; ok && prev == string(key) {
			continue
		}
		for _, c := range []gatekeeper.Constraint{
			{Name: warnConstraint(r), Match: g.Match(r), Parameters: p, EnforcementAction: "warn"},
			{Name: r.ID, Match: g.Match(r), Parameters: p, EnforcementAction: "deny"},
		} {
			g.Apply(t, c.Of(r))
		}
		g.params[r.ID] = string(key)
		changed = append(changed, r)
	}
	if g.gk == nil {
		g.waitProbes(t, changed)
	}
	return nil
}

// Denial is the first generated policy that denies, with its message.
func (g *GeneratedVAP) Denial(err error) (map[string][]string, bool) {
	return vapDenialOf(err, g.policy)
}

// Fired is every rule that fires, from the warn bindings, with the rule
// the denial names.
func (g *GeneratedVAP) Fired(denial map[string][]string, warnings []string) map[string][]string {
	return vapFired(denial, warnings, g.policy)
}
