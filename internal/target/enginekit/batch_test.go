package enginekit

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/violation"
)

func pod(name string) map[string]any {
	return map[string]any{"kind": "Pod", "metadata": map[string]any{"name": name}}
}

var allowA = map[string]map[string]any{"hostprocess-allowed": {"allowedImages": []any{"a"}}}

func TestBatchesGroupByParametersAndObject(t *testing.T) {
	rs := []harness.Review{
		{Object: pod("x")},
		{Object: pod("y"), Parameters: allowA},
		{Object: pod("x"), Operation: "UPDATE"}, // the same document as review 0
		{Object: pod("x"), Operation: "DELETE"}, // no document to judge
		{Object: pod("x"), Parameters: allowA},
		{Object: pod("z")},
	}
	got := Batches(rs)
	want := []Batch{
		{Objects: []map[string]any{pod("x"), pod("z")}, Reviews: [][]int{{0, 2}, {5}}},
		{Parameters: allowA, Objects: []map[string]any{pod("y"), pod("x")}, Reviews: [][]int{{1}, {4}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("batches:\n got %v\nwant %v", got, want)
	}
}

// A judge that names every object's name as a violation, and fails any run
// that holds the object named "bad".
func namingJudge(runs *atomic.Int32) Judge {
	return func(_ context.Context, _ map[string]map[string]any, objects []map[string]any) ([][]violation.Violation, error) {
		runs.Add(1)
		out := make([][]violation.Violation, len(objects))
		for k, o := range objects {
			name := o["metadata"].(map[string]any)["name"].(string)
			if name == "bad" {
				return nil, errors.New("cannot read bad")
			}
			out[k] = []violation.Violation{{Rule: "r", Message: name}}
		}
		return out, nil
	}
}

func TestEvaluateBatchRunsOncePerParameterSet(t *testing.T) {
	var runs atomic.Int32
	rs := []harness.Review{{Object: pod("x")}, {Object: pod("y")}, {Object: pod("x"), Parameters: allowA}, {Object: pod("d"), Operation: "DELETE"}}
	got := EvaluateBatch(context.Background(), rs, namingJudge(&runs))
	if runs.Load() != 2 {
		t.Errorf("%d runs, want 2 (one per parameter set)", runs.Load())
	}
	want := []string{"x", "y", "x", ""}
	for i, o := range got {
		msg := ""
		if len(o.Violations) == 1 {
			msg = o.Violations[0].Message
		}
		if o.Err != nil || msg != want[i] || (want[i] == "" && o.Violations != nil) {
			t.Errorf("review %d: %v %v, want one violation %q", i, o.Violations, o.Err, want[i])
		}
	}
}

func TestEvaluateBatchBlamesOnlyTheFailingObject(t *testing.T) {
	var runs atomic.Int32
	rs := []harness.Review{{Object: pod("x")}, {Object: pod("bad")}, {Object: pod("y")}}
	got := EvaluateBatch(context.Background(), rs, namingJudge(&runs))
	if runs.Load() != 4 {
		t.Errorf("%d runs, want 4 (the batch, then each object alone)", runs.Load())
	}
	var res []string
	for _, o := range got {
		res = append(res, fmt.Sprintf("%d violations, error %v", len(o.Violations), o.Err))
	}
	want := []string{"1 violations, error <nil>", "0 violations, error cannot read bad", "1 violations, error <nil>"}
	if !reflect.DeepEqual(res, want) {
		t.Errorf("outcomes %q, want %q", res, want)
	}
}
