package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The table of six runs of two engines, the second the baseline: medians,
// confidence intervals, ratios and the growth per container.
func TestPrint(t *testing.T) {
	var in strings.Builder
	in.WriteString("goos: linux\ngoarch: amd64\npkg: github.com/policygen/policygen/internal/harness\n")
	line := func(name string, nsPerOp, reviewsPerSec float64) {
		fmt.Fprintf(&in, "Benchmark%s-2\t100\t%g ns/op\t%g reviews/s\t1000 B/op\t10 allocs/op\n", name, nsPerOp, reviewsPerSec)
	}
	for run := range 6 {
		jitter := float64(run) // a spread, so the intervals are not zero
		line("Review/engine=opa", 1000e3+jitter*10e3, 1e9/(1000e3+jitter*10e3))
		line("Review/engine=reference", 20e3+jitter*100, 1e9/(20e3+jitter*100))
		line("Audit/engine=opa", 10000*1500e3, 1e9/1500e3)
		line("Audit/engine=reference", 10000*30e3, 1e9/30e3)
		for _, n := range []int{1, 10, 50} {
			line(fmt.Sprintf("Containers/engine=opa/containers=%d", n), float64(500e3+n*100e3), 0)
			line(fmt.Sprintf("Containers/engine=reference/containers=%d", n), float64(10e3+n*4e3), 0)
		}
	}
	in.WriteString("PASS\nok  \tgithub.com/policygen/policygen/internal/harness\t12.3s\n")
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := read([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rs.print(&out); err != nil {
		t.Fatal(err)
	}
	want := `Reviews per second: median ± 95% confidence interval. ×Go: median time of a review over the native Go model's.
     engine      review   ×Go       audit   ×Go
        opa    976 ± 2%  50.6    667 ± 0%  50.0
  reference  49383 ± 1%   1.0  33333 ± 0%   1.0

µs per review of a pod with n containers, and the µs each added container costs between two n.
     engine        n=1       n=10       n=50  1→10  10→50
        opa   600 ± 0%  1500 ± 0%  5500 ± 0%   100    100
  reference  14.0 ± 0%  50.0 ± 0%   210 ± 0%  4.00   4.00

Fewest runs of a benchmark: 6 (a confidence interval needs 6 or more; ∞ otherwise).
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestReadNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.txt")
	if err := os.WriteFile(path, []byte("PASS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := read([]string{path}); err == nil || !strings.Contains(err.Error(), "no results") {
		t.Fatalf("got %v, want an error saying there are no results", err)
	}
}

// The cost table: each set on each pod, the µs per added container, and
// the ratios against their targets, two missed, the plain DaemonSet's
// from reviews taken in turn, and the bound, which has no target.
func TestPrintCost(t *testing.T) {
	var in strings.Builder
	in.WriteString("pkg: github.com/policygen/policygen/internal/harness\n")
	micros := map[string]float64{"floor": 800, "baseline": 100, "guard": 120, "rules": 1800}
	perContainer := map[string]float64{"floor": 20, "baseline": 2, "guard": 3, "rules": 110}
	for run := range 6 {
		jitter := float64(run)
		for _, set := range []string{"floor", "baseline", "guard", "rules"} {
			us := micros[set]
			fmt.Fprintf(&in, "BenchmarkCost/set=%s/pod=plain-2\t100\t%g ns/op\t1000 B/op\t%g allocs/op\n", set, (us*0.6+jitter)*1e3, us)
			fmt.Fprintf(&in, "BenchmarkCost/set=%s/pod=hostprocess-2\t100\t%g ns/op\t1000 B/op\t%g allocs/op\n", set, (us+jitter)*1e3, 2*us)
			fmt.Fprintf(&in, "BenchmarkCost/set=%s/pod=plain-Pod-2\t100\t%g ns/op\t1000 B/op\t%g allocs/op\n", set, (us*0.5+jitter)*1e3, us)
			fmt.Fprintf(&in, "BenchmarkCost/set=%s/pod=hostprocess-Pod-2\t100\t%g ns/op\t1000 B/op\t%g allocs/op\n", set, (us*0.9+jitter)*1e3, 2*us)
			for _, n := range []int{1, 200} {
				fmt.Fprintf(&in, "BenchmarkCost/set=%s/containers=%d-2\t100\t%g ns/op\n", set, n, (us+float64(n-1)*perContainer[set])*1e3)
			}
		}
	}
	// The plain pod's ratio was also measured in turn: it is the one shown.
	for run := range 6 {
		fmt.Fprintf(&in, "BenchmarkCostPair/set=rules-over-floor/pod=plain-2\t400\t2000000 ns/op\t%g ratio\n", 1.1+float64(run)/100)
		fmt.Fprintf(&in, "BenchmarkCostPair/set=bound-over-floor/pod=plain-Pod-2\t400\t2000000 ns/op\t%g ratio\n", 1.05+float64(run)/100)
	}
	in.WriteString("pkg: github.com/policygen/policygen/internal/eval\n")
	in.WriteString("BenchmarkRun50MB-2\t1\t40000000000 ns/op\t1.70 MB/s\t2175 objects/s\t21.5 peak-heap-MB\t40.2 peak-sys-MB\n")
	path := filepath.Join(t.TempDir(), "bench.txt")
	if err := os.WriteFile(path, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := read([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := rs.print(&out); err != nil {
		t.Fatal(err)
	}
	line := func(what, value, target, verdict string) string {
		return strings.TrimRight(fmt.Sprintf("  %-62s %8s  %s  %s", what, value, target, verdict), " ") + "\n"
	}
	for _, want := range []string{
		line("HostProcess DaemonSet: allocations per review, eight rules", "3600", "target ≤ 8096", "meets"),
		"policygen eval, generated 50 MB manifest: 2175 objects/s (target ≥ 2000 on two cores: meets); peak heap 21.5 MB, peak from the OS 40.2 MB.",
		"One review through the constraint framework client",
		"rules  1083 ± 0%    1800",
		line("plain DaemonSet: eight rules / floor", "1.12", "target ≤ 1.2", "meets"),
		line("plain Pod: eight rules / floor", "2.24", "target ≤ 1.2", "MISSES"),
		line("HostProcess DaemonSet: guard / baseline", "1.20", "target ≤ 1.3", "meets"),
		line("HostProcess Pod: eight rules / floor", "2.25", "target ≤ 2.5", "meets"),
		line("plain Pod: bound (pods found in one lookup) / floor", "1.08", "(no target)", ""),
		line("µs per added container, eight rules", "110", "target ≤ 100", "MISSES"),
		line("µs per added container, eight rules over the floor's", "90.0", "target ≤ 100", "meets"),
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
}
