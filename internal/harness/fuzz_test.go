package harness_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/target/gatekeepercel"
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

// FuzzEngines feeds an object (JSON), an oldObject (JSON, used on UPDATE;
// anything that is not an object means none), parameters (JSON, per rule
// id), an edit program for generate.Mutate (applied to the object) and an
// operation to every engine, and requires: no evaluation error, no
// disagreement between the engines (rule, field and message of every
// violation; an UPDATE with an oldObject goes to the engines that judge
// admission requests, and the engines of files judge the object alone),
// and, where every pod-bearing item has a typed form that the rules read
// alike (reference.Decode), exactly the reference model's rules and fields.
// The CEL engines answer by the CEL contract (harness.PerRule): the same
// rules, naming the same containers and volumes; what one declines (a
// List, what the typed form cannot hold) it is not asked. The seeds are every case of
// testcases/ and a few generated objects; the edit program lets the fuzzer
// change them structurally, deep inside, rather than hope that random bytes
// make a pod. testdata/fuzz/FuzzEngines keeps the inputs worth keeping.
func FuzzEngines(f *testing.F) {
	fx := newFuzzEnv(f)
	for _, s := range fx.seeds(f) {
		f.Add(s.object, s.old, s.params, []byte(nil), s.op)
	}
	f.Fuzz(func(t *testing.T, object, old, params string, edits []byte, op byte) {
		if len(object)+len(old)+len(params) > maxInput {
			return
		}
		var u map[string]any
		if utiljson.Unmarshal([]byte(object), &u) != nil || u == nil {
			return // not an object: nothing any engine is given
		}
		u = generate.Mutate(u, edits)
		in := fuzzInput{object: u, params: parseParams(params), op: operations[int(op)%len(operations)]}
		if in.op == "UPDATE" {
			var o map[string]any
			if utiljson.Unmarshal([]byte(old), &o) == nil && o != nil {
				in.old = o
			}
		}
		if problem := fx.problem(in); problem != "" {
			t.Fatal(fx.report(in, problem))
		}
	})
}

// fuzzInput is one object under one parameter set and operation.
type fuzzInput struct {
	object map[string]any
	old    map[string]any // UPDATE: the oldObject, nil for none
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

// constraints reports whether an engine judges through Gatekeeper's
// constraint framework, which refuses a constraint whose parameters do not
// fit the template's schema.
func constraints(e harness.Engine) bool {
	switch e.(type) {
	case *gatekeeper.Engine, *gatekeepercel.Engine:
		return true
	}
	return false
}

// problem judges one input in every engine and returns what is wrong, or "".
func (fx *fuzzEnv) problem(in fuzzInput) string {
	ctx := context.Background()
	schemaErr := fx.checkParams(in.params)
	answers := make([][]violation.Violation, len(fx.engines))
	declined := make([]bool, len(fx.engines))
	for i, e := range fx.engines {
		r := harness.Review{Object: copyObject(in.object), Operation: in.op, Parameters: in.params}
		if in.old != nil {
			r.OldObject = copyObject(in.old)
		}
		if !harness.Judges(e, r) {
			r = harness.Review{Object: r.Object, Parameters: r.Parameters} // the object alone, as a file
		}
		if harness.Declines(e, r) != "" {
			declined[i] = true // what this consumer is never given (a List at admission, what the typed form cannot hold)
			continue
		}
		if constraints(e) && schemaErr != nil {
			// A cluster would refuse such a constraint, and so must
			// Gatekeeper's client. The Rego reads wrong-typed parameters as
			// their defaults (and lists without their non-strings), as the
			// reference does: Gatekeeper must judge those as the others
			// judge what was given.
			if _, err := e.Evaluate(ctx, r); err == nil || !strings.Contains(err.Error(), "constraint ") {
				return fmt.Sprintf("gatekeeper accepts parameters that do not fit the schema (%v): error %v", schemaErr, err)
			}
			r.Parameters = fx.asParameters(reference.ParamsFrom(in.params))
		}
		got, err := e.Evaluate(ctx, r)
		if err != nil {
			return fmt.Sprintf("%s: evaluation error: %v", e.Name(), err)
		}
		answers[i] = got
	}
	// Engines that were asked the same question must answer alike: the Rego
	// engines violation for violation, the CEL engines (harness.PerRule)
	// rule for rule, naming the same containers and volumes.
	first := map[bool]int{}
	for i, e := range fx.engines {
		group := e.Admission() || in.old == nil
		j, seen := first[group]
		if declined[i] || harness.ContractOf(e) == harness.PerRule && !seen {
			continue
		}
		if !seen {
			first[group] = i
			continue
		}
		same := exact
		if harness.ContractOf(e) == harness.PerRule {
			same = ruleVerdict
		}
		if same(answers[i]) != same(answers[j]) {
			return fmt.Sprintf("engines disagree:\n%s:\n%s\n%s:\n%s", fx.engines[j].Name(), same(answers[j]), fx.engines[i].Name(), same(answers[i]))
		}
	}
	if in.op == "DELETE" {
		if len(answers[0]) > 0 {
			return fmt.Sprintf("a deletion violates:\n%s", exact(answers[0]))
		}
		return ""
	}
	params := reference.ParamsFrom(in.params)
	for i, e := range fx.engines {
		if declined[i] {
			continue
		}
		verdict := verdictOf(e)
		var want []violation.Violation
		var err error
		if e.Admission() {
			want, err = reference.EvaluateReview(in.object, in.old, in.op, params)
		} else {
			want, err = reference.EvaluateDocument(in.object, params)
		}
		if err != nil {
			return "" // some item has no typed form that reads like it: nothing to compare
		}
		if verdict(answers[i]) != verdict(want) {
			onlyEngine, onlyRef := sides(verdict(answers[i]), verdict(want))
			return fmt.Sprintf("%s disagrees with the reference:\n%s:\n%s\nreference:\n%s\nonly %s: %s\nonly the reference: %s",
				e.Name(), e.Name(), verdict(answers[i]), verdict(want), e.Name(), strings.Join(onlyEngine, "; "), strings.Join(onlyRef, "; "))
		}
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

// asParameters writes the reference's parameters as a constraint gives
// them, those that the spec declares.
func (fx *fuzzEnv) asParameters(p reference.Params) map[string]map[string]any {
	list := func(ss []string) []any {
		out := make([]any, len(ss))
		for i, s := range ss {
			out[i] = s
		}
		return out
	}
	all := map[string]map[string]any{
		reference.RuleAllowed:        {"allowedImages": list(p.AllowedImages)},
		reference.RuleRunAsUserName:  {"allowSystem": p.AllowSystem, "systemImages": list(p.SystemImages), "allowedLocalGroups": list(p.AllowedLocalGroups)},
		reference.RuleWindowsNode:    {"requireOSName": p.RequireOSName},
		reference.RuleResourceLimits: {"requiredLimits": list(p.RequiredLimits)},
	}
	out := map[string]map[string]any{}
	for _, r := range fx.spec.Rules {
		for _, declared := range r.Parameters {
			if v, ok := all[r.ID][declared.Name]; ok {
				if out[r.ID] == nil {
					out[r.ID] = map[string]any{}
				}
				out[r.ID][declared.Name] = v
			}
		}
	}
	return out
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
		return !shrinking.spent() && fx.problem(fuzzInput{object: m, old: in.old, params: in.params, op: in.op}) != ""
	})
	obj, _ := json.Marshal(small)
	old, _ := json.Marshal(in.old)
	params, _ := json.Marshal(in.params)
	return fmt.Sprintf("%s\n\nsmallest object: %s\noldObject: %s\nparameters: %s\noperation: %s\n%s",
		problem, obj, old, params, in.op, fx.problem(fuzzInput{object: small, old: in.old, params: in.params, op: in.op}))
}

// shrinking bounds the time one process spends shrinking: when many seeds
// fail at once (a rule changed on one side only), the first reports are
// shrunk and the rest shown as they are.
var shrinking = newBudget(45 * time.Second)

// budget is time to spend, from its first use, across goroutines.
type budget struct {
	mu    sync.Mutex
	total time.Duration
	end   time.Time
}

func newBudget(total time.Duration) *budget { return &budget{total: total} }

// spent reports whether the budget is used up, starting it on first use.
func (b *budget) spent() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.end.IsZero() {
		b.end = time.Now().Add(b.total)
	}
	return time.Now().After(b.end)
}

// seed is one input of the seed corpus.
type seed struct {
	object, old, params string
	op                  byte
}

// seeds are every case's object, oldObject and parameters, and generated
// documents (lists, respelt limits and annotations, wrong-typed values),
// some as UPDATEs against an oldObject, under the generator's parameter sets.
func (fx *fuzzEnv) seeds(t testing.TB) []seed {
	var out []seed
	add := func(obj, old any, params map[string]map[string]any, op string) {
		o, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		p, err := json.Marshal(params)
		if err != nil {
			t.Fatal(err)
		}
		s := seed{object: string(o), params: string(p), op: byte(max(0, indexOf(operations, op)))}
		if old != nil {
			b, err := json.Marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			s.old = string(b)
		}
		out = append(out, s)
	}
	for _, c := range fx.cases {
		obj := c.Object
		if obj == nil {
			obj = map[string]any{}
		}
		var old any
		if c.OldObject != nil {
			old = c.OldObject
		}
		add(obj, old, c.Parameters, c.Operation)
	}
	g := generate.New(20261123)
	sets := generate.ParameterSets()
	for i := range 32 {
		d := g.NextDocument()
		var old any
		op := ""
		if i%4 == 3 {
			if o, _ := generate.UpdateOf(d.Object, g.Rand()); o != nil {
				old = o
			}
			op = "UPDATE"
		}
		add(d.Object, old, sets[i%len(sets)].Params, op)
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
