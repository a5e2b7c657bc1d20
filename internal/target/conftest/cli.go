package conftest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/enginekit"
	"github.com/policygen/policygen/internal/violation"
)

// CLI runs `conftest test -p DIST/conftest --data params FILE...`, one run
// per parameter set over every object judged under it.
type CLI struct {
	bin, dist, work string
	spec            *spec.Spec
}

func (c *CLI) Name() string { return "conftest-cli" }

func (c *CLI) Admission() bool { return false }

func (c *CLI) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	return enginekit.EvaluateOne(ctx, r, c.judge)
}

func (c *CLI) EvaluateBatch(ctx context.Context, rs []harness.Review) []harness.Outcome {
	return enginekit.EvaluateBatch(ctx, rs, c.judge)
}

func (c *CLI) judge(ctx context.Context, params map[string]map[string]any, objects []map[string]any) ([][]violation.Violation, error) {
	dir, err := os.MkdirTemp(c.work, "conftest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files, err := enginekit.WriteObjects(dir, objects)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "constraints.yaml")
	if err := enginekit.WriteYAML(data, map[string]any{DataKey(c.spec): map[string]any{"constraints": CaseConstraints(c.spec, params)}}); err != nil {
		return nil, err
	}
	args := []string{"test", "--no-color", "-o", "json", "-p", filepath.Join(c.dist, Dir), "--data", data}
	out, err := enginekit.Run(ctx, c.bin, append(args, files...)...)
	if err != nil && len(out) == 0 {
		return nil, err
	}
	var results []struct {
		Filename string                 `json:"filename"`
		Failures []enginekit.ToolResult `json:"failures"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("conftest output: %v: %s", err, out)
	}
	fileOf := map[string]int{}
	for k, f := range files {
		fileOf[f] = k
	}
	got := make([][]violation.Violation, len(objects))
	seen := make([]bool, len(objects))
	for _, r := range results {
		k, ok := fileOf[r.Filename]
		if !ok {
			return nil, fmt.Errorf("conftest reported a file it was not given: %q", r.Filename)
		}
		seen[k] = true
		for _, f := range r.Failures {
			got[k] = append(got[k], f.Violation())
		}
	}
	for k := range seen {
		if !seen[k] {
			return nil, fmt.Errorf("conftest reported nothing for %s", files[k])
		}
	}
	return got, nil
}
