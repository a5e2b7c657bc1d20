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
				s, n, ok := rs.summary(id{"Containers", e, c}, "sec/op")
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
	seen := map[string]bool{}
	var out []string
	for b := range rs.values {
		if b.bench == "Containers" && b.containers != "" && !seen[b.containers] {
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
