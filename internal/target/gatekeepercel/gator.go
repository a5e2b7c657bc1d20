package gatekeepercel

import (
	"context"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/violation"
)

// GatorCLI is `gator test --enable-k8s-native-validation` over the
// templates of dist/gatekeeper-cel, batched as the Rego gator engine is,
// judged by the CEL contract; it declines what Gatekeeper's CEL driver
// declines.
type GatorCLI struct{ gator *gatekeeper.GatorCLI }

func (g *GatorCLI) Name() string                     { return g.gator.Name() }
func (g *GatorCLI) Admission() bool                  { return g.gator.Admission() }
func (g *GatorCLI) Contract() harness.Contract       { return harness.PerRule }
func (g *GatorCLI) Declines(r harness.Review) string { return Declines(r) }

func (g *GatorCLI) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	vs, err := g.gator.Evaluate(ctx, r)
	if err != nil {
		return nil, err
	}
	return vs, evaluationFailed(vs)
}

// EvaluateBatch judges the reviews as the Rego gator engine does; an
// outcome whose message says a CEL evaluation failed is an error.
func (g *GatorCLI) EvaluateBatch(ctx context.Context, rs []harness.Review) []harness.Outcome {
	outs := g.gator.EvaluateBatch(ctx, rs)
	for i := range outs {
		if outs[i].Err == nil {
			if err := evaluationFailed(outs[i].Violations); err != nil {
				outs[i] = harness.Outcome{Err: err}
			}
		}
	}
	return outs
}
