//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/cases"
)

const faultsNamespace = "e2e-faults"

// Answers to a request in TestFaults.
const (
	byWebhook = "denied by the webhook"
	byVAP     = "denied by the VAP bundle"
	refused   = "refused (webhook unreachable)"
)

// TestFaults kills Gatekeeper under the bundle dist/gatekeeper/all as it
// ships (all eight rules): with the webhook's failurePolicy Ignore
// (Gatekeeper's default) a HostProcess pod is then admitted, with Fail
// every pod is refused; restarted, Gatekeeper enforces again with nothing
// reinstalled. With dist/vap/all installed too, the HostProcess pod stays
// denied whatever happens to the webhook, and with Ignore a plain pod is
// still admitted.
func TestFaults(t *testing.T) {
	s, _, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	c := StartCluster(t)
	gk := StartGatekeeper(c, admissionregistrationv1.Ignore) // Gatekeeper's default
	e := NewGatekeeperWebhook(c, s)
	e.InstallBundle(t)
	v := NewVAP(c, s)
	c.Namespace(faultsNamespace)
	ctx := context.Background()

	hp := pod("hp-fault", hostProcessPodSpec("docker.io/library/busybox:1.36"))
	plain := pod("plain", map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}})
	for _, u := range []*unstructured.Unstructured{hp, plain} {
		u.SetNamespace(faultsNamespace)
	}
	answer := func(u *unstructured.Unstructured) (string, time.Duration) {
		start := time.Now()
		_, err := c.Client(u).Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		d := time.Since(start)
		if err == nil {
			return Admitted, d
		}
		if _, ok := v.Denial(err); ok {
			return byVAP, d
		}
		if _, ok := e.Denial(err); ok {
			return byWebhook, d
		}
		if strings.Contains(err.Error(), "failed calling webhook") {
			return refused, d
		}
		return "failed: " + err.Error(), d
	}
	var figures []string
	// expect asserts the answers to the HostProcess pod and the plain pod
	// in one state of the cluster, waiting up to wait for them.
	expect := func(state, wantHP, wantPlain string, wait time.Duration) {
		t.Helper()
		var gotHP, gotPlain string
		var dHP, dPlain time.Duration
		start := time.Now()
		_ = Eventually(wait, 50*time.Millisecond, func() (bool, error) {
			gotHP, dHP = answer(hp)
			gotPlain, dPlain = answer(plain)
			return gotHP == wantHP && gotPlain == wantPlain, nil
		})
		if gotHP != wantHP || gotPlain != wantPlain {
			t.Errorf("%s: the HostProcess pod is %s, the plain pod %s; want %s and %s", state, gotHP, gotPlain, wantHP, wantPlain)
		}
		figures = append(figures, fmt.Sprintf("%-52s %-30s %-30s %8.1f %8.1f %8.2f", state,
			gotHP, gotPlain, ms(dHP), ms(dPlain), time.Since(start).Seconds()))
	}
	stopped := func() {
		start := time.Now()
		gk.Kill()
		c.Time("gatekeeper killed", start)
	}

	expect("Gatekeeper running, Ignore", byWebhook, Admitted, 0)
	stopped()
	expect("Gatekeeper down, Ignore", Admitted, Admitted, 0)
	gk.Webhook(admissionregistrationv1.Fail)
	expect("Gatekeeper down, Fail", refused, refused, 10*time.Second)
	gk.Webhook(admissionregistrationv1.Ignore)
	restart := time.Now()
	gk.Start()
	expect("Gatekeeper restarted, Ignore, nothing reinstalled", byWebhook, Admitted, 60*time.Second)
	resumed := c.Time("restart to the first denial, nothing reinstalled", restart)

	v.InstallBundle(t)
	expect("+ dist/vap/all, Gatekeeper running, Ignore", byVAP, Admitted, 0)
	stopped()
	expect("+ dist/vap/all, Gatekeeper down, Ignore", byVAP, Admitted, 0)
	gk.Webhook(admissionregistrationv1.Fail)
	expect("+ dist/vap/all, Gatekeeper down, Fail", byVAP, refused, 10*time.Second)

	t.Logf("\nfault figures (dry-run creates in %s; ms per request; s until the answer held)\n%-52s %-30s %-30s %8s %8s %8s\n%s\nGatekeeper restarted: enforcing again %.2fs after it was started, nothing reinstalled",
		faultsNamespace, "state", "HostProcess pod", "plain pod", "hp ms", "plain ms", "held s",
		strings.Join(figures, "\n"), resumed.Seconds())
}
