// Package vap is the native Kubernetes target: per rule a
// ValidatingAdmissionPolicy and, per constraint of the constraints file, a
// ValidatingAdmissionPolicyBinding, with typed parameters (a CRD rendered
// from the spec's parameter schemas and a default parameter object), in
// kustomize bundles; a cluster without Gatekeeper enforces them in the API
// server (Kubernetes 1.32 and later). Judged by the API server's own
// validator over the rendered policies, under the CEL contract.
package vap

import (
	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Target renders dist/vap.
type Target struct{}

func (Target) Name() string  { return "vap" }
func (Target) Adapter() bool { return false }

func (Target) Render(s *spec.Spec, _ []cases.Case, a render.Artifacts) error {
	if err := celenv.Check(s); err != nil {
		return err
	}
	files, err := renderTree(s)
	if err != nil {
		return err
	}
	a.Add(files)
	return nil
}

func (Target) Engines(s *spec.Spec, a render.Artifacts) ([]harness.Engine, error) {
	e, err := NewEngine(s, a)
	if err != nil {
		return nil, err
	}
	return []harness.Engine{e}, nil
}

func (Target) Tools(*spec.Spec, string, string, string) []harness.Engine { return nil }
