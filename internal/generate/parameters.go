package generate

// ParameterSet is one set of parameters to compare the engines under.
type ParameterSet struct {
	Name   string                    // names the set in reports
	Params map[string]map[string]any // per rule id, as harness cases give them; nil: all defaults
}

// ParameterSets are the sets the differential tests use. Values are the
// types decoded YAML has ([]any, not []string), and every value keeps to
// the schema of policies/hostprocess.yaml, so Gatekeeper accepts them.
func ParameterSets() []ParameterSet {
	return []ParameterSet{
		{Name: "defaults"},
		{Name: "allowSystem and groups", Params: map[string]map[string]any{
			"hostprocess-run-as-user-name": {
				"allowSystem":        true,
				"allowedLocalGroups": []any{"Administrators", "HPC-Operators"},
			},
		}},
		{Name: "groups without system", Params: map[string]map[string]any{
			"hostprocess-run-as-user-name": {
				"allowSystem":        false,
				"allowedLocalGroups": []any{"hpc-operators", "Users", "administrators ", "\vadministrators", "administrators\u00a0"},
			},
		}},
		{Name: "prefix images", Params: map[string]map[string]any{
			"hostprocess-allowed": {
				"allowedImages": []any{"mcr.microsoft.com/oss/kubernetes/*", "mcr.microsoft.com/windows/nanoserver:ltsc2022"},
			},
		}},
		{Name: "every image", Params: map[string]map[string]any{
			"hostprocess-allowed": {"allowedImages": []any{"*"}},
		}},
		{Name: "literal star images", Params: map[string]map[string]any{
			"hostprocess-allowed": {"allowedImages": []any{"registry.example.com/hpc/agent**", "docker.io/library/busybox:1.36"}},
		}},
		{Name: "custom requiredLimits", Params: map[string]map[string]any{
			"hostprocess-resource-limits": {"requiredLimits": []any{"memory", "ephemeral-storage"}},
		}},
		{Name: "empty requiredLimits", Params: map[string]map[string]any{
			"hostprocess-resource-limits": {"requiredLimits": []any{}},
		}},
		{Name: "systemImages", Params: map[string]map[string]any{
			"hostprocess-run-as-user-name": {
				"systemImages": []any{"mcr.microsoft.com/oss/kubernetes/*", "mcr.microsoft.com/windows/nanoserver:ltsc2022", ""},
			},
		}},
		{Name: "systemImages with groups, every image", Params: map[string]map[string]any{
			"hostprocess-run-as-user-name": {
				"allowSystem":        false,
				"systemImages":       []any{"*"},
				"allowedLocalGroups": []any{"Administrators"},
			},
		}},
		{Name: "requireOSName", Params: map[string]map[string]any{
			"hostprocess-windows-node": {"requireOSName": true},
		}},
		{Name: "requireOSName false, systemImages empty", Params: map[string]map[string]any{
			"hostprocess-windows-node":     {"requireOSName": false},
			"hostprocess-run-as-user-name": {"systemImages": []any{}},
		}},
	}
}
