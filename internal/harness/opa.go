package harness

import (
	"context"
	"fmt"

	"github.com/policygen/policygen/internal/violation"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// OPA judges with embedded OPA, prepared queries over each rendered
// template's Rego and libs, with the input Gatekeeper builds (review,
// parameters), compiled under Gatekeeper's OPA capabilities.
type OPA struct {
	queries map[string]rego.PreparedEvalQuery // rule id → violation query
}

// templateSource is the part of a rendered ConstraintTemplate OPA needs.
type templateSource struct {
	Spec struct {
		Targets []struct {
			Code []struct {
				Engine string `json:"engine"`
				Source struct {
					Rego string   `json:"rego"`
					Libs []string `json:"libs"`
				} `json:"source"`
			} `json:"code"`
		} `json:"targets"`
	} `json:"spec"`
}

// NewOPA prepares one query per rendered template.
func NewOPA(s *spec.Spec, dist render.Artifacts) (*OPA, error) {
	caps, err := spec.GatekeeperCapabilities()
	if err != nil {
		return nil, err
	}
	o := &OPA{queries: map[string]rego.PreparedEvalQuery{}}
	for _, r := range s.Rules {
		p := render.TemplatePath(r)
		var t templateSource
		if err := yaml.Unmarshal(dist[p], &t); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if len(t.Spec.Targets) != 1 || len(t.Spec.Targets[0].Code) != 1 || t.Spec.Targets[0].Code[0].Engine != "Rego" {
			return nil, fmt.Errorf("%s: want one target with one Rego code entry", p)
		}
		src := t.Spec.Targets[0].Code[0].Source
		opts := []func(*rego.Rego){
			rego.Query("data." + r.TemplateName() + ".violation"),
			rego.Capabilities(caps),
			rego.SetRegoVersion(ast.RegoV1),
			rego.StrictBuiltinErrors(true),
			rego.Module(p, src.Rego),
		}
		for i, lib := range src.Libs {
			opts = append(opts, rego.Module(fmt.Sprintf("%s#lib%d", p, i), lib))
		}
		q, err := rego.New(opts...).PrepareForEval(context.Background())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		o.queries[r.ID] = q
	}
	return o, nil
}

func (o *OPA) Name() string { return "opa" }

func (o *OPA) Admission() bool { return true }

func (o *OPA) Evaluate(ctx context.Context, r Review) ([]violation.Violation, error) {
	review, err := toJSONValue(admissionReview(r))
	if err != nil {
		return nil, err
	}
	var out []violation.Violation
	for id, q := range o.queries {
		input := map[string]any{"review": review}
		if p, ok := r.Parameters[id]; ok {
			if input["parameters"], err = toJSONValue(p); err != nil {
				return nil, err
			}
		}
		parsed, err := ast.InterfaceToValue(input)
		if err != nil {
			return nil, err
		}
		rs, err := q.Eval(ctx, rego.EvalParsedInput(parsed))
		if err != nil {
			return nil, err
		}
		vs, err := violations(rs)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", id, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// admissionReview is input.review as Gatekeeper builds it from an
// admission request; on DELETE the object is the old object.
func admissionReview(r Review) map[string]any {
	object := r.Object
	apiVersion, _ := object["apiVersion"].(string)
	kind, _ := object["kind"].(string)
	group, version := "", apiVersion
	for i := len(apiVersion) - 1; i >= 0; i-- {
		if apiVersion[i] == '/' {
			group, version = apiVersion[:i], apiVersion[i+1:]
			break
		}
	}
	meta, _ := object["metadata"].(map[string]any)
	review := map[string]any{
		"kind":      map[string]any{"group": group, "version": version, "kind": kind},
		"operation": r.Op(),
		"name":      meta["name"],
		"namespace": meta["namespace"],
		"object":    object,
	}
	switch {
	case r.Op() == "DELETE":
		review["oldObject"] = object
	case r.OldObject != nil:
		review["oldObject"] = r.OldObject
	}
	return review
}

// OPAConftest judges with embedded OPA over the rendered conftest policy
// directory, with the raw object as input and parameters as data, the way
// `conftest test -p dist/conftest --data params.yaml` does.
type OPAConftest struct {
	name    string
	store   storage.Store
	query   rego.PreparedEvalQuery
	modules map[string]string
	cover   *cover.Cover // nil unless coverage was asked for
}

// WithCoverage makes the engine record which Rego lines its evaluations reach.
func (c *OPAConftest) WithCoverage() *OPAConftest {
	c.cover = cover.New()
	return c
}

// NewConftest prepares data.main.violation over the conftest modules.
func NewConftest(dist render.Artifacts) (*OPAConftest, error) {
	mods := map[string]string{}
	for p, b := range dist.Under(render.ConftestDir) {
		if len(p) > 5 && p[len(p)-5:] == ".rego" && !isTestFile(p) {
			mods[p] = string(b)
		}
	}
	return newMainQuery("conftest", mods)
}

// NewBundle prepares data.main.violation over the modules of the rendered
// OPA bundle, as OPA loads it.
func NewBundle(bundleTarGz []byte) (*OPAConftest, error) {
	mods, err := bundle.Modules(bundleTarGz)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	return newMainQuery("bundle", mods)
}

func isTestFile(p string) bool { return len(p) > 10 && p[len(p)-10:] == "_test.rego" }

func newMainQuery(name string, mods map[string]string) (*OPAConftest, error) {
	if len(mods) == 0 {
		return nil, fmt.Errorf("%s: no Rego modules rendered", name)
	}
	store := inmem.New()
	opts := []func(*rego.Rego){
		rego.Query("data.main.violation"),
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
	return &OPAConftest{name: name, store: store, query: q, modules: mods}, nil
}

func (c *OPAConftest) Name() string { return c.name }

func (c *OPAConftest) Admission() bool { return false }

func (c *OPAConftest) Evaluate(ctx context.Context, r Review) ([]violation.Violation, error) {
	if r.Op() == "DELETE" {
		return nil, nil // conftest judges files, not deletions
	}
	input, err := toJSONValue(r.Object)
	if err != nil {
		return nil, err
	}
	data, err := toJSONValue(map[string]any{"parameters": r.Parameters})
	if err != nil {
		return nil, err
	}
	// Parameters live in the store for one evaluation, as --data puts them.
	txn, err := c.store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return nil, err
	}
	defer c.store.Abort(ctx, txn)
	if err := c.store.Write(ctx, txn, storage.AddOp, storage.Path{"hostprocess"}, data); err != nil {
		return nil, err
	}
	opts := []rego.EvalOption{rego.EvalInput(input), rego.EvalTransaction(txn)}
	if c.cover != nil {
		opts = append(opts, rego.EvalQueryTracer(c.cover))
	}
	rs, err := c.query.Eval(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return violations(rs)
}
