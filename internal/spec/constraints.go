package spec

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/policygen/policygen/internal/problem"
)

// ConstraintsKind is the kind of a constraints file.
const ConstraintsKind = "Constraints"

// Enforcement actions a constraint may take, as Gatekeeper names them.
const (
	ActionDeny   = "deny"   // reject at admission, fail in CI
	ActionWarn   = "warn"   // admit with a warning; a warning in CI
	ActionDryrun = "dryrun" // admit silently; audit records it; CI reports nothing
	ActionScoped = "scoped" // per enforcement point, as scopedEnforcementActions say
)

// Gatekeeper's enforcement points (v3.23), and "*" for all of them.
const (
	PointValidation = "validation.gatekeeper.sh" // the admission webhook
	PointAudit      = "audit.gatekeeper.sh"      // the audit of existing objects
	PointGator      = "gator.gatekeeper.sh"      // gator, offline; CI (conftest, eval) judges as gator does
	PointVAP        = "vap.k8s.io"               // ValidatingAdmissionPolicy
	PointAll        = "*"
)

// ConstraintSet is a loaded, validated constraints file: what a cluster
// installs and what CI applies, per rule one or more constraints.
type ConstraintSet struct {
	APIVersion  string       `yaml:"apiVersion"`  // must be APIVersion
	Kind        string       `yaml:"kind"`        // must be ConstraintsKind
	Constraints []Constraint `yaml:"constraints"` // in publishing order

	File string     `yaml:"-"` // the file's path, for messages
	Raw  []byte     `yaml:"-"` // its text, for the spec's hash
	root *yaml.Node // for the lines of problems
}

// Constraint is one constraint of one rule.
type Constraint struct {
	Name        string          `yaml:"name"`                     // metadata.name; distinct among the rule's constraints
	Rule        string          `yaml:"rule"`                     // the rule's id
	Description string          `yaml:"description"`              // why it exists, for humans (an annotation)
	Match       ConstraintMatch `yaml:"match"`                    // which namespaces; the kinds are the spec's match
	Parameters  map[string]any  `yaml:"parameters"`               // fitting the rule's schemas; absent ones take their defaults
	Action      string          `yaml:"action"`                   // deny (when empty), warn, dryrun or scoped
	Scoped      []ScopedAction  `yaml:"scopedEnforcementActions"` // with action scoped: the action per enforcement point
}

// ConstraintMatch is the namespace part of a constraint's spec.match.
type ConstraintMatch struct {
	Namespaces         []string       `yaml:"namespaces"`         // only these namespaces (empty: all)
	ExcludedNamespaces []string       `yaml:"excludedNamespaces"` // never these
	NamespaceSelector  *LabelSelector `yaml:"namespaceSelector"`  // only namespaces whose labels match
}

// LabelSelector is a Kubernetes label selector, as a constraint's
// match.namespaceSelector takes it.
type LabelSelector struct {
	MatchLabels      map[string]string  `yaml:"matchLabels" json:"matchLabels,omitempty"`
	MatchExpressions []LabelRequirement `yaml:"matchExpressions" json:"matchExpressions,omitempty"`
}

// LabelRequirement is one entry of a selector's matchExpressions.
type LabelRequirement struct {
	Key      string   `yaml:"key" json:"key"`
	Operator string   `yaml:"operator" json:"operator"`
	Values   []string `yaml:"values" json:"values,omitempty"`
}

// Object is the selector as the map a constraint carries.
func (l *LabelSelector) Object() map[string]any {
	b, _ := json.Marshal(l)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

// ScopedAction is one entry of Gatekeeper's scopedEnforcementActions.
type ScopedAction struct {
	Action            string             `yaml:"action"`            // deny, warn or dryrun
	EnforcementPoints []EnforcementPoint `yaml:"enforcementPoints"` // where it applies
}

// EnforcementPoint names one enforcement point.
type EnforcementPoint struct {
	Name string `yaml:"name"`
}

// EnforcementAction is the action (deny, warn, dryrun or scoped), deny when none is written.
func (c Constraint) EnforcementAction() string {
	if c.Action == "" {
		return ActionDeny
	}
	return c.Action
}

// ActionAt is what the constraint does at an enforcement point: deny,
// warn, dryrun, or "" when a scoped constraint names no action for it (it
// is not enforced there). Of several scoped actions for one point, deny
// wins over warn, warn over dryrun, as Gatekeeper's callers read them.
func (c Constraint) ActionAt(point string) string {
	if c.EnforcementAction() != ActionScoped {
		return c.EnforcementAction()
	}
	best := ""
	rank := map[string]int{"": 0, ActionDryrun: 1, ActionWarn: 2, ActionDeny: 3}
	for _, s := range c.Scoped {
		for _, p := range s.EnforcementPoints {
			if (p.Name == point || p.Name == PointAll) && rank[s.Action] > rank[best] {
				best = s.Action
			}
		}
	}
	return best
}

// ConstraintsOf are the constraints of a rule, in file order.
func (s *Spec) ConstraintsOf(rule string) []Constraint {
	var out []Constraint
	if s.Constraints == nil {
		return nil
	}
	for _, c := range s.Constraints.Constraints {
		if c.Rule == rule {
			out = append(out, c)
		}
	}
	return out
}

var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
)

// LoadConstraints reads a constraints file from fsys and validates it
// against the spec's rules. problem.Errors name file and line.
func LoadConstraints(fsys fs.FS, file string, s *Spec) (*ConstraintSet, error) {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &problem.Error{File: file, Problem: fmt.Sprintf("cannot read the constraints file: %v", err),
			Fix: "name an existing constraints file (see policies/constraints.yaml)"}
	}
	return ParseConstraints(file, raw, s)
}

// ParseConstraints decodes and validates a constraints file's text.
func ParseConstraints(file string, raw []byte, s *Spec) (*ConstraintSet, error) {
	var cs ConstraintSet
	root, err := DecodeYAML(file, raw, &cs, "use only the fields of a constraints file ("+APIVersion+" "+ConstraintsKind+"); see policies/constraints.yaml")
	if err != nil {
		return nil, err
	}
	cs.File, cs.Raw, cs.root = file, raw, root
	if errs := cs.validate(s); len(errs) > 0 {
		return nil, errs
	}
	return &cs, nil
}

func (cs *ConstraintSet) problem(what, fix string, keys ...any) *problem.Error {
	return &problem.Error{File: cs.File, Line: lineOf(cs.root, keys...), Problem: what, Fix: fix}
}

func (cs *ConstraintSet) validate(s *Spec) problem.Errors {
	var errs problem.Errors
	fail := func(what, fix string, keys ...any) { errs = append(errs, cs.problem(what, fix, keys...)) }
	if cs.APIVersion != APIVersion {
		fail(fmt.Sprintf("apiVersion is %q", cs.APIVersion), "set apiVersion: "+APIVersion, "apiVersion")
	}
	if cs.Kind != ConstraintsKind {
		fail(fmt.Sprintf("kind is %q", cs.Kind), "set kind: "+ConstraintsKind, "kind")
	}
	rules := map[string]Rule{}
	var ids []string
	for _, r := range s.Rules {
		rules[r.ID] = r
		ids = append(ids, r.ID)
	}
	names := map[string]int{}
	for i, c := range cs.Constraints {
		at := func(keys ...any) []any { return append([]any{"constraints", i}, keys...) }
		r, known := rules[c.Rule]
		if !known {
			fail(fmt.Sprintf("constraint %q names rule %q, which the spec does not have", c.Name, c.Rule), "use one of "+strings.Join(ids, ", "), at("rule")...)
		}
		if len(c.Name) > 253 || !dnsSubdomain.MatchString(c.Name) {
			fail(fmt.Sprintf("constraint name %q is not a Kubernetes object name", c.Name), "use lower-case letters, digits, dashes and dots, e.g. "+c.Rule+"-workloads", at("name")...)
		} else if j, dup := names[c.Rule+"\x00"+c.Name]; dup {
			fail(fmt.Sprintf("constraint name %q of rule %q is used twice (also constraints[%d])", c.Name, c.Rule, j), "give each constraint of a rule a distinct name", at("name")...)
		}
		names[c.Rule+"\x00"+c.Name] = i
		if known {
			for _, name := range slices.Sorted(maps.Keys(c.Parameters)) {
				var p *Parameter
				for k := range r.Parameters {
					if r.Parameters[k].Name == name {
						p = &r.Parameters[k]
					}
				}
				if p == nil {
					fail(fmt.Sprintf("rule %q has no parameter %q", c.Rule, name), "use "+paramNames(r), at("parameters", name)...)
					continue
				}
				if err := p.Validate(c.Parameters[name]); err != nil {
					fail(fmt.Sprintf("parameter %s of constraint %q does not fit its schema: %v", name, c.Name, err), "give a value of the schema in "+s.File+" (rule "+r.ID+")", at("parameters", name)...)
				}
			}
		}
		errs = append(errs, cs.validateAction(i, c)...)
		errs = append(errs, cs.validateMatch(i, c)...)
	}
	if len(errs) > 0 {
		return errs
	}
	for i, a := range cs.Constraints {
		for j := i + 1; j < len(cs.Constraints); j++ {
			b := cs.Constraints[j]
			if a.Rule != b.Rule {
				continue
			}
			where, ok := Overlap(a.Match, b.Match)
			if !ok {
				continue
			}
			why := "they differ in parameters or action, so the namespace would get two verdicts"
			if reflect.DeepEqual(normalParams(a.Parameters), normalParams(b.Parameters)) && a.EnforcementAction() == b.EnforcementAction() && reflect.DeepEqual(a.Scoped, b.Scoped) {
				why = "they are the same, so every violation there would be reported twice"
			}
			fail(fmt.Sprintf("constraints %q and %q of rule %q can both select %s: %s", a.Name, b.Name, a.Rule, where, why),
				"make their namespaces disjoint: list the namespaces of one in the other's excludedNamespaces, or merge them",
				"constraints", j, "match")
		}
	}
	return errs
}

func normalParams(p map[string]any) map[string]any {
	if len(p) == 0 {
		return nil
	}
	b, _ := json.Marshal(p)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func paramNames(r Rule) string {
	if len(r.Parameters) == 0 {
		return "no parameters: the rule takes none"
	}
	var n []string
	for _, p := range r.Parameters {
		n = append(n, p.Name)
	}
	return "one of " + strings.Join(n, ", ")
}

func (cs *ConstraintSet) validateAction(i int, c Constraint) problem.Errors {
	var errs problem.Errors
	fail := func(what, fix string, keys ...any) {
		errs = append(errs, cs.problem(what, fix, append([]any{"constraints", i}, keys...)...))
	}
	switch c.EnforcementAction() {
	case ActionDeny, ActionWarn, ActionDryrun:
		if len(c.Scoped) > 0 {
			fail(fmt.Sprintf("constraint %q has scopedEnforcementActions but action %s", c.Name, c.EnforcementAction()), "set action: scoped, or remove scopedEnforcementActions", "scopedEnforcementActions")
		}
	case ActionScoped:
		if len(c.Scoped) == 0 {
			fail(fmt.Sprintf("constraint %q has action scoped but no scopedEnforcementActions", c.Name), "list the action per enforcement point, e.g. [{action: deny, enforcementPoints: [{name: gator.gatekeeper.sh}]}, {action: warn, enforcementPoints: [{name: validation.gatekeeper.sh}]}]", "action")
		}
		for k, sa := range c.Scoped {
			switch sa.Action {
			case ActionDeny, ActionWarn, ActionDryrun:
			default:
				fail(fmt.Sprintf("scoped action %q of constraint %q is unknown", sa.Action, c.Name), "use deny, warn or dryrun", "scopedEnforcementActions", k, "action")
			}
			if len(sa.EnforcementPoints) == 0 {
				fail(fmt.Sprintf("scoped action %q of constraint %q names no enforcement point", sa.Action, c.Name), "list enforcementPoints, e.g. [{name: validation.gatekeeper.sh}]", "scopedEnforcementActions", k)
			}
			for m, p := range sa.EnforcementPoints {
				switch p.Name {
				case PointValidation, PointAudit, PointGator, PointVAP, PointAll:
				default:
					fail(fmt.Sprintf("enforcement point %q of constraint %q is unknown", p.Name, c.Name), "use "+strings.Join([]string{PointValidation, PointAudit, PointGator, PointVAP, `"*"`}, ", "), "scopedEnforcementActions", k, "enforcementPoints", m, "name")
				}
			}
		}
	default:
		fail(fmt.Sprintf("action %q of constraint %q is unknown", c.Action, c.Name), "use deny, warn, dryrun or scoped", "action")
	}
	return errs
}

func (cs *ConstraintSet) validateMatch(i int, c Constraint) problem.Errors {
	var errs problem.Errors
	for _, list := range []struct {
		key   string
		names []string
	}{{"namespaces", c.Match.Namespaces}, {"excludedNamespaces", c.Match.ExcludedNamespaces}} {
		for k, n := range list.names {
			if strings.Contains(n, "*") {
				errs = append(errs, cs.problem(fmt.Sprintf("namespace %q of constraint %q has a wildcard, which CI cannot check for overlaps", n, c.Name),
					"list the namespaces by name", "constraints", i, "match", list.key, k))
			} else if len(n) > 63 || !dnsLabel.MatchString(n) {
				errs = append(errs, cs.problem(fmt.Sprintf("namespace %q of constraint %q is not a namespace name", n, c.Name),
					"write a lower-case DNS label, e.g. kube-system", "constraints", i, "match", list.key, k))
			}
		}
	}
	if sel := c.Match.NamespaceSelector; sel != nil {
		var typed metav1.LabelSelector
		b, _ := json.Marshal(sel)
		_ = json.Unmarshal(b, &typed)
		if _, err := metav1.LabelSelectorAsSelector(&typed); err != nil {
			errs = append(errs, cs.problem(fmt.Sprintf("namespaceSelector of constraint %q is invalid: %v", c.Name, err),
				"write a label selector: matchLabels, or matchExpressions with key, operator (In, NotIn, Exists, DoesNotExist) and values", "constraints", i, "match", "namespaceSelector"))
		}
	}
	return errs
}

// Overlap reports whether two matches can both select one namespace, and
// names one (or says "any namespace not excluded by either"). A
// namespaceSelector never makes two matches disjoint: labels can change,
// and policygen has no Namespace objects to decide by, so only names do.
func Overlap(a, b ConstraintMatch) (string, bool) {
	excluded := map[string]bool{}
	for _, n := range append(slices.Clone(a.ExcludedNamespaces), b.ExcludedNamespaces...) {
		excluded[n] = true
	}
	candidates := func(m ConstraintMatch) map[string]bool {
		if len(m.Namespaces) == 0 {
			return nil // every namespace
		}
		out := map[string]bool{}
		for _, n := range m.Namespaces {
			out[n] = true
		}
		return out
	}
	ca, cb := candidates(a), candidates(b)
	var both []string
	switch {
	case ca == nil && cb == nil:
		return "any namespace that neither excludes", true
	case ca == nil:
		both = slices.Sorted(maps.Keys(cb))
	case cb == nil:
		both = slices.Sorted(maps.Keys(ca))
	default:
		for n := range ca {
			if cb[n] {
				both = append(both, n)
			}
		}
		slices.Sort(both)
	}
	for _, n := range both {
		if !excluded[n] {
			return "namespace " + n, true
		}
	}
	return "", false
}

// Selects reports whether the match selects an object in namespace ns, as
// CI (conftest, eval) decides it: ns is in namespaces (when any are
// listed) and not in excludedNamespaces. A namespaceSelector is taken to
// select every namespace, since CI has no Namespace objects to read labels
// from: CI judges at least as strictly as the cluster (no two constraints
// of a rule can both select a namespace, so the alternative to applying
// the selector's constraint is applying none).
func (m ConstraintMatch) Selects(ns string) bool {
	if len(m.Namespaces) > 0 && !slices.Contains(m.Namespaces, ns) {
		return false
	}
	return !slices.Contains(m.ExcludedNamespaces, ns)
}
