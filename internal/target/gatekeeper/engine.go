package gatekeeper

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/violation"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/frameworks/constraint/pkg/client/reviews"
	"github.com/open-policy-agent/frameworks/constraint/pkg/types"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	mutationtypes "github.com/open-policy-agent/gatekeeper/v3/pkg/mutation/types"
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

// Engine judges with Gatekeeper's own constraint framework client, Rego
// driver and Kubernetes validation target, as `gator` builds them, over the
// rendered ConstraintTemplates.
type Engine struct {
	name   string
	client gator.Client
	rules  map[string]spec.Rule // rule id → rule
	kinds  map[string]string    // constraint kind → rule id
	added  map[string]string    // rule id → the parameters (JSON) of its constraint
}

// NewEngine adds every rendered template to a fresh client.
func NewEngine(s *spec.Spec, dist render.Artifacts) (*Engine, error) {
	return NewEngineOver(s, dist, "gatekeeper", "gatekeeper")
}

// NewEngineOver is an engine named name over the templates of the tree
// below root, with a client built with opts as gator builds it
// (gator.WithK8sCEL() adds the K8sNativeValidation driver).
func NewEngineOver(s *spec.Spec, dist render.Artifacts, name, root string, opts ...gator.Opt) (*Engine, error) {
	client, err := gator.NewOPAClient(false, opts...)
	if err != nil {
		return nil, fmt.Errorf("gatekeeper client: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return nil, err
	}
	g := &Engine{name: name, client: client, rules: map[string]spec.Rule{}, kinds: map[string]string{}, added: map[string]string{}}
	for _, r := range s.Rules {
		p := TreePath(root, TemplatePath(r))
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
		g.rules[r.ID] = r
		g.kinds[r.Kind] = r.ID
	}
	return g, nil
}

func (g *Engine) Name() string { return g.name }

// Evaluate installs one constraint per rule with the case's parameters (none
// when the case gives none, so the defaults apply) and reviews the object as
// an admission request.
func (g *Engine) Admission() bool { return true }

func (g *Engine) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	for id, rule := range g.rules {
		p, given := r.Parameters[id]
		key, err := json.Marshal(p)
		if err != nil {
			return nil, err
		}
		if prev, ok := g.added[id]; ok && prev == string(key) {
			continue // the constraint already carries these parameters
		}
		c := Constraint{Name: constraintName}
		if given {
			c.Parameters = p
		}
		if _, err := g.client.AddConstraint(ctx, c.Of(rule)); err != nil {
			delete(g.added, id)
			return nil, fmt.Errorf("constraint %s: %w", rule.Kind, err)
		}
		g.added[id] = string(key)
	}
	return g.review(ctx, r)
}

// review sends the review as the admission webhook does: an admission
// request, whose object is the old object on DELETE.
func (g *Engine) review(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	var review any = &target.AugmentedUnstructured{Operation: admissionv1.Delete, Source: mutationtypes.SourceTypeOriginal}
	if r.Object != nil || r.Op() != "DELETE" {
		// The target refuses a DELETE request without its object (the API
		// server always sends one); a deletion of nothing is reviewed as the
		// bare object Gatekeeper's audit and gator build.
		req, err := admissionRequest(r)
		if err != nil {
			return nil, err
		}
		review = &target.AugmentedReview{AdmissionRequest: req, IsAdmission: true, Source: mutationtypes.SourceTypeOriginal}
	}
	resp, err := g.client.Review(ctx, review, reviews.EnforcementPoint(util.GatorEnforcementPoint))
	if err != nil {
		return nil, err
	}
	return g.resultViolations(resp), nil
}

// admissionRequest is the request the API server sends for the review,
// typed as the webhook decodes it.
func admissionRequest(r harness.Review) (*admissionv1.AdmissionRequest, error) {
	b, err := json.Marshal(requestFields(r))
	if err != nil {
		return nil, err
	}
	var req admissionv1.AdmissionRequest
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, err
	}
	return &req, nil
}

// requestFields are the fields of the admission request of a review, as
// the API server fills them: kind, name, namespace, operation, the object,
// and the old object on UPDATE. On DELETE the API server sends the object
// deleted as oldObject only (Gatekeeper's webhook judges it as the object).
// The gator suites carry the same fields.
func requestFields(r harness.Review) map[string]any {
	u := &unstructured.Unstructured{Object: r.Object}
	gvk := u.GroupVersionKind()
	req := map[string]any{
		"operation": r.Op(),
		"kind":      map[string]any{"group": gvk.Group, "version": gvk.Version, "kind": gvk.Kind},
	}
	if n := u.GetName(); n != "" {
		req["name"] = n
	}
	if ns := u.GetNamespace(); ns != "" {
		req["namespace"] = ns
	}
	switch {
	case r.Op() == "DELETE":
		req["oldObject"] = r.Object
	case r.OldObject != nil:
		req["object"], req["oldObject"] = r.Object, r.OldObject
	default:
		req["object"] = r.Object
	}
	return req
}

// resultViolations reads rule and field from each result's details. A
// result without details (a CEL validation's) is of its constraint's rule.
func (g *Engine) resultViolations(resp *types.Responses) []violation.Violation {
	var out []violation.Violation
	for _, r := range resp.Results() {
		v := violation.Violation{Message: r.Msg}
		details, _ := r.Metadata["details"].(map[string]any)
		v.Rule, _ = details["rule"].(string)
		v.Field, _ = details["field"].(string)
		if details == nil && r.Constraint != nil {
			v.Rule = g.kinds[r.Constraint.GetKind()]
		}
		out = append(out, v)
	}
	return out
}
