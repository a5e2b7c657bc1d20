package vap

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/kinds"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/violation"
)

// Engine evaluates the rendered ValidatingAdmissionPolicies with the API
// server's own validator (k8s.io/apiserver's validating admission policy
// plugin), on the typed objects the API server would pass it. It judges
// by the CEL contract and declines, counting why, what no API server
// would pass.
type Engine struct {
	name       string
	spec       *spec.Spec
	validators []ruleValidator
	anyKind    bool // the policies match every kind, not the pod-bearing ones only
}

type ruleValidator struct {
	rule      spec.Rule
	validator validating.Validator
	params    Params
}

// WithAnyKind makes the engine judge objects of every kind, as policies
// whose match takes every resource (Gatekeeper's generated ones) see
// them: an object of a kind that is not pod-bearing reaches the policies as
// the API server passes a kind it has no Go type for, unstructured.
func (e *Engine) WithAnyKind() *Engine {
	e.anyKind = true
	return e
}

// Params is the parameter object a rule's policy reads for a review that
// gives the rule the parameters given (ok false when it gives none, so the
// defaults apply).
type Params func(given map[string]any, ok bool) runtime.Object

// RulePolicy is a rule's policy and the parameter object its binding
// names.
type RulePolicy struct {
	Rule   spec.Rule
	Policy *admissionregistrationv1.ValidatingAdmissionPolicy
	Params Params
}

// NewEngine compiles every rendered policy as the plugin compiles it, each
// reading a parameter object of the rendered CRD's kind.
func NewEngine(s *spec.Spec, a render.Artifacts) (*Engine, error) {
	var policies []RulePolicy
	for _, r := range s.Rules {
		p := path.Join(Root, r.ID, "policy.yaml")
		var policy admissionregistrationv1.ValidatingAdmissionPolicy
		if err := yaml.UnmarshalStrict(a[p], &policy); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		policies = append(policies, RulePolicy{Rule: r, Policy: &policy, Params: func(given map[string]any, ok bool) runtime.Object {
			params := map[string]any{}
			if ok {
				params[celenv.ParamKey(r)] = given
			}
			return ParamObject(s, "policygen-case", params)
		}})
	}
	return NewEngineOf(s, "vap", policies)
}

// NewEngineOf is the engine name over the policies, one per rule, each
// compiled as the plugin compiles it.
func NewEngineOf(s *spec.Spec, name string, policies []RulePolicy) (*Engine, error) {
	e := &Engine{name: name, spec: s}
	for _, p := range policies {
		v, err := compilePolicy(p.Policy)
		if err != nil {
			return nil, fmt.Errorf("policy %s of %s: %w", p.Policy.Name, p.Rule.ID, err)
		}
		e.validators = append(e.validators, ruleValidator{p.Rule, v, p.Params})
	}
	return e, nil
}

// compilePolicy compiles a policy as the plugin's compilePolicy does
// (k8s.io/apiserver/pkg/admission/plugin/policy/validating/plugin.go):
// the base environment of the library's default compatibility version,
// variables composed, stored-expression mode, with params and authorizer.
func compilePolicy(policy *admissionregistrationv1.ValidatingAdmissionPolicy) (validating.Validator, error) {
	hasParam := policy.Spec.ParamKind != nil
	optionalVars := cel.OptionalVariableDeclarations{HasParams: hasParam, HasAuthorizer: true}
	expressionOptionalVars := cel.OptionalVariableDeclarations{HasParams: hasParam, HasAuthorizer: false}
	compiler, err := cel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		return nil, err
	}
	var vars []cel.NamedExpressionAccessor
	for _, v := range policy.Spec.Variables {
		vars = append(vars, &validating.Variable{Name: v.Name, Expression: v.Expression})
	}
	compiler.CompileAndStoreVariables(vars, optionalVars, environment.StoredExpressions)
	var matcher matchconditions.Matcher
	if n := len(policy.Spec.MatchConditions); n > 0 {
		accessors := make([]cel.ExpressionAccessor, n)
		for i := range policy.Spec.MatchConditions {
			accessors[i] = (*matchconditions.MatchCondition)(&policy.Spec.MatchConditions[i])
		}
		matcher = matchconditions.NewMatcher(compiler.CompileCondition(accessors, optionalVars, environment.StoredExpressions), policy.Spec.FailurePolicy, "policy", "validate", policy.Name)
	}
	validations := make([]cel.ExpressionAccessor, len(policy.Spec.Validations))
	messages := make([]cel.ExpressionAccessor, len(policy.Spec.Validations))
	for i, v := range policy.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	return validating.NewValidator(
		compiler.CompileCondition(validations, optionalVars, environment.StoredExpressions),
		matcher,
		compiler.CompileCondition(nil, optionalVars, environment.StoredExpressions),
		compiler.CompileCondition(messages, expressionOptionalVars, environment.StoredExpressions),
		policy.Spec.FailurePolicy,
		nil,
	), nil
}

func (e *Engine) Name() string               { return e.name }
func (e *Engine) Admission() bool            { return true }
func (e *Engine) Contract() harness.Contract { return harness.PerRule }

// Reasons to decline a review, counted in reports.
const (
	NotAdmitted = "a List is not an admission object"
	WrongType   = "the typed object cannot hold a wrong-typed value"
	Rewritten   = "the typed object drops or rewrites a field (an unknown field, an empty string or map, a quantity's spelling)"
	BadParams   = "the parameter CRD's schema rejects the parameters"
)

// Declines what the API server would never pass the policy as it is: a
// List, an object the typed form cannot hold exactly, parameters the CRD
// rejects.
func (e *Engine) Declines(r harness.Review) string {
	if kinds.IsList(r.Object) {
		return NotAdmitted
	}
	if !e.matches(r) {
		return ""
	}
	if celenv.UnicodeCaseOnly(r.Parameters, r.Object) {
		return celenv.UnicodeCase
	}
	for _, obj := range []map[string]any{r.Object, r.OldObject} {
		if obj == nil {
			continue
		}
		if _, why := typed(obj); why != "" {
			return why
		}
	}
	for _, rule := range e.spec.Rules {
		given, ok := r.Parameters[rule.ID]
		if !ok {
			continue
		}
		if given == nil {
			return BadParams
		}
		for _, p := range rule.Parameters {
			if v, ok := given[p.Name]; ok && p.Validate(v) != nil {
				return BadParams
			}
		}
		for name := range given {
			if !hasParameter(rule, name) {
				return BadParams
			}
		}
	}
	return ""
}

func hasParameter(r spec.Rule, name string) bool {
	for _, p := range r.Parameters {
		if p.Name == name {
			return true
		}
	}
	return false
}

// matches reports whether a policy's match sees the review: CREATE or
// UPDATE of a pod-bearing kind (with anyKind, of any kind).
func (e *Engine) matches(r harness.Review) bool {
	if r.Op() != "CREATE" && r.Op() != "UPDATE" || r.Object == nil {
		return false
	}
	kind, _ := r.Object["kind"].(string)
	_, ok := kinds.Of(kind)
	return ok || e.anyKind && kind != ""
}

// typed is the object as the API server holds it: decoded into its Go type
// and converted back, which must give the same object (else why not). An
// object of a kind that is not pod-bearing stays unstructured.
func typed(obj map[string]any) (runtime.Object, string) {
	kind, _ := obj["kind"].(string)
	k, ok := kinds.Of(kind)
	if !ok {
		return &unstructured.Unstructured{Object: obj}, ""
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, WrongType
	}
	out := k.New()
	if err := json.Unmarshal(b, out); err != nil {
		return nil, WrongType
	}
	back, err := runtime.DefaultUnstructuredConverter.ToUnstructured(out)
	if err != nil {
		return nil, WrongType
	}
	var orig, round any
	if convert(obj, &orig) != nil || convert(back, &round) != nil || !sameAs(orig, round) {
		return nil, Rewritten
	}
	return out, ""
}

// sameAs reports whether the typed form b holds exactly a: every field of a
// with its value (but a null or a false that the Go type omits), and
// nothing more than the empty fields a Go type adds (null, zeros, {}).
func sameAs(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range a {
			w, ok := bm[k]
			if !ok && (v == nil || v == false) {
				continue // a null or a false the Go type omits: unset to every rule, and never printed
			}
			if !ok || !sameAs(v, w) {
				return false
			}
		}
		for k, w := range bm {
			if _, ok := a[k]; !ok && !empty(w) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(bl) != len(a) {
			return false
		}
		for i := range a {
			if !sameAs(a[i], bl[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// empty is a value a Go type adds for a field never set that no rule
// reads: null, false, a zero (a status's counters), or a map of such
// values. An added "" is not: os: {} becomes os: {name: ""}.
func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool, float64:
		return v == false || v == 0.0
	case map[string]any:
		for _, w := range v {
			if !empty(w) {
				return false
			}
		}
		return true
	}
	return false
}

// Evaluate validates the review with every rule's policy, its parameters
// in a parameter object (the rule's given parameters, none for the
// defaults), as the API server does for a binding of each policy.
func (e *Engine) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	if why := e.Declines(r); why != "" {
		return nil, fmt.Errorf("the review cannot be judged: %s", why)
	}
	if !e.matches(r) {
		return nil, nil // the policies match CREATE and UPDATE (of the pod-bearing kinds only, without anyKind)
	}
	obj, _ := typed(r.Object)
	var old runtime.Object
	if r.OldObject != nil && r.Op() == "UPDATE" {
		old, _ = typed(r.OldObject)
	}
	u := &unstructured.Unstructured{Object: r.Object}
	gvk := u.GroupVersionKind()
	gvr := schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: strings.ToLower(gvk.Kind) + "s"}
	attr := admission.NewAttributesRecord(obj, old, gvk, u.GetNamespace(), u.GetName(), gvr, "", admission.Operation(r.Op()), nil, false, nil)
	versioned := &admission.VersionedAttributes{Attributes: attr, VersionedKind: gvk, VersionedObject: obj, VersionedOldObject: old}
	var out []violation.Violation
	for _, rv := range e.validators {
		given, ok := r.Parameters[rv.rule.ID]
		param := rv.params(given, ok)
		res := rv.validator.Validate(ctx, gvr, versioned, param, nil, celconfig.RuntimeCELCostBudget, nil)
		for _, d := range res.Decisions {
			switch {
			case d.Evaluation == validating.EvalError || celenv.EvaluationFailed(d.Message):
				return nil, fmt.Errorf("rule %s: CEL evaluation failed: %s", rv.rule.ID, d.Message)
			case d.Action == validating.ActionDeny:
				out = append(out, violation.Violation{Rule: rv.rule.ID, Message: d.Message})
			}
		}
	}
	return out, nil
}
