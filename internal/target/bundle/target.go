// Package bundle is the OPA bundle target: the conftest policy modules as
// a gzipped OPA bundle with a manifest (and, when asked, a signature),
// judged by embedded OPA loading the bundle as OPA does.
package bundle

import (
	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/conftest"
)

// Path is where the bundle is published, relative to dist/.
const Path = "bundle.tar.gz"

// Target renders dist/bundle.tar.gz from the conftest target's modules,
// so it is listed after conftest.
type Target struct{}

func (Target) Name() string  { return "bundle" }
func (Target) Adapter() bool { return false }

func (Target) Render(s *spec.Spec, _ []cases.Case, a render.Artifacts) error {
	b, err := bundle.Build(s, a.Under(conftest.Dir))
	if err != nil {
		return err
	}
	a[Path] = b
	return nil
}

func (Target) Engines(s *spec.Spec, a render.Artifacts) ([]harness.Engine, error) {
	mods, err := bundle.Modules(a[Path])
	if err != nil {
		return nil, err
	}
	e, err := conftest.NewModulesEngine("bundle", s, mods)
	if err != nil {
		return nil, err
	}
	return []harness.Engine{e}, nil
}

func (Target) Tools(*spec.Spec, string, string, string) []harness.Engine { return nil }
