package conftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// testsPath is where the cases are published as Rego unit tests.
const testsPath = "conftest-tests/cases_test.rego"

// rego literals are JSON values: JSON is a subset of Rego's term syntax.
func regoLiteral(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// renderTests renders one Rego test per case that conftest can judge
// (deletions are admission-only).
func renderTests(s *spec.Spec, all []cases.Case) ([]byte, error) {
	type count struct {
		Rule string
		N    int
	}
	type has struct{ Rule, Field, Pattern string }
	type test struct {
		Name, Source, Input, Params, Rules string
		Counts                             []count
		Has                                []has
	}
	var tests []test
	for i, c := range all {
		// conftest judges a document, never a deletion or what an
		// update replaces.
		if c.Operation == "DELETE" || c.OldObject != nil {
			continue
		}
		t := test{
			Name:   fmt.Sprintf("%03d_%s", i+1, strings.Trim(render.NonWord.ReplaceAllString(strings.ToLower(c.Name), "_"), "_")),
			Source: fmt.Sprintf("%s:%d %s", c.File, c.Line, c.Name),
		}
		var err error
		if t.Input, err = regoLiteral(c.Object); err != nil {
			return nil, fmt.Errorf("case %q: %w", c.Name, err)
		}
		if t.Params, err = regoLiteral(CaseConstraints(s, c.Parameters)); err != nil {
			return nil, fmt.Errorf("case %q: %w", c.Name, err)
		}
		var rules []string
		for id := range c.Expect {
			rules = append(rules, id)
		}
		sort.Strings(rules)
		if t.Rules, err = regoLiteral(rules); err != nil {
			return nil, err
		}
		t.Rules = "{" + strings.Trim(t.Rules, "[]") + "}"
		for _, id := range rules {
			lit, _ := regoLiteral(id)
			t.Counts = append(t.Counts, count{lit, len(c.Expect[id])})
			for _, e := range c.Expect[id] {
				field, _ := regoLiteral(e.Field)
				pattern, _ := regoLiteral(e.Message)
				t.Has = append(t.Has, has{lit, field, pattern})
			}
		}
		tests = append(tests, t)
	}
	return render.Execute("conftest-cases_test.rego.tmpl", map[string]any{"Header": render.Header(s, "#"), "Spec": s, "Tests": tests})
}
