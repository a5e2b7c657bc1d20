package eval

import (
	"context"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/violation"
)

// Pool is an Engine that lends each evaluation to one of several engines,
// so that engines which serialise their own evaluations run in parallel.
type Pool struct {
	free chan Engine
}

// NewPool makes n engines (at least one) with newEngine.
func NewPool(n int, newEngine func() (Engine, error)) (*Pool, error) {
	n = max(n, 1)
	p := &Pool{free: make(chan Engine, n)}
	for range n {
		e, err := newEngine()
		if err != nil {
			return nil, err
		}
		p.free <- e
	}
	return p, nil
}

// Evaluate waits for a free engine and evaluates with it.
func (p *Pool) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	var e Engine
	select {
	case e = <-p.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { p.free <- e }()
	return e.Evaluate(ctx, r)
}
