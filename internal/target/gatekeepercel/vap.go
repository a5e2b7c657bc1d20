package gatekeepercel

import (
	"encoding/json"
	"fmt"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel/transform"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/target/vap"
)

// GeneratedVAP is the name of the engine of the policies Gatekeeper
// generates from the templates.
const GeneratedVAP = "gatekeeper-vap"

// NewGeneratedVAP is the ValidatingAdmissionPolicy that Gatekeeper itself
// generates from each template (its transform package, as its VAP
// generation does), evaluated by the API server's validator as the vap
// engine evaluates dist/vap. A generated policy's paramKind is the
// constraint kind and its binding's paramRef the constraint (what
// transform.ConstraintToBinding makes): each review passes the case's
// constraint as the parameter object.
func NewGeneratedVAP(s *spec.Spec, a render.Artifacts) (*vap.Engine, error) {
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		return nil, err
	}
	var policies []vap.RulePolicy
	for _, r := range s.Rules {
		policy, err := generatedPolicy(scheme, a, r)
		if err != nil {
			return nil, err
		}
		policies = append(policies, vap.RulePolicy{Rule: r, Policy: policy, Params: func(given map[string]any, ok bool) runtime.Object {
			c := gatekeeper.Constraint{Name: "policygen-case"}
			if ok {
				c.Parameters = given
			}
			return c.Of(r)
		}})
	}
	e, err := vap.NewEngineOf(s, GeneratedVAP, policies)
	if err != nil {
		return nil, err
	}
	return e.WithAnyKind(), nil // the generated policies match every resource
}

// generatedPolicy is the policy Gatekeeper generates from the rule's
// template, as admissionregistration.k8s.io/v1.
func generatedPolicy(scheme *runtime.Scheme, a render.Artifacts, r spec.Rule) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	p := gatekeeper.TreePath(Root, gatekeeper.TemplatePath(r))
	var u unstructured.Unstructured
	if err := yaml.Unmarshal(a[p], &u.Object); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	tmpl, err := reader.ToTemplate(scheme, &u)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	generated, err := transform.TemplateToPolicyDefinition(tmpl)
	if err != nil {
		return nil, fmt.Errorf("%s: Gatekeeper generates no policy: %w", p, err)
	}
	// Gatekeeper writes admissionregistration.k8s.io/v1beta1, which the API
	// server serves as v1: the same fields.
	b, err := json.Marshal(generated)
	if err != nil {
		return nil, err
	}
	var policy admissionregistrationv1.ValidatingAdmissionPolicy
	if err := json.Unmarshal(b, &policy); err != nil {
		return nil, fmt.Errorf("%s: the generated policy as v1: %w", p, err)
	}
	return &policy, nil
}
