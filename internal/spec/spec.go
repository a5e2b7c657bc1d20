// Package spec loads and validates the policy spec: the single source of
// every rule's id, kind, title, parameters and defaults, and the Rego
// sources it names.
package spec

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/policygen/policygen/internal/problem"
)

// GatekeeperTarget is the target whose adapter ships inside
// ConstraintTemplates, and so must meet Gatekeeper's rules for Rego.
const GatekeeperTarget = "gatekeeper"

// APIVersion is the spec format this policygen reads.
const APIVersion = "policygen.dev/v1"

// Spec is a loaded, validated policy spec.
type Spec struct {
	APIVersion      string            `yaml:"apiVersion"`  // must be APIVersion
	Kind            string            `yaml:"kind"`        // must be "PolicySpec"
	Metadata        Metadata          `yaml:"metadata"`    // names and versions the policy set
	Libs            []string          `yaml:"libs"`        // shared Rego lib files, relative to the spec
	Targets         map[string]string `yaml:"targets"`     // target name → its adapter lib (where its Rego finds the object and parameters)
	Subjects        string            `yaml:"subjects"`    // optional: a set rule of the libs (data.lib.….name) that every violation iterates first; where it is empty no rule applies
	CEL             CEL               `yaml:"cel"`         // the shared CEL variables
	Match           []Match           `yaml:"match"`       // the kinds every constraint matches
	ConstraintsFile string            `yaml:"constraints"` // the constraints file, relative to the spec
	Bundles         []Bundle          `yaml:"bundles"`     // installable sets of rules; "all" is implied
	Rules           []Rule            `yaml:"rules"`       // the rules, in publishing order
	Release         Release           `yaml:"release"`     // optional: the released template versions, the changelog, where the releases live

	// Filled by Load, not read from YAML.
	File        string                `yaml:"-"` // the spec's path, for messages
	Sources     map[string]string     `yaml:"-"` // Rego file name (as written in the spec) → text
	CELSources  map[string]*CELSource `yaml:"-"` // CEL file name (as written in the spec) → its variables and validations
	CELFiles    map[string]string     `yaml:"-"` // CEL file name → its text, for the docs
	celRaw      []string              // the CEL files' texts, for the hash
	Hash        string                `yaml:"-"` // sha256 of the spec, every Rego source and the constraints
	Constraints *ConstraintSet        `yaml:"-"` // the constraints file, or the one given instead
	Lock        *Lock                 `yaml:"-"` // the release lock file, when Release names one
	Changelog   *Changelog            `yaml:"-"` // the changelog, when Release names one
	raw         []byte                // the spec's text, for the hash
	root        *yaml.Node            // the parsed spec, for the lines of later problems
}

// Problem is a problem in the spec at the line of the node at keys (map
// keys and list indexes), for checks made after loading.
func (s *Spec) Problem(what, fix string, keys ...any) *problem.Error {
	line := 0
	if s.root != nil {
		line = lineOf(s.root, keys...)
	}
	return &problem.Error{File: s.File, Line: line, Problem: what, Fix: fix}
}

// Metadata names and versions the policy set.
type Metadata struct {
	Name        string `yaml:"name"`        // short name, used in bundle roots and file names
	Version     string `yaml:"version"`     // semantic version of the policy set
	Title       string `yaml:"title"`       // one line for humans
	Description string `yaml:"description"` // a paragraph for humans
	Links       []Link `yaml:"links"`       // background reading
}

// Link is a titled URL.
type Link struct {
	Title string `yaml:"title"`
	URL   string `yaml:"url"`
}

// Match is one entry of a constraint's spec.match.kinds.
type Match struct {
	APIGroups []string `yaml:"apiGroups"`
	Kinds     []string `yaml:"kinds"`
}

// Bundle is an installable set of rules.
type Bundle struct {
	Name        string `yaml:"name"`        // referred to by Rule.Bundle
	Description string `yaml:"description"` // what it is for and where to install it
}

// Rule is one policy: one ConstraintTemplate, one conftest module.
type Rule struct {
	ID          string      `yaml:"id"`          // kebab-case, used in file names and violations
	Kind        string      `yaml:"kind"`        // Gatekeeper CRD kind; the template name is its lower case
	Version     string      `yaml:"version"`     // the template's own semantic version; bump it whenever its rendered template changes
	Bundle      string      `yaml:"bundle"`      // the Bundle it belongs to
	Title       string      `yaml:"title"`       // one line
	Description string      `yaml:"description"` // the exact decision, for humans
	Rego        string      `yaml:"rego"`        // the rule's Rego file, relative to the spec
	CEL         string      `yaml:"cel"`         // the rule's CEL file (variables and validations), relative to the spec
	Remedy      string      `yaml:"remedy"`      // how to fix a violation, for eval and docs
	Parameters  []Parameter `yaml:"parameters"`  // constraint parameters, in order
}

// Parameter is one constraint parameter with its OpenAPI v3 schema; the
// schema's default is the value the rule uses when the parameter is absent.
type Parameter struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Schema      map[string]any `yaml:"schema"` // OpenAPI v3 schema, with a default
}

// RegoName is the policy set's name as a Rego identifier: the package of
// its generated libs (lib.<name>.defaults) and the key of its data.
func (m Metadata) RegoName() string { return strings.ReplaceAll(m.Name, "-", "_") }

// RegoName is the rule's id as a Rego identifier (dashes as underscores):
// conftest's per-rule entry points are violation_<RegoName> and
// warn_<RegoName>, and a conftest exception names the rule so.
func (r Rule) RegoName() string { return strings.ReplaceAll(r.ID, "-", "_") }

// TemplateName is the ConstraintTemplate's name: the kind in lower case.
func (r Rule) TemplateName() string { return strings.ToLower(r.Kind) }

// Defaults are the rule's parameter defaults by name.
func (r Rule) Defaults() map[string]any {
	d := map[string]any{}
	for _, p := range r.Parameters {
		d[p.Name] = p.Schema["default"]
	}
	return d
}

// RulesOf returns the rules of a bundle; "all" is every rule.
func (s *Spec) RulesOf(bundle string) []Rule {
	var out []Rule
	for _, r := range s.Rules {
		if bundle == "all" || r.Bundle == bundle {
			out = append(out, r)
		}
	}
	return out
}

// BundleNames lists the declared bundles, then "all".
func (s *Spec) BundleNames() []string {
	var out []string
	for _, b := range s.Bundles {
		out = append(out, b.Name)
	}
	return append(out, "all")
}

// LibSources returns the shared libs' texts, in spec order.
func (s *Spec) LibSources() []string {
	var out []string
	for _, l := range s.Libs {
		out = append(out, s.Sources[l])
	}
	return out
}

// CaseFile is the case file of a rule: its id without the policy set's
// prefix (hostprocess-host-network → host-network.yaml).
func (s *Spec) CaseFile(r Rule) string {
	return strings.TrimPrefix(r.ID, s.Metadata.Name+"-") + ".yaml"
}

// SharedCaseFile reports whether a case file is no rule's own: its cases
// (kinds, malformed input, operations) speak of every rule.
func (s *Spec) SharedCaseFile(file string) bool {
	for _, r := range s.Rules {
		if s.CaseFile(r) == file {
			return false
		}
	}
	return true
}
