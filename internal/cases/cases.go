// Package cases holds the table-driven cases: an object, optional
// parameters and operation, and the exact violations expected per rule.
package cases

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"

	"github.com/policygen/policygen/internal/problem"

	yaml "go.yaml.in/yaml/v3"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
	"github.com/policygen/policygen/testcases"
)

// File is one testcases/*.yaml file.
type File struct {
	Cases []Case `yaml:"cases"` // the cases, in order
}

// Case is one object judged by every engine.
type Case struct {
	Name       string                    `yaml:"name"`       // unique across all files
	Object     map[string]any            `yaml:"object"`     // any Kubernetes object (a List for conftest-shaped input)
	Parameters map[string]map[string]any `yaml:"parameters"` // per rule id; absent rules use the defaults
	Operation  string                    `yaml:"operation"`  // CREATE (default), UPDATE or DELETE
	OldObject  map[string]any            `yaml:"oldObject"`  // UPDATE only: the object as it was stored
	Expect     map[string][]Expectation  `yaml:"expect"`     // per rule id; a rule not named must give none

	File string `yaml:"-"` // the file it came from
	Line int    `yaml:"-"` // the line of its name
}

// Expectation is one expected violation.
type Expectation struct {
	Message string `yaml:"message"` // a regular expression the message must match
	Field   string `yaml:"field"`   // the exact details.field; empty matches any

	re *regexp.Regexp
}

// NewExpectation is an expectation of a violation at field (any field when
// empty) whose message matches the regular expression message.
func NewExpectation(field, message string) (Expectation, error) {
	re, err := regexp.Compile(message)
	return Expectation{Message: message, Field: field, re: re}, err
}

// Pattern is the compiled Message.
func (e Expectation) Pattern() *regexp.Regexp { return e.re }

// Load reads every *.yaml file of fsys (sorted by name) and checks the
// cases against the spec: known rules and parameters, valid patterns,
// unique names. Errors name the file and line.
func Load(fsys fs.FS, s *spec.Spec) ([]Case, error) {
	files, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	rules := map[string]spec.Rule{}
	for _, r := range s.Rules {
		rules[r.ID] = r
	}
	var all []Case
	var errs problem.Errors
	names := map[string]string{}
	for _, f := range files {
		raw, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var doc File
		root, err := spec.DecodeYAML(f, raw, &doc, "write cases as documented in internal/cases/cases.go")
		if err != nil {
			errs = append(errs, err.(problem.Errors)...)
			continue
		}
		lines := caseLines(root)
		for i := range doc.Cases {
			c := &doc.Cases[i]
			c.File = path.Base(f)
			if i < len(lines) {
				c.Line = lines[i]
			}
			fail := func(what, fix string) {
				errs = append(errs, &problem.Error{File: c.File, Line: c.Line, Problem: what, Fix: fix})
			}
			if c.Name == "" {
				fail("a case has no name", "name every case")
			} else if prev, dup := names[c.Name]; dup {
				fail(fmt.Sprintf("case %q is also in %s", c.Name, prev), "give every case a unique name")
			}
			names[c.Name] = c.File
			if c.Object == nil && c.Operation != "DELETE" {
				fail(fmt.Sprintf("case %q has no object", c.Name), "give the object to judge")
			}
			if _, err := json.Marshal(c.Object); err != nil {
				fail(fmt.Sprintf("case %q: object is not JSON-compatible: %v", c.Name, err), "use string keys only")
			}
			if c.OldObject != nil && c.Operation != "UPDATE" {
				fail(fmt.Sprintf("case %q has an oldObject but operation %q", c.Name, c.Operation), "give oldObject with operation: UPDATE only")
			}
			if _, err := json.Marshal(c.OldObject); err != nil {
				fail(fmt.Sprintf("case %q: oldObject is not JSON-compatible: %v", c.Name, err), "use string keys only")
			}
			switch c.Operation {
			case "", "CREATE", "UPDATE", "DELETE":
			default:
				fail(fmt.Sprintf("case %q: operation %q", c.Name, c.Operation), "use CREATE, UPDATE or DELETE")
			}
			for id, params := range c.Parameters {
				r, ok := rules[id]
				if !ok {
					fail(fmt.Sprintf("case %q: parameters for unknown rule %q", c.Name, id), "use a rule id from the spec")
					continue
				}
				for name := range params {
					if !hasParameter(r, name) {
						fail(fmt.Sprintf("case %q: rule %q has no parameter %q", c.Name, id, name), "use a parameter the spec declares")
					}
				}
			}
			for id, exps := range c.Expect {
				if _, ok := rules[id]; !ok {
					fail(fmt.Sprintf("case %q: expectation for unknown rule %q", c.Name, id), "use a rule id from the spec")
				}
				for j := range exps {
					re, err := regexp.Compile(exps[j].Message)
					if err != nil {
						fail(fmt.Sprintf("case %q: message pattern %q: %v", c.Name, exps[j].Message, err), "write a valid regular expression (RE2)")
					}
					exps[j].re = re
				}
			}
			all = append(all, *c)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return all, nil
}

// Embedded loads the embedded spec and its cases, as policygen does with no
// flags.
func Embedded() (*spec.Spec, []Case, error) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		return nil, nil, err
	}
	all, err := Load(testcases.FS, s)
	return s, all, err
}

func hasParameter(r spec.Rule, name string) bool {
	for _, p := range r.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

// caseLines returns the line of each entry of the top-level cases list.
func caseLines(root *yaml.Node) []int {
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "cases" {
			var out []int
			for _, c := range m.Content[i+1].Content {
				out = append(out, c.Line)
			}
			return out
		}
	}
	return nil
}
