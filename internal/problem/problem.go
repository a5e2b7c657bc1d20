// Package problem is the one shape of every input problem policygen
// reports, wherever the input came from (the spec, a case file, a
// manifest, a flag): the file, the line where there is one, what is wrong
// and how to fix it. The CLI exits 2 for these.
package problem

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem in an input file: where, what, and how to fix it.
type Error struct {
	File    string // path of the offending file
	Line    int    // 1-based; 0 when no line applies
	Problem string // what is wrong
	Fix     string // what to do about it
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString("\n  fix: ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// Errors is every problem found in one load, in file order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// IsInvalid reports whether err is a problem with the input (as opposed to
// a failure of policygen itself); the CLI exits 2 for these.
func IsInvalid(err error) bool {
	var e *Error
	var es Errors
	return errors.As(err, &e) || errors.As(err, &es)
}
