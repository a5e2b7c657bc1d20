// Package violation is the vocabulary every engine, the reference model and
// the reports share: one violation of one rule. It depends on nothing, so
// the reference model and the generator need neither Gatekeeper nor OPA.
package violation

import "fmt"

// Violation is one violation as an engine reports it.
type Violation struct {
	Rule    string `json:"rule"`  // the rule id
	Field   string `json:"field"` // JSON path of the offending field
	Message string `json:"msg"`   // the message a user reads
	// Action is "warn" for a violation of a constraint that warns; empty
	// for one that denies (and in engines that judge rules, not constraints).
	Action string `json:"action,omitempty"`
}

func (v Violation) String() string { return fmt.Sprintf("%s %q", v.Field, v.Message) }
