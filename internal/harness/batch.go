package harness

import (
	"context"
	"time"

	"github.com/policygen/policygen/internal/violation"
)

// Batcher is an engine that judges many reviews together faster than one
// at a time: a real tool started once for a batch of objects rather than
// once per object. The runner hands it every review it judges up front.
type Batcher interface {
	Engine
	// EvaluateBatch judges every review; the i-th outcome answers rs[i].
	EvaluateBatch(ctx context.Context, rs []Review) []Outcome
}

// Outcome is an engine's answer to one review.
type Outcome struct {
	Violations []violation.Violation
	Err        error
}

// evaluateAll asks every Batcher among engines for its outcomes of the
// cases' reviews up front, indexed by engine and then by case; other
// engines get nil and are asked case by case.
func evaluateAll(ctx context.Context, reviews []Review, engines []Engine, stats []EngineStats) [][]*Outcome {
	pre := make([][]*Outcome, len(engines))
	for i, e := range engines {
		b, ok := e.(Batcher)
		if !ok {
			continue
		}
		var idx []int
		var rs []Review
		for n, r := range reviews {
			if Judges(e, r) && Declines(e, r) == "" {
				idx, rs = append(idx, n), append(rs, r)
			}
		}
		t := time.Now()
		outs := b.EvaluateBatch(ctx, rs)
		stats[i].Time += time.Since(t)
		pre[i] = make([]*Outcome, len(reviews))
		for k, n := range idx {
			pre[i][n] = &outs[k]
		}
	}
	return pre
}
