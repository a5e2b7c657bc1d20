package vap

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
)

// A pod of 100 HostProcess containers, each breaking every rule it can,
// stays within the API server's cost budget and message size: every rule
// fires with a message, none fails, and the messages that name a hundred
// containers are cut to what a message may hold, saying so.
func TestHundredContainers(t *testing.T) {
	s := loadSpec(t)
	a := render.Artifacts{}
	if err := (Target{}).Render(s, nil, a); err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(s, a)
	if err != nil {
		t.Fatal(err)
	}
	var containers []any
	for i := range 100 {
		containers = append(containers, map[string]any{
			"name": fmt.Sprintf("container-%03d", i), "image": "example.com/agent:v1",
			"securityContext": map[string]any{"runAsNonRoot": true, "windowsOptions": map[string]any{"hostProcess": true, "runAsUserName": "nt authority\\system"}},
			"volumeMounts":    []any{map[string]any{"name": "pipe", "mountPath": "C:\\pipe"}},
		})
	}
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "big", "namespace": "x", "annotations": map[string]any{"microsoft.com/hostprocess-inherit-user": "true"}},
		"spec": map[string]any{
			"os":          map[string]any{"name": "linux"},
			"containers":  containers,
			"volumes":     []any{map[string]any{"name": "pipe", "hostPath": map[string]any{"path": "\\\\.\\pipe\\x"}}},
			"hostNetwork": true,
		}}
	r := harness.Review{Object: pod}
	if why := e.Declines(r); why != "" {
		t.Fatal(why)
	}
	vs, err := e.Evaluate(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	fired, cut := map[string]bool{}, 0
	for _, v := range vs {
		fired[v.Rule] = true
		if strings.HasSuffix(v.Message, " … (cut: longer than the 5120 bytes a message may hold)") {
			cut++
		}
		if len(v.Message) > 5*1024 {
			t.Errorf("%s: a message of %d bytes", v.Rule, len(v.Message))
		}
	}
	var rules []string
	for _, r := range s.Rules {
		if !fired[r.ID] && r.ID != "hostprocess-host-network" && r.ID != "hostprocess-uniform-containers" {
			rules = append(rules, r.ID)
		}
	}
	if cut == 0 {
		t.Errorf("no message was cut:\n%v", vs)
	}
	if len(rules) > 0 {
		t.Errorf("rules that do not fire: %s", strings.Join(rules, ", "))
	}
}
