package harness

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/target"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/util"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// constraintName is the name of the one constraint per template that each
// case installs with its parameters.
const constraintName = "policygen-case"

// Gatekeeper judges with Gatekeeper's own constraint framework client, Rego
// driver and Kubernetes validation target, as `gator` builds them, over the
// rendered ConstraintTemplates.
type Gatekeeper struct {
	client gator.Client
	kinds  map[string]string // rule id → constraint kind
	added  map[string]string // rule id → the parameters (JSON) of its constraint
}

// NewGatekeeper adds every rendered template to a fresh client.
func NewGatekeeper(s *spec.Spec, dist render.Artifacts) (*Gatekeeper, error) {
	client, err := gator.NewOPAClient(false)
	if err != nil {
		return nil, fmt.Errorf("gatekeeper client: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return nil, err
	}
	g := &Gatekeeper{client: client, kinds: map[string]string{}, added: map[string]string{}}
	for _, r := range s.Rules {
		p := render.TemplatePath(r)
		var u unstructured.Unstructured
		if err := yaml.Unmarshal(dist[p], &u.Object); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		tmpl, err := reader.ToTemplate(scheme, &u)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if _, err := client.AddTemplate(context.Background(), tmpl); err != nil {
			return nil, fmt.Errorf("%s: Gatekeeper rejects the template: %w", p, err)
		}
		g.kinds[r.ID] = r.Kind
	}
	return g, nil
}

func (g *Gatekeeper) Name() string { return "gatekeeper" }

// Evaluate installs one constraint per rule with the case's parameters (none
// when the case gives none, so the defaults apply) and reviews the object as
// an admission request.
func (g *Gatekeeper) Evaluate(ctx context.Context, object map[string]any, params map[string]map[string]any, op string) ([]Violation, error) {
	for id, kind := range g.kinds {
		p, given := params[id]
		key, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		if prev, ok := g.added[id]; ok && prev == string(key) {
			continue // the constraint already carries these parameters
		}
		c := map[string]any{
			"apiVersion": "constraints.gatekeeper.sh/v1beta1",
			"kind":       kind,
			"metadata":   map[string]any{"name": constraintName},
			"spec":       map[string]any{},
		}
		if given {
			c["spec"] = map[string]any{"parameters": p}
		}
		if _, err := g.client.AddConstraint(ctx, &unstructured.Unstructured{Object: c}); err != nil {
			delete(g.added, id)
			return nil, fmt.Errorf("constraint %s: %w", kind, err)
		}
		g.added[id] = string(key)
	}
	return g.review(ctx, object, op)
}

// review reviews the object as an admission request of op (CREATE when
// empty) against the constraints installed.
func (g *Gatekeeper) review(ctx context.Context, object map[string]any, op string) ([]Violation, error) {
	if op == "" {
		op = string(admissionv1.Create)
	}
	review := target.AugmentedUnstructured{
		Object:    unstructured.Unstructured{Object: object},
		Operation: admissionv1.Operation(op),
	}
	resp, err := g.client.Review(ctx, review, reviews.EnforcementPoint(util.GatorEnforcementPoint))
	if err != nil {
		return nil, err
	}
	return resultViolations(resp), nil
}

// resultViolations reads rule and field from each result's details.
func resultViolations(resp *types.Responses) []Violation {
	var out []Violation
	for _, r := range resp.Results() {
		v := Violation{Message: r.Msg}
		details, _ := r.Metadata["details"].(map[string]any)
		v.Rule, _ = details["rule"].(string)
		v.Field, _ = details["field"].(string)
		out = append(out, v)
	}
	return out
}
