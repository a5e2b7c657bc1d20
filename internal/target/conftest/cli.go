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

// CLI runs `conftest test -p DIST/conftest [--data params] object.yaml`.
type CLI struct {
	bin, dist, work string
	spec            *spec.Spec
}

func (c *CLI) Name() string { return "conftest-cli" }

func (c *CLI) Admission() bool { return false }

func (c *CLI) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	object, params := r.Object, r.Parameters
	if r.Op() == "DELETE" {
		return nil, nil
	}
	dir, err := os.MkdirTemp(c.work, "conftest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	obj := filepath.Join(dir, "object.yaml")
	if err := enginekit.WriteYAML(obj, object); err != nil {
		return nil, err
	}
	args := []string{"test", "--no-color", "-o", "json", "-p", filepath.Join(c.dist, Dir)}
	data := filepath.Join(dir, "constraints.yaml")
	if err := enginekit.WriteYAML(data, map[string]any{DataKey(c.spec): map[string]any{"constraints": CaseConstraints(c.spec, params)}}); err != nil {
		return nil, err
	}
	args = append(args, "--data", data)
	out, err := enginekit.Run(ctx, c.bin, append(args, obj)...)
	if err != nil && len(out) == 0 {
		return nil, err
	}
	var results []struct {
		Failures []enginekit.ToolResult `json:"failures"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("conftest output: %v: %s", err, out)
	}
	var vs []violation.Violation
	for _, r := range results {
		for _, f := range r.Failures {
			vs = append(vs, f.Violation())
		}
	}
	return vs, nil
}
