package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/policygen/policygen/internal/violation"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// The real tools, run per case over published artifacts in a directory:
// what a user's `conftest test` and `gator test` say, not a library's.

// ConftestCLI runs `conftest test -p DIST/conftest [--data params] object.yaml`.
type ConftestCLI struct {
	bin, dist, work string
}

// GatorCLI runs `gator test` over the published templates, one constraint
// per rule carrying the case's parameters, and the object.
type GatorCLI struct {
	bin, dist, work string
	spec            *spec.Spec
}

// NewToolEngines returns engines over the conftest and gator binaries in
// binDir, judging the artifacts written below dist.
func NewToolEngines(s *spec.Spec, binDir, dist, work string) []Engine {
	return []Engine{
		&ConftestCLI{bin: filepath.Join(binDir, "conftest"), dist: dist, work: work},
		&GatorCLI{bin: filepath.Join(binDir, "gator"), dist: dist, work: work, spec: s},
	}
}

func (c *ConftestCLI) Name() string { return "conftest-cli" }

func (c *ConftestCLI) Admission() bool { return false }

func (c *ConftestCLI) Evaluate(ctx context.Context, r Review) ([]violation.Violation, error) {
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
	if err := writeYAML(obj, object); err != nil {
		return nil, err
	}
	args := []string{"test", "--no-color", "-o", "json", "-p", filepath.Join(c.dist, render.ConftestDir)}
	if len(params) > 0 {
		data := filepath.Join(dir, "params.yaml")
		if err := writeYAML(data, map[string]any{"hostprocess": map[string]any{"parameters": params}}); err != nil {
			return nil, err
		}
		args = append(args, "--data", data)
	}
	out, err := run(ctx, c.bin, append(args, obj)...)
	if err != nil && len(out) == 0 {
		return nil, err
	}
	var results []struct {
		Failures []toolResult `json:"failures"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		return nil, fmt.Errorf("conftest output: %v: %s", err, out)
	}
	var vs []violation.Violation
	for _, r := range results {
		for _, f := range r.Failures {
			vs = append(vs, f.violation())
		}
	}
	return vs, nil
}

func (g *GatorCLI) Name() string { return "gator-cli" }

func (g *GatorCLI) Admission() bool { return false }

func (g *GatorCLI) Evaluate(ctx context.Context, r Review) ([]violation.Violation, error) {
	object, params := r.Object, r.Parameters
	if r.Op() == "DELETE" {
		return nil, nil // gator reviews objects, not deletions
	}
	dir, err := os.MkdirTemp(g.work, "gator-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := []string{"test", "-o", "json"}
	for _, r := range g.spec.Rules {
		args = append(args, "-f", filepath.Join(g.dist, filepath.FromSlash(render.TemplatePath(r))))
		c := map[string]any{
			"apiVersion": "constraints.gatekeeper.sh/v1beta1",
			"kind":       r.Kind,
			"metadata":   map[string]any{"name": constraintName},
			"spec":       map[string]any{},
		}
		if p, ok := params[r.ID]; ok {
			c["spec"] = map[string]any{"parameters": p}
		}
		f := filepath.Join(dir, r.ID+".yaml")
		if err := writeYAML(f, c); err != nil {
			return nil, err
		}
		args = append(args, "-f", f)
	}
	obj := filepath.Join(dir, "object.yaml")
	if err := writeYAML(obj, object); err != nil {
		return nil, err
	}
	out, err := run(ctx, g.bin, append(args, "-f", obj)...)
	if err != nil && !bytes.HasPrefix(bytes.TrimSpace(out), []byte("[")) {
		return nil, fmt.Errorf("%v: %s", err, out)
	}
	var results []toolResult
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &results); err != nil {
			return nil, fmt.Errorf("gator output: %v: %s", err, out)
		}
	}
	var vs []violation.Violation
	for _, r := range results {
		vs = append(vs, r.violation())
	}
	return vs, nil
}

// toolResult is one violation as conftest and gator print it in JSON.
type toolResult struct {
	Msg      string `json:"msg"`
	Metadata struct {
		Details struct {
			Rule  string `json:"rule"`
			Field string `json:"field"`
		} `json:"details"`
	} `json:"metadata"`
}

func (r toolResult) violation() violation.Violation {
	return violation.Violation{Rule: r.Metadata.Details.Rule, Field: r.Metadata.Details.Field, Message: r.Msg}
}

func writeYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// run executes a tool; a non-zero exit is expected when it finds violations.
func run(ctx context.Context, bin string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil && stdout.Len() == 0 {
		return nil, fmt.Errorf("%s: %v: %s", filepath.Base(bin), err, stderr.String())
	}
	return stdout.Bytes(), err
}
