package harness

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/violation"
)

// Run judges every case in every engine that can judge it, and checks that
// the Rego engines agree with each other violation for violation. An engine
// judged PerRule (CEL) is compared with the first engine, which must be an
// Exact one; an engine that declines a review counts why. When progress
// is not nil, a line goes there as each case file is done.
func Run(ctx context.Context, all []cases.Case, engines []Engine, progress io.Writer) Report {
	rep := Report{Engines: names(engines), Stats: make([]EngineStats, len(engines))}
	for i, e := range engines {
		rep.Stats[i].Engine = e.Name()
	}
	start := time.Now()
	reviews := make([]Review, len(all))
	for n, c := range all {
		reviews[n] = ReviewOf(c)
	}
	pre := evaluateAll(ctx, reviews, engines, rep.Stats)
	for n, c := range all {
		res := CaseResult{Case: c.Name, File: c.File, Line: c.Line}
		var first []violation.Violation
		firstEngine := ""
		r := reviews[n]
		for i, e := range engines {
			if !Judges(e, r) {
				continue
			}
			if why := Declines(e, r); why != "" {
				if rep.Stats[i].Declined == nil {
					rep.Stats[i].Declined = map[string]int{}
				}
				rep.Stats[i].Declined[why]++
				continue
			}
			var got []violation.Violation
			var err error
			if pre[i] != nil {
				got, err = pre[i][n].Violations, pre[i][n].Err
			} else {
				t := time.Now()
				got, err = e.Evaluate(ctx, r)
				rep.Stats[i].Time += time.Since(t)
			}
			rep.Stats[i].Judged++
			res.Engines = append(res.Engines, e.Name())
			if err != nil {
				res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: []string{"evaluation error: " + err.Error()}})
				rep.Stats[i].Failed++
				continue
			}
			if ContractOf(e) == PerRule {
				// Judged against the case and the first Rego engine's
				// violations, which the case pins exactly.
				if diff := JudgePerRule(c, first, got); len(diff) > 0 {
					res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: diff})
					rep.Stats[i].Failed++
				}
				continue
			}
			if diff := Judge(c, got); len(diff) > 0 {
				res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: diff})
				rep.Stats[i].Failed++
			}
			if firstEngine == "" {
				first, firstEngine = got, e.Name()
			} else if !sameViolations(first, got) && c.Operation != "DELETE" {
				res.Failures = append(res.Failures, Failure{
					Engine: firstEngine + " vs " + e.Name(),
					Diff:   []string{fmt.Sprintf("engines disagree:\n    %s: %v\n    %s: %v", firstEngine, first, e.Name(), got)},
				})
			}
		}
		rep.Cases = append(rep.Cases, res)
		if progress != nil && (n == len(all)-1 || all[n+1].File != c.File) {
			fmt.Fprintf(progress, "  %d/%d cases, %s done (%s)\n", n+1, len(all), c.File, time.Since(start).Round(100*time.Millisecond))
		}
	}
	return rep
}

func names(engines []Engine) []string {
	out := make([]string, len(engines))
	for i, e := range engines {
		out[i] = e.Name()
	}
	return out
}

// ReviewOf is the review a case asks for.
func ReviewOf(c cases.Case) Review {
	return Review{Object: c.Object, OldObject: c.OldObject, Operation: c.Operation, Parameters: c.Parameters}
}
