// Package gatekeepercel is the Gatekeeper target with CEL: dist/gatekeeper
// again, each ConstraintTemplate carrying the rule's CEL as a
// K8sNativeValidation code entry before its Rego. Gatekeeper and gator
// (v3.23.1 enable K8sNativeValidation by default) run a template's CEL and
// never its Rego when it has both, and CEL yields one violation per failing
// validation, so this tree ships apart from dist/gatekeeper, whose counts
// and messages stay the Rego's.
// Beside each template lies the rule's gator verify suite under the CEL
// contract. It is judged, under that contract (harness.PerRule), by
// Gatekeeper's constraint framework with the k8scel driver, as gator builds
// it, by the ValidatingAdmissionPolicy Gatekeeper generates from each
// template (vap.go), and by the real gator with
// --enable-k8s-native-validation (gator.go).
package gatekeepercel

import (
	"context"
	"fmt"
	"path/filepath"

	templatesv1 "github.com/open-policy-agent/frameworks/constraint/pkg/apis/templates/v1"
	"github.com/open-policy-agent/frameworks/constraint/pkg/core/templates"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/kinds"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/violation"
)

// Root is the directory of the tree below dist.
const Root = "gatekeeper-cel"

// Target renders dist/gatekeeper-cel.
type Target struct{}

func (Target) Name() string  { return "gatekeeper-cel" }
func (Target) Adapter() bool { return false }

// Render compiles the CEL in every environment it ships to, then renders
// the tree and, beside each template, a gator verify suite of the rule's
// cases under the CEL contract, over the fixtures of dist/gatekeeper-tests.
func (Target) Render(s *spec.Spec, all []cases.Case, a render.Artifacts) error {
	if err := celenv.Check(s); err != nil {
		return err
	}
	files, err := gatekeeper.RenderTree(s, Root, Code)
	if err != nil {
		return err
	}
	a.Add(files)
	suites, err := gatekeeper.RenderSuites(s, all, Root, harness.PerRule, func(c cases.Case) string {
		return Declines(harness.ReviewOf(c))
	})
	if err != nil {
		return err
	}
	a.Add(suites)
	return nil
}

// Code is a rule's K8sNativeValidation code entry: its whole CEL program
// (the shared variables, its parameters, its variables and validations);
// Gatekeeper binds anyObject and params itself.
func Code(s *spec.Spec, r spec.Rule) ([]templatesv1.Code, error) {
	prog, err := s.CELProgram(r)
	if err != nil {
		return nil, err
	}
	var vars, validations []any
	for _, v := range prog.Variables {
		vars = append(vars, map[string]any{"name": v.Name, "expression": v.Expression})
	}
	for _, v := range prog.Validations {
		validations = append(validations, map[string]any{"expression": v.Expression, "messageExpression": v.MessageExpression})
	}
	return []templatesv1.Code{{
		Engine: "K8sNativeValidation",
		Source: &templates.Anything{Value: map[string]any{"variables": vars, "validations": validations}},
	}}, nil
}

func (Target) Engines(s *spec.Spec, a render.Artifacts) ([]harness.Engine, error) {
	e, err := gatekeeper.NewEngineOver(s, a, "gatekeeper-cel", Root, gator.WithK8sCEL())
	if err != nil {
		return nil, err
	}
	generated, err := NewGeneratedVAP(s, a)
	if err != nil {
		return nil, err
	}
	return []harness.Engine{&Engine{e}, generated}, nil
}

// Tools is the real gator with K8sNativeValidation enabled over the
// templates of the published tree.
func (Target) Tools(s *spec.Spec, bin, dist, work string) []harness.Engine {
	return []harness.Engine{&GatorCLI{gatekeeper.NewGatorCLI(s, "gator-cli-cel", filepath.Join(bin, "gator"), dist, Root, work, "--enable-k8s-native-validation")}}
}

// Engine is Gatekeeper's CEL driver over the templates, judged by the CEL
// contract.
type Engine struct{ gk *gatekeeper.Engine }

func (e *Engine) Name() string               { return e.gk.Name() }
func (e *Engine) Admission() bool            { return true }
func (e *Engine) Contract() harness.Contract { return harness.PerRule }

// Evaluate reviews as the Gatekeeper engine does; a message that says an
// evaluation failed is an error, never a violation.
func (e *Engine) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	vs, err := e.gk.Evaluate(ctx, r)
	if err != nil {
		return nil, err
	}
	return vs, evaluationFailed(vs)
}

// evaluationFailed is an error when a violation's message says that a CEL
// evaluation failed: never a violation.
func evaluationFailed(vs []violation.Violation) error {
	for _, v := range vs {
		if celenv.EvaluationFailed(v.Message) {
			return fmt.Errorf("rule %s: CEL evaluation failed: %s", v.Rule, v.Message)
		}
	}
	return nil
}

// NotAdmitted is why a CEL engine declines a List: the API server never
// admits one, and CEL cannot walk items to any depth as the Rego does.
const NotAdmitted = "a List is not an admission object (CEL judges no items)"

// NoObject is why it declines a DELETE of nothing: the API server always
// sends the object deleted, and the k8scel driver fails without one (the
// Rego engines judge it as Gatekeeper's audit and gator do).
const NoObject = "a DELETE without its object (the API server always sends one)"

// NoKind is why it declines an object or old object without a string
// kind: the API server never sends one, and the k8scel driver cannot read
// it.
const NoKind = "an object or old object without a string kind (the API server always sends one)"

// Declines a List, a DELETE of nothing, an object without a kind, and a
// name that only Unicode case folding matches to a group.
func (e *Engine) Declines(r harness.Review) string { return Declines(r) }

// Declines is why Gatekeeper's CEL driver cannot judge r, "" when it can.
func Declines(r harness.Review) string {
	switch {
	case kinds.IsList(r.Object):
		return NotAdmitted
	case r.Object == nil && r.Op() == "DELETE":
		return NoObject
	case !hasKind(r.Object) || r.OldObject != nil && r.Op() == "UPDATE" && !hasKind(r.OldObject):
		return NoKind
	case celenv.UnicodeCaseOnly(r.Parameters, r.Object):
		return celenv.UnicodeCase
	}
	return ""
}

func hasKind(obj map[string]any) bool {
	if obj == nil {
		return true
	}
	kind, ok := obj["kind"].(string)
	return ok && kind != ""
}
