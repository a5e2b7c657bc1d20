package spec

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	yaml "go.yaml.in/yaml/v3"
)

// RuleModule is a rule's Rego as every target publishes it: its source
// with an OPA METADATA block (package scope) before the package line,
// rendered from the spec, which `opa inspect -a`, `conftest doc` and
// Regal read:
//
//	title, description, and custom: id, kind, version (the template's),
//	bundle, severity, remedy
//	and parameters (name, description, default).
//
// severity is Severity's. The block is separated by a blank line from
// the comments above the package, which stay as they are.
func (s *Spec) RuleModule(r Rule) (string, error) {
	src := s.Sources[r.Rego]
	m, err := ast.ParseModuleWithOpts(r.Rego, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return "", fmt.Errorf("rule %s: %w", r.ID, err)
	}
	type param struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description,omitempty"`
		Default     any    `yaml:"default"`
	}
	type custom struct {
		ID         string  `yaml:"id"`
		Kind       string  `yaml:"kind"`
		Version    string  `yaml:"version"`
		Bundle     string  `yaml:"bundle"`
		Severity   string  `yaml:"severity"`
		Remedy     string  `yaml:"remedy"`
		Parameters []param `yaml:"parameters,omitempty"`
	}
	meta := struct {
		Title       string `yaml:"title"`
		Description string `yaml:"description"`
		Custom      custom `yaml:"custom"`
	}{r.Title, strings.TrimSpace(r.Description), custom{
		ID: r.ID, Kind: r.Kind, Version: r.Version, Bundle: r.Bundle, Severity: s.Severity(r), Remedy: strings.TrimSpace(r.Remedy),
	}}
	for _, p := range r.Parameters {
		meta.Custom.Parameters = append(meta.Custom.Parameters, param{p.Name, strings.TrimSpace(p.Description), p.Schema["default"]})
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(meta); err != nil {
		return "", fmt.Errorf("rule %s: metadata: %w", r.ID, err)
	}
	var block strings.Builder
	block.WriteString("# METADATA\n")
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		block.WriteString(strings.TrimRight("# "+line, " ") + "\n")
	}
	lines := strings.SplitAfter(src, "\n")
	row := m.Package.Location.Row - 1 // 0-based index of the package line
	if row < 0 || row >= len(lines) {
		return "", fmt.Errorf("rule %s: no package line", r.ID)
	}
	head := strings.Join(lines[:row], "")
	if head != "" && !strings.HasSuffix(head, "\n\n") {
		head += "\n"
	}
	return head + block.String() + strings.Join(lines[row:], ""), nil
}

// Severity is how a rule's violations weigh under the constraints: the
// strictest action of its constraints (a scoped one's strictest at any
// enforcement point), as "error" (deny), "warning" (warn), "info"
// (dryrun), or "none" when no constraint applies the rule.
func (s *Spec) Severity(r Rule) string {
	rank := map[string]int{ActionDryrun: 1, ActionWarn: 2, ActionDeny: 3}
	best := 0
	for _, c := range s.ConstraintsOf(r.ID) {
		actions := []string{c.EnforcementAction()}
		if c.EnforcementAction() == ActionScoped {
			actions = nil
			for _, sa := range c.Scoped {
				actions = append(actions, sa.Action)
			}
		}
		for _, a := range actions {
			best = max(best, rank[a])
		}
	}
	return [...]string{"none", "info", "warning", "error"}[best]
}
