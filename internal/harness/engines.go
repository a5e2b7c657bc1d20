package harness

import (
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Engines builds every engine over the rendered artifacts, never the sources:
// Gatekeeper's own client, embedded OPA over the templates, embedded OPA
// over the conftest policy directory, and embedded OPA over the bundle.
// With coverage, the conftest engine records which Rego lines the cases reach.
func Engines(s *spec.Spec, dist render.Artifacts, coverage bool) ([]Engine, *OPAConftest, error) {
	gk, err := NewGatekeeper(s, dist)
	if err != nil {
		return nil, nil, err
	}
	opa, err := NewOPA(s, dist)
	if err != nil {
		return nil, nil, err
	}
	conftest, err := NewConftest(dist)
	if err != nil {
		return nil, nil, err
	}
	if coverage {
		conftest.WithCoverage()
	}
	b, err := NewBundle(dist[render.BundlePath])
	if err != nil {
		return nil, nil, err
	}
	return []Engine{gk, opa, conftest, b}, conftest, nil
}
