// Command benchtable summarises the output of the harness benchmarks (`make
// bench`): reviews per second in every engine with their confidence
// intervals, each engine's cost over the native Go reference model's, and
// how the cost of a review grows with the containers of the pod.
//
//	go run ./internal/benchtable .bench/bench.txt
package main

import (
	"fmt"
	"os"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchproc"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable FILE...  (the output of go test -bench over internal/harness)")
		os.Exit(2)
	}
	rs, err := read(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
	if err := rs.print(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// id names one benchmark: BenchmarkContainers/engine=opa/containers=10 is
// {bench: Containers, engine: opa, containers: 10};
// BenchmarkCost/set=rules/pod=plain is {bench: Cost, set: rules, pod: plain};
// BenchmarkCostPair/set=rules-over-floor/pod=plain is read as
// {bench: Cost, set: rules-over-floor, pod: plain}, its unit "ratio".
type id struct{ bench, engine, containers, set, pod string }

// results are the measurements of every benchmark, per unit ("sec/op",
// "reviews/s", ...), one value per run, and the engines in the order the
// runs met them.
type results struct {
	values  map[id]map[string][]float64
	engines []string
}

// read collects the results of benchmark files, in the format benchstat reads.
func read(paths []string) (*results, error) {
	var pp benchproc.ProjectionParser
	proj, err := pp.Parse(".name,/engine,/containers,/set,/pod", nil)
	if err != nil {
		return nil, err
	}
	fields := proj.Fields()
	rs := &results{values: map[id]map[string][]float64{}}
	seen := map[string]bool{}
	files := benchfmt.Files{Paths: paths}
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, rec
		case *benchfmt.Result:
			k := proj.Project(rec)
			b := id{k.Get(fields[0]), k.Get(fields[1]), k.Get(fields[2]), k.Get(fields[3]), k.Get(fields[4])}
			if b.bench == "CostPair" {
				b.bench = "Cost"
			}
			if b.engine == "" && b.set == "" && b.bench != "Run50MB" {
				continue // not a benchmark of the harness or of eval
			}
			if b.engine != "" && !seen[b.engine] {
				seen[b.engine] = true
				rs.engines = append(rs.engines, b.engine)
			}
			if rs.values[b] == nil {
				rs.values[b] = map[string][]float64{}
			}
			for _, v := range rec.Values {
				rs.values[b][v.Unit] = append(rs.values[b][v.Unit], v.Value)
			}
		}
	}
	if err := files.Err(); err != nil {
		return nil, err
	}
	if len(rs.values) == 0 {
		return nil, fmt.Errorf("%v: no results of BenchmarkReview, BenchmarkAudit, BenchmarkContainers, BenchmarkCost or BenchmarkGatorCost", paths)
	}
	return rs, nil
}
