//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/testcases/realworld"
)

// Every manifest of the real-world corpus goes through the API server into
// the bundle as a user installs it (dist/gatekeeper/all, the default
// constraints), in its own namespace, and gets the verdict
// default-verdicts.yaml records: admitted, admitted with warnings, or
// denied, by exactly the rules recorded. A manifest the API server's own
// validation rejects must be one the recorded verdict denies and the
// API-server oracle rejects too.
func TestRealWorldUnderDefaultConstraints(t *testing.T) {
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := realworld.Load()
	if err != nil {
		t.Fatal(err)
	}
	verdicts, err := realworld.DefaultVerdicts()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]realworld.DefaultVerdict{}
	for _, v := range verdicts {
		want[v.File] = v
	}
	ruleOf := map[string]string{} // constraint name -> rule id
	for _, r := range s.Rules {
		for _, con := range s.ConstraintsOf(r.ID) {
			ruleOf[con.Name] = r.ID
		}
	}
	c := StartCluster(t)
	StartGatekeeper(c, admissionregistrationv1.Fail)
	e := NewGatekeeperWebhook(c, s)
	e.InstallBundle(t)

	rulesOf := func(byConstraint map[string][]string) []string {
		var rules []string
		for name := range byConstraint {
			if !slices.Contains(rules, ruleOf[name]) {
				rules = append(rules, ruleOf[name])
			}
		}
		slices.Sort(rules)
		return rules
	}
	tally := map[string]int{}
	for _, m := range manifests {
		w, ok := want[m.File]
		if !ok {
			t.Errorf("%s: no verdict in default-verdicts.yaml", m.File)
			continue
		}
		u := &unstructured.Unstructured{Object: deepCopy(m.Object)}
		if u.GetNamespace() == "" {
			u.SetNamespace("default") // as kubectl sends an object that names none
		}
		c.Namespace(u.GetNamespace())
		c.Warnings.Take()
		_, err := c.Client(u).Create(context.Background(), u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		warned := map[string][]string{}
		for _, text := range c.Warnings.Take() {
			for name, msgs := range ParseDenial(text) {
				warned[name] = append(warned[name], msgs...)
			}
		}
		verdict, denied := "admit", []string(nil)
		if len(warned) > 0 {
			verdict = "warn"
		}
		if err != nil {
			d, ok := e.Denial(err)
			if !ok {
				// The API server's own validation comes before any policy:
				// such a manifest can never be installed, policy or not. It
				// is an agreement only where the project's API-server
				// oracle says the same and the recorded verdict denies.
				rejected, known := oracle(u)
				if !rejected || !known || !hostProcessReason(err.Error()) || w.Verdict != "deny" {
					t.Errorf("%s: rejected by the API server before any policy (the oracle rejects: %v): %v", m.File, rejected, err)
				}
				tally["rejected by validation"]++
				continue
			}
			verdict, denied = "deny", rulesOf(d)
		}
		warnRules := rulesOf(warned)
		got := fmt.Sprintf("%s deny %v warn %v", verdict, denied, warnRules)
		exp := fmt.Sprintf("%s deny %v warn %v", w.Verdict, sorted(w.Deny), sorted(w.Warn))
		if got != exp {
			t.Errorf("%s in namespace %s:\n got  %s\n want %s", m.File, u.GetNamespace(), got, exp)
		}
		tally[verdict]++
	}
	t.Logf("%d real-world manifests through the API server and the webhook under the default constraints: %d admitted, %d warned, %d denied, %d rejected by the API server's validation",
		len(manifests), tally["admit"], tally["warn"], tally["deny"], tally["rejected by validation"])
}

func sorted(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return out
}
