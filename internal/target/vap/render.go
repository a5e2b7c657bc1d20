package vap

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/kinds"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Root is the directory of the tree below dist.
const Root = "vap"

// ParamGroup is the API group of the parameter CRD.
const ParamGroup = "policygen.dev"

// ParamKind is the kind of the parameter objects: the policy set's name in
// UpperCamelCase, then Parameters (HostprocessParameters).
func ParamKind(s *spec.Spec) string {
	var b strings.Builder
	for _, w := range strings.Split(s.Metadata.Name, "-") {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String() + "Parameters"
}

// DefaultsName is the name of the parameter object with every default.
func DefaultsName(s *spec.Spec) string { return s.Metadata.Name + "-defaults" }

// renderTree renders dist/vap: the parameter CRD and the defaults object
// (params/), per rule a directory with its policy, a binding and, when it
// has parameters, a parameter object per constraint of the constraints
// file, and per bundle a kustomization of params and its rules.
func renderTree(s *spec.Spec) (render.Artifacts, error) {
	out := render.Artifacts{}
	add := func(p string, typed any) error {
		var obj map[string]any
		if err := convert(typed, &obj); err != nil {
			return err
		}
		delete(obj, "status")
		if meta, ok := obj["metadata"].(map[string]any); ok {
			delete(meta, "creationTimestamp")
		}
		b, err := render.MarshalYAML(render.Header(s, "#"), obj)
		if err != nil {
			return fmt.Errorf("rendering %s: %w", p, err)
		}
		out[path.Join(Root, p)] = b
		return nil
	}
	crd, err := ParamCRD(s)
	if err != nil {
		return nil, err
	}
	if err := add("params/crd.yaml", crd); err != nil {
		return nil, err
	}
	if err := add("params/defaults.yaml", ParamObject(s, DefaultsName(s), defaults(s)).Object); err != nil {
		return nil, err
	}
	if err := add("params/kustomization.yaml", render.Kustomization(s.Metadata.Name+"-params", []string{"crd.yaml", "defaults.yaml"})); err != nil {
		return nil, err
	}
	for _, r := range s.Rules {
		policy, err := Policy(s, r)
		if err != nil {
			return nil, err
		}
		if err := add(path.Join(r.ID, "policy.yaml"), policy); err != nil {
			return nil, err
		}
		resources := []string{"policy.yaml"}
		for _, c := range s.ConstraintsOf(r.ID) {
			param := DefaultsName(s)
			if len(c.Parameters) > 0 {
				param = c.Name
				file := "params-" + c.Name + ".yaml"
				obj := ParamObject(s, c.Name, map[string]any{celenv.ParamKey(r): c.Parameters})
				if err := add(path.Join(r.ID, file), obj.Object); err != nil {
					return nil, err
				}
				resources = append(resources, file)
			}
			b, err := Binding(s, r, c, param)
			if err != nil {
				return nil, err
			}
			file := "binding-" + c.Name + ".yaml"
			if err := add(path.Join(r.ID, file), b); err != nil {
				return nil, err
			}
			resources = append(resources, file)
		}
		if err := add(path.Join(r.ID, "kustomization.yaml"), render.Kustomization(r.ID, resources)); err != nil {
			return nil, err
		}
	}
	for _, b := range s.BundleNames() {
		dirs := []string{"../params"}
		for _, r := range s.RulesOf(b) {
			dirs = append(dirs, "../"+r.ID)
		}
		if err := add(path.Join(b, "kustomization.yaml"), render.Kustomization(s.Metadata.Name+"-"+b, dirs)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// defaults are every rule's parameter defaults, by parameter key.
func defaults(s *spec.Spec) map[string]any {
	out := map[string]any{}
	for _, r := range s.Rules {
		if len(r.Parameters) > 0 {
			out[celenv.ParamKey(r)] = r.Defaults()
		}
	}
	return out
}

// ParamCRD is the CRD of the parameter objects: cluster-scoped, its spec
// one object per rule with parameters, of the rule's parameter schemas.
func ParamCRD(s *spec.Spec) (*apiextensionsv1.CustomResourceDefinition, error) {
	kind := ParamKind(s)
	plural := strings.ToLower(kind)
	props := map[string]apiextensionsv1.JSONSchemaProps{}
	for _, r := range s.Rules {
		if len(r.Parameters) == 0 {
			continue
		}
		ruleProps := map[string]apiextensionsv1.JSONSchemaProps{}
		for _, p := range r.Parameters {
			schema := map[string]any{"description": p.Description}
			maps.Copy(schema, p.Schema)
			var prop apiextensionsv1.JSONSchemaProps
			if err := convert(schema, &prop); err != nil {
				return nil, fmt.Errorf("schema of parameter %s of %s: %w", p.Name, r.ID, err)
			}
			ruleProps[p.Name] = prop
		}
		props[celenv.ParamKey(r)] = apiextensionsv1.JSONSchemaProps{Type: "object", Description: "The parameters of " + r.ID + ": " + r.Title + ".", Properties: ruleProps}
	}
	return &apiextensionsv1.CustomResourceDefinition{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
		ObjectMeta: metav1.ObjectMeta{Name: plural + "." + ParamGroup, Labels: labels(s, "")},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: ParamGroup,
			Names: apiextensionsv1.CustomResourceDefinitionNames{Kind: kind, ListKind: kind + "List", Plural: plural, Singular: plural},
			Scope: apiextensionsv1.ClusterScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Type:        "object",
					Description: "The parameters of the " + s.Metadata.Title + " ValidatingAdmissionPolicies; a binding names the object its policy reads.",
					Properties: map[string]apiextensionsv1.JSONSchemaProps{
						"apiVersion": {Type: "string"}, "kind": {Type: "string"}, "metadata": {Type: "object"},
						"spec": {Type: "object", Properties: props},
					},
				}},
			}},
		},
	}, nil
}

// ParamObject is a parameter object named name with the given spec.
func ParamObject(s *spec.Spec, name string, params map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": ParamGroup + "/v1",
		"kind":       ParamKind(s),
		"metadata":   map[string]any{"name": name, "labels": toAny(labels(s, ""))},
		"spec":       params,
	}}
}

// Policy is a rule's ValidatingAdmissionPolicy: it matches CREATE and
// UPDATE of every pod-bearing kind and the pods/ephemeralcontainers
// subresource, reads the parameter objects, and runs the rule's CEL after
// the adapter variables (anyObject, params).
func Policy(s *spec.Spec, r spec.Rule) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	prog, err := s.CELProgram(r)
	if err != nil {
		return nil, err
	}
	var vars []admissionregistrationv1.Variable
	for _, v := range append(celenv.VAPAdapter(r), prog.Variables...) {
		vars = append(vars, admissionregistrationv1.Variable{Name: v.Name, Expression: v.Expression})
	}
	var validations []admissionregistrationv1.Validation
	for _, v := range prog.Validations {
		validations = append(validations, admissionregistrationv1.Validation{Expression: v.Expression, MessageExpression: v.MessageExpression})
	}
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   r.ID,
			Labels: labels(s, r.Bundle),
			Annotations: map[string]string{
				"policygen.dev/rule": r.ID, "policygen.dev/title": r.Title, "description": r.Description,
				"policygen.dev/spec": s.Metadata.Name + " " + s.Metadata.Version,
			},
		},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy:    ptr.To(admissionregistrationv1.Fail),
			ParamKind:        &admissionregistrationv1.ParamKind{APIVersion: ParamGroup + "/v1", Kind: ParamKind(s)},
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: ResourceRules()},
			Variables:        vars,
			Validations:      validations,
		},
	}, nil
}

// ResourceRules match CREATE and UPDATE of the pod-bearing kinds, by
// group, in any version, and of pods/ephemeralcontainers.
func ResourceRules() []admissionregistrationv1.NamedRuleWithOperations {
	byGroup := map[string][]string{}
	var groups []string
	for _, k := range kinds.All {
		group := ""
		if g, _, ok := strings.Cut(k.APIVersion, "/"); ok {
			group = g
		}
		if _, seen := byGroup[group]; !seen {
			groups = append(groups, group)
		}
		resource := strings.ToLower(k.Name) + "s"
		byGroup[group] = append(byGroup[group], resource)
		if k.Name == "Pod" {
			byGroup[group] = append(byGroup[group], "pods/ephemeralcontainers")
		}
	}
	var out []admissionregistrationv1.NamedRuleWithOperations
	for _, g := range groups {
		out = append(out, admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{g}, APIVersions: []string{"*"}, Resources: byGroup[g]},
		}})
	}
	return out
}

// Binding binds a rule's policy as a constraint of the constraints file
// says: its namespaces, its parameters (the object named param) and its
// action at the ValidatingAdmissionPolicy enforcement point (deny: Deny,
// warn: Warn, dryrun: Audit).
func Binding(s *spec.Spec, r spec.Rule, c spec.Constraint, param string) (*admissionregistrationv1.ValidatingAdmissionPolicyBinding, error) {
	actions := map[string][]admissionregistrationv1.ValidationAction{
		spec.ActionDeny:   {admissionregistrationv1.Deny},
		spec.ActionWarn:   {admissionregistrationv1.Warn},
		spec.ActionDryrun: {admissionregistrationv1.Audit},
	}[c.ActionAt(spec.PointVAP)]
	if actions == nil {
		return nil, fmt.Errorf("constraint %s has no action at %s", c.Name, spec.PointVAP)
	}
	selector, err := namespaceSelector(c.Match)
	if err != nil {
		return nil, fmt.Errorf("constraint %s: %w", c.Name, err)
	}
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: metav1.ObjectMeta{Name: c.Name, Labels: labels(s, r.Bundle), Annotations: map[string]string{"description": c.Description}},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName: r.ID,
			ParamRef: &admissionregistrationv1.ParamRef{
				Name:                    param,
				ParameterNotFoundAction: ptr.To(admissionregistrationv1.DenyAction),
			},
			MatchResources:    &admissionregistrationv1.MatchResources{NamespaceSelector: selector},
			ValidationActions: actions,
		},
	}, nil
}

// namespaceSelector is a constraint's namespace match as a label selector
// on kubernetes.io/metadata.name (the API server sets it on every
// namespace). A binding cannot match namespace names by glob.
func namespaceSelector(m spec.ConstraintMatch) (*metav1.LabelSelector, error) {
	sel := &metav1.LabelSelector{}
	if m.NamespaceSelector != nil {
		if err := convert(m.NamespaceSelector, sel); err != nil {
			return nil, err
		}
	}
	for _, names := range []struct {
		op metav1.LabelSelectorOperator
		ns []string
	}{{metav1.LabelSelectorOpIn, m.Namespaces}, {metav1.LabelSelectorOpNotIn, m.ExcludedNamespaces}} {
		if len(names.ns) == 0 {
			continue
		}
		for _, n := range names.ns {
			if strings.Contains(n, "*") {
				return nil, fmt.Errorf("namespace %q is a glob, which a ValidatingAdmissionPolicyBinding cannot match", n)
			}
		}
		sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: "kubernetes.io/metadata.name", Operator: names.op, Values: slices.Clone(names.ns)})
	}
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return nil, nil
	}
	return sel, nil
}

func labels(s *spec.Spec, bundle string) map[string]string {
	l := map[string]string{"policygen.dev/policy-set": s.Metadata.Name}
	if bundle != "" {
		l["policygen.dev/bundle"] = bundle
	}
	return l
}

func convert(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

func toAny(m map[string]string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
