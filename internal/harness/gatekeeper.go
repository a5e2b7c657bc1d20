package harness

import (
	"context"
	"encoding/json"
	"fmt"

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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
func (g *Gatekeeper) Admission() bool { return true }

func (g *Gatekeeper) Evaluate(ctx context.Context, r Review) ([]violation.Violation, error) {
	for id, kind := range g.kinds {
		p, given := r.Parameters[id]
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
	return g.review(ctx, r)
}

// review sends the review as the admission webhook does: an admission
// request, whose object is the old object on DELETE.
func (g *Gatekeeper) review(ctx context.Context, r Review) ([]violation.Violation, error) {
	// A DELETE without the old object never reaches a template: the
	// webhook answers it before any policy is evaluated.
	if r.Op() == "DELETE" && r.Object == nil {
		return nil, nil
	}
	req, err := admissionRequest(r)
	if err != nil {
		return nil, err
	}
	resp, err := g.client.Review(ctx, &target.AugmentedReview{AdmissionRequest: req, IsAdmission: true, Source: mutationtypes.SourceTypeOriginal},
		reviews.EnforcementPoint(util.GatorEnforcementPoint))
	if err != nil {
		return nil, err
	}
	return resultViolations(resp), nil
}

// admissionRequest is the request the API server sends for the review.
func admissionRequest(r Review) (*admissionv1.AdmissionRequest, error) {
	raw := func(o map[string]any) (runtime.RawExtension, error) {
		if o == nil {
			return runtime.RawExtension{}, nil
		}
		b, err := json.Marshal(o)
		return runtime.RawExtension{Raw: b}, err
	}
	obj, err := raw(r.Object)
	if err != nil {
		return nil, err
	}
	old := obj
	if r.Op() != "DELETE" {
		if old, err = raw(r.OldObject); err != nil {
			return nil, err
		}
	}
	u := unstructured.Unstructured{Object: r.Object}
	gvk := u.GroupVersionKind()
	return &admissionv1.AdmissionRequest{
		UID:       "policygen",
		Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		Name:      u.GetName(),
		Namespace: u.GetNamespace(),
		Operation: admissionv1.Operation(r.Op()),
		Object:    obj,
		OldObject: old,
	}, nil
}

// resultViolations reads rule and field from each result's details.
func resultViolations(resp *types.Responses) []violation.Violation {
	var out []violation.Violation
	for _, r := range resp.Results() {
		v := violation.Violation{Message: r.Msg}
		details, _ := r.Metadata["details"].(map[string]any)
		v.Rule, _ = details["rule"].(string)
		v.Field, _ = details["field"].(string)
		out = append(out, v)
	}
	return out
}
