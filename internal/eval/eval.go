package eval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/policygen/policygen/internal/violation"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
)

// Finding is one document's verdict.
type Finding struct {
	Document   Document
	Violations []Explained
}

// Explained is a violation with its rule's title and remedy.
type Explained struct {
	violation.Violation
	Title  string `json:"title"`
	Remedy string `json:"fix"`
}

// Check judges every document with the engine, keeping the violations of
// the given rules.
func Check(ctx context.Context, s *spec.Spec, e harness.Engine, rules []spec.Rule, params map[string]map[string]any, docs []Document) ([]Finding, error) {
	byID := map[string]spec.Rule{}
	order := map[string]int{}
	for i, r := range rules {
		byID[r.ID] = r
		order[r.ID] = i
	}
	var out []Finding
	for _, d := range docs {
		vs, err := e.Evaluate(ctx, harness.Review{Object: d.Object, Parameters: params})
		if err != nil {
			return nil, fmt.Errorf("%s document %d: %w", d.File, d.Index, err)
		}
		f := Finding{Document: d}
		for _, v := range vs {
			if r, ok := byID[v.Rule]; ok {
				f.Violations = append(f.Violations, Explained{Violation: v, Title: r.Title, Remedy: r.Remedy})
			}
		}
		sort.Slice(f.Violations, func(i, j int) bool {
			a, b := f.Violations[i], f.Violations[j]
			if a.Rule != b.Rule {
				return order[a.Rule] < order[b.Rule]
			}
			return a.Field+a.Message < b.Field+b.Message
		})
		out = append(out, f)
	}
	return out, nil
}

// Violations counts the violations of all findings.
func Violations(fs []Finding) int {
	n := 0
	for _, f := range fs {
		n += len(f.Violations)
	}
	return n
}

func describe(d Document) string {
	kind, _ := d.Object["kind"].(string)
	meta, _ := d.Object["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if ns, _ := meta["namespace"].(string); ns != "" {
		name = ns + "/" + name
	}
	return fmt.Sprintf("%s#%d %s %s", d.File, d.Index, kind, name)
}

// PrintText writes, per document, each violation with its field, message
// and fix, then a summary line.
func PrintText(w io.Writer, fs []Finding) {
	for _, f := range fs {
		if len(f.Violations) == 0 {
			fmt.Fprintf(w, "ok    %s\n", describe(f.Document))
			continue
		}
		fmt.Fprintf(w, "FAIL  %s\n", describe(f.Document))
		for _, v := range f.Violations {
			fmt.Fprintf(w, "  %s  %s\n      %s\n      fix: %s\n", v.Rule, v.Field, v.Message, v.Remedy)
		}
	}
	fmt.Fprintf(w, "%d objects, %d violations\n", len(fs), Violations(fs))
}

// PrintJSON writes the findings as one JSON document.
func PrintJSON(w io.Writer, fs []Finding, problems []error) error {
	type object struct {
		File       string      `json:"file"`
		Document   int         `json:"document"`
		Kind       string      `json:"kind"`
		Name       string      `json:"name"`
		Violations []Explained `json:"violations"`
	}
	out := struct {
		Objects    []object `json:"objects"`
		Violations int      `json:"violations"`
		Errors     []string `json:"errors"`
	}{Objects: []object{}, Violations: Violations(fs), Errors: []string{}}
	for _, f := range fs {
		kind, _ := f.Document.Object["kind"].(string)
		meta, _ := f.Document.Object["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		vs := f.Violations
		if vs == nil {
			vs = []Explained{}
		}
		out.Objects = append(out.Objects, object{f.Document.File, f.Document.Index, kind, name, vs})
	}
	for _, p := range problems {
		out.Errors = append(out.Errors, strings.ReplaceAll(p.Error(), "\n  ", " "))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
