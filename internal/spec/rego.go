package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/types"

	"github.com/policygen/policygen/internal/kinds"
	"github.com/policygen/policygen/templates"
)

// GatekeeperOPAVersion is the OPA that the pinned Gatekeeper embeds. Every
// module is compiled against its capabilities so that no newer built-in
// ships; a test checks it against the OPA in go.mod.
const GatekeeperOPAVersion = "v1.17.1"

// GatekeeperCapabilities are the built-ins and features Gatekeeper's OPA has.
func GatekeeperCapabilities() (*ast.Capabilities, error) {
	caps, err := ast.LoadCapabilitiesVersion(GatekeeperOPAVersion)
	if err != nil {
		return nil, fmt.Errorf("loading OPA %s capabilities: %w", GatekeeperOPAVersion, err)
	}
	return caps, nil
}

// A GeneratedLib is a lib policygen writes from the spec: its file name
// among the modules and its source.
type GeneratedLib struct{ File, Source string }

// GeneratedLibs are the libs written from the spec that ship beside the
// shared libs and one target's adapter, in order: the parameter defaults,
// the parameters and the pods lib.
func GeneratedLibs(s *Spec, adapter string) ([]GeneratedLib, error) {
	defaults, err := DefaultsModule(s)
	if err != nil {
		return nil, err
	}
	params, err := ParametersModule(s)
	if err != nil {
		return nil, err
	}
	pods, err := PodsModule(s, adapter)
	if err != nil {
		return nil, err
	}
	return []GeneratedLib{{DefaultsFile, defaults}, {ParametersFile, params}, {PodsFile, pods}}, nil
}

// DefaultsFile is the name of the generated defaults lib among the modules.
const DefaultsFile = "rego/lib/defaults.rego"

// DefaultsModule renders the parameter defaults of every rule as a Rego lib
// (package lib.<set>.defaults), so the spec stays their only source.
func DefaultsModule(s *Spec) (string, error) {
	type ruleDefaults struct{ ID, JSON, Remedy string }
	var rules []ruleDefaults
	for _, r := range s.Rules {
		b, err := json.Marshal(r.Defaults())
		if err != nil {
			return "", fmt.Errorf("defaults of rule %q: %w", r.ID, err)
		}
		remedy, err := json.Marshal(strings.TrimSpace(r.Remedy))
		if err != nil {
			return "", fmt.Errorf("remedy of rule %q: %w", r.ID, err)
		}
		rules = append(rules, ruleDefaults{r.ID, string(b), string(remedy)})
	}
	return renderRego(DefaultsFile, "defaults.rego.tmpl", map[string]any{"Spec": s, "Rules": rules})
}

// ParametersFile is the name of the generated parameters lib among the modules.
const ParametersFile = "rego/lib/parameters.rego"

// ParametersModule renders every rule's parameters as the rules read them
// (package lib.<set>.parameters): one rule per parameter, the value given
// when it has the default's type (a list of strings: the strings of the
// list given), else the default.
func ParametersModule(s *Spec) (string, error) {
	type param struct {
		Name, Rule, Default, Type string
		Strings                   bool
	}
	var params []param
	for _, r := range s.Rules {
		for _, p := range r.Parameters {
			d := p.Schema["default"]
			b, err := json.Marshal(d)
			if err != nil {
				return "", fmt.Errorf("default of parameter %q of rule %q: %w", p.Name, r.ID, err)
			}
			typ, err := jsonType(d)
			if err != nil {
				return "", fmt.Errorf("default of parameter %q of rule %q: %w", p.Name, r.ID, err)
			}
			items, _ := p.Schema["items"].(map[string]any)
			params = append(params, param{p.Name, r.ID, string(b), typ, typ == "array" && items["type"] == "string"})
		}
	}
	return renderRego(ParametersFile, "parameters.rego.tmpl", map[string]any{"Spec": s, "Parameters": params})
}

// jsonType is the Rego type name of a value decoded from YAML or JSON.
func jsonType(v any) (string, error) {
	switch v.(type) {
	case bool:
		return "boolean", nil
	case string:
		return "string", nil
	case int, int64, uint64, float64:
		return "number", nil
	case []any:
		return "array", nil
	case map[string]any:
		return "object", nil
	case nil:
		return "null", nil
	}
	return "", fmt.Errorf("%T is not a JSON value", v)
}

// PodsFile is the name of the generated pods lib among the modules.
const PodsFile = "rego/lib/pods.rego"

// PodsModule renders the pod-bearing kinds (internal/kinds) as a part of
// the shared lib's package: the path of each kind's pod spec and pod
// annotations, and the rules that find the HostProcess pod spec of the
// object under review, written on the document root of one target's
// adapter (its `reviewed`), so that OPA's rule index decides them.
func PodsModule(s *Spec, adapter string) (string, error) {
	root, err := reviewedRoot(adapter, s.Sources[adapter])
	if err != nil {
		return "", err
	}
	type kind struct{ Name, PodSpec, Annotations string }
	type group struct {
		Path, Names, Test, Spec string
		kinds                   []string
	}
	var ks []kind
	var groups []*group
	for _, k := range kinds.All {
		spec, err := json.Marshal(k.PodSpec)
		if err != nil {
			return "", err
		}
		annotations, err := json.Marshal(append(k.PodMetadata(), "annotations"))
		if err != nil {
			return "", err
		}
		ks = append(ks, kind{k.Name, string(spec), string(annotations)})
		path := strings.Join(k.PodSpec, ".")
		i := slices.IndexFunc(groups, func(g *group) bool { return g.Path == path })
		if i < 0 {
			groups = append(groups, &group{Path: path, Spec: root + "." + path})
			i = len(groups) - 1
		}
		groups[i].kinds = append(groups[i].kinds, k.Name)
	}
	for _, g := range groups {
		quoted := make([]string, len(g.kinds))
		for i, k := range g.kinds {
			quoted[i] = strconv.Quote(k)
		}
		g.Names = strings.Join(g.kinds, ", ")
		g.Test = "== " + quoted[0]
		if len(quoted) > 1 {
			g.Test = "in {" + strings.Join(quoted, ", ") + "}"
		}
	}
	return renderRego(PodsFile, "pods.rego.tmpl", map[string]any{"Spec": s, "Root": root, "Kinds": ks, "Groups": groups})
}

// reviewedRoot is the reference an adapter gives as `reviewed`, the
// object under review: a reference into input, such as input.review.object.
func reviewedRoot(name, src string) (string, error) {
	m, err := ast.ParseModuleWithOpts(name, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", err
	}
	for _, r := range m.Rules {
		if r.Head.Name.String() != "reviewed" || r.Head.Value == nil {
			continue
		}
		if ref, ok := r.Head.Value.Value.(ast.Ref); ok && ref.HasPrefix(ast.InputRootRef) && ref.IsGround() {
			return ref.String(), nil
		}
	}
	return "", fmt.Errorf("the adapter defines no `reviewed` as a reference into input")
}

// renderRego executes a Rego text template and formats the result.
func renderRego(name, tmpl string, data any) (string, error) {
	t, err := template.ParseFS(templates.FS, tmpl)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return "", err
	}
	out, err := format.SourceWithOpts(name, buf.Bytes(), format.Opts{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", fmt.Errorf("formatting %s: %w", name, err)
	}
	return string(out), nil
}

// violationType reports whether t is a set of objects whose msg can be a string.
func violationType(t types.Type) bool {
	set, ok := t.(*types.Set)
	if !ok {
		return false
	}
	obj, ok := set.Of().(*types.Object)
	if !ok {
		return false
	}
	for _, p := range obj.StaticProperties() {
		if p.Key == "msg" {
			return types.Contains(p.Value, types.S) // string, or a type that may be one
		}
	}
	return false
}
