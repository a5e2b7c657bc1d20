package vap

import (
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
	"sigs.k8s.io/yaml"
)

func loadSpec(t *testing.T) *spec.Spec {
	t.Helper()
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The guard's binding is the guard's sample constraint: Deny, everywhere
// but kube-system, with the default parameters; a constraint with
// parameters has its own parameter object.
func TestBindingsFollowTheConstraints(t *testing.T) {
	s := loadSpec(t)
	files, err := renderTree(s)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"vap/hostprocess-allowed/binding-hostprocess-allowed.yaml": `spec:
  matchResources:
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: NotIn
        values:
        - kube-system
  paramRef:
    name: hostprocess-defaults
    parameterNotFoundAction: Deny
  policyName: hostprocess-allowed
  validationActions:
  - Deny
`,
		"vap/hostprocess-run-as-user-name/binding-hostprocess-run-as-user-name-system.yaml": `spec:
  matchResources:
    namespaceSelector:
      matchExpressions:
      - key: kubernetes.io/metadata.name
        operator: In
        values:
        - kube-system
  paramRef:
    name: hostprocess-run-as-user-name-system
    parameterNotFoundAction: Deny
  policyName: hostprocess-run-as-user-name
  validationActions:
  - Deny
`,
	}
	for p, w := range want {
		var obj map[string]any
		if err := yaml.Unmarshal(files[p], &obj); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got, _ := yaml.Marshal(map[string]any{"spec": obj["spec"]})
		if string(got) != w {
			t.Errorf("%s:\n%s\nwant\n%s", p, got, w)
		}
	}
	params := string(files["vap/hostprocess-run-as-user-name/params-hostprocess-run-as-user-name-system.yaml"])
	if !strings.Contains(params, "kind: HostprocessParameters") || !strings.Contains(params, "hostprocessRunAsUserName:\n    systemImages:\n      - ghcr.io/kubernetes-sigs/sig-windows/csi-proxy:*") {
		t.Errorf("the parameter object of the kube-system constraint:\n%s", params)
	}
	k := string(files["vap/all/kustomization.yaml"])
	if !strings.Contains(k, "  - ../params\n  - ../hostprocess-allowed\n") {
		t.Errorf("the all bundle:\n%s", k)
	}
}

// Each policy matches CREATE and UPDATE of every pod-bearing kind by group,
// and the ephemeral containers subresource.
func TestPolicyMatch(t *testing.T) {
	got, _ := yaml.Marshal(ResourceRules())
	want := `- apiGroups:
  - ""
  apiVersions:
  - '*'
  operations:
  - CREATE
  - UPDATE
  resources:
  - pods
  - pods/ephemeralcontainers
  - podtemplates
  - replicationcontrollers
- apiGroups:
  - apps
  apiVersions:
  - '*'
  operations:
  - CREATE
  - UPDATE
  resources:
  - deployments
  - daemonsets
  - statefulsets
  - replicasets
- apiGroups:
  - batch
  apiVersions:
  - '*'
  operations:
  - CREATE
  - UPDATE
  resources:
  - jobs
  - cronjobs
`
	if string(got) != want {
		t.Errorf("resource rules:\n%s\nwant\n%s", got, want)
	}
}

// A binding cannot match namespaces by glob: rendering says so.
func TestGlobNamespaceIsRefused(t *testing.T) {
	s := loadSpec(t)
	c := spec.Constraint{Name: "x", Rule: s.Rules[0].ID, Match: spec.ConstraintMatch{ExcludedNamespaces: []string{"kube-*"}}}
	if _, err := Binding(s, s.Rules[0], c, "p"); err == nil || !strings.Contains(err.Error(), `namespace "kube-*" is a glob`) {
		t.Fatalf("got %v", err)
	}
}

// The engine judges an object only as the API server holds it.
func TestTyped(t *testing.T) {
	pod := func(spec map[string]any) map[string]any {
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"}, "spec": spec}
	}
	for _, tc := range []struct {
		name string
		obj  map[string]any
		why  string
	}{
		{"a plain pod", pod(map[string]any{"containers": []any{map[string]any{"name": "a", "image": "x"}}}), ""},
		{"false and null that the type omits", pod(map[string]any{"hostNetwork": false, "nodeSelector": nil}), ""},
		{"a string where a boolean belongs", pod(map[string]any{"hostNetwork": "true"}), WrongType},
		{"an unknown field", pod(map[string]any{"hostNetWork": true}), Rewritten},
		{"a field the type fills with \"\"", pod(map[string]any{"os": map[string]any{}}), Rewritten},
		{"an empty image", pod(map[string]any{"containers": []any{map[string]any{"name": "a", "image": ""}}}), Rewritten},
		{"a quantity's spelling", pod(map[string]any{"containers": []any{map[string]any{"name": "a", "resources": map[string]any{"limits": map[string]any{"cpu": 1.0}}}}}), Rewritten},
	} {
		if _, why := typed(tc.obj); why != tc.why {
			t.Errorf("%s: got %q, want %q", tc.name, why, tc.why)
		}
	}
}
