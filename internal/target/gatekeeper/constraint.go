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
	// EnforcementAction is spec.enforcementAction: deny, warn, dryrun or
	// scoped; empty leaves it out (Gatekeeper's default, deny).
	EnforcementAction string
	// Scoped is spec.scopedEnforcementActions, with EnforcementAction scoped.
	Scoped []spec.ScopedAction
}

// FromSpec is the constraint a constraints file describes, matching the
// spec's kinds.
func FromSpec(s *spec.Spec, c spec.Constraint) Constraint {
	var kinds []any
	for _, m := range s.Match {
		kinds = append(kinds, map[string]any{"apiGroups": toAny(m.APIGroups), "kinds": toAny(m.Kinds)})
	}
	match := map[string]any{"kinds": kinds}
	if len(c.Match.Namespaces) > 0 {
		match["namespaces"] = toAny(c.Match.Namespaces)
	}
	if len(c.Match.ExcludedNamespaces) > 0 {
		match["excludedNamespaces"] = toAny(c.Match.ExcludedNamespaces)
	}
	if c.Match.NamespaceSelector != nil {
		match["namespaceSelector"] = c.Match.NamespaceSelector.Object()
	}
	out := Constraint{
		Name:  c.Name,
		Match: match,
		Labels: map[string]string{
			"policygen.dev/policy-set":         s.Metadata.Name,
			"policygen.dev/rule":               c.Rule,
			"policygen.dev/enforcement-action": c.EnforcementAction(),
		},
		EnforcementAction: c.EnforcementAction(),
		Scoped:            c.Scoped,
	}
	if c.Description != "" {
		out.Annotations = map[string]string{"description": c.Description}
	}
	if len(c.Parameters) > 0 {
		out.Parameters = c.Parameters
	}
	return out
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
	if c.EnforcementAction != "" {
		specPart["enforcementAction"] = c.EnforcementAction
	}
	if len(c.Scoped) > 0 {
		var scoped []any
		for _, sa := range c.Scoped {
			var points []any
			for _, p := range sa.EnforcementPoints {
				points = append(points, map[string]any{"name": p.Name})
			}
			scoped = append(scoped, map[string]any{"action": sa.Action, "enforcementPoints": points})
		}
		specPart["scopedEnforcementActions"] = scoped
	}
	return u
}
