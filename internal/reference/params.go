package reference

// Params are the rules' parameters, with the defaults of the rules page.
type Params struct {
	AllowedImages      []string // hostprocess-allowed: exact images, or prefixes ending in "*"
	AllowSystem        bool     // hostprocess-run-as-user-name: allow NT AUTHORITY\SYSTEM
	SystemImages       []string // hostprocess-run-as-user-name: images that may run as SYSTEM (as allowedImages match)
	AllowedLocalGroups []string // hostprocess-run-as-user-name: local groups, compared without regard to case
	RequireOSName      bool     // hostprocess-windows-node: also require os.name: windows
	RequiredLimits     []string // hostprocess-resource-limits: resources every HostProcess container must limit
}

// DefaultParams returns the parameters a constraint without parameters has.
func DefaultParams() Params {
	return Params{RequiredLimits: []string{"cpu", "memory"}}
}

// ParamsFrom reads parameters per rule id, as the harness cases and the
// generator's parameter sets give them (decoded YAML or JSON). A missing
// key, or a value of the wrong type, keeps the default; entries of a list
// that are not strings are left out.
func ParamsFrom(byRule map[string]map[string]any) Params {
	p := DefaultParams()
	if v, ok := stringList(byRule[RuleAllowed]["allowedImages"]); ok {
		p.AllowedImages = v
	}
	if v, ok := byRule[RuleRunAsUserName]["allowSystem"].(bool); ok {
		p.AllowSystem = v
	}
	if v, ok := stringList(byRule[RuleRunAsUserName]["systemImages"]); ok {
		p.SystemImages = v
	}
	if v, ok := stringList(byRule[RuleRunAsUserName]["allowedLocalGroups"]); ok {
		p.AllowedLocalGroups = v
	}
	if v, ok := byRule[RuleWindowsNode]["requireOSName"].(bool); ok {
		p.RequireOSName = v
	}
	if v, ok := stringList(byRule[RuleResourceLimits]["requiredLimits"]); ok {
		p.RequiredLimits = v
	}
	return p
}

// stringList accepts []any (decoded YAML/JSON) and []string (Go literals).
func stringList(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return append([]string{}, l...), true
	case []any:
		out := []string{}
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}
