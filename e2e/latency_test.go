//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/policygen/policygen/internal/cases"
)

// envLatency runs TestLatency with that many requests per measurement
// (`make e2e-bench`); it is a measurement, not a pass or fail of `make e2e`.
const envLatency = "POLICYGEN_E2E_LATENCY"

// TestLatency measures a server-side dry-run create of a HostProcess
// DaemonSet: through the API server with no policy; through the webhook
// with no constraints, then with the eight constraints of
// dist/gatekeeper/all; then through dist/vap/all alone (Gatekeeper stopped,
// its webhook removed); each at concurrency 1 and 8, against the webhook's
// timeout (Gatekeeper's default, 3 s).
func TestLatency(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(envLatency))
	if n <= 0 {
		t.Skipf("a measurement: set %s to the number of requests (make e2e-bench)", envLatency)
	}
	s, _, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	c := StartCluster(t)
	c.Namespace(lifecycleNamespace)
	ds := object("apps/v1", "DaemonSet", "hp-agent", map[string]any{
		"selector": map[string]any{"matchLabels": map[string]any{"app": "hp-agent"}},
		"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "hp-agent"}},
			"spec": hostProcessPodSpec("mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.0")},
	})
	client := c.Client(ds)
	var p99s []time.Duration
	measure := func(label string, concurrency int, wantErr bool) string {
		lat := make([]time.Duration, n)
		var next int
		var mu sync.Mutex
		var failures []string
		var wg sync.WaitGroup
		start := time.Now()
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					mu.Lock()
					i := next
					next++
					mu.Unlock()
					if i >= n {
						return
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					t0 := time.Now()
					_, err := client.Create(ctx, ds, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
					lat[i] = time.Since(t0)
					cancel()
					if (err != nil) != wantErr {
						mu.Lock()
						failures = append(failures, fmt.Sprint(err))
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		wall := time.Since(start)
		if len(failures) > 0 {
			t.Errorf("%s: %d of %d requests answered otherwise: %s", label, len(failures), n, failures[0])
		}
		slices.Sort(lat)
		q := func(p float64) time.Duration { return lat[min(n-1, int(p*float64(n)))] }
		p99s = append(p99s, q(0.99))
		return fmt.Sprintf("%-24s %3d %6d %9.1f %9.1f %9.1f %9.0f", label, concurrency, n,
			ms(q(0.50)), ms(q(0.99)), ms(lat[n-1]), float64(n)/wall.Seconds())
	}
	var rows []string
	both := func(label string, wantErr bool) {
		for _, conc := range []int{1, 8} {
			rows = append(rows, measure(label, conc, wantErr))
		}
	}
	both("no policy", false)
	gk := StartGatekeeper(c, admissionregistrationv1.Ignore)
	ctx := context.Background()
	vwcs := c.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	vwc, err := vwcs.List(ctx, metav1.ListOptions{})
	if err != nil || len(vwc.Items) != 1 || len(vwc.Items[0].Webhooks) != 1 || vwc.Items[0].Webhooks[0].TimeoutSeconds == nil {
		t.Fatalf("one webhook configuration with one webhook and a timeout: %v %v", err, vwc)
	}
	timeout := time.Duration(*vwc.Items[0].Webhooks[0].TimeoutSeconds) * time.Second
	both("webhook, 0 constraints", false)
	e := NewGatekeeperWebhook(c, s)
	e.Install(t)
	both(fmt.Sprintf("webhook, %d constraints", len(s.Rules)), true)
	gk.Stop()
	if err := vwcs.Delete(ctx, vwc.Items[0].Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	NewVAP(c, s).InstallBundle(t)
	both("dist/vap/all alone", true)
	for i := range rows {
		rows[i] += fmt.Sprintf(" %11.2f%%", 100*p99s[i].Seconds()/timeout.Seconds())
	}
	t.Logf("\n%-24s %3s %6s %9s %9s %9s %9s %12s\n%s\n(the webhook's timeout: %s, Gatekeeper's default)",
		"path", "c", "n", "p50 ms", "p99 ms", "max ms", "req/s", "p99/timeout", strings.Join(rows, "\n"), timeout)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
