// Package docs renders what reviewers read: a page per rule with its
// decision, parameters, Rego, CEL and examples from the cases with the messages
// they produce, and an index with the cases' pass counts per engine.
package docs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/policygen/policygen/internal/target/conftest"
	"github.com/policygen/policygen/internal/violation"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Examples per rule page: denied first, then allowed.
const (
	maxDenied  = 3
	maxAllowed = 2
)

// Render returns docs/<rule>.md per rule and docs/index.md. Messages come
// from evaluating the rendered conftest policies, so a page shows what a
// user sees; nothing depends on a test run (publish writes the docs only
// after every case has passed in every engine).
func Render(s *spec.Spec, all []cases.Case, dist render.Artifacts) (render.Artifacts, error) {
	eng, err := conftest.NewEngine(s, dist)
	if err != nil {
		return nil, err
	}
	header := strings.TrimSpace(strings.TrimPrefix(render.Header(s, "#"), "#"))
	out := render.Artifacts{}
	for _, r := range s.Rules {
		examples, err := examplesOf(eng, s, r, all)
		if err != nil {
			return nil, err
		}
		params, err := paramRows(r)
		if err != nil {
			return nil, err
		}
		page, err := render.Execute("docs-rule.md.tmpl", map[string]any{
			"HeaderText": header, "Spec": s, "Rule": r, "Params": params,
			"Examples": examples, "Rego": s.Sources[r.Rego],
			"CEL": s.CELFiles[r.CEL], "CELLib": celLib(s),
		})
		if err != nil {
			return nil, err
		}
		out["docs/"+r.ID+".md"] = page
	}
	index, err := render.Execute("docs-index.md.tmpl", indexData(s, all, header))
	if err != nil {
		return nil, err
	}
	out["docs/index.md"] = index
	return out, nil
}

type example struct {
	Name, Object, Params string
	Violations           []violation.Violation
}

// examplesOf picks the first cases that make the rule fire, then the first
// cases of the rule's own file in which it stays silent.
func examplesOf(eng harness.Engine, s *spec.Spec, r spec.Rule, all []cases.Case) ([]example, error) {
	own := strings.TrimPrefix(r.ID, s.Metadata.Name+"-") + ".yaml"
	var denied, allowed []example
	for _, c := range all {
		if c.Operation == "DELETE" || c.OldObject != nil {
			continue
		}
		fires := len(c.Expect[r.ID]) > 0
		if (fires && len(denied) >= maxDenied) || (!fires && (len(allowed) >= maxAllowed || c.File != own)) {
			continue
		}
		got, err := eng.Evaluate(context.Background(), harness.ReviewOf(c))
		if err != nil {
			return nil, fmt.Errorf("case %q: %w", c.Name, err)
		}
		ex := example{Name: c.Name}
		for _, v := range got {
			if v.Rule == r.ID {
				ex.Violations = append(ex.Violations, v)
			}
		}
		obj, err := yaml.Marshal(c.Object)
		if err != nil {
			return nil, err
		}
		ex.Object = string(obj)
		if p, ok := c.Parameters[r.ID]; ok {
			b, _ := json.Marshal(p)
			ex.Params = string(b)
		}
		if fires {
			denied = append(denied, ex)
		} else {
			allowed = append(allowed, ex)
		}
	}
	return append(denied, allowed...), nil
}

type paramRow struct{ Name, Type, Default, Description string }

func paramRows(r spec.Rule) ([]paramRow, error) {
	var rows []paramRow
	for _, p := range r.Parameters {
		d, err := json.Marshal(p.Schema["default"])
		if err != nil {
			return nil, err
		}
		typ := fmt.Sprint(p.Schema["type"])
		if items, ok := p.Schema["items"].(map[string]any); ok {
			typ = fmt.Sprintf("%s of %v", typ, items["type"])
		}
		rows = append(rows, paramRow{p.Name, typ, string(d), strings.ReplaceAll(p.Description, "\n", " ")})
	}
	return rows, nil
}

func indexData(s *spec.Spec, all []cases.Case, header string) map[string]any {
	type row struct {
		Rule          string
		Fires, Silent int
	}
	var rows []row
	for _, r := range s.Rules {
		rw := row{Rule: r.ID}
		for _, c := range all {
			if len(c.Expect[r.ID]) == 0 {
				rw.Silent++
			} else {
				rw.Fires++
			}
		}
		rows = append(rows, rw)
	}
	return map[string]any{"HeaderText": header, "Spec": s, "Matrix": rows, "Total": len(all), "CELLib": celLib(s), "CELLibText": celLibText(s)}
}

// celLib names the shared CEL files.
func celLib(s *spec.Spec) string { return "policies/" + strings.Join(s.CEL.Libs, ", policies/") }

func celLibText(s *spec.Spec) string {
	var texts []string
	for _, l := range s.CEL.Libs {
		texts = append(texts, s.CELFiles[l])
	}
	return strings.Join(texts, "\n")
}
