package gatekeeper

import (
	"context"
	"fmt"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/target/enginekit"
	"github.com/policygen/policygen/internal/violation"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"sigs.k8s.io/yaml"

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
		p := TemplatePath(r)
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

func (o *OPA) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	review, err := enginekit.ToJSONValue(inputReview(r))
	if err != nil {
		return nil, err
	}
	var out []violation.Violation
	for id, q := range o.queries {
		input := map[string]any{"review": review}
		if p, ok := r.Parameters[id]; ok {
			if input["parameters"], err = enginekit.ToJSONValue(p); err != nil {
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
		vs, err := enginekit.Violations(rs)
		if err != nil {
			return nil, fmt.Errorf("rule %s: %w", id, err)
		}
		out = append(out, vs...)
	}
	return out, nil
}

// inputReview is input.review as Gatekeeper builds it from an
// admission request; on DELETE the object is the old object.
func inputReview(r harness.Review) map[string]any {
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
