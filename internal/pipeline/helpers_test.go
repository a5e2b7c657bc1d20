package pipeline

import (
	"testing"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
)

// engines renders the spec with the cases and builds every embedded engine
// over the rendered artifacts, as `policygen test` does.
func engines(t *testing.T, s *spec.Spec, all []cases.Case) []harness.Engine {
	t.Helper()
	a, err := Render(s, all, Signing{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := BuildEngines(s, a, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e.List
}

// embeddedEngines are the engines over the embedded spec.
func embeddedEngines(t *testing.T) []harness.Engine {
	t.Helper()
	s, err := LoadSpec(Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	return engines(t, s, nil)
}
