package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/policygen/policygen/internal/spec"
)

// This file keeps the slice-based API that cmd/policygen used before
// Checker.Run; it holds every document in memory. Remove it once the CLI
// calls Run.

// Read loads every document of the paths (see Documents). Documents that
// cannot be read, or are read but not judged, are returned as errors.
//
// Deprecated: use Documents or Checker.Run, which stream.
func Read(paths []string, stdin io.Reader) ([]Document, []error) {
	var docs []Document
	var errs []error
	Documents(context.Background(), paths, stdin, func(d Document) error {
		switch {
		case d.Err != nil:
			errs = append(errs, d.Err)
		case d.Skip != "":
			errs = append(errs, &spec.Error{File: d.File, Line: d.Line, Problem: fmt.Sprintf("document %d is %s", d.Index, d.Skip), Fix: "write a Kubernetes object (a mapping with apiVersion and kind)"})
		default:
			docs = append(docs, d)
		}
		return nil
	})
	return docs, errs
}

// Check judges every document with the engine on one goroutine.
//
// Deprecated: use Checker.Run.
func Check(ctx context.Context, _ *spec.Spec, e Engine, rules []spec.Rule, params map[string]map[string]any, docs []Document) ([]Finding, error) {
	c := NewChecker(rules, params)
	out := make([]Finding, 0, len(docs))
	for _, d := range docs {
		f := c.judge(ctx, e, d)
		if f.Status == Errored {
			return nil, fmt.Errorf("%s document %d: %s", d.File, d.Index, f.Reason)
		}
		out = append(out, f)
	}
	return out, nil
}

// Violations counts the violations of all findings.
//
// Deprecated: use Summary.Violations.
func Violations(fs []Finding) int {
	n := 0
	for _, f := range fs {
		n += len(f.Violations)
	}
	return n
}

// PrintText writes the findings with TextPrinter.
//
// Deprecated: give a TextPrinter to Checker.Run.
func PrintText(w io.Writer, fs []Finding) {
	p := NewTextPrinter(w)
	var s Summary
	for _, f := range fs {
		p.Finding(f)
		s.add(f)
	}
	p.End(s)
}

// PrintJSON writes the findings and the problems as one JSON document:
// {"objects": [...], "violations": N, "errors": [...]}.
//
// Deprecated: give a JSONPrinter to Checker.Run.
func PrintJSON(w io.Writer, fs []Finding, problems []error) error {
	out := struct {
		Objects    []Finding `json:"objects"`
		Violations int       `json:"violations"`
		Errors     []string  `json:"errors"`
	}{Objects: []Finding{}, Violations: Violations(fs), Errors: []string{}}
	for _, f := range fs {
		if f.Violations == nil {
			f.Violations = []Explained{}
		}
		out.Objects = append(out.Objects, f)
	}
	for _, p := range problems {
		out.Errors = append(out.Errors, strings.ReplaceAll(p.Error(), "\n  ", " "))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
