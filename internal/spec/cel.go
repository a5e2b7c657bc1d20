package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/policygen/policygen/internal/problem"
)

// CEL names the CEL sources shared by every rule.
type CEL struct {
	Libs []string `yaml:"libs"` // files of shared variables, relative to the spec, rendered before each rule's own
}

// CELSource is one CEL file: variables and, for a rule, validations, as a
// ValidatingAdmissionPolicy and Gatekeeper's K8sNativeValidation take them.
type CELSource struct {
	Variables   []CELVariable   `yaml:"variables"`   // named expressions, in order; each sees those before it
	Validations []CELValidation `yaml:"validations"` // rule files only: each true, or its messageExpression is a violation
}

// CELVariable is a named CEL expression (variables.<name>).
type CELVariable struct {
	Name       string `yaml:"name"`
	Expression string `yaml:"expression"`
	At         Origin `yaml:"-"` // where the expression is written
	NameAt     Origin `yaml:"-"` // where the name is written
}

// CELValidation is an expression that must be true, with the expression
// of the message when it is not.
type CELValidation struct {
	Expression        string `yaml:"expression"`
	MessageExpression string `yaml:"messageExpression"`
	At                Origin `yaml:"-"` // where Expression is written
	MessageAt         Origin `yaml:"-"` // where MessageExpression is written
}

// Origin is where an expression is written: its file (as the spec names
// it) and the line of its first line of text.
type Origin struct {
	File string
	Line int
}

// CELParametersVariable is the variable each rule's CEL reads its
// parameters from, rendered from the spec's defaults.
const CELParametersVariable = "parameters"

// readCEL reads and checks the shape of every CEL file the spec names.
func (v *validator) readCEL() {
	s := v.spec
	s.CELSources, s.CELFiles = map[string]*CELSource{}, map[string]string{}
	read := func(name string, rule bool, where ...any) {
		if name == "" {
			v.fail("a CEL file name is empty", "name the CEL file (.yaml), relative to the spec", where...)
			return
		}
		file := path.Join(v.dir, name)
		raw, err := fs.ReadFile(v.fsys, file)
		if err != nil {
			v.fail(fmt.Sprintf("CEL file %q cannot be read: %v", name, err), "create the file or correct the path (it is relative to the spec)", where...)
			return
		}
		var src CELSource
		root, err := DecodeYAML(file, raw, &src, "write only variables (name, expression) and validations (expression, messageExpression)")
		if err != nil {
			v.addErrors(err)
			return
		}
		v.celShape(name, file, root, &src, rule)
		s.CELSources[name] = &src
		s.CELFiles[name] = string(raw)
		s.celRaw = append(s.celRaw, "\x00cel:"+name+"\x00"+string(raw))
	}
	for i, l := range s.CEL.Libs {
		read(l, false, "cel", "libs", i)
	}
	libVars := map[string]string{}
	for _, l := range s.CEL.Libs {
		if src := s.CELSources[l]; src != nil {
			for _, x := range src.Variables {
				libVars[x.Name] = l
			}
		}
	}
	for i, r := range s.Rules {
		if r.CEL == "" {
			v.fail(fmt.Sprintf("rule %q names no CEL file", r.ID), "add cel: the file of the rule's CEL variables and validations", "rules", i)
			continue
		}
		read(r.CEL, true, "rules", i, "cel")
		if src := s.CELSources[r.CEL]; src != nil {
			for _, x := range src.Variables {
				if lib, ok := libVars[x.Name]; ok {
					v.errs = append(v.errs, problemAt(path.Join(v.dir, r.CEL), x.NameAt.Line, fmt.Sprintf("variable %q is also a variable of the lib %s", x.Name, lib),
						"choose another name: a rule's variables follow the lib's in one list, where a name may appear once"))
				}
			}
		}
	}
}

// celShape checks names and expressions and records where each is written.
func (v *validator) celShape(name, file string, root *yaml.Node, src *CELSource, rule bool) {
	fail := func(what, fix string, keys ...any) {
		v.errs = append(v.errs, problemAt(file, lineOf(root, keys...), what, fix))
	}
	seen := map[string]bool{CELParametersVariable: !rule}
	for i, x := range src.Variables {
		switch {
		case !paramPattern.MatchString(x.Name):
			fail(fmt.Sprintf("variable name %q is not a lowerCamelCase name", x.Name), "name it with letters and digits, e.g. podSpec", "variables", i, "name")
		case x.Name == "anyObject" || x.Name == "params" || (seen[x.Name] && x.Name == CELParametersVariable):
			fail(fmt.Sprintf("variable name %q is reserved", x.Name), "choose another name: anyObject, params and parameters are bound by the targets", "variables", i, "name")
		case seen[x.Name]:
			fail(fmt.Sprintf("variable %q is defined twice", x.Name), "give each variable a distinct name", "variables", i, "name")
		}
		seen[x.Name] = true
		if strings.TrimSpace(x.Expression) == "" {
			fail(fmt.Sprintf("variable %q has no expression", x.Name), "write its CEL expression", "variables", i)
		}
		src.Variables[i].At = Origin{name, exprLine(root, "variables", i, "expression")}
		src.Variables[i].NameAt = Origin{name, lineOf(root, "variables", i, "name")}
	}
	switch {
	case !rule && len(src.Validations) > 0:
		fail("a CEL lib has validations", "move them into a rule's CEL file: a lib only shares variables", "validations")
	case rule && len(src.Validations) == 0:
		fail("the rule's CEL file has no validations", "add validations, each an expression that holds for a good object and a messageExpression", "validations")
	}
	for i, x := range src.Validations {
		if strings.TrimSpace(x.Expression) == "" || strings.TrimSpace(x.MessageExpression) == "" {
			fail("a validation lacks its expression or its messageExpression", "write both: the messageExpression names what violates, as the Rego's message does", "validations", i)
		}
		src.Validations[i].At = Origin{name, exprLine(root, "validations", i, "expression")}
		src.Validations[i].MessageAt = Origin{name, exprLine(root, "validations", i, "messageExpression")}
	}
}

// exprLine is the line of an expression's first line of text: the line
// after its key for a block scalar (| or >), else the key's line.
func exprLine(root *yaml.Node, keys ...any) int {
	n, line := walkYAML(root, keys...)
	if n == nil {
		return line
	}
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + 1
	}
	return n.Line
}

// CELProgram is everything a rule's CEL is in every target, in order: the
// shared variables, its parameters with their defaults, its own variables
// and its validations.
func (s *Spec) CELProgram(r Rule) (CELSource, error) {
	var out CELSource
	for _, l := range s.CEL.Libs {
		out.Variables = append(out.Variables, s.CELSources[l].Variables...)
	}
	params, err := celParameters(r)
	if err != nil {
		return out, err
	}
	own := s.CELSources[r.CEL]
	if own == nil {
		return out, fmt.Errorf("rule %s has no CEL source", r.ID)
	}
	out.Variables = append(append(out.Variables, params), own.Variables...)
	out.Validations = slices.Clone(own.Validations)
	for i, v := range out.Validations {
		out.Validations[i].MessageExpression = capMessage(v.MessageExpression)
	}
	return out, nil
}

// MaxMessageBytes is the longest message the API server's validator takes
// from a messageExpression (5 KiB); a longer one it replaces with the
// failed expression's text.
const MaxMessageBytes = 5 * 1024

// capMessage wraps a messageExpression so that a message too long for the
// validator (a pod with a hundred offending containers) is cut to its
// first 1000 characters (at most 4 bytes each) and says so.
func capMessage(expr string) string {
	return fmt.Sprintf("[%s].map(m, bytes(m).size() <= %d ? m : m.substring(0, 1000) + \" … (cut: longer than the %d bytes a message may hold)\")[0]",
		strings.TrimSpace(expr), MaxMessageBytes-100, MaxMessageBytes)
}

// celParameters is the variable of a rule's parameters: each one given
// with the type of its default (variables.params, as the target binds it),
// else the default. A wrong-typed value never weakens a rule.
func celParameters(r Rule) (CELVariable, error) {
	v := CELVariable{Name: CELParametersVariable, At: Origin{File: "(parameters of " + r.ID + ")", Line: 1}}
	if len(r.Parameters) == 0 {
		v.Expression = "{}"
		return v, nil
	}
	var b strings.Builder
	b.WriteString("{\n")
	for _, p := range r.Parameters {
		def := p.Schema["default"]
		lit, typ, err := celLiteral(def)
		if err != nil {
			return v, fmt.Errorf("default of parameter %s of rule %s: %w", p.Name, r.ID, err)
		}
		name := strconv.Quote(p.Name)
		fmt.Fprintf(&b, "  %s: dyn(type(variables.params) == map && type(variables.params[?%s].orValue(null)) == %s ? variables.params[%s] : %s),\n", name, name, typ, name, lit)
	}
	b.WriteString("}")
	v.Expression = b.String()
	return v, nil
}

// celLiteral is a JSON value written in CEL, with the CEL type it has.
func celLiteral(x any) (lit, typ string, err error) {
	switch x := x.(type) {
	case bool:
		return strconv.FormatBool(x), "bool", nil
	case string:
		return strconv.Quote(x), "string", nil
	case []any:
		var parts []string
		for _, e := range x {
			p, _, err := celLiteral(e)
			if err != nil {
				return "", "", err
			}
			parts = append(parts, p)
		}
		return "[" + strings.Join(parts, ", ") + "]", "list", nil
	case int, int64, float64:
		b, _ := json.Marshal(x)
		if _, isFloat := x.(float64); isFloat {
			return "double(" + string(b) + ")", "double", nil
		}
		return string(b), "int", nil
	}
	return "", "", fmt.Errorf("a default of type %T cannot be written in CEL", x)
}

func problemAt(file string, line int, what, fix string) *problem.Error {
	return &problem.Error{File: file, Line: line, Problem: what, Fix: fix}
}

// addErrors records the problems of a decoding error.
func (v *validator) addErrors(err error) {
	var es problem.Errors
	if errors.As(err, &es) {
		v.errs = append(v.errs, es...)
		return
	}
	v.errs = append(v.errs, &problem.Error{File: v.spec.File, Problem: err.Error()})
}
