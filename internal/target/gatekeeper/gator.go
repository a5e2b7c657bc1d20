package gatekeeper

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/enginekit"
	"github.com/policygen/policygen/internal/violation"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// GatorCLI runs `gator test` over the published templates, one constraint
// per rule carrying the parameters, and the objects: one run per parameter
// set over every object judged under it.
type GatorCLI struct {
	name, bin, dist, root, work string
	flags                       []string // given to gator test before the files
	spec                        *spec.Spec
	kinds                       map[string]string // constraint kind → rule id
}

// NewGatorCLI is the engine name running the gator binary bin, with flags,
// over the templates of the tree below root in the published tree dist;
// work is a scratch directory.
func NewGatorCLI(s *spec.Spec, name, bin, dist, root, work string, flags ...string) *GatorCLI {
	kinds := map[string]string{}
	for _, r := range s.Rules {
		kinds[r.Kind] = r.ID
	}
	return &GatorCLI{name: name, bin: bin, dist: dist, root: root, work: work, flags: flags, spec: s, kinds: kinds}
}

func (g *GatorCLI) Name() string { return g.name }

func (g *GatorCLI) Admission() bool { return false }

func (g *GatorCLI) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	return enginekit.EvaluateOne(ctx, r, g.judge)
}

func (g *GatorCLI) EvaluateBatch(ctx context.Context, rs []harness.Review) []harness.Outcome {
	return enginekit.EvaluateBatch(ctx, rs, g.judge)
}

// judge runs gator once. gator names no file in its results, only the
// violating object as it read it, so each result goes to the objects that
// gator reads as that very object (equal objects get equal verdicts).
func (g *GatorCLI) judge(ctx context.Context, params map[string]map[string]any, objects []map[string]any) ([][]violation.Violation, error) {
	dir, err := os.MkdirTemp(g.work, "gator-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	args := append([]string{"test", "-o", "json"}, g.flags...)
	for _, r := range g.spec.Rules {
		args = append(args, "-f", filepath.Join(g.dist, filepath.FromSlash(TreePath(g.root, TemplatePath(r)))))
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
	files, err := enginekit.WriteObjects(dir, objects)
	if err != nil {
		return nil, err
	}
	objectsOf := map[string][]int{}
	for k, f := range files {
		key, err := gatorReads(f)
		if err != nil {
			return nil, err
		}
		objectsOf[key] = append(objectsOf[key], k)
		args = append(args, "-f", f)
	}
	out, err := enginekit.Run(ctx, g.bin, args...)
	if err != nil && !bytes.HasPrefix(bytes.TrimSpace(out), []byte("[")) {
		return nil, fmt.Errorf("%v: %s", err, out)
	}
	var results []struct {
		enginekit.ToolResult
		ViolatingObject json.RawMessage `json:"violatingObject"`
		Constraint      struct {
			Kind string `json:"kind"`
		} `json:"constraint"`
	}
	if len(bytes.TrimSpace(out)) > 0 {
		if err := json.Unmarshal(out, &results); err != nil {
			return nil, fmt.Errorf("gator output: %v: %s", err, out)
		}
	}
	got := make([][]violation.Violation, len(objects))
	for _, r := range results {
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(r.ViolatingObject); err != nil {
			return nil, fmt.Errorf("gator's violating object: %v: %s", err, r.ViolatingObject)
		}
		key, err := json.Marshal(u.Object)
		if err != nil {
			return nil, err
		}
		ks, ok := objectsOf[string(key)]
		if !ok {
			return nil, fmt.Errorf("gator reported a violation of an object it was not given: %s", key)
		}
		v := r.Violation()
		if v.Rule == "" {
			v.Rule = g.kinds[r.Constraint.Kind] // a CEL validation's result has no details
		}
		for _, k := range ks {
			got[k] = append(got[k], v)
		}
	}
	return got, nil
}

// gatorReads is the object in file as gator reads it, as JSON: the key of
// that object's results.
func gatorReads(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	objs, err := reader.ReadK8sResources(f)
	if err != nil || len(objs) != 1 {
		return "\x00" + file, err // an empty object gets no results; an unreadable one fails the run
	}
	b, err := json.Marshal(objs[0].Object)
	return string(b), err
}
