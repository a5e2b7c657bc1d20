package enginekit

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/violation"
)

// A Batch is what one run of a real tool judges together: the reviews of
// one parameter set, each distinct object once.
type Batch struct {
	Parameters map[string]map[string]any // per rule id, as the reviews give them
	Objects    []map[string]any          // the distinct objects, in first-seen order
	Reviews    [][]int                   // Reviews[k]: the indexes of the reviews of Objects[k]
}

// Batches groups the reviews by parameter set, in first-seen order. A
// DELETE has no document for a file engine to judge and is in no batch.
func Batches(rs []harness.Review) []Batch {
	var out []Batch
	batchOf := map[string]int{}     // parameter set -> batch
	objectOf := map[[2]string]int{} // parameter set, object -> index in its batch
	for i, r := range rs {
		if r.Op() == "DELETE" {
			continue
		}
		params := jsonKey(r.Parameters)
		b, seen := batchOf[params]
		if !seen {
			b = len(out)
			batchOf[params] = b
			out = append(out, Batch{Parameters: r.Parameters})
		}
		id := [2]string{params, jsonKey(r.Object)}
		if k, seen := objectOf[id]; seen {
			out[b].Reviews[k] = append(out[b].Reviews[k], i)
			continue
		}
		objectOf[id] = len(out[b].Objects)
		out[b].Objects = append(out[b].Objects, r.Object)
		out[b].Reviews = append(out[b].Reviews, []int{i})
	}
	return out
}

// jsonKey is v as JSON, whose object keys are sorted: equal values give
// equal keys. A value JSON cannot hold is its own key.
func jsonKey(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "\x00" + err.Error()
	}
	return string(b)
}

// Judge runs a tool once over objects under one parameter set; the k-th
// answer holds the violations of objects[k].
type Judge func(ctx context.Context, params map[string]map[string]any, objects []map[string]any) ([][]violation.Violation, error)

// EvaluateBatch judges the reviews with one run of judge per batch, as many
// runs at once as there are cores. When a run fails, its batch is judged
// again one object at a time, so that the failure is the outcome of the
// case that causes it and of no other.
func EvaluateBatch(ctx context.Context, rs []harness.Review, judge Judge) []harness.Outcome {
	out := make([]harness.Outcome, len(rs))
	batches := make(chan Batch)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for b := range batches {
				got, err := judge(ctx, b.Parameters, b.Objects)
				for k, obj := range b.Objects {
					o := harness.Outcome{}
					if err == nil {
						o.Violations = got[k]
					} else {
						o.Violations, o.Err = evaluateOne(ctx, judge, b.Parameters, obj)
					}
					for _, i := range b.Reviews[k] {
						out[i] = o // each review is in one batch: no two workers write it
					}
				}
			}
		})
	}
	for _, b := range Batches(rs) {
		batches <- b
	}
	close(batches)
	wg.Wait()
	return out
}

// EvaluateOne judges one review with judge.
func EvaluateOne(ctx context.Context, r harness.Review, judge Judge) ([]violation.Violation, error) {
	if r.Op() == "DELETE" {
		return nil, nil
	}
	return evaluateOne(ctx, judge, r.Parameters, r.Object)
}

func evaluateOne(ctx context.Context, judge Judge, params map[string]map[string]any, obj map[string]any) ([]violation.Violation, error) {
	got, err := judge(ctx, params, []map[string]any{obj})
	if err != nil {
		return nil, err
	}
	return got[0], nil
}
