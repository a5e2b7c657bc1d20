package harness

import (
	"context"
	"fmt"
	"github.com/policygen/policygen/internal/cases"
)

// Run judges every case in every engine, and checks that the engines agree
// with each other violation for violation.
func Run(ctx context.Context, all []cases.Case, engines []Engine) Report {
	rep := Report{Engines: names(engines)}
	for _, c := range all {
		res := CaseResult{Case: c.Name, File: c.File, Line: c.Line}
		var first []Violation
		for i, e := range engines {
			got, err := e.Evaluate(ctx, c.Object, c.Parameters, c.Operation)
			if err != nil {
				res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: []string{"evaluation error: " + err.Error()}})
				continue
			}
			if diff := judge(c, got); len(diff) > 0 {
				res.Failures = append(res.Failures, Failure{Engine: e.Name(), Diff: diff})
			}
			if i == 0 {
				first = got
			} else if !sameViolations(first, got) && c.Operation != "DELETE" {
				res.Failures = append(res.Failures, Failure{
					Engine: engines[0].Name() + " vs " + e.Name(),
					Diff:   []string{fmt.Sprintf("engines disagree:\n    %s: %v\n    %s: %v", engines[0].Name(), first, e.Name(), got)},
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
