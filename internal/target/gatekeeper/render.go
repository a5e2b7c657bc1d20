package gatekeeper

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"strings"

	templatesv1 "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// GatekeeperTarget is the name of Gatekeeper's Kubernetes validation target.
const GatekeeperTarget = "admission.k8s.gatekeeper.sh"

// renderTemplates renders dist/gatekeeper: per rule a directory with its
// ConstraintTemplate, its constraints from the constraints file and a
// kustomization listing them in that order (the template first); per bundle a kustomization of its rules' directories.
// (kustomize loads files only from below a kustomization, so each rule's
// files live in a directory of their own that bundles can share.)
func renderTemplates(s *spec.Spec, _ []cases.Case) (render.Artifacts, error) {
	return RenderTree(s, "gatekeeper", nil)
}

// Code is the code of other engines that a rule's template carries before
// its Rego (Gatekeeper runs the first engine it has a driver for).
type Code func(s *spec.Spec, r spec.Rule) ([]templatesv1.Code, error)

// RenderTree renders the Gatekeeper tree below root: the templates (each
// with the code of extra, when not nil, before the Rego), the constraints,
// the kustomizations of the rules and bundles and the rollout components.
func RenderTree(s *spec.Spec, root string, extra Code) (render.Artifacts, error) {
	libs, err := TemplateLibs(s)
	if err != nil {
		return nil, err
	}
	out := render.Artifacts{}
	for _, r := range s.Rules {
		typed, err := ConstraintTemplate(s, r, libs)
		if err != nil {
			return nil, fmt.Errorf("template of %s: %w", r.ID, err)
		}
		if extra != nil {
			code, err := extra(s, r)
			if err != nil {
				return nil, fmt.Errorf("template of %s: %w", r.ID, err)
			}
			target := &typed.Spec.Targets[0]
			target.Code = append(code, target.Code...)
			digest := sha256.New()
			digest.Write([]byte(typed.Annotations[codeDigest]))
			for _, c := range code {
				b, err := json.Marshal(c)
				if err != nil {
					return nil, err
				}
				digest.Write([]byte{0})
				digest.Write(b)
			}
			typed.Annotations[codeDigest] = hex.EncodeToString(digest.Sum(nil))
		}
		obj, err := object(typed)
		if err != nil {
			return nil, err
		}
		tmpl, err := render.MarshalYAML(render.TemplateHeader(s, r), obj)
		if err != nil {
			return nil, fmt.Errorf("rendering template of %s: %w", r.ID, err)
		}
		out[TreePath(root, TemplatePath(r))] = tmpl
		resources := []string{"template.yaml"}
		for _, sc := range s.ConstraintsOf(r.ID) {
			obj, err := constraintObject(s, sc)
			if err != nil {
				return nil, err
			}
			c, err := render.MarshalYAML(render.Header(s, "#"), obj)
			if err != nil {
				return nil, fmt.Errorf("rendering constraint %s of %s: %w", sc.Name, r.ID, err)
			}
			out[TreePath(root, ConstraintPath(sc))] = c
			resources = append(resources, path.Base(ConstraintPath(sc)))
		}
		k, err := render.MarshalYAML(render.Header(s, "#"), render.Kustomization(r.ID, resources))
		if err != nil {
			return nil, err
		}
		out[path.Join(root, r.ID, "kustomization.yaml")] = k
	}
	for _, b := range s.BundleNames() {
		var dirs []string
		for _, r := range s.RulesOf(b) {
			dirs = append(dirs, "../"+r.ID)
		}
		k, err := render.MarshalYAML(render.Header(s, "#"), render.Kustomization(s.Metadata.Name+"-"+b, dirs))
		if err != nil {
			return nil, err
		}
		out[path.Join(root, b, "kustomization.yaml")] = k
	}
	for _, c := range rolloutComponents(s) {
		k, err := render.MarshalYAML(render.Header(s, "#"), c.object)
		if err != nil {
			return nil, err
		}
		out[path.Join(root, "rollout", c.name, "kustomization.yaml")] = k
	}
	return out, nil
}

// RolloutComponents are the names of the kustomize components under
// gatekeeper/rollout/ that change the enforcement of a whole bundle.
var RolloutComponents = []string{"warn", "dryrun", "scoped"}

type component struct {
	name   string
	object map[string]any
}

// rolloutComponents are kustomize components for a rollout, each patching
// the constraints of a bundle by their enforcement-action label: warn (the
// deny constraints warn instead), dryrun (deny and warn constraints only
// record, in audit), scoped (deny constraints deny in gator and CI, warn at
// admission and in audit).
func rolloutComponents(s *spec.Spec) []component {
	label := "policygen.dev/enforcement-action"
	set := func(action string, extra ...map[string]any) string {
		ops := []map[string]any{
			{"op": "add", "path": "/spec/enforcementAction", "value": action},
			{"op": "add", "path": "/metadata/labels/policygen.dev~1enforcement-action", "value": action},
		}
		ops = append(ops, extra...)
		b, _ := json.Marshal(ops)
		return string(b)
	}
	patch := func(selector, ops string) map[string]any {
		return map[string]any{
			"target": map[string]any{"group": "constraints.gatekeeper.sh", "labelSelector": selector},
			"patch":  ops,
		}
	}
	comp := func(name string, patches ...map[string]any) component {
		return component{name, map[string]any{
			"apiVersion": "kustomize.config.k8s.io/v1alpha1",
			"kind":       "Component",
			"metadata":   map[string]any{"name": s.Metadata.Name + "-rollout-" + name},
			"patches":    toAnyMaps(patches),
		}}
	}
	scoped := map[string]any{"op": "add", "path": "/spec/scopedEnforcementActions", "value": []any{
		map[string]any{"action": "deny", "enforcementPoints": []any{map[string]any{"name": spec.PointGator}}},
		map[string]any{"action": "warn", "enforcementPoints": []any{map[string]any{"name": spec.PointValidation}, map[string]any{"name": spec.PointAudit}}},
	}}
	return []component{
		comp("warn", patch(label+"=deny", set("warn"))),
		comp("dryrun", patch(label+" in (deny,warn)", set("dryrun"))),
		comp("scoped", patch(label+"=deny", set("scoped", scoped))),
	}
}

func toAnyMaps(ms []map[string]any) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m
	}
	return out
}

// TreePath moves a path of dist/gatekeeper below root.
func TreePath(root, p string) string {
	return path.Join(root, strings.TrimPrefix(p, "gatekeeper/"))
}

// codeDigest is the annotation that identifies exactly the code a template runs.
const codeDigest = "policygen.dev/code-sha256"

// TemplatePath is where a rule's ConstraintTemplate is published.
func TemplatePath(r spec.Rule) string { return "gatekeeper/" + r.ID + "/template.yaml" }

// ConstraintPath is where a constraint is published: beside its rule's template.
func ConstraintPath(c spec.Constraint) string {
	return "gatekeeper/" + c.Rule + "/constraint-" + c.Name + ".yaml"
}

// TemplateLibs are the libs every template carries, in order: the shared
// libs, the Gatekeeper adapter and the generated defaults, parameters and
// pods libs.
func TemplateLibs(s *spec.Spec) ([]string, error) {
	generated, err := spec.GeneratedLibs(s, s.Targets["gatekeeper"])
	if err != nil {
		return nil, err
	}
	libs := append(s.LibSources(), s.Sources[s.Targets["gatekeeper"]])
	for _, g := range generated {
		libs = append(libs, g.Source)
	}
	return libs, nil
}

// ConstraintTemplate is the templates.gatekeeper.sh/v1 object of a rule,
// built as Gatekeeper's own type: its CRD names the rule's kind and takes
// the rule's parameters with their schemas, its one target runs the
// rule's Rego (v1) with the libs.
func ConstraintTemplate(s *spec.Spec, r spec.Rule, libs []string) (*templatesv1.ConstraintTemplate, error) {
	rego, err := s.RuleModule(r)
	if err != nil {
		return nil, err
	}
	crd := templatesv1.CRDSpec{Names: templatesv1.Names{Kind: r.Kind}}
	if len(r.Parameters) > 0 {
		props := map[string]apiextensionsv1.JSONSchemaProps{}
		for _, p := range r.Parameters {
			schema := map[string]any{"description": p.Description}
			maps.Copy(schema, p.Schema)
			var prop apiextensionsv1.JSONSchemaProps
			if err := convert(schema, &prop); err != nil {
				return nil, fmt.Errorf("schema of parameter %s: %w", p.Name, err)
			}
			props[p.Name] = prop
		}
		crd.Validation = &templatesv1.Validation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{Type: "object", Properties: props}}
	}
	return &templatesv1.ConstraintTemplate{
		TypeMeta: metav1.TypeMeta{APIVersion: templatesv1.SchemeGroupVersion.String(), Kind: "ConstraintTemplate"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        r.TemplateName(),
			Annotations: annotations(s, r, rego, libs),
			Labels:      labels(s, r),
		},
		Spec: templatesv1.ConstraintTemplateSpec{
			CRD: templatesv1.CRD{Spec: crd},
			Targets: []templatesv1.Target{{
				Target: GatekeeperTarget,
				Code: []templatesv1.Code{{
					Engine: "Rego",
					Source: &templates.Anything{Value: map[string]any{"version": "v1", "rego": rego, "libs": libs}},
				}},
			}},
		},
	}, nil
}

// convert copies a JSON-shaped value into a typed one.
func convert(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// object is a typed Kubernetes object as the map it is published as,
// without the fields only a cluster fills (status, creationTimestamp).
func object(typed any) (map[string]any, error) {
	var m map[string]any
	if err := convert(typed, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	return m, nil
}

// annotations describe the template: its own version (not the policy
// set's, which would change every template at each release), and a code
// digest that identifies exactly the Rego it runs (the rule and its libs),
// so that it changes only when that code does.
func annotations(s *spec.Spec, r spec.Rule, rego string, libs []string) map[string]string {
	code := sha256.New()
	code.Write([]byte(rego))
	for _, l := range libs {
		code.Write([]byte{0})
		code.Write([]byte(l))
	}
	return map[string]string{
		"metadata.gatekeeper.sh/title":   r.Title,
		"metadata.gatekeeper.sh/version": r.Version,
		"description":                    r.Description,
		"policygen.dev/rule":             r.ID,
		"policygen.dev/bundle":           r.Bundle,
		"policygen.dev/spec":             s.Metadata.Name,
		codeDigest:                       hex.EncodeToString(code.Sum(nil)),
	}
}

func labels(s *spec.Spec, r spec.Rule) map[string]string {
	return map[string]string{
		"policygen.dev/policy-set": s.Metadata.Name,
		"policygen.dev/bundle":     r.Bundle,
	}
}

// Constraints are the constraints of the spec's constraints file, as
// objects of their rules' kinds, in file order.
func Constraints(s *spec.Spec) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, r := range s.Rules {
		for _, c := range s.ConstraintsOf(r.ID) {
			out = append(out, FromSpec(s, c).Of(r))
		}
	}
	return out
}

func constraintObject(s *spec.Spec, c spec.Constraint) (map[string]any, error) {
	for _, r := range s.Rules {
		if r.ID == c.Rule {
			return FromSpec(s, c).Of(r).Object, nil
		}
	}
	return nil, fmt.Errorf("constraint %s names no rule of the spec", c.Name)
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
