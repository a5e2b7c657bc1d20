package celenv

import "testing"

func TestUnicodeCaseOnly(t *testing.T) {
	pod := func(name any) map[string]any {
		return map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"securityContext": map[string]any{"windowsOptions": map[string]any{"runAsUserName": name}}}}}}
	}
	groups := map[string]map[string]any{"r": {"allowedLocalGroups": []any{"administrators", 1}}}
	for _, tc := range []struct {
		name   string
		params map[string]map[string]any
		obj    map[string]any
		want   bool
	}{
		{"a dotted capital I", groups, pod("ADMİNİSTRATORS"), true},
		{"ASCII case alone", groups, pod("ADMINISTRATORS"), false},
		{"another name", groups, pod("Users"), false},
		{"no groups", nil, pod("ADMİNİSTRATORS"), false},
		{"not a string", groups, pod(true), false},
	} {
		if got := UnicodeCaseOnly(tc.params, tc.obj); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}
