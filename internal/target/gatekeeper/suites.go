package gatekeeper

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp/syntax"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// The gator verify suites: per rule a suite.yaml beside its template (the
// Gatekeeper library's layout), in which every case judges the rule alone.
// What the suites refer to lies outside dist/gatekeeper, under FixturesDir:
// `gator test -f dist/gatekeeper` reads every file below that directory as
// a template, constraint or object to review, and must find only the
// templates and the sample constraints there.
const (
	// FixturesDir holds each rule's case constraints, in a directory named
	// for the rule, and the cases' objects.
	FixturesDir = "gatekeeper-tests"
	// ObjectsDir holds one file per case: its object, or the AdmissionReview
	// of the case's operation, shared by all suites.
	ObjectsDir = FixturesDir + "/" + objectsName
	// objectsName is ObjectsDir's name; no rule may be named so.
	objectsName = "objects"
	// fromSuite leads from a suite's directory to FixturesDir.
	fromSuite = "../../" + FixturesDir
	// slugMax bounds file names made from case names and parameters.
	slugMax = 80
)

// SuitePath is where a rule's gator verify suite is published.
func SuitePath(r spec.Rule) string { return "gatekeeper/" + r.ID + "/suite.yaml" }

// suite is gator's Suite (pkg/gator/verify/suite.go), as much of it as the
// suites use.
type suite struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   map[string]string `json:"metadata"`
	Tests      []suiteTest       `json:"tests"`
}

// suiteTest is one constraint, with the cases it judges.
type suiteTest struct {
	Name       string      `json:"name"`
	Template   string      `json:"template"`   // relative to the suite
	Constraint string      `json:"constraint"` // relative to the suite
	Cases      []suiteCase `json:"cases"`
}

type suiteCase struct {
	Name       string      `json:"name"`
	Object     string      `json:"object"` // relative to the suite
	Assertions []assertion `json:"assertions"`
}

// assertion counts the violations whose message matches Message (all of
// them when it is empty): exactly, or "yes" for at least one.
type assertion struct {
	Message    string `json:"message,omitempty"`
	Violations any    `json:"violations"`
}

// gatorCase is a case as the suites see it.
type gatorCase struct {
	cases.Case
	object   string // its object file under dist/; empty when left out
	leftOut  string // why gator cannot review it
	declined string // why the suites' engine does not judge it
}

// renderSuites renders, per rule, dist/gatekeeper/<id>/suite.yaml with
// one Test per parameter set the cases give the rule, each with its
// constraint file, and the object files the suites share. A case gator
// cannot read is named, with the reason, in a comment atop every suite.
func renderSuites(s *spec.Spec, all []cases.Case) (render.Artifacts, error) {
	return RenderSuites(s, all, "gatekeeper", harness.Exact, nil)
}

// RenderSuites renders the suites beside the templates of the tree below
// root, whose cases assert what contract says of an engine: for Exact the
// exact counts and messages, and then the fixtures under FixturesDir too;
// for PerRule, per rule, whether it fires and that every expected message
// is among the violations', over the fixtures that Exact renders. A case
// that declines (when not nil) gives a reason for is left out, and named
// with the reason atop every suite, as a case gator cannot read is.
func RenderSuites(s *spec.Spec, all []cases.Case, root string, contract harness.Contract, declines func(cases.Case) string) (render.Artifacts, error) {
	for _, r := range s.Rules {
		if r.ID == objectsName {
			return nil, fmt.Errorf("rule id %q is the name of the suites' directory of objects", r.ID)
		}
	}
	out, fixtures := render.Artifacts{}, render.Artifacts{}
	gcs, err := caseObjects(s, all, fixtures)
	if err != nil {
		return nil, err
	}
	header := render.Header(s, "#")
	for i, gc := range gcs {
		if gc.leftOut == "" && declines != nil {
			gcs[i].declined = declines(gc.Case)
		}
		if why := gc.leftOut + gcs[i].declined; why != "" {
			header += fmt.Sprintf("# Not in this suite: case %q (%s:%d): %s.\n", gc.Name, gc.File, gc.Line, why)
		}
	}
	for _, r := range s.Rules {
		st, constraints, err := ruleSuite(r, casesOf(s, r, gcs), contract)
		if err != nil {
			return nil, err
		}
		for p, obj := range constraints {
			if fixtures[p], err = render.MarshalYAML(render.Header(s, "#"), obj); err != nil {
				return nil, fmt.Errorf("rendering %s: %w", p, err)
			}
		}
		if out[TreePath(root, SuitePath(r))], err = render.MarshalSuite(header, st); err != nil {
			return nil, fmt.Errorf("rendering suite of %s: %w", r.ID, err)
		}
	}
	if contract == harness.Exact {
		out.Add(fixtures)
	}
	return out, nil
}

// caseObjects writes each case's object file into out and returns the
// cases with their files, or with why they are left out.
func caseObjects(s *spec.Spec, all []cases.Case, out render.Artifacts) ([]gatorCase, error) {
	names := make([]string, len(all))
	for i, c := range all {
		names[i] = c.Name
	}
	files := uniqueSlugs(names)
	gcs := make([]gatorCase, len(all))
	for i, c := range all {
		gcs[i].Case = c
		if gcs[i].leftOut = gatorUnreadable(c); gcs[i].leftOut != "" {
			continue
		}
		doc := any(c.Object)
		if c.Operation != "" {
			doc = admissionReview(c)
		}
		b, err := render.MarshalYAML(render.Header(s, "#"), doc)
		if err != nil {
			return nil, fmt.Errorf("case %q: %w", c.Name, err)
		}
		// gator drops blank and comment lines and splits documents at
		// "\n---" before parsing: such text would not be the object.
		if line, ok := gatorMangled(b); ok {
			return nil, fmt.Errorf("case %q: gator would not read its object as written (line %q)", c.Name, line)
		}
		gcs[i].object = path.Join(ObjectsDir, files[i]+".yaml")
		out[gcs[i].object] = b
	}
	return gcs, nil
}

// gatorUnreadable says why gator cannot review a case, or "" when it can.
func gatorUnreadable(c cases.Case) string {
	if c.Object == nil {
		return "it has no object, and gator reviews an AdmissionReview only when its request has an object or oldObject"
	}
	// Gator decodes objects as unstructured, which requires a kind
	// (and an apiVersion that parses, else the kind is lost too).
	if (&unstructured.Unstructured{Object: c.Object}).GroupVersionKind().Kind == "" {
		return "its object has no kind, and gator reads objects only with a kind"
	}
	return ""
}

// gatorMangled reports a line of b that gator's reader would drop or split
// at, after the header.
func gatorMangled(b []byte) (string, bool) {
	lines := strings.Split(string(bytes.TrimRight(b, "\n")), "\n")
	for _, l := range lines[1:] {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(l, "---") {
			return l, true
		}
	}
	return "", false
}

// admissionReview wraps a case in the AdmissionReview Gatekeeper's webhook
// receives for it: the request the harness' Gatekeeper engine reviews.
func admissionReview(c cases.Case) map[string]any {
	return map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": requestFields(harness.ReviewOf(c))}
}

// paramSet is the parameters cases give one rule: absent (the constraint
// has none, so the defaults apply) or a given object, as the harness'
// Gatekeeper engine installs them.
type paramSet struct {
	given  bool
	params map[string]any
	key    string // canonical JSON; "" when absent
}

// casesOf are the cases of a rule's suite: those of its own case file and
// of the shared files (no rule's own: kinds, malformed, operations, smoke),
// and every other case that expects a violation of it.
// A case of another rule's file that expects none of this rule's is left to
// that rule's suite: each such case is still judged by every rule at once
// whenever policygen tests (the gator engine), and gator verify compiles the
// template anew for every case, so each case in a suite costs its time.
func casesOf(s *spec.Spec, r spec.Rule, gcs []gatorCase) []gatorCase {
	var out []gatorCase
	for _, gc := range gcs {
		if gc.File == s.CaseFile(r) || s.SharedCaseFile(gc.File) || len(gc.Expect[r.ID]) > 0 {
			out = append(out, gc)
		}
	}
	return out
}

// ruleSuite builds a rule's suite and its constraint files (path under
// dist/ → object): the Test of absent parameters first, then one per
// parameter set in the order of its JSON. The constraint files are those
// of every case gator reads, declined or not, so that each parameter set
// has the same file in every suite; a Test left without cases is dropped.
func ruleSuite(r spec.Rule, gcs []gatorCase, contract harness.Contract) (suite, map[string]any, error) {
	sets := map[string]paramSet{}
	setOf := make([]paramSet, len(gcs)) // each case's
	for i, gc := range gcs {
		if gc.leftOut != "" {
			continue
		}
		ps, err := paramsOf(gc.Case, r)
		if err != nil {
			return suite{}, nil, err
		}
		sets[ps.key], setOf[i] = ps, ps
	}
	keys := slices.Sorted(maps.Keys(sets)) // "" (absent) first
	names, words := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		names[i], words[i] = "parameters "+k, paramWords.Replace(k)
		if k == "" {
			names[i], words[i] = "defaults", "defaults"
		}
	}
	slugs := uniqueSlugs(words)
	st := suite{
		APIVersion: "test.gatekeeper.sh/v1alpha1",
		Kind:       "Suite",
		Metadata:   map[string]string{"name": r.ID},
	}
	constraints := map[string]any{}
	index := map[string]int{} // parameter key → its Test
	for i, k := range keys {
		file := "constraint-" + slugs[i] + ".yaml"
		constraints[path.Join(FixturesDir, r.ID, file)] = caseConstraint(r, sets[k])
		index[k] = len(st.Tests)
		st.Tests = append(st.Tests, suiteTest{
			Name:       names[i],
			Template:   path.Base(TemplatePath(r)),
			Constraint: path.Join(fromSuite, r.ID, file),
		})
	}
	for i, gc := range gcs {
		if gc.leftOut != "" || gc.declined != "" {
			continue
		}
		as := assertions(gc.Expect[r.ID])
		if contract == harness.PerRule {
			var err error
			if as, err = perRuleAssertions(gc.Expect[r.ID]); err != nil {
				return suite{}, nil, fmt.Errorf("case %q: %w", gc.Name, err)
			}
		}
		t := &st.Tests[index[setOf[i].key]]
		t.Cases = append(t.Cases, suiteCase{
			Name:       gc.Name,
			Object:     path.Join(fromSuite, strings.TrimPrefix(gc.object, FixturesDir+"/")),
			Assertions: as,
		})
	}
	st.Tests = slices.DeleteFunc(st.Tests, func(t suiteTest) bool { return len(t.Cases) == 0 })
	return st, constraints, nil
}

// paramWords keep apart, in file names, parameters that differ in signs.
var paramWords = strings.NewReplacer("*", " star ", "[]", " none ", "{}", " none ")

func paramsOf(c cases.Case, r spec.Rule) (paramSet, error) {
	p, given := c.Parameters[r.ID]
	if !given {
		return paramSet{}, nil
	}
	b, err := json.Marshal(p) // sorted keys: one key per set
	if err != nil {
		return paramSet{}, fmt.Errorf("case %q: parameters of %s: %w", c.Name, r.ID, err)
	}
	return paramSet{given: true, params: p, key: string(b)}, nil
}

// caseConstraint is the constraint the harness installs for a case: the
// parameters, and no match, so that every object is judged.
func caseConstraint(r spec.Rule, ps paramSet) map[string]any {
	c := Constraint{Name: r.ID}
	if ps.given {
		c.Parameters = ps.params
	}
	return c.Of(r).Object
}

// assertions are the exact number of the rule's violations, then per
// distinct message pattern the number matching it: exact when every
// expected violation has that pattern (each violation then matches it),
// else at least one, since a violation expected under another pattern may
// match it as well.
func assertions(exps []cases.Expectation) []assertion {
	out := []assertion{{Violations: len(exps)}}
	count := map[string]int{}
	var patterns []string
	for _, e := range exps {
		if count[e.Message] == 0 {
			patterns = append(patterns, e.Message)
		}
		count[e.Message]++
	}
	for _, p := range patterns {
		a := assertion{Message: p, Violations: "yes"}
		if count[p] == len(exps) {
			a.Violations = len(exps)
		}
		out = append(out, a)
	}
	return out
}

// perRuleAssertions are what the CEL contract asserts of a rule: that it
// fires or not ("yes" or "no": CEL yields one violation per failing
// validation, not one per offender), and, per distinct message pattern,
// that a violation matches it (a validation's message names every
// offender, each as the Rego's message does).
func perRuleAssertions(exps []cases.Expectation) ([]assertion, error) {
	if len(exps) == 0 {
		return []assertion{{Violations: "no"}}, nil
	}
	out := []assertion{{Violations: "yes"}}
	seen := map[string]bool{}
	for _, e := range exps {
		if seen[e.Message] {
			continue
		}
		seen[e.Message] = true
		p, err := amongJoined(e.Message)
		if err != nil {
			return nil, err
		}
		out = append(out, assertion{Message: p, Violations: "yes"})
	}
	return out, nil
}

// amongJoined is a pattern of one message that matches it among messages
// joined with "; ", as a CEL validation's message joins its offenders':
// where the pattern is anchored to the start of the text, a "; " may come
// instead, and where to the end, a ";". A pattern without anchors is kept
// as written.
func amongJoined(pattern string) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", fmt.Errorf("message pattern %q: %w", pattern, err)
	}
	start, _ := syntax.Parse(`(?:\A|; )`, syntax.Perl)
	end, _ := syntax.Parse(`(?:;|\z)`, syntax.Perl)
	changed := false
	var walk func(*syntax.Regexp) *syntax.Regexp
	walk = func(n *syntax.Regexp) *syntax.Regexp {
		switch n.Op {
		case syntax.OpBeginText:
			changed = true
			return start
		case syntax.OpEndText:
			changed = true
			return end
		}
		for i, sub := range n.Sub {
			n.Sub[i] = walk(sub)
		}
		return n
	}
	re = walk(re)
	if !changed {
		return pattern, nil
	}
	return re.String(), nil
}

// uniqueSlugs turns names into distinct, readable file names: lower case
// words joined by "-", at most slugMax long; a name whose slug is taken
// gets "-2", "-3", ... in the order given.
func uniqueSlugs(names []string) []string {
	out := make([]string, len(names))
	taken := map[string]bool{}
	for i, n := range names {
		base := strings.Trim(render.NonWord.ReplaceAllString(strings.ToLower(n), "-"), "-")
		if len(base) > slugMax {
			base = strings.TrimRight(base[:slugMax], "-")
		}
		if base == "" {
			base = "empty"
		}
		slug := base
		for k := 2; taken[slug]; k++ {
			slug = fmt.Sprintf("%s-%d", base, k)
		}
		taken[slug] = true
		out[i] = slug
	}
	return out
}
