// Package harness runs the table-driven cases through every engine, over
// the rendered artifacts, and judges each engine's violations against the
// cases' exact expectations.
package harness

import "context"

// Violation is one violation as an engine reports it.
type Violation struct {
	Rule    string `json:"rule"`
	Field   string `json:"field"`
	Message string `json:"msg"`
}

// Engine judges one object the way one consumer of the artifacts does.
type Engine interface {
	// Name identifies the engine in reports: gatekeeper, opa, conftest, ...
	Name() string
	// Evaluate returns every violation of every rule for the object, with
	// params per rule id (nil: defaults) under the admission operation op
	// ("" means CREATE). It never returns violations of rules it lacks.
	Evaluate(ctx context.Context, object map[string]any, params map[string]map[string]any, op string) ([]Violation, error)
}
