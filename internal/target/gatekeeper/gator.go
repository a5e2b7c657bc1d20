package gatekeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/target/enginekit"
	"github.com/policygen/policygen/internal/violation"

	"github.com/policygen/policygen/internal/spec"
)

// GatorCLI runs `gator test` over the published templates, one constraint
// per rule carrying the case's parameters, and the object.
type GatorCLI struct {
	bin, dist, work string
	spec            *spec.Spec
}

func (g *GatorCLI) Name() string { return "gator-cli" }

func (g *GatorCLI) Admission() bool { return false }

func (g *GatorCLI) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
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
		args = append(args, "-f", filepath.Join(g.dist, filepath.FromSlash(TemplatePath(r))))
		c := Constraint{Name: constraintName}
		if p, ok := params[r.ID]; ok {
			c.Parameters = p
		}
		f := filepath.Join(dir, r.ID+".yaml")
		if err := enginekit.WriteYAML(f, c.Of(r).Object); err != nil {
			return nil, err
		}
		args = append(args, "-f", f)
	}
	obj := filepath.Join(dir, "object.yaml")
	if err := enginekit.WriteYAML(obj, object); err != nil {
		return nil, err
	}
	out, err := enginekit.Run(ctx, g.bin, append(args, "-f", obj)...)
	if err != nil && !bytes.HasPrefix(bytes.TrimSpace(out), []byte("[")) {
		return nil, fmt.Errorf("%v: %s", err, out)
	}
	var results []enginekit.ToolResult
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &results); err != nil {
			return nil, fmt.Errorf("gator output: %v: %s", err, out)
		}
	}
	var vs []violation.Violation
	for _, r := range results {
		vs = append(vs, r.Violation())
	}
	return vs, nil
}
