package enginekit

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/policygen/policygen/internal/violation"

	"sigs.k8s.io/yaml"
)

// Package enginekit is what the targets' engines share: reading OPA
// result sets and the real tools' JSON as violations, and running a tool.

// ToolResult is one violation as conftest and gator print it in JSON.
type ToolResult struct {
	Msg      string `json:"msg"`
	Metadata struct {
		Details struct {
			Rule  string `json:"rule"`
			Field string `json:"field"`
		} `json:"details"`
	} `json:"metadata"`
}

// Violation is the result as a violation.
func (r ToolResult) Violation() violation.Violation {
	return violation.Violation{Rule: r.Metadata.Details.Rule, Field: r.Metadata.Details.Field, Message: r.Msg}
}

// WriteYAML writes v as YAML to path.
func WriteYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Run executes a tool; a non-zero exit is expected when it finds violations.
func Run(ctx context.Context, bin string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil && stdout.Len() == 0 {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, stderr.String())
	}
	return stdout.Bytes(), err
}

// WriteObjects writes each object to a file of its own in dir and returns
// the files' paths, in the objects' order.
func WriteObjects(dir string, objects []map[string]any) ([]string, error) {
	files := make([]string, len(objects))
	for k, obj := range objects {
		files[k] = filepath.Join(dir, fmt.Sprintf("object-%04d.yaml", k))
		if err := WriteYAML(files[k], obj); err != nil {
			return nil, err
		}
	}
	return files, nil
}
