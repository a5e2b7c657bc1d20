package gatekeepercel

import (
	"context"
	"strings"
	"testing"

	"github.com/open-policy-agent/frameworks/constraint/pkg/apis"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
)

// rendered is the embedded spec and this target's artifacts.
func rendered(t *testing.T) (*spec.Spec, render.Artifacts) {
	t.Helper()
	s, all, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	a := render.Artifacts{}
	if err := (Target{}).Render(s, all, a); err != nil {
		t.Fatal(err)
	}
	return s, a
}

// The policy Gatekeeper generates from a template reads the constraint of
// the template's kind as its parameters, binds anyObject and params itself
// before the rule's variables, and matches CREATE and UPDATE of every
// resource.
func TestGeneratedPolicy(t *testing.T) {
	s, a := rendered(t)
	scheme := runtime.NewScheme()
	if err := apis.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Rules {
		p, err := generatedPolicy(scheme, a, r)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "gatekeeper-"+strings.ToLower(r.Kind) || p.Spec.ParamKind == nil || p.Spec.ParamKind.Kind != r.Kind || p.Spec.ParamKind.APIVersion != gatekeeper.ConstraintGroupVersion {
			t.Errorf("%s: policy %s reads %+v", r.ID, p.Name, p.Spec.ParamKind)
		}
		if len(p.Spec.Variables) < 2 || p.Spec.Variables[0].Name != "anyObject" || p.Spec.Variables[1].Name != "params" {
			t.Errorf("%s: variables %+v", r.ID, p.Spec.Variables[:min(2, len(p.Spec.Variables))])
		}
		rules := p.Spec.MatchConstraints.ResourceRules
		if len(rules) != 1 || len(rules[0].Operations) != 2 || rules[0].Operations[0] != "CREATE" || rules[0].Operations[1] != "UPDATE" || rules[0].Resources[0] != "*" {
			t.Errorf("%s: matches %+v", r.ID, rules)
		}
	}
}

// The generated policies judge with the constraint's parameters, and an
// object of any kind.
func TestGeneratedVAPReadsTheConstraint(t *testing.T) {
	s, a := rendered(t)
	e, err := NewGeneratedVAP(s, a)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name() != GeneratedVAP {
		t.Errorf("name %q", e.Name())
	}
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p", "namespace": "ns"}, "spec": map[string]any{
		"securityContext": map[string]any{"windowsOptions": map[string]any{"hostProcess": true}},
		"containers":      []any{map[string]any{"name": "app", "image": "example.com/agent:1"}},
	}}
	allowed := func(params map[string]map[string]any) []string {
		vs, err := e.Evaluate(context.Background(), harness.Review{Object: pod, Parameters: params})
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, v := range vs {
			if v.Rule == "hostprocess-allowed" {
				msgs = append(msgs, v.Message)
			}
		}
		return msgs
	}
	if got := allowed(nil); len(got) != 1 {
		t.Errorf("defaults: %q, want one violation of hostprocess-allowed", got)
	}
	if got := allowed(map[string]map[string]any{"hostprocess-allowed": {"allowedImages": []any{"example.com/*"}}}); len(got) != 0 {
		t.Errorf("the image allowed by the constraint: %q", got)
	}
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}, "data": map[string]any{"hostProcess": "true"}}
	if vs, err := e.Evaluate(context.Background(), harness.Review{Object: cm}); err != nil || len(vs) != 0 {
		t.Errorf("a ConfigMap: %v, %v", vs, err)
	}
}
