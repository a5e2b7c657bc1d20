package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"
	"github.com/open-policy-agent/opa/v1/types"

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
	t, err := template.ParseFS(templates.FS, "defaults.rego.tmpl")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, map[string]any{"Spec": s, "Rules": rules}); err != nil {
		return "", err
	}
	out, err := format.SourceWithOpts(DefaultsFile, buf.Bytes(), format.Opts{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", fmt.Errorf("formatting the defaults lib: %w", err)
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
