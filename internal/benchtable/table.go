package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchmath"
)

// baseline is the engine the others are compared with: the Go model.
const baseline = "reference"

// confidence is the level of the intervals, as benchstat's default.
const confidence = 0.95

// summary is the median of a benchmark's runs in unit and its confidence
// interval; ok is false when the benchmark has no such results.
func (rs *results) summary(b id, unit string) (s benchmath.Summary, n int, ok bool) {
	vs := rs.values[b][unit]
	if len(vs) == 0 {
		return s, 0, false
	}
	sample := benchmath.NewSample(append([]float64(nil), vs...), &benchmath.DefaultThresholds)
	return benchmath.AssumeNothing.Summary(sample, confidence), len(vs), true
}

func (rs *results) print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	runs := 0
	note := func(n int) {
		if runs == 0 || n < runs {
			runs = n
		}
	}

	for _, bench := range []string{"Cost", "GatorCost"} {
		if err := rs.printCost(w, bench, note); err != nil {
			return err
		}
	}
	rs.printEval(w)
	if len(rs.engines) == 0 {
		fmt.Fprintf(w, "Fewest runs of a benchmark: %d (a confidence interval needs 6 or more; ∞ otherwise).\n", runs)
		return nil
	}

	fmt.Fprintln(w, "Reviews per second: median ± 95% confidence interval. ×Go: median time of a review over the native Go model's.")
	fmt.Fprintln(tw, "engine\treview\t×Go\taudit\t×Go\t")
	for _, e := range rs.engines {
		row := []string{e}
		for _, bench := range []string{"Review", "Audit"} {
			b := id{bench: bench, engine: e}
			s, n, ok := rs.summary(b, "reviews/s")
			if !ok {
				row = append(row, "–", "–")
				continue
			}
			note(n)
			row = append(row, number(s.Center)+" ± "+s.PctRangeString(), rs.ratio(b))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	counts := rs.containerCounts()
	if len(counts) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "µs per review of a pod with n containers, and the µs each added container costs between two n.")
		head := []string{"engine"}
		for _, c := range counts {
			head = append(head, "n="+c)
		}
		for i := 1; i < len(counts); i++ {
			head = append(head, counts[i-1]+"→"+counts[i])
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, e := range rs.engines {
			row := []string{e}
			medians := make([]float64, len(counts))
			for i, c := range counts {
				s, n, ok := rs.summary(id{bench: "Containers", engine: e, containers: c}, "sec/op")
				if !ok {
					row, medians[i] = append(row, "–"), math.NaN()
					continue
				}
				note(n)
				medians[i] = s.Center * 1e6
				row = append(row, number(medians[i])+" ± "+s.PctRangeString())
			}
			for i := 1; i < len(counts); i++ {
				lo, _ := strconv.ParseFloat(counts[i-1], 64)
				hi, _ := strconv.ParseFloat(counts[i], 64)
				growth := (medians[i] - medians[i-1]) / (hi - lo)
				if math.IsNaN(growth) {
					row = append(row, "–")
				} else {
					row = append(row, number(growth))
				}
			}
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nFewest runs of a benchmark: %d (a confidence interval needs 6 or more; ∞ otherwise).\n", runs)
	return nil
}

// printEval prints BenchmarkRun50MB: objects per second of policygen eval
// on the generated 50 MB manifest, against its target, and peak memory.
func (rs *results) printEval(w io.Writer) {
	vs := rs.values[id{bench: "Run50MB"}]
	if len(vs["objects/s"]) == 0 {
		return
	}
	med := func(unit string) float64 {
		x := append([]float64(nil), vs[unit]...)
		sort.Float64s(x)
		if len(x) == 0 {
			return math.NaN()
		}
		return x[len(x)/2]
	}
	rate := med("objects/s")
	verdict := "meets"
	if rate < evalObjectsPerSecond {
		verdict = "MISSES"
	}
	fmt.Fprintf(w, "policygen eval, generated 50 MB manifest: %s objects/s (target ≥ %d on two cores: %s); peak heap %s MB, peak from the OS %s MB.\n\n",
		number(rate), evalObjectsPerSecond, verdict, number(med("peak-heap-B")/1e6), number(med("peak-sys-B")/1e6)) // benchfmt reads MB as 1e6 B
}

// costSets and costPods are the rows and columns of the cost table: plain
// and hostprocess are DaemonSets, the -Pod columns Pods of the same spec.
var (
	costSets = []string{"floor", "baseline", "guard", "rules"}
	costPods = []string{"plain", "hostprocess", "plain-Pod", "hostprocess-Pod"}
)

// Targets of the rules' cost (issue 18).
const (
	plainOverFloor       = 1.2  // eight rules over the floor on a plain pod
	guardOverBaseline    = 1.3  // the guard over the baseline on a HostProcess pod
	hostprocessOverFloor = 2.5  // eight rules over the floor on a HostProcess pod
	perContainerMicros   = 100  // µs each added container costs the eight rules
	hostprocessAllocs    = 8096 // allocations per review of the eight rules on a HostProcess pod: half of the 16,192 first measured
	evalObjectsPerSecond = 2000 // policygen eval on the generated 50 MB manifest, two cores (issue 13)
)

// printCost prints the cost table of BenchmarkCost (the framework client)
// or BenchmarkGatorCost (gator bench): µs and allocations per review of each
// set on each pod, the µs each added container costs, and the ratios
// against their targets.
func (rs *results) printCost(w io.Writer, bench string, note func(int)) error {
	counts := rs.costCounts(bench)
	median := func(set, pod, containers, unit string) (float64, bool) {
		s, n, ok := rs.summary(id{bench: bench, set: set, pod: pod, containers: containers}, unit)
		if !ok {
			return math.NaN(), false
		}
		note(n)
		return s.Center, true
	}
	micros := func(set, pod, containers string) float64 {
		v, _ := median(set, pod, containers, "sec/op")
		return v * 1e6
	}
	found := false
	for _, set := range costSets {
		if _, ok := median(set, "hostprocess", "", "sec/op"); ok {
			found = true
		}
	}
	if !found {
		return nil
	}
	title := map[string]string{
		"Cost":      "through the constraint framework client",
		"GatorCost": "through gator bench (its p50 latency)",
	}[bench]
	fmt.Fprintf(w, "One review %s: µs, median ± 95%% confidence interval; allocations per review, median. plain and hostprocess are DaemonSets, -Pod a Pod of the same spec.\n", title)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := []string{"set"}
	for _, p := range costPods {
		head = append(head, p, "allocs")
	}
	for _, c := range counts {
		head = append(head, "n="+c)
	}
	if len(counts) > 1 {
		head = append(head, "µs/container")
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, set := range costSets {
		row := []string{set}
		for _, p := range costPods {
			s, _, ok := rs.summary(id{bench: bench, set: set, pod: p}, "sec/op")
			if !ok {
				row = append(row, "–", "–")
				continue
			}
			a, aok := median(set, p, "", "allocs/op")
			allocs := "–"
			if aok {
				allocs = strconv.FormatFloat(a, 'f', 0, 64)
			}
			row = append(row, number(s.Center*1e6)+" ± "+s.PctRangeString(), allocs)
		}
		for _, c := range counts {
			s, _, ok := rs.summary(id{bench: bench, set: set, containers: c}, "sec/op")
			if !ok {
				row = append(row, "–")
				continue
			}
			row = append(row, number(s.Center*1e6)+" ± "+s.PctRangeString())
		}
		if len(counts) > 1 {
			row = append(row, number(rs.perContainer(bench, set, counts)))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// A ratio measured on reviews taken in turn (BenchmarkCostPair), when
	// there is one, else the ratio of the medians.
	ratio := func(over, under, pod string) float64 {
		if bench == "Cost" {
			if v, ok := median(over+"-over-"+under, pod, "", "ratio"); ok {
				return v
			}
		}
		return micros(over, pod, "") / micros(under, pod, "")
	}
	if bench == "Cost" {
		fmt.Fprintln(w, "Ratios against their targets (of reviews of the two sets taken in turn, median of the runs, where BenchmarkCostPair ran; else of the medians above):")
	} else {
		fmt.Fprintln(w, "Ratios of the medians above, against their targets:")
	}
	// check prints a value against its target; a limit of 0 is none.
	check := func(what string, v, limit float64) {
		verdict := "meets"
		switch {
		case math.IsNaN(v):
			verdict = "not measured"
		case limit == 0:
			verdict = ""
		case v > limit:
			verdict = "MISSES"
		}
		value := "–"
		if !math.IsNaN(v) {
			value = number(v)
		}
		target := fmt.Sprintf("target ≤ %g", limit)
		if limit == 0 {
			target = "(no target)"
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %-62s %8s  %s  %s", what, value, target, verdict), " "))
	}
	check("plain DaemonSet: eight rules / floor", ratio("rules", "floor", "plain"), plainOverFloor)
	check("plain Pod: eight rules / floor", ratio("rules", "floor", "plain-Pod"), plainOverFloor)
	check("HostProcess DaemonSet: guard / baseline", ratio("guard", "baseline", "hostprocess"), guardOverBaseline)
	check("HostProcess DaemonSet: eight rules / floor", ratio("rules", "floor", "hostprocess"), hostprocessOverFloor)
	check("HostProcess Pod: eight rules / floor", ratio("rules", "floor", "hostprocess-Pod"), hostprocessOverFloor)
	if a, ok := median("rules", "hostprocess", "", "allocs/op"); ok {
		check("HostProcess DaemonSet: allocations per review, eight rules", a, hostprocessAllocs)
	}
	// The bound: the eight rules with a pods lib that answers in one
	// indexed lookup (BenchmarkCostPair's set=bound), the least a rule
	// that reads the shared pods can cost.
	if bench == "Cost" {
		for _, p := range []string{"plain", "plain-Pod"} {
			if v, ok := median("bound-over-floor", p, "", "ratio"); ok {
				check(map[string]string{"plain": "plain DaemonSet", "plain-Pod": "plain Pod"}[p]+": bound (pods found in one lookup) / floor", v, 0)
			}
		}
	}
	if len(counts) > 1 {
		check("µs per added container, eight rules", rs.perContainer(bench, "rules", counts), perContainerMicros)
		check("µs per added container, eight rules over the floor's", rs.perContainer(bench, "rules", counts)-rs.perContainer(bench, "floor", counts), perContainerMicros)
	}
	fmt.Fprintln(w)
	return nil
}

// perContainer is the µs each added container costs a set, from the
// fewest to the most containers.
func (rs *results) perContainer(bench, set string, counts []string) float64 {
	lo, hi := counts[0], counts[len(counts)-1]
	a, _, aok := rs.summary(id{bench: bench, set: set, containers: lo}, "sec/op")
	b, _, bok := rs.summary(id{bench: bench, set: set, containers: hi}, "sec/op")
	nlo, _ := strconv.ParseFloat(lo, 64)
	nhi, _ := strconv.ParseFloat(hi, 64)
	if !aok || !bok || nhi == nlo {
		return math.NaN()
	}
	return (b.Center - a.Center) * 1e6 / (nhi - nlo)
}

// costCounts are the container counts of a cost benchmark, ascending.
func (rs *results) costCounts(bench string) []string {
	return rs.counts(func(b id) bool { return b.bench == bench })
}

// ratio is the median time per op of b over the baseline's for the same benchmark.
func (rs *results) ratio(b id) string {
	s, _, ok := rs.summary(b, "sec/op")
	base := b
	base.engine = baseline
	g, _, gok := rs.summary(base, "sec/op")
	if !ok || !gok || g.Center == 0 {
		return "–"
	}
	return strconv.FormatFloat(s.Center/g.Center, 'f', 1, 64)
}

// containerCounts are the container counts of BenchmarkContainers, ascending.
func (rs *results) containerCounts() []string {
	return rs.counts(func(b id) bool { return b.bench == "Containers" })
}

// counts are the container counts of the benchmarks that match, ascending.
func (rs *results) counts(match func(id) bool) []string {
	seen := map[string]bool{}
	var out []string
	for b := range rs.values {
		if match(b) && b.containers != "" && !seen[b.containers] {
			seen[b.containers] = true
			out = append(out, b.containers)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i])
		b, _ := strconv.Atoi(out[j])
		return a < b
	})
	return out
}

// number prints a measurement with three or four significant digits.
func number(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}
