package harness

import (
	"context"
	"errors"
	"testing"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/violation"
)

// fileBatcher judges like a file engine: a violation of rule r1 for each
// object named "bad", an error for one named "broken". It records how it
// was asked.
type fileBatcher struct{ batches, single int }

func (b *fileBatcher) Name() string    { return "batcher" }
func (b *fileBatcher) Admission() bool { return false }
func (b *fileBatcher) Evaluate(context.Context, Review) ([]violation.Violation, error) {
	b.single++
	return nil, nil
}
func (b *fileBatcher) EvaluateBatch(_ context.Context, rs []Review) []Outcome {
	b.batches++
	out := make([]Outcome, len(rs))
	for i, r := range rs {
		switch r.Object["name"] {
		case "bad":
			out[i].Violations = []violation.Violation{{Rule: "r1", Field: "spec", Message: "bad"}}
		case "broken":
			out[i].Err = errors.New("unreadable")
		}
	}
	return out
}

// The runner asks a Batcher once for every case it judges, and judges each
// outcome against its case as if it had been asked case by case.
func TestRunAsksABatcherOnce(t *testing.T) {
	all := []cases.Case{
		{Name: "good", Object: map[string]any{"name": "good"}},
		{Name: "bad", Object: map[string]any{"name": "bad"}, Expect: map[string][]cases.Expectation{"r1": {expect(t, "spec", "^bad$")}}},
		{Name: "bad but expected good", Object: map[string]any{"name": "bad"}},
		{Name: "broken", Object: map[string]any{"name": "broken"}},
		{Name: "update with its old object", Object: map[string]any{"name": "bad"}, OldObject: map[string]any{"name": "bad"}, Operation: "UPDATE"},
	}
	b := &fileBatcher{}
	rep := Run(context.Background(), all, []Engine{b}, nil)
	if b.batches != 1 || b.single != 0 {
		t.Errorf("asked %d times in batch and %d alone, want once in batch", b.batches, b.single)
	}
	st := rep.Stats[0]
	if st.Judged != 4 || st.Failed != 2 {
		t.Errorf("judged %d, failed %d; want 4 judged (not the UPDATE with its old object), 2 failed", st.Judged, st.Failed)
	}
	var failed []string
	for _, c := range rep.Cases {
		if len(c.Failures) > 0 {
			failed = append(failed, c.Case)
		}
	}
	if len(failed) != 2 || failed[0] != "bad but expected good" || failed[1] != "broken" {
		t.Errorf("failed cases %q, want the unexpected violation and the error", failed)
	}
}
