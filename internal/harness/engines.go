package harness

import (
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Engines builds every engine over the rendered artifacts, never the sources:
// Gatekeeper's own client, embedded OPA over the templates, and embedded
// OPA over the conftest policy directory.
func Engines(s *spec.Spec, dist render.Artifacts) ([]Engine, error) {
	gk, err := NewGatekeeper(s, dist)
	if err != nil {
		return nil, err
	}
	opa, err := NewOPA(s, dist)
	if err != nil {
		return nil, err
	}
	conftest, err := NewConftest(dist)
	if err != nil {
		return nil, err
	}
	return []Engine{gk, opa, conftest}, nil
}
