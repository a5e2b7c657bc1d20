package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/policygen/policygen/internal/spec"
)

// Printer writes findings as they come, in input order, then the summary.
// A Finding names the file and the line its document starts on, and each
// violation the JSON path of its field, which the SARIF and GitHub
// printers locate in the file.
type Printer interface {
	// Finding writes one document's verdict.
	Finding(f Finding) error
	// End writes what comes after the last finding, e.g. the summary, and
	// flushes.
	End(s Summary) error
}

// Formats are the formats NewPrinter knows.
var Formats = []string{"text", "json", "sarif", "github"}

// NewPrinter returns the printer of a format: text, json, sarif or github.
// rules are the rules judged, which SARIF describes.
func NewPrinter(format string, w io.Writer, rules []spec.Rule) (Printer, error) {
	switch format {
	case "text":
		return NewTextPrinter(w), nil
	case "json":
		return NewJSONPrinter(w), nil
	case "sarif":
		return NewSARIFPrinter(w, rules), nil
	case "github":
		return NewGitHubPrinter(w), nil
	}
	return nil, fmt.Errorf("unknown format %q: use %s", format, strings.Join(Formats, ", "))
}

// TextPrinter writes one line per document (ok, FAIL, WARN, SKIP or ERROR and
// its name), each violation with its field, message and fix, and a
// summary line "N objects, M violations, W warnings, K skipped, E errors".
// A warning (a violation of a warn constraint) is marked WARN.
type TextPrinter struct{ w *bufio.Writer }

// NewTextPrinter returns a TextPrinter writing to w.
func NewTextPrinter(w io.Writer) *TextPrinter { return &TextPrinter{bufio.NewWriter(w)} }

func (p *TextPrinter) Finding(f Finding) error {
	switch f.Status {
	case OK:
		fmt.Fprintf(p.w, "ok    %s\n", f.Ref())
	case Failed, Warned:
		head := "FAIL "
		if f.Status == Warned {
			head = "WARN "
		}
		fmt.Fprintf(p.w, "%s %s\n", head, f.Ref())
		for _, v := range f.Violations {
			mark := ""
			if v.Action == "warn" {
				mark = "WARN "
			}
			fmt.Fprintf(p.w, "  %s%s  %s\n      %s\n      fix: %s\n", mark, v.Rule, v.Field, v.Message, v.Remedy)
		}
	case Skipped:
		fmt.Fprintf(p.w, "SKIP  %s%s: %s\n", f.Ref(), lineOf(f), f.Reason)
	case Errored:
		fmt.Fprintf(p.w, "ERROR %s%s: %s\n", f.Ref(), lineOf(f), f.Reason)
	}
	if p.w.Buffered() > 32<<10 {
		return p.w.Flush()
	}
	return nil
}

func lineOf(f Finding) string {
	if f.Line == 0 {
		return ""
	}
	return fmt.Sprintf(" (line %d)", f.Line)
}

func (p *TextPrinter) End(s Summary) error {
	fmt.Fprintf(p.w, "%d objects, %d violations, %d warnings, %d skipped, %d errors\n", s.Objects, s.Violations, s.Warnings, s.Skipped, s.Errors)
	return p.w.Flush()
}

// JSONPrinter writes one JSON document, built as the findings come:
//
//	{"objects": [Finding, ...], "summary": Summary}
//
// Findings are written as they come and never held.
type JSONPrinter struct {
	w     *bufio.Writer
	count int
}

// NewJSONPrinter returns a JSONPrinter writing to w.
func NewJSONPrinter(w io.Writer) *JSONPrinter { return &JSONPrinter{w: bufio.NewWriter(w)} }

func (p *JSONPrinter) Finding(f Finding) error {
	if f.Violations == nil && (f.Status == OK || f.Status == Failed || f.Status == Warned) {
		f.Violations = []Explained{}
	}
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	sep := ",\n  "
	if p.count == 0 {
		sep = "{\"objects\": [\n  "
	}
	p.count++
	p.w.WriteString(sep)
	p.w.Write(b)
	if p.w.Buffered() > 32<<10 {
		return p.w.Flush()
	}
	return nil
}

func (p *JSONPrinter) End(s Summary) error {
	if p.count == 0 {
		p.w.WriteString("{\"objects\": [")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	fmt.Fprintf(p.w, "\n],\n\"summary\": %s}\n", b)
	return p.w.Flush()
}
