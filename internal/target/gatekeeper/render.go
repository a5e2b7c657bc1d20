package gatekeeper

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// GatekeeperTarget is the name of Gatekeeper's Kubernetes validation target.
const GatekeeperTarget = "admission.k8s.gatekeeper.sh"

// renderTemplates renders dist/gatekeeper: per rule a directory with its
// ConstraintTemplate, a sample Constraint and a kustomization listing them
// in that order; per bundle a kustomization of its rules' directories.
// (kustomize loads files only from below a kustomization, so each rule's
// files live in a directory of their own that bundles can share.)
func renderTemplates(s *spec.Spec, _ []cases.Case) (render.Artifacts, error) {
	libs, err := TemplateLibs(s)
	if err != nil {
		return nil, err
	}
	out := render.Artifacts{}
	for _, r := range s.Rules {
		tmpl, err := render.MarshalYAML(render.Header(s, "#"), ConstraintTemplate(s, r, libs))
		if err != nil {
			return nil, fmt.Errorf("rendering template of %s: %w", r.ID, err)
		}
		out[TemplatePath(r)] = tmpl
		c, err := render.MarshalYAML(render.Header(s, "#"), SampleConstraint(s, r))
		if err != nil {
			return nil, fmt.Errorf("rendering constraint of %s: %w", r.ID, err)
		}
		out[ConstraintPath(r)] = c
		k, err := render.MarshalYAML(render.Header(s, "#"), kustomization(r.ID, []string{"template.yaml", "constraint.yaml"}))
		if err != nil {
			return nil, err
		}
		out[path.Join("gatekeeper", r.ID, "kustomization.yaml")] = k
	}
	for _, b := range s.BundleNames() {
		var dirs []string
		for _, r := range s.RulesOf(b) {
			dirs = append(dirs, "../"+r.ID)
		}
		k, err := render.MarshalYAML(render.Header(s, "#"), kustomization(s.Metadata.Name+"-"+b, dirs))
		if err != nil {
			return nil, err
		}
		out[path.Join("gatekeeper", b, "kustomization.yaml")] = k
	}
	return out, nil
}

// TemplatePath is where a rule's ConstraintTemplate is published.
func TemplatePath(r spec.Rule) string { return "gatekeeper/" + r.ID + "/template.yaml" }

// ConstraintPath is where a rule's sample Constraint is published.
func ConstraintPath(r spec.Rule) string { return "gatekeeper/" + r.ID + "/constraint.yaml" }

// TemplateLibs are the libs every template carries, in order: the shared
// libs, the Gatekeeper adapter and the generated defaults.
func TemplateLibs(s *spec.Spec) ([]string, error) {
	defaults, err := spec.DefaultsModule(s)
	if err != nil {
		return nil, err
	}
	return append(append(s.LibSources(), s.Sources[s.Targets["gatekeeper"]]), defaults), nil
}

// ConstraintTemplate is the templates.gatekeeper.sh/v1 object of a rule.
func ConstraintTemplate(s *spec.Spec, r spec.Rule, libs []string) map[string]any {
	names := map[string]any{"kind": r.Kind}
	crd := map[string]any{"names": names}
	if len(r.Parameters) > 0 {
		props := map[string]any{}
		for _, p := range r.Parameters {
			schema := map[string]any{"description": p.Description}
			for k, v := range p.Schema {
				schema[k] = v
			}
			props[p.Name] = schema
		}
		crd["validation"] = map[string]any{"openAPIV3Schema": map[string]any{
			"type":       "object",
			"properties": props,
		}}
	}
	return map[string]any{
		"apiVersion": "templates.gatekeeper.sh/v1",
		"kind":       "ConstraintTemplate",
		"metadata": map[string]any{
			"name":        r.TemplateName(),
			"annotations": annotations(s, r, libs),
			"labels":      labels(s, r),
		},
		"spec": map[string]any{
			"crd": map[string]any{"spec": crd},
			"targets": []any{map[string]any{
				"target": GatekeeperTarget,
				"code": []any{map[string]any{
					"engine": "Rego",
					"source": map[string]any{
						"version": "v1",
						"rego":    s.Sources[r.Rego],
						"libs":    libs,
					},
				}},
			}},
		},
	}
}

// annotations describe the template. Its code digest identifies exactly
// the Rego it runs (the rule and its libs), so that it changes only when
// that code does.
func annotations(s *spec.Spec, r spec.Rule, libs []string) map[string]any {
	code := sha256.New()
	code.Write([]byte(s.Sources[r.Rego]))
	for _, l := range libs {
		code.Write([]byte{0})
		code.Write([]byte(l))
	}
	return map[string]any{
		"metadata.gatekeeper.sh/title":   r.Title,
		"metadata.gatekeeper.sh/version": s.Metadata.Version,
		"description":                    r.Description,
		"policygen.dev/rule":             r.ID,
		"policygen.dev/bundle":           r.Bundle,
		"policygen.dev/spec":             s.Metadata.Name + " " + s.Metadata.Version,
		"policygen.dev/code-sha256":      hex.EncodeToString(code.Sum(nil)),
	}
}

func labels(s *spec.Spec, r spec.Rule) map[string]any {
	return map[string]any{
		"policygen.dev/policy-set": s.Metadata.Name,
		"policygen.dev/bundle":     r.Bundle,
	}
}

// SampleConstraint matches every pod-bearing kind with the default parameters.
func SampleConstraint(s *spec.Spec, r spec.Rule) map[string]any {
	var kinds []any
	for _, m := range s.Match {
		kinds = append(kinds, map[string]any{"apiGroups": m.APIGroups, "kinds": m.Kinds})
	}
	match := map[string]any{"kinds": kinds}
	if r.SampleConstraint != nil && len(r.SampleConstraint.ExcludedNamespaces) > 0 {
		match["excludedNamespaces"] = r.SampleConstraint.ExcludedNamespaces
	}
	specPart := map[string]any{"match": match}
	if len(r.Parameters) > 0 {
		specPart["parameters"] = r.Defaults()
	}
	return map[string]any{
		"apiVersion": "constraints.gatekeeper.sh/v1beta1",
		"kind":       r.Kind,
		"metadata": map[string]any{
			"name":        r.ID,
			"annotations": map[string]any{"description": r.Title},
			"labels":      labels(s, r),
		},
		"spec": specPart,
	}
}

// kustomization lists resources in the order given (fifo): a template
// before its constraint, so that the constraint's CRD is requested first.
// The name tells the kustomizations apart for tools that read every file
// below dist/gatekeeper, such as `gator test -f dist/gatekeeper`.
func kustomization(name string, resources []string) map[string]any {
	return map[string]any{
		"apiVersion":  "kustomize.config.k8s.io/v1beta1",
		"kind":        "Kustomization",
		"metadata":    map[string]any{"name": name},
		"sortOptions": map[string]any{"order": "fifo"},
		"resources":   resources,
	}
}
