// Package conftest is the conftest target: a policy directory for
// `conftest test -p dist/conftest`, whose rule modules and libs are the
// very bytes inside the ConstraintTemplates, with the cases as conftest
// unit tests; judged by embedded OPA as conftest runs it and by the real
// conftest.
package conftest

import (
	"fmt"
	"path/filepath"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Target renders dist/conftest.
type Target struct{}

func (Target) Name() string  { return "conftest" }
func (Target) Adapter() bool { return true }

func (Target) Render(s *spec.Spec, all []cases.Case, a render.Artifacts) error {
	files, err := Render(s)
	if err != nil {
		return err
	}
	a.Add(files)
	tests, err := renderTests(s, all)
	if err != nil {
		return err
	}
	a[testsPath] = tests
	// The rule modules were compiled when the spec loaded; the generated
	// modules are checked here, so that nothing unparsable ships.
	for _, p := range []string{testsPath, conftestMain} {
		if _, err := ast.ParseModuleWithOpts(p, string(a[p]), ast.ParserOptions{RegoVersion: ast.RegoV1}); err != nil {
			return fmt.Errorf("generated %s does not parse: %w", p, err)
		}
	}
	return nil
}

func (Target) Engines(s *spec.Spec, a render.Artifacts) ([]harness.Engine, error) {
	e, err := NewEngine(s, a)
	if err != nil {
		return nil, err
	}
	return []harness.Engine{e}, nil
}

func (Target) Tools(s *spec.Spec, bin, dist, work string) []harness.Engine {
	return []harness.Engine{&CLI{bin: filepath.Join(bin, "conftest"), dist: dist, work: work, spec: s}}
}
