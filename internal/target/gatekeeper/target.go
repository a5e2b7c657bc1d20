// Package gatekeeper is the Gatekeeper target: a ConstraintTemplate and a
// sample Constraint per rule, kustomize bundles, and gator verify suites
// of every case; judged by Gatekeeper's own constraint framework, by
// embedded OPA over the templates' Rego, and by the real gator.
package gatekeeper

import (
	"path/filepath"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Target renders dist/gatekeeper and dist/gatekeeper-tests.
type Target struct{}

func (Target) Name() string  { return "gatekeeper" }
func (Target) Adapter() bool { return true }

func (Target) Render(s *spec.Spec, all []cases.Case, a render.Artifacts) error {
	for _, part := range []func(*spec.Spec, []cases.Case) (render.Artifacts, error){renderTemplates, renderSuites} {
		files, err := part(s, all)
		if err != nil {
			return err
		}
		a.Add(files)
	}
	return nil
}

func (Target) Engines(s *spec.Spec, a render.Artifacts) ([]harness.Engine, error) {
	gk, err := NewEngine(s, a)
	if err != nil {
		return nil, err
	}
	o, err := NewOPA(s, a)
	if err != nil {
		return nil, err
	}
	return []harness.Engine{gk, o}, nil
}

func (Target) Tools(s *spec.Spec, bin, dist, work string) []harness.Engine {
	return []harness.Engine{NewGatorCLI(s, "gator-cli", filepath.Join(bin, "gator"), dist, "gatekeeper", work)}
}
