package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/policygen/policygen/internal/problem"

	"github.com/open-policy-agent/opa/v1/ast"
	yaml "go.yaml.in/yaml/v3"
	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	idPattern    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	kindPattern  = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	paramPattern = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
)

type validator struct {
	spec *Spec
	root *yaml.Node
	fsys fs.FS
	dir  string
	errs problem.Errors
}

// fail records a problem at the spec line of the node at keys.
func (v *validator) fail(what, fix string, keys ...any) {
	v.errs = append(v.errs, &problem.Error{File: v.spec.File, Line: lineOf(v.root, keys...), Problem: what, Fix: fix})
}

// files lists every Rego file the spec names, with the spec path naming it.
func (v *validator) files() (names []string, where [][]any) {
	s := v.spec
	for i, l := range s.Libs {
		names, where = append(names, l), append(where, []any{"libs", i})
	}
	for _, t := range slices.Sorted(maps.Keys(s.Targets)) {
		names, where = append(names, s.Targets[t]), append(where, []any{"targets", t})
	}
	for i, r := range s.Rules {
		names, where = append(names, r.Rego), append(where, []any{"rules", i, "rego"})
	}
	return names, where
}

func (v *validator) readSources() {
	names, where := v.files()
	for i, name := range names {
		if name == "" {
			v.fail("a Rego file name is empty", "name the .rego file, relative to the spec", where[i]...)
			continue
		}
		b, err := fs.ReadFile(v.fsys, path.Join(v.dir, name))
		if err != nil {
			v.fail(fmt.Sprintf("Rego file %q cannot be read: %v", name, err),
				"create the file or correct the path (it is relative to the spec)", where[i]...)
			continue
		}
		v.spec.Sources[name] = string(b)
	}
}

func (v *validator) validate() {
	s := v.spec
	if s.APIVersion != APIVersion {
		v.fail(fmt.Sprintf("apiVersion is %q", s.APIVersion), "set apiVersion: "+APIVersion, "apiVersion")
	}
	if s.Kind != "PolicySpec" {
		v.fail(fmt.Sprintf("kind is %q", s.Kind), "set kind: PolicySpec", "kind")
	}
	if !idPattern.MatchString(s.Metadata.Name) {
		v.fail(fmt.Sprintf("metadata.name %q is not a lower-case name", s.Metadata.Name), "use letters, digits and dashes, e.g. hostprocess", "metadata", "name")
	}
	if _, err := ParseVersion(s.Metadata.Version); err != nil {
		v.fail(fmt.Sprintf("metadata.version %q is not a semantic version: %v", s.Metadata.Version, err), "write MAJOR.MINOR.PATCH, e.g. 1.0.0", "metadata", "version")
	}
	if len(s.Match) == 0 {
		v.fail("match is empty", "list the kinds the sample constraints match", "match")
	}
	bundles := map[string]bool{}
	for i, b := range s.Bundles {
		switch {
		case !idPattern.MatchString(b.Name) || b.Name == "all":
			v.fail(fmt.Sprintf("bundle name %q is not allowed", b.Name), `use a lower-case name other than "all" (all is implied)`, "bundles", i, "name")
		case bundles[b.Name]:
			v.fail(fmt.Sprintf("bundle %q is declared twice", b.Name), "give each bundle a distinct name", "bundles", i, "name")
		}
		bundles[b.Name] = true
	}
	if len(s.Rules) == 0 {
		v.fail("no rules", "add at least one rule", "rules")
	}
	ids, kinds, params := map[string]int{}, map[string]int{}, map[string]string{}
	for i, r := range s.Rules {
		at := func(k string) []any { return []any{"rules", i, k} }
		if !idPattern.MatchString(r.ID) {
			v.fail(fmt.Sprintf("rule id %q is not kebab-case", r.ID), "use lower-case words joined by dashes, e.g. hostprocess-allowed", at("id")...)
		} else if j, dup := ids[r.ID]; dup {
			v.fail(fmt.Sprintf("rule id %q is used twice (also rules[%d])", r.ID, j), "give each rule a distinct id", at("id")...)
		}
		ids[r.ID] = i
		if !kindPattern.MatchString(r.Kind) {
			v.fail(fmt.Sprintf("rule kind %q is not a CRD kind", r.Kind), "use UpperCamelCase letters and digits, e.g. K8sHostProcessAllowed", at("kind")...)
		} else if j, dup := kinds[strings.ToLower(r.Kind)]; dup {
			v.fail(fmt.Sprintf("rule kind %q is used twice (also rules[%d]); template names are the kind in lower case", r.Kind, j), "give each rule a distinct kind", at("kind")...)
		}
		kinds[strings.ToLower(r.Kind)] = i
		if _, err := ParseVersion(r.Version); err != nil {
			v.fail(fmt.Sprintf("rule %q: version %q is not a semantic version: %v", r.ID, r.Version, err),
				"write the template's own version as MAJOR.MINOR.PATCH, e.g. version: 1.0.0", at("version")...)
		}
		if !bundles[r.Bundle] {
			v.fail(fmt.Sprintf("rule %q names bundle %q, which is not declared", r.ID, r.Bundle), "declare it under bundles, or use one that is", at("bundle")...)
		}
		if strings.TrimSpace(r.Title) == "" || strings.TrimSpace(r.Description) == "" || strings.TrimSpace(r.Remedy) == "" {
			v.fail(fmt.Sprintf("rule %q has no title, description or remedy", r.ID), "say what the rule decides and how to fix a violation; the docs, templates and eval print them", "rules", i)
		}
		v.parameters(i, r)
		for j, p := range r.Parameters {
			if other, dup := params[p.Name]; dup && other != r.ID {
				v.fail(fmt.Sprintf("parameter %q of rule %q is also a parameter of rule %q", p.Name, r.ID, other),
					"give each rule's parameters names of their own: the conftest policy set holds the parameters of every rule in one object", "rules", i, "parameters", j, "name")
			}
			params[p.Name] = r.ID
		}
	}
	if len(v.errs) == 0 {
		v.rego()
	}
	if len(v.errs) == 0 {
		v.readRelease()
	}
}

func (v *validator) parameters(i int, r Rule) {
	names := map[string]bool{}
	for j, p := range r.Parameters {
		at := []any{"rules", i, "parameters", j}
		if !paramPattern.MatchString(p.Name) || names[p.Name] {
			v.fail(fmt.Sprintf("parameter name %q of rule %q is invalid or repeated", p.Name, r.ID), "use a distinct lowerCamelCase name", append(at, "name")...)
		}
		names[p.Name] = true
		if err := checkSchema(p.Schema); err != nil {
			v.fail(fmt.Sprintf("parameter %q of rule %q: %v", p.Name, r.ID, err),
				"write an OpenAPI v3 schema with a type and a default that fits it", append(at, "schema", "default")...)
		}
	}
}

// checkSchema decodes an OpenAPI v3 schema strictly and checks that its
// default is present and valid against it, as the API server would.
func checkSchema(schema map[string]any) error {
	def, ok := schema["default"]
	if !ok {
		if _, err := schemaValidator(schema); err != nil {
			return err
		}
		return fmt.Errorf("schema has no default")
	}
	if err := validateAgainst(schema, def); err != nil {
		return fmt.Errorf("default %s does not fit the schema: %v", jsonText(def), err)
	}
	return nil
}

// Validate checks a value given for the parameter against its schema.
func (p Parameter) Validate(value any) error {
	return validateAgainst(p.Schema, value)
}

func validateAgainst(schema map[string]any, value any) error {
	validator, err := schemaValidator(schema)
	if err != nil {
		return err
	}
	if errs := validation.ValidateCustomResource(field.NewPath("value"), value, validator); len(errs) > 0 {
		return fmt.Errorf("%s", strings.TrimPrefix(strings.TrimSpace(errs[0].Detail), "in body "))
	}
	return nil
}

func schemaValidator(schema map[string]any) (validation.SchemaValidator, error) {
	raw, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("schema is not JSON-compatible: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var v1 apiextensionsv1.JSONSchemaProps
	if err := dec.Decode(&v1); err != nil {
		return nil, fmt.Errorf("schema is not an OpenAPI v3 schema: %v", err)
	}
	if v1.Type == "" {
		return nil, fmt.Errorf("schema has no type")
	}
	var internal apiextensions.JSONSchemaProps
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(&v1, &internal, nil); err != nil {
		return nil, fmt.Errorf("schema cannot be converted: %v", err)
	}
	validator, _, err := validation.NewSchemaValidator(&internal)
	if err != nil {
		return nil, fmt.Errorf("schema is invalid: %v", err)
	}
	return validator, nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// regoError records a problem at a line of a Rego file.
func (v *validator) regoError(file string, row int, what, fix string) {
	v.errs = append(v.errs, &problem.Error{File: path.Join(v.dir, file), Line: row, Problem: what, Fix: fix})
}

// rego parses every module, checks what Gatekeeper accepts, and compiles
// each target's module set under the pinned Gatekeeper OPA capabilities.
func (v *validator) rego() {
	s := v.spec
	mods := map[string]*ast.Module{}
	names, _ := v.files()
	for _, name := range names {
		m, err := ast.ParseModuleWithOpts(name, s.Sources[name], ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			v.astErrors(name, err, "fix the Rego syntax (Rego v1)")
			continue
		}
		mods[name] = m
		for _, imp := range m.Imports {
			if imp.Path.String() == "rego.v1" {
				v.regoError(name, imp.Location.Row, "`import rego.v1` is rejected by Gatekeeper", "remove it: the templates declare Rego version v1, which needs no import")
			}
		}
	}
	if len(v.errs) > 0 {
		return
	}
	adapters := slices.Sorted(maps.Values(s.Targets))
	for _, lib := range append(append([]string{}, s.Libs...), adapters...) {
		if p := mods[lib].Package.Path.String(); !strings.HasPrefix(p, "data.lib.") {
			v.regoError(lib, mods[lib].Package.Location.Row, fmt.Sprintf("lib package is %s", strings.TrimPrefix(p, "data.")), "put libs under package lib.… (Gatekeeper only links libs under data.lib)")
		}
	}
	// Everything that ships in a template must refer to data only under
	// data.lib and data.inventory; the other adapters are exempt.
	inTemplates := append(append([]string{}, s.Libs...), ruleFiles(s)...)
	if gk, ok := s.Targets[GatekeeperTarget]; ok {
		inTemplates = append(inTemplates, gk)
	}
	for _, name := range inTemplates {
		check := func(r ast.Ref) bool {
			if !r.HasPrefix(ast.DefaultRootRef) || len(r) < 2 {
				return false
			}
			head, _ := r[1].Value.(ast.String)
			if head != "lib" && head != "inventory" {
				v.regoError(name, r[0].Location.Row, fmt.Sprintf("%s refers to data outside data.lib and data.inventory; Gatekeeper rejects it", r), "read the object and parameters through the target adapter lib")
			}
			return false
		}
		for _, imp := range mods[name].Imports {
			ast.WalkRefs(imp, check)
		}
		for _, rule := range mods[name].Rules {
			ast.WalkRefs(rule, check)
		}
	}
	for i, r := range s.Rules {
		v.ruleModule(i, r, mods[r.Rego])
	}
	if len(v.errs) > 0 {
		return
	}
	v.subjects(mods)
	if len(v.errs) > 0 {
		return
	}
	for _, t := range slices.Sorted(maps.Keys(s.Targets)) {
		if err := v.compile(mods, s.Targets[t], t == GatekeeperTarget); err != nil {
			return
		}
	}
}

// subjects checks the spec's subjects: a set rule of the shared libs that
// every violation rule of every rule iterates in its first expression
// (`some pod in hp.hostprocess_pods`), and that reads no parameters, so
// that where it is empty no constraint can be violated whatever its
// parameters. An entry point that applies several constraints may then
// evaluate it once and stop there.
func (v *validator) subjects(mods map[string]*ast.Module) {
	s := v.spec
	if s.Subjects == "" {
		return
	}
	ref, err := ast.ParseRef(s.Subjects)
	if err != nil || !ref.IsGround() || !ref.HasPrefix(ast.MustParseRef("data.lib")) {
		v.fail(fmt.Sprintf("subjects %q is not a reference into data.lib", s.Subjects), "name a set rule of the shared libs, e.g. data.lib.hostprocess.hostprocess_pods", "subjects")
		return
	}
	// The shared libs and the generated libs, which define the same rules
	// in every target: those of the first (compile reports an adapter that
	// cannot render them).
	libs := map[string]*ast.Module{}
	for _, lib := range s.Libs {
		libs[lib] = mods[lib]
	}
	if targets := slices.Sorted(maps.Keys(s.Targets)); len(targets) > 0 {
		generated, err := GeneratedLibs(s, s.Targets[targets[0]])
		if err != nil {
			return
		}
		for _, g := range generated {
			libs[g.File], _ = ast.ParseModuleWithOpts(g.File, g.Source, ast.ParserOptions{RegoVersion: ast.RegoV1})
		}
	}
	var defined bool
	for _, lib := range slices.Sorted(maps.Keys(libs)) {
		m := libs[lib]
		if m == nil {
			continue
		}
		for _, rule := range m.Rules {
			if m.Package.Path.Append(ast.StringTerm(rule.Head.Name.String())).Equal(ref) {
				defined = true
				if rule.Head.RuleKind() != ast.MultiValue {
					v.regoError(lib, rule.Location.Row, fmt.Sprintf("subjects %s is not a set rule", s.Subjects), "write it as `name contains x if { … }`")
				}
			}
		}
	}
	if !defined {
		v.fail(fmt.Sprintf("subjects %s is not a rule of the shared libs", s.Subjects), "name a set rule that a lib under libs defines", "subjects")
		return
	}
	for _, r := range s.Rules {
		m := mods[r.Rego]
		for _, rule := range m.Rules {
			if rule.Head.Name.String() != "violation" {
				continue
			}
			if len(rule.Body) == 0 || !iterates(m, rule.Body[0], ref) {
				v.regoError(r.Rego, rule.Location.Row, fmt.Sprintf("this violation does not begin with `some … in %s` (the spec's subjects)", s.Subjects), "begin every violation body with `some pod in` the subjects, so that an object they do not hold violates nothing")
			}
		}
	}
}

// iterates reports whether expr is `some x in ref` (or `some k, x in ref`),
// with ref written through one of m's imports or in full.
func iterates(m *ast.Module, expr *ast.Expr, ref ast.Ref) bool {
	decl, ok := expr.Terms.(*ast.SomeDecl)
	if !ok || len(decl.Symbols) != 1 {
		return false
	}
	call, ok := decl.Symbols[0].Value.(ast.Call)
	if !ok || len(call) < 3 {
		return false
	}
	op := call[0].String()
	if op != ast.Member.Ref().String() && op != ast.MemberWithKey.Ref().String() {
		return false
	}
	coll, ok := call[len(call)-1].Value.(ast.Ref)
	if !ok {
		return false
	}
	if coll.Equal(ref) {
		return true
	}
	for _, imp := range m.Imports {
		path, ok := imp.Path.Value.(ast.Ref)
		if !ok {
			continue
		}
		name := imp.Alias
		if name == "" {
			last, _ := path[len(path)-1].Value.(ast.String)
			name = ast.Var(last)
		}
		if coll[0].Equal(ast.VarTerm(string(name))) && path.Concat(coll[1:]).Equal(ref) {
			return true
		}
	}
	return false
}

func ruleFiles(s *Spec) []string {
	var out []string
	for _, r := range s.Rules {
		out = append(out, r.Rego)
	}
	return out
}

// ruleModule checks the shape Gatekeeper requires of a template's entry
// module, and that the module names the rule the spec says it is.
func (v *validator) ruleModule(i int, r Rule, m *ast.Module) {
	want := "data." + r.TemplateName()
	if m.Package.Path.String() != want {
		v.regoError(r.Rego, m.Package.Location.Row, fmt.Sprintf("package is %s, but rule %q has kind %s", strings.TrimPrefix(m.Package.Path.String(), "data."), r.ID, r.Kind), "write `package "+r.TemplateName()+"` (the kind in lower case)")
	}
	var hasViolation, hasID bool
	for _, rule := range m.Rules {
		switch rule.Head.Name.String() {
		case "violation":
			hasViolation = true
			if rule.Head.RuleKind() != ast.MultiValue {
				v.regoError(r.Rego, rule.Location.Row, "violation is not a set rule", "write `violation contains {\"msg\": …, \"details\": …} if { … }`")
			}
			if obj, ok := rule.Head.Key.Value.(ast.Object); ok && obj.Get(ast.StringTerm("msg")) == nil {
				v.regoError(r.Rego, rule.Location.Row, "violation has no \"msg\"", "give every violation a string msg, as Gatekeeper requires")
			}
		case "rule":
			if s, ok := rule.Head.Value.Value.(ast.String); ok && string(s) == r.ID {
				hasID = true
			}
		}
	}
	if !hasViolation {
		v.regoError(r.Rego, m.Package.Location.Row, "the module has no violation rule", "add `violation contains …`: Gatekeeper and conftest read it")
	}
	if !hasID {
		v.regoError(r.Rego, m.Package.Location.Row, fmt.Sprintf("the module does not declare rule := %q", r.ID), fmt.Sprintf("add `rule := %q`; violations carry it in details.rule", r.ID))
	}
}

// compile compiles the rules with the libs and one adapter under the pinned
// capabilities, and checks the type of each violation: an object with a
// string msg.
func (v *validator) compile(mods map[string]*ast.Module, adapter string, checkTypes bool) error {
	s := v.spec
	caps, err := GatekeeperCapabilities()
	if err != nil {
		v.fail(err.Error(), "", "targets")
		return err
	}
	set := map[string]*ast.Module{}
	for _, name := range append(append(append([]string{}, s.Libs...), adapter), ruleFiles(s)...) {
		set[name] = mods[name]
	}
	if _, err := reviewedRoot(adapter, s.Sources[adapter]); err != nil {
		v.regoError(adapter, mods[adapter].Package.Location.Row, err.Error(), "define `reviewed := input…` in the adapter: the reference of the object under review")
		return err
	}
	libs, err := GeneratedLibs(s, adapter)
	if err != nil {
		v.fail(err.Error(), "check the parameter defaults", "rules")
		return err
	}
	for _, lib := range libs {
		m, err := ast.ParseModuleWithOpts(lib.File, lib.Source, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			v.fail(fmt.Sprintf("the generated %s is not Rego: %v", lib.File, err), "check the parameter defaults and the adapter's reviewed", "rules")
			return err
		}
		set[lib.File] = m
	}
	c := ast.NewCompiler().WithCapabilities(caps)
	c.Compile(set)
	if c.Failed() {
		v.astErrors("", c.Errors, fmt.Sprintf("use only what OPA %s (Gatekeeper's) provides, and fix the error", GatekeeperOPAVersion))
		return c.Errors
	}
	if s.Subjects != "" {
		params := mods[adapter].Package.Path.Append(ast.StringTerm("parameters"))
		if readsRef(c, ast.MustParseRef(s.Subjects), params) {
			v.fail(fmt.Sprintf("subjects %s reads the parameters (%s)", s.Subjects, params), "decide the subjects from the object alone: an entry point evaluates them once for every constraint", "subjects")
			return errors.New("subjects read the parameters")
		}
	}
	for _, r := range s.Rules {
		if !checkTypes {
			break
		}
		tpe := c.TypeEnv.GetByRef(ast.MustParseRef("data." + r.TemplateName() + ".violation"))
		if !violationType(tpe) {
			v.regoError(r.Rego, mods[r.Rego].Package.Location.Row, fmt.Sprintf("violation has type %v, not a set of objects with a string msg", tpe), "build each violation with hp.violation(rule, msg, field), msg a string")
		}
	}
	return nil
}

// readsRef reports whether evaluating the rules at start may read target
// (a rule or anything under it), following every rule they refer to.
func readsRef(c *ast.Compiler, start, target ast.Ref) bool {
	seen := map[*ast.Rule]bool{}
	found := false
	var visit func(r ast.Ref)
	visit = func(r ast.Ref) {
		if found {
			return
		}
		if r.HasPrefix(target) {
			found = true
			return
		}
		if !r.HasPrefix(ast.DefaultRootRef) {
			return
		}
		for _, rule := range c.GetRules(r.GroundPrefix()) {
			if seen[rule] {
				continue
			}
			seen[rule] = true
			ast.WalkRefs(rule, func(x ast.Ref) bool {
				visit(x)
				return found
			})
		}
	}
	visit(start)
	return found
}

func (v *validator) astErrors(file string, err error, fix string) {
	errs, ok := err.(ast.Errors)
	if !ok {
		v.regoError(file, 0, err.Error(), fix)
		return
	}
	for _, e := range errs {
		f, row := file, 0
		if e.Location != nil {
			row = e.Location.Row
			if e.Location.File != "" {
				f = e.Location.File
			}
		}
		v.regoError(f, row, e.Message, fix)
	}
}
