package gatekeeper

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/spec"
)

// ConstraintGroupVersion is the API version of every constraint.
const ConstraintGroupVersion = "constraints.gatekeeper.sh/v1beta1"

// Constraint is what a constraint of a rule says; Of builds the object.
// It is the one constructor of constraints: the published samples, the
// gator suites, the in-process engine and the gator engine all use it.
type Constraint struct {
	Name        string            // metadata.name
	Match       map[string]any    // spec.match; nil matches every object
	Parameters  map[string]any    // spec.parameters; nil gives none, so the rule's defaults apply
	Annotations map[string]string // metadata.annotations, if any
	Labels      map[string]string // metadata.labels, if any
}

// Of is the constraint as an object of the rule's kind.
func (c Constraint) Of(r spec.Rule) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{}}}
	u.SetAPIVersion(ConstraintGroupVersion)
	u.SetKind(r.Kind)
	u.SetName(c.Name)
	if len(c.Annotations) > 0 {
		u.SetAnnotations(c.Annotations)
	}
	if len(c.Labels) > 0 {
		u.SetLabels(c.Labels)
	}
	specPart := u.Object["spec"].(map[string]any)
	if c.Match != nil {
		specPart["match"] = c.Match
	}
	if c.Parameters != nil {
		specPart["parameters"] = c.Parameters
	}
	return u
}
