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
// DaemonSet through the webhook with no constraints, then with the eight
// constraints of dist/gatekeeper/all, at concurrency 1 and 8.
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
	gk := NewGatekeeper(c)
	gk.Start()
	gk.Webhook(admissionregistrationv1.Ignore)
	c.Namespace(lifecycleNamespace)
	ds := object("apps/v1", "DaemonSet", "hp-agent", map[string]any{
		"selector": map[string]any{"matchLabels": map[string]any{"app": "hp-agent"}},
		"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "hp-agent"}},
			"spec": hostProcessPodSpec("mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.0")},
	})
	client := c.Client(ds)
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
		return fmt.Sprintf("%-22s %3d %6d %9.1f %9.1f %9.1f %9.0f", label, concurrency, n,
			ms(q(0.50)), ms(q(0.99)), ms(lat[n-1]), float64(n)/wall.Seconds())
	}
	var rows []string
	for _, conc := range []int{1, 8} {
		rows = append(rows, measure("no constraints", conc, false))
	}
	e := NewGatekeeperWebhook(c, s)
	e.Install(t)
	for _, conc := range []int{1, 8} {
		rows = append(rows, measure(fmt.Sprintf("%d constraints", len(s.Rules)), conc, true))
	}
	t.Logf("\n%-22s %3s %6s %9s %9s %9s %9s\n%s", "webhook", "c", "n", "p50 ms", "p99 ms", "max ms", "req/s",
		strings.Join(rows, "\n"))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
