// Package harness runs the table-driven cases through every engine, over
// the rendered artifacts, and judges each engine's violations against the
// cases' exact expectations.
package harness

import (
	"context"

	"github.com/policygen/policygen/internal/violation"
)

// Review is one judgement asked of an engine: an object under an admission
// operation, with the parameters of each rule.
type Review struct {
	Object     map[string]any            // the object under review; on DELETE, the object deleted
	OldObject  map[string]any            // UPDATE: the object as it was stored; nil when unknown
	Operation  string                    // CREATE (""), UPDATE or DELETE
	Parameters map[string]map[string]any // per rule id; an absent rule uses its defaults
}

// Op is the operation, CREATE when none is named.
func (r Review) Op() string {
	if r.Operation == "" {
		return "CREATE"
	}
	return r.Operation
}

// Engine judges one object the way one consumer of the artifacts does.
type Engine interface {
	// Name identifies the engine in reports: gatekeeper, opa, conftest, ...
	Name() string
	// Admission reports whether the engine judges admission requests (an
	// UPDATE with its old object, a DELETE) rather than files: conftest
	// and `gator test` see a document, never what it replaces.
	Admission() bool
	// Evaluate returns every violation of every rule for the review. It
	// never returns violations of rules it lacks.
	Evaluate(ctx context.Context, r Review) ([]violation.Violation, error)
}

// Judges reports whether engine e can judge the review: an engine of files
// cannot judge an UPDATE against its old object.
func Judges(e Engine, r Review) bool { return e.Admission() || r.OldObject == nil }

// Contract is what a case asserts of an engine's violations.
type Contract int

const (
	// Exact: every expected violation with its field and message, and no
	// other (the Rego engines).
	Exact Contract = iota
	// PerRule: per rule, whether it fires, and that its messages name the
	// same containers and volumes as the Rego's (CEL: a validation yields
	// one violation per failing expression, with a message and no details).
	PerRule
)

// Contracted is an engine judged by another contract than Exact.
type Contracted interface {
	Contract() Contract
}

// ContractOf is the contract an engine is judged by.
func ContractOf(e Engine) Contract {
	if c, ok := e.(Contracted); ok {
		return c.Contract()
	}
	return Exact
}

// Decliner is an engine that cannot judge some reviews: a
// ValidatingAdmissionPolicy sees only what the typed object can hold.
type Decliner interface {
	// Declines says why the engine cannot judge the review, "" when it can.
	Declines(r Review) string
}

// Declines is why e cannot judge r, "" when it can.
func Declines(e Engine, r Review) string {
	if d, ok := e.(Decliner); ok {
		return d.Declines(r)
	}
	return ""
}
