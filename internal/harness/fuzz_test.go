package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/violation"

	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/spec"
)

// operations are the admission operations a fuzz input's op byte picks.
var operations = []string{"CREATE", "UPDATE", "DELETE"}

// maxInput bounds the JSON of a fuzz input, so that time goes to variety.
const maxInput = 1 << 15

// FuzzEngines feeds an object (JSON), parameters (JSON, per rule id), an
// edit program for generate.Mutate and an operation to every engine, and
// requires: no evaluation error, no disagreement between the engines
// (rule, field and message of every violation), and, where the object has
// a typed form that the rules read alike (reference.Decode), exactly the
// reference model's rules and fields. The seeds are every case of
// testcases/ and a few generated objects; the edit program lets the fuzzer
// change them structurally, deep inside, rather than hope that random bytes
// make a pod. testdata/fuzz/FuzzEngines keeps the inputs worth keeping.
func FuzzEngines(f *testing.F) {
	fx := newFuzzEnv(f)
	for _, s := range fx.seeds(f) {
		f.Add(s.object, s.params, []byte(nil), s.op)
	}
	f.Fuzz(func(t *testing.T, object, params string, edits []byte, op byte) {
		if len(object)+len(params) > maxInput {
			return
		}
		var u map[string]any
		if utiljson.Unmarshal([]byte(object), &u) != nil || u == nil {
			return // not an object: nothing any engine is given
		}
		u = generate.Mutate(u, edits)
		in := fuzzInput{object: u, params: parseParams(params), op: operations[int(op)%len(operations)]}
		if problem := fx.problem(in); problem != "" {
			t.Fatal(fx.report(in, problem))
		}
	})
}

// fuzzInput is one object under one parameter set and operation.
type fuzzInput struct {
	object map[string]any
	params map[string]map[string]any
	op     string
}

// fuzzEnv is what every input is judged with, built once per process.
type fuzzEnv struct {
	spec    *spec.Spec
	cases   []cases.Case
	engines []harness.Engine
}

func newFuzzEnv(t testing.TB) *fuzzEnv {
	s, all, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return &fuzzEnv{spec: s, cases: all, engines: engines(t)}
}

// parseParams reads parameters per rule id; a rule's entry that is not an
// object cannot be a constraint's parameters and is left out.
func parseParams(s string) map[string]map[string]any {
	var m map[string]any
	if utiljson.Unmarshal([]byte(s), &m) != nil || m == nil {
		return nil
	}
	out := map[string]map[string]any{}
	for id, v := range m {
		if p, ok := v.(map[string]any); ok {
			out[id] = p
		}
	}
	return out
}

// problem judges one input in every engine and returns what is wrong, or "".
func (fx *fuzzEnv) problem(in fuzzInput) string {
	ctx := context.Background()
	schemaErr := fx.checkParams(in.params)
	answers := make([][]violation.Violation, len(fx.engines))
	for i, e := range fx.engines {
		params := in.params
		if _, isGatekeeper := e.(*gatekeeper.Engine); isGatekeeper && schemaErr != nil {
			// A cluster would refuse such a constraint, and so must
			// Gatekeeper's client. The Rego reads wrong-typed parameters as
			// their defaults (and lists without their non-strings), as the
			// reference does: Gatekeeper must judge those as the others
			// judge what was given.
			if _, err := e.Evaluate(ctx, harness.Review{Object: copyObject(in.object), Operation: in.op, Parameters: params}); err == nil || !strings.Contains(err.Error(), "constraint ") {
				return fmt.Sprintf("gatekeeper accepts parameters that do not fit the schema (%v): error %v", schemaErr, err)
			}
			params = asParameters(reference.ParamsFrom(in.params))
		}
		got, err := e.Evaluate(ctx, harness.Review{Object: copyObject(in.object), Operation: in.op, Parameters: params})
		if err != nil {
			return fmt.Sprintf("%s: evaluation error: %v", e.Name(), err)
		}
		answers[i] = got
	}
	for i := 1; i < len(answers); i++ {
		if exact(answers[i]) != exact(answers[0]) {
			return fmt.Sprintf("engines disagree:\n%s:\n%s\n%s:\n%s", fx.engines[0].Name(), exact(answers[0]), fx.engines[i].Name(), exact(answers[i]))
		}
	}
	if in.op == "DELETE" {
		if len(answers[0]) > 0 {
			return fmt.Sprintf("a deletion violates:\n%s", exact(answers[0]))
		}
		return ""
	}
	if want, ok := referenceVerdict(in.object, reference.ParamsFrom(in.params)); ok && verdict(answers[0]) != want {
		return fmt.Sprintf("the engines disagree with the reference:\nengines:\n%s\nreference:\n%s", verdict(answers[0]), want)
	}
	return ""
}

// checkParams says why the parameters would not fit the constraints'
// schemas: an unknown parameter, or a value of the wrong type. Rules the
// spec does not have are no constraint's and are ignored by every engine.
func (fx *fuzzEnv) checkParams(params map[string]map[string]any) error {
	for _, r := range fx.spec.Rules {
		given, ok := params[r.ID]
		if !ok {
			continue
		}
		declared := map[string]spec.Parameter{}
		for _, p := range r.Parameters {
			declared[p.Name] = p
		}
		for _, name := range slices.Sorted(maps.Keys(given)) {
			p, ok := declared[name]
			if !ok {
				return fmt.Errorf("%s: unknown parameter %q", r.ID, name)
			}
			if err := p.Validate(given[name]); err != nil {
				return fmt.Errorf("%s: %s: %v", r.ID, name, err)
			}
		}
	}
	return nil
}

// asParameters writes the reference's parameters as a constraint gives them.
func asParameters(p reference.Params) map[string]map[string]any {
	list := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	return map[string]map[string]any{
		reference.RuleAllowed:        {"allowedImages": list(p.AllowedImages)},
		reference.RuleRunAsUserName:  {"allowSystem": p.AllowSystem, "allowedLocalGroups": list(p.AllowedLocalGroups)},
		reference.RuleResourceLimits: {"requiredLimits": list(p.RequiredLimits)},
	}
}

// referenceVerdict is the reference's verdict on a document (a List item by
// item), and false when some pod-bearing object in it has no typed form
// that the rules read alike. Comparing only then is what makes the
// comparison sound: a typed form cannot hold a wrong-typed value, an
// unknown key, an explicit image "" or an os: {}, and would judge its own
// reading of them, not the object. Decode checks by encoding the typed form
// again, so nothing it accepts is read differently by the rules.
func referenceVerdict(doc map[string]any, params reference.Params) (string, bool) {
	if doc["kind"] != "List" {
		vs, ok := referenceOf(doc, params)
		return verdict(vs), ok
	}
	items, isList := doc["items"].([]any)
	if !isList {
		return "", true // a List without items is an object of kind List: no pod spec
	}
	var all []violation.Violation
	for i, item := range items {
		m, isObject := item.(map[string]any)
		if !isObject {
			continue
		}
		vs, ok := referenceOf(m, params)
		if !ok {
			return "", false
		}
		for _, v := range vs {
			v.Field = fmt.Sprintf("items[%d].%s", i, v.Field)
			all = append(all, v)
		}
	}
	return verdict(all), true
}

// referenceOf judges one object: nothing for a kind without a pod spec.
func referenceOf(u map[string]any, params reference.Params) ([]violation.Violation, bool) {
	if kind, _ := u["kind"].(string); !reference.HasPodSpec(kind) {
		return nil, true
	}
	obj, err := reference.Decode(u)
	if err != nil {
		return nil, false
	}
	return reference.Evaluate(obj, params), true
}

// exact is every violation with its message, sorted: the embedded engines
// run the same Rego and must give the same text, as Run requires.
func exact(vs []violation.Violation) string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.Rule + " " + v.Field + " " + v.Message
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// copyObject gives each engine its own copy, so none sees another's changes.
func copyObject(u map[string]any) map[string]any {
	raw, err := json.Marshal(u)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := utiljson.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return out
}

// report shrinks the object to the smallest that still shows a problem and
// shows it with the input it came from.
func (fx *fuzzEnv) report(in fuzzInput, problem string) string {
	small := generate.ShrinkUnstructured(in.object, func(m map[string]any) bool {
		return fx.problem(fuzzInput{object: m, params: in.params, op: in.op}) != ""
	})
	obj, _ := json.Marshal(small)
	params, _ := json.Marshal(in.params)
	return fmt.Sprintf("%s\n\nsmallest object: %s\nparameters: %s\noperation: %s\n%s",
		problem, obj, params, in.op, fx.problem(fuzzInput{object: small, params: in.params, op: in.op}))
}

// seed is one input of the seed corpus.
type seed struct {
	object, params string
	op             byte
}

// seeds are every case's object and parameters, and generated objects,
// each eighth with wrong-typed values, under the generator's parameter sets.
func (fx *fuzzEnv) seeds(t testing.TB) []seed {
	var out []seed
	add := func(obj any, params map[string]map[string]any, op string) {
		o, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		p, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, seed{object: string(o), params: string(p), op: byte(max(0, indexOf(operations, op)))})
	}
	for _, c := range fx.cases {
		obj := c.Object
		if obj == nil {
			obj = map[string]any{}
		}
		add(obj, c.Parameters, c.Operation)
	}
	g := generate.New(20261123)
	sets := generate.ParameterSets()
	for i := range 24 {
		obj := g.Next()
		u := generate.Unstructured(obj)
		if i%8 == 7 {
			u, _, _ = generate.Corrupt(obj, g.Rand())
		}
		add(u, sets[i%len(sets)].Params, "")
	}
	return out
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}
