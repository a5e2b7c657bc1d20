//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/target/gatekeepercel"
)

// Enforcer is one engine that enforces the published rules in the cluster:
// Gatekeeper's webhook with its Rego engine over dist/gatekeeper or with its
// CEL engine over dist/gatekeeper-cel, the native
// ValidatingAdmissionPolicy bundle dist/vap enforced by the API server
// alone, and the policies Gatekeeper generates from dist/gatekeeper-cel.
// Every case runs through each.
type Enforcer interface {
	Name() string
	// Contract is what a case asserts of the engine's denials: exact
	// violations (Rego), or per rule whether it fires (CEL).
	Contract() harness.Contract
	// Install installs the published bundle "all" as a user does and waits
	// until it is enforced.
	Install(t testing.TB)
	// Constrain makes every rule enforced with params (rule id →
	// parameters; an absent rule has its defaults), matching every kind the
	// sample constraints match, in every namespace, and waits until it is.
	// An error is the API server refusing the parameters.
	Constrain(t testing.TB, params map[string]map[string]any) error
	// Denial reads the violations per rule from an API error; ok is false
	// when the error is not this engine's denial.
	Denial(err error) (violations map[string][]string, ok bool)
}

// gatekeeperDenial is how the API server reports the webhook's denial.
const gatekeeperDenial = `admission webhook "validation.gatekeeper.sh" denied the request: `

// GatekeeperWebhook enforces a Gatekeeper bundle through the Gatekeeper
// webhook: dist/gatekeeper (Rego) or dist/gatekeeper-cel (each template's
// K8sNativeValidation code, which Gatekeeper runs instead of the Rego).
type GatekeeperWebhook struct {
	c        *Cluster
	spec     *spec.Spec
	bundle   string // the tree below dist/
	contract harness.Contract
	params   map[string]string // rule id → the parameters (JSON) its constraint holds
}

// NewGatekeeperWebhook enforces dist/gatekeeper with the Rego engine.
func NewGatekeeperWebhook(c *Cluster, s *spec.Spec) *GatekeeperWebhook {
	return &GatekeeperWebhook{c: c, spec: s, bundle: "gatekeeper", contract: harness.Exact, params: map[string]string{}}
}

// NewGatekeeperCEL enforces dist/gatekeeper-cel with Gatekeeper's CEL
// engine (run Gatekeeper with GatekeeperCELArgs).
func NewGatekeeperCEL(c *Cluster, s *spec.Spec) *GatekeeperWebhook {
	return &GatekeeperWebhook{c: c, spec: s, bundle: gatekeepercel.Root, contract: harness.PerRule, params: map[string]string{}}
}

// GatekeeperCELArgs run the K8sNativeValidation engine (on by default in
// v3.23.1; said explicitly) in the webhook, and keep Gatekeeper from
// generating ValidatingAdmissionPolicies from the templates' CEL (on by
// default too): the API server runs those before any webhook, so they,
// not the webhook, would answer.
var GatekeeperCELArgs = []string{
	"--enable-k8s-native-validation=true",
	"--default-create-vap-for-templates=false",
	"--default-create-vap-binding-for-constraints=false",
}

func (g *GatekeeperWebhook) Name() string {
	if g.contract == harness.PerRule {
		return "gatekeeper-cel"
	}
	return "gatekeeper-rego"
}

func (g *GatekeeperWebhook) Contract() harness.Contract { return g.contract }

var templateGVK = schema.GroupVersionKind{Group: "templates.gatekeeper.sh", Version: "v1", Kind: "ConstraintTemplate"}

// Install installs the bundle as a user does (InstallBundle), then swaps
// its constraints for one per rule in every namespace, whose parameters
// each case sets (Constrain).
func (g *GatekeeperWebhook) Install(t testing.TB) {
	t.Helper()
	constraints := g.InstallBundle(t)
	ctx := context.Background()
	for _, u := range constraints {
		if err := g.c.Client(u).Delete(ctx, u.GetName(), metav1.DeleteOptions{}); err != nil {
			t.Fatalf("removing the bundle's constraint %s: %v", u.GetName(), err)
		}
	}
	if err := g.Constrain(t, nil); err != nil {
		t.Fatal(err)
	}
}

// InstallBundle installs the bundle's "all" through kustomize and the API,
// templates first, each constraint once its kind is served, and waits until
// every constraint is enforced; it returns the constraints.
func (g *GatekeeperWebhook) InstallBundle(t testing.TB) []*unstructured.Unstructured {
	t.Helper()
	c := g.c
	start := time.Now()
	objs := Kustomize(t, filepath.Join(root(t), "dist", g.bundle, "all"))
	c.Time(fmt.Sprintf("kustomize build dist/%s/all (%d objects)", g.bundle, len(objs)), start)
	var templates, constraints []*unstructured.Unstructured
	for _, u := range objs {
		if u.GroupVersionKind() == templateGVK {
			templates = append(templates, u)
		} else {
			constraints = append(constraints, u)
		}
	}
	want := 0
	for _, r := range g.spec.Rules {
		want += len(g.spec.ConstraintsOf(r.ID))
	}
	if len(templates) != len(g.spec.Rules) || len(constraints) != want {
		t.Fatalf("dist/%s/all: %d templates and %d constraints for %d rules; the constraints file gives %d", g.bundle, len(templates), len(constraints), len(g.spec.Rules), want)
	}
	ctx := context.Background()
	start = time.Now()
	for _, u := range templates {
		if _, err := c.Client(u).Create(ctx, u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("template %s: %v", u.GetName(), err)
		}
	}
	for _, u := range templates {
		err := Eventually(60*time.Second, 100*time.Millisecond, func() (bool, error) {
			got, err := c.Client(u).Get(ctx, u.GetName(), metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			created, _, _ := unstructured.NestedBool(got.Object, "status", "created")
			return created, nil
		})
		if err != nil {
			t.Fatalf("template %s never created its CRD: %v", u.GetName(), err)
		}
	}
	c.Time(fmt.Sprintf("%d templates: status.created", len(templates)), start)
	start = time.Now()
	for _, u := range constraints {
		err := c.CreateWhenServed(ctx, u, 200*time.Millisecond)
		if err != nil {
			t.Fatalf("constraint %s: %v", u.GetName(), err)
		}
	}
	c.Time(fmt.Sprintf("%d constraints created", len(constraints)), start)
	for _, u := range constraints {
		g.waitEnforced(t, u)
	}
	c.Time(fmt.Sprintf("%d constraints enforced", len(constraints)), start)
	return constraints
}

// Match is what a constraint of r matches in every namespace: the kinds
// every constraint of the spec matches.
func (g *GatekeeperWebhook) Match(r spec.Rule) map[string]any {
	return gatekeeper.FromSpec(g.spec, spec.Constraint{Rule: r.ID}).Match
}

func (g *GatekeeperWebhook) Constrain(t testing.TB, params map[string]map[string]any) error {
	t.Helper()
	var changed []*unstructured.Unstructured
	for _, r := range g.spec.Rules {
		p := params[r.ID]
		key, _ := json.Marshal(p)
		if prev, ok := g.params[r.ID]; ok && prev == string(key) {
			continue
		}
		u := gatekeeper.Constraint{Name: r.ID, Match: g.Match(r), Parameters: p}.Of(r)
		g.Apply(t, u)
		g.params[r.ID] = string(key)
		changed = append(changed, u)
	}
	for _, u := range changed {
		g.waitEnforced(t, u)
	}
	return nil
}

// Apply creates or replaces a constraint; the enforcer then no longer
// knows the parameters of that rule's constraint. Gatekeeper writes each
// constraint's status as it likes: a replacement that conflicts with such a
// write is tried again on the latest version.
func (g *GatekeeperWebhook) Apply(t testing.TB, u *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	client := g.c.Client(u)
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		old, err := client.Get(ctx, u.GetName(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			_, err = client.Create(ctx, u, metav1.CreateOptions{})
		case err == nil:
			u.SetResourceVersion(old.GetResourceVersion())
			_, err = client.Update(ctx, u, metav1.UpdateOptions{})
		}
		return err
	})
	if err != nil {
		t.Fatalf("constraint %s: %v", u.GetName(), err)
	}
	delete(g.params, u.GetName())
}

// waitEnforced waits until Gatekeeper reports the constraint's current
// generation enforced.
func (g *GatekeeperWebhook) waitEnforced(t testing.TB, u *unstructured.Unstructured) {
	t.Helper()
	ctx := context.Background()
	client := g.c.Client(u)
	err := Eventually(60*time.Second, 100*time.Millisecond, func() (bool, error) {
		got, err := client.Get(ctx, u.GetName(), metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		byPod, _, _ := unstructured.NestedSlice(got.Object, "status", "byPod")
		for _, p := range byPod {
			m, _ := p.(map[string]any)
			enforced, _ := m["enforced"].(bool)
			gen, _ := m["observedGeneration"].(int64)
			if enforced && gen == got.GetGeneration() {
				return true, nil
			}
		}
		return false, fmt.Errorf("status.byPod %v", byPod)
	})
	if err != nil {
		t.Fatalf("constraint %s %s not enforced: %v", u.GetKind(), u.GetName(), err)
	}
}

func (g *GatekeeperWebhook) Denial(err error) (map[string][]string, bool) {
	msg := err.Error()
	if se, ok := err.(apierrors.APIStatus); ok {
		msg = se.Status().Message
	}
	i := strings.Index(msg, gatekeeperDenial)
	if i < 0 {
		return nil, false
	}
	return ParseDenial(msg[i+len(gatekeeperDenial):]), true
}

// ParseDenial reads Gatekeeper's denial message: one "[constraint] message"
// per violation, on lines of their own; a line without the prefix continues
// the message before it.
func ParseDenial(s string) map[string][]string {
	out := map[string][]string{}
	var last string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "[") {
			if j := strings.Index(line, "] "); j > 0 {
				last = line[1:j]
				out[last] = append(out[last], line[j+2:])
				continue
			}
		}
		if last != "" {
			msgs := out[last]
			msgs[len(msgs)-1] += "\n" + line
		}
	}
	return out
}
