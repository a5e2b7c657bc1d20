package harness

import (
	"context"
	"fmt"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/violation"
)

// Run judges every case in every engine, and checks that the engines agree
// with each other violation for violation.
func Run(ctx context.Context, all []cases.Case, engines []Engine) Report {
	rep := Report{Engines: names(engines)}
	for _, c := range all {
		res := CaseResult{Case: c.Name, File: c.File, Line: c.Line}
		var first []violation.Violation
		firstEngine := ""
		r := ReviewOf(c)
		for _, e := range engines {
			if !Judges(e, r) {
				continue
			}
			got, err := e.Evaluate(ctx, r)
			if err != nil {
				res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: []string{"evaluation error: " + err.Error()}})
				continue
			}
			if diff := judge(c, got); len(diff) > 0 {
				res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: diff})
			}
			res.Engines = append(res.Engines, e.Name())
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
