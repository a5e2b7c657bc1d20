package conftest

import (
	"maps"

	"github.com/policygen/policygen/internal/spec"
)

// The constraints as conftest and eval apply them, in the data at
// data.<key>.constraints: per constraint its name, rule, namespaces,
// excludedNamespaces, whether it has a namespaceSelector (CI takes a
// selector to select every namespace: it has no Namespace objects), its
// parameters, and the action CI takes: the action at gator's enforcement
// point (deny fails, warn warns; dryrun, or a scoped constraint that names
// no action for gator, reports nothing).

// CIConstraints are the spec's constraints as conftest data, with
// overrides (per rule id) laid over every constraint of their rule.
func CIConstraints(s *spec.Spec, overrides map[string]map[string]any) []any {
	var out []any
	if s.Constraints == nil {
		return out
	}
	for _, c := range s.Constraints.Constraints {
		params := map[string]any{}
		maps.Copy(params, c.Parameters)
		maps.Copy(params, overrides[c.Rule])
		action := c.ActionAt(spec.PointGator)
		if action == "" {
			action = spec.ActionDryrun
		}
		out = append(out, map[string]any{
			"name":               c.Name,
			"rule":               c.Rule,
			"namespaces":         anyStrings(c.Match.Namespaces),
			"excludedNamespaces": anyStrings(c.Match.ExcludedNamespaces),
			"namespaceSelector":  c.Match.NamespaceSelector != nil,
			"parameters":         params,
			"action":             action,
		})
	}
	return out
}

// CaseConstraints are what a case is judged under: one constraint per rule,
// selecting every namespace, denying, with the case's parameters.
func CaseConstraints(s *spec.Spec, params map[string]map[string]any) []any {
	var out []any
	for _, r := range s.Rules {
		p := map[string]any{}
		maps.Copy(p, params[r.ID])
		out = append(out, map[string]any{
			"name": r.ID, "rule": r.ID, "namespaces": []any{}, "excludedNamespaces": []any{},
			"namespaceSelector": false, "parameters": p, "action": spec.ActionDeny,
		})
	}
	return out
}

func anyStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
