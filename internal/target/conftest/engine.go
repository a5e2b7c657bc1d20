package conftest

import (
	"context"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/enginekit"
	"github.com/policygen/policygen/internal/violation"
)

// Engine judges with embedded OPA over conftest-shaped modules, with the
// raw object as input and the parameters as data, the way `conftest test
// -p dist/conftest --data params.yaml` does.
type Engine struct {
	name    string
	dataKey string // where --data puts the parameters: data.<dataKey>.parameters
	store   storage.Store
	query   rego.PreparedEvalQuery
	modules map[string]string
	cover   *cover.Cover // nil unless coverage was asked for
	fixed   bool         // the constraints are in the store for good (WithConstraints)
	spec    *spec.Spec
}

// NewEngine prepares data.main.violation over the rendered conftest
// policy directory.
func NewEngine(s *spec.Spec, dist render.Artifacts) (*Engine, error) {
	mods := map[string]string{}
	for p, b := range dist.Under(Dir) {
		if strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, "_test.rego") {
			mods[p] = string(b)
		}
	}
	return NewModulesEngine("conftest", s, mods)
}

// NewModulesEngine prepares data.main.violation over the given modules
// (path → text), as conftest and OPA load them; name names the engine.
func NewModulesEngine(name string, s *spec.Spec, mods map[string]string) (*Engine, error) {
	if len(mods) == 0 {
		return nil, fmt.Errorf("%s: no Rego modules rendered", name)
	}
	store := inmem.New()
	opts := []func(*rego.Rego){
		rego.Query("deny = data.main.violation; warn = data.main.warn"),
		rego.SetRegoVersion(ast.RegoV1),
		rego.StrictBuiltinErrors(true),
		rego.Store(store),
	}
	for p, m := range mods {
		opts = append(opts, rego.Module(p, m))
	}
	q, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Engine{name: name, dataKey: DataKey(s), store: store, query: q, modules: mods, spec: s}, nil
}

// DataKey is the top-level key of the data a user gives conftest with
// --data: the policy set's name, as its Rego adapter reads it.
func DataKey(s *spec.Spec) string { return s.Metadata.RegoName() }

// WithConstraints puts the constraints (CIConstraints) and the namespace
// of objects that name none in the store once, as one --data file does for
// a whole conftest run: every evaluation then reads them, ignores the
// review's parameters, and evaluations run in parallel (none writes the store).
func (c *Engine) WithConstraints(constraints []any, namespace string) (*Engine, error) {
	ctx := context.Background()
	data, err := enginekit.ToJSONValue(map[string]any{"constraints": constraints, "namespace": namespace})
	if err != nil {
		return nil, err
	}
	txn, err := c.store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, err
	}
	if err := c.store.Write(ctx, txn, storage.AddOp, storage.Path{c.dataKey}, data); err != nil {
		c.store.Abort(ctx, txn)
		return nil, err
	}
	if err := c.store.Commit(ctx, txn); err != nil {
		return nil, err
	}
	c.fixed = true
	return c, nil
}

// WithCoverage makes the engine record which Rego lines its evaluations reach.
func (c *Engine) WithCoverage() *Engine {
	c.cover = cover.New()
	return c
}

func (c *Engine) Name() string { return c.name }

func (c *Engine) Admission() bool { return false }

func (c *Engine) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	if r.Op() == "DELETE" {
		return nil, nil // conftest judges files, not deletions
	}
	input, err := inputValue(r.Object)
	if err != nil {
		return nil, err
	}
	if c.fixed {
		rs, err := c.query.Eval(ctx, rego.EvalParsedInput(input))
		if err != nil {
			return nil, err
		}
		return verdicts(rs)
	}
	// The case's parameters on one constraint per rule, everywhere, denying.
	data, err := enginekit.ToJSONValue(map[string]any{"constraints": CaseConstraints(c.spec, r.Parameters)})
	if err != nil {
		return nil, err
	}
	// Parameters live in the store for one evaluation, as --data puts them.
	txn, err := c.store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, err
	}
	defer c.store.Abort(ctx, txn)
	if err := c.store.Write(ctx, txn, storage.AddOp, storage.Path{c.dataKey}, data); err != nil {
		return nil, err
	}
	opts := []rego.EvalOption{rego.EvalParsedInput(input), rego.EvalTransaction(txn)}
	if c.cover != nil {
		opts = append(opts, rego.EvalQueryTracer(c.cover))
	}
	rs, err := c.query.Eval(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return verdicts(rs)
}

// inputValue is the object as OPA reads the JSON of it. An object of
// JSON's own types (maps, slices, strings, booleans, nil, integers, as
// manifests decode) converts directly; anything else (a float, whose text
// json.Marshal spells its own way, or another Go type) goes through JSON.
func inputValue(obj map[string]any) (ast.Value, error) {
	if plainJSON(obj) {
		return ast.InterfaceToValue(obj)
	}
	v, err := enginekit.ToJSONValue(obj)
	if err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(v)
}

func plainJSON(v any) bool {
	switch v := v.(type) {
	case nil, bool, string, int, int64:
		return true
	case map[string]any:
		for _, x := range v {
			if !plainJSON(x) {
				return false
			}
		}
		return true
	case []any:
		for _, x := range v {
			if !plainJSON(x) {
				return false
			}
		}
		return true
	}
	return false
}

// verdicts are the deny violations, then the warnings (Action "warn").
func verdicts(rs rego.ResultSet) ([]violation.Violation, error) {
	var out []violation.Violation
	for _, r := range rs {
		for _, name := range []string{"deny", "warn"} {
			vs, err := enginekit.Violations(rego.ResultSet{{Expressions: []*rego.ExpressionValue{{Value: r.Bindings[name]}}}})
			if err != nil {
				return nil, err
			}
			for _, v := range vs {
				if name == "warn" {
					v.Action = "warn"
				}
				out = append(out, v)
			}
		}
	}
	return out, nil
}

// EngineFor renders the conftest policies of the spec in memory and
// prepares the engine over them: what `policygen eval` judges with.
func EngineFor(s *spec.Spec) (*Engine, error) {
	files, err := Render(s)
	if err != nil {
		return nil, err
	}
	return NewEngine(s, files)
}
