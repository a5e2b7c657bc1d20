// Package target is the contract of every output policygen renders: a
// consumer's format (Gatekeeper, conftest, an OPA bundle, ...) and the
// engines that judge the rendered bytes the way that consumer does. Adding
// a target is a new package that implements Target and one line in the
// pipeline's registry (internal/pipeline/targets.go).
package target

import (
	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Target is one output of policygen.
type Target interface {
	// Name is the target's name: its key in the spec's targets, when it
	// reads an adapter lib there, and the name reports give it.
	Name() string
	// Adapter reports whether the target needs an adapter lib in the
	// spec's targets (where its Rego finds the object and parameters).
	Adapter() bool
	// Render adds the target's files to a, which holds what the targets
	// listed before it rendered. It reads the spec and the cases only.
	Render(s *spec.Spec, all []cases.Case, a render.Artifacts) error
	// Engines judge the rendered files in process, as the consumer does.
	Engines(s *spec.Spec, a render.Artifacts) ([]harness.Engine, error)
	// Tools judge the rendered tree written below dist with the real
	// binaries in bin; work is a scratch directory.
	Tools(s *spec.Spec, bin, dist, work string) []harness.Engine
}
