// Package celenv compiles the spec's CEL in the environments that run it:
// Gatekeeper's K8sNativeValidation driver (the pinned Gatekeeper's
// k8scel environment) and the API server's ValidatingAdmissionPolicy
// environment of the oldest Kubernetes policygen supports. Compiling costs
// time, so it happens only where CEL is rendered or run, once per spec per
// process.
package celenv

import (
	"reflect"

	"fmt"
	celgo "github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/drivers/k8scel/transform"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/environment"

	"github.com/policygen/policygen/internal/problem"
	"github.com/policygen/policygen/internal/spec"
)

// OldestKubernetes is the oldest Kubernetes whose ValidatingAdmissionPolicy
// CEL environment the rules compile in: 1.32, the first with two-variable
// comprehensions (transformList, exists(i, x, ...)).
var OldestKubernetes = version.MajorMinor(1, 32)

// Env is one environment the rules' CEL must compile in.
type Env struct {
	Name    string                             // for messages
	Version *version.Version                   // the compatibility version of its base environment
	Adapter func(spec.Rule) []spec.CELVariable // the variables the target binds before the rule's
}

// Gatekeeper is the environment of the pinned Gatekeeper's k8scel driver:
// the base environment at the API server library's default compatibility
// version, with anyObject and params bound by the driver.
func Gatekeeper() Env {
	return Env{Name: "Gatekeeper K8sNativeValidation", Version: environment.DefaultCompatibilityVersion(), Adapter: func(spec.Rule) []spec.CELVariable {
		var out []spec.CELVariable
		for _, v := range transform.AllVariablesCEL() {
			out = append(out, spec.CELVariable{Name: v.GetName(), Expression: v.GetExpression()})
		}
		return out
	}}
}

// VAP is the ValidatingAdmissionPolicy environment of the oldest supported
// Kubernetes, with the policy's adapter variables.
func VAP() Env {
	return Env{Name: "ValidatingAdmissionPolicy (Kubernetes " + OldestKubernetes.String() + ")", Version: OldestKubernetes, Adapter: VAPAdapter}
}

// ParamKey is the key of a rule's parameters in the parameter object of
// the ValidatingAdmissionPolicies: the rule id in lowerCamelCase.
func ParamKey(r spec.Rule) string {
	parts := strings.Split(r.ID, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			rs := []rune(parts[i])
			rs[0] = unicode.ToUpper(rs[0])
			parts[i] = string(rs)
		}
	}
	return strings.Join(parts, "")
}

// VAPAdapter binds what Gatekeeper binds for a ValidatingAdmissionPolicy:
// anyObject is the object, params the rule's part of the parameter object.
func VAPAdapter(r spec.Rule) []spec.CELVariable {
	key := strconv.Quote(ParamKey(r))
	return []spec.CELVariable{
		{Name: "anyObject", Expression: "object"},
		{Name: "params", Expression: "params == null || type(params[?\"spec\"].orValue(null)) != map ? dyn(null) : params.spec[?" + key + "].orValue(dyn(null))"},
	}
}

// Compiled is a rule's CEL compiled in one environment.
type Compiled struct {
	Variables   []cel.CompilationResult
	Validations []cel.CompilationResult
	Messages    []cel.CompilationResult
}

// Compile compiles a rule's program, after the environment's adapter
// variables, as the target compiles it; problems name the file and line.
func Compile(env Env, r spec.Rule, prog spec.CELSource) (*Compiled, error) {
	envSet, err := environment.MustBaseEnvSet(env.Version).Extend()
	if err != nil {
		return nil, err
	}
	c, err := cel.NewCompositedCompiler(envSet)
	if err != nil {
		return nil, err
	}
	opts := cel.OptionalVariableDeclarations{HasParams: true}
	var errs problem.Errors
	out := &Compiled{}
	for _, v := range env.Adapter(r) {
		if res := c.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, opts, environment.NewExpressions); res.Error != nil {
			return nil, fmt.Errorf("%s: adapter variable %s: %v", env.Name, v.Name, res.Error)
		}
	}
	for _, v := range prog.Variables {
		res := c.CompileAndStoreVariable(&validating.Variable{Name: v.Name, Expression: v.Expression}, opts, environment.NewExpressions)
		if res.Error != nil {
			errs = append(errs, located(env, v.At, "variable "+v.Name, res.Error.Detail))
		}
		out.Variables = append(out.Variables, res)
	}
	for _, x := range prog.Validations {
		res := c.CompileCELExpression(&validating.ValidationCondition{Expression: x.Expression}, opts, environment.NewExpressions)
		if res.Error != nil {
			errs = append(errs, located(env, x.At, "validation", res.Error.Detail))
		}
		out.Validations = append(out.Validations, res)
		msg := c.CompileCELExpression(&validating.MessageExpressionCondition{MessageExpression: x.MessageExpression}, opts, environment.NewExpressions)
		if msg.Error != nil {
			errs = append(errs, located(env, x.MessageAt, "messageExpression", msg.Error.Detail))
		}
		out.Messages = append(out.Messages, msg)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

var celPosition = regexp.MustCompile(`<input>:(\d+):(\d+): ([^\n]*)`)

// located turns a CEL compile error into a problem at the line of the
// source where the error is.
func located(env Env, at spec.Origin, what, detail string) *problem.Error {
	line, msg := at.Line, strings.TrimSpace(detail)
	if m := celPosition.FindStringSubmatch(detail); m != nil {
		n, _ := strconv.Atoi(m[1])
		line, msg = at.Line+n-1, fmt.Sprintf("column %s: %s", m[2], m[3])
	}
	return &problem.Error{File: at.File, Line: line, Problem: fmt.Sprintf("%s does not compile in %s: %s", what, env.Name, msg),
		Fix: "write CEL that the oldest supported Kubernetes (" + OldestKubernetes.String() + ") and the pinned Gatekeeper accept; variables.<name> reads an earlier variable"}
}

var checked sync.Map // spec hash → error (nil when the CEL compiles)

// Check compiles every rule's CEL in every environment, once per spec per
// process.
func Check(s *spec.Spec) error {
	if err, ok := checked.Load(s.Hash); ok {
		if err == nil {
			return nil
		}
		return err.(error)
	}
	var errs problem.Errors
	for _, env := range []Env{Gatekeeper(), VAP()} {
		for _, r := range s.Rules {
			prog, err := s.CELProgram(r)
			if err != nil {
				return err
			}
			if _, err := Compile(env, r, prog); err != nil {
				if es, ok := err.(problem.Errors); ok {
					errs = append(errs, es...)
					continue
				}
				return err
			}
		}
		if len(errs) > 0 {
			break // the same mistakes again in the next environment say nothing new
		}
	}
	var err error
	if len(errs) > 0 {
		err = errs
	}
	checked.Store(s.Hash, err)
	return err
}

// failed matches the messages the API server's validator writes instead of
// a messageExpression's when an evaluation fails: an expression's error, a
// messageExpression's error or empty result (the expression itself), a
// compile error, the cost budget.
var failed = regexp.MustCompile(`^failed expression: |resulted in error: |^failed messageExpression: |^compilation error: |running out of cost budget|runtime cost could not be calculated`)

// EvaluationFailed reports whether a violation's message says that a CEL
// evaluation failed rather than what violates: wrong-typed input must never
// make one.
func EvaluationFailed(message string) bool { return failed.MatchString(message) }

// Eval evaluates one expression in the environment of the oldest supported
// Kubernetes, with variables.<name> bound to vars: for tests that check one
// variable of the spec against another source of the same fact.
func Eval(expression string, vars map[string]any) (any, error) {
	env, err := environment.MustBaseEnvSet(OldestKubernetes).Env(environment.NewExpressions)
	if err != nil {
		return nil, err
	}
	env, err = env.Extend(celgo.Variable("variables", celgo.MapType(celgo.StringType, celgo.DynType)))
	if err != nil {
		return nil, err
	}
	ast, iss := env.Compile(expression)
	if iss.Err() != nil {
		return nil, iss.Err()
	}
	prg, err := env.Program(ast)
	if err != nil {
		return nil, err
	}
	out, _, err := prg.Eval(map[string]any{"variables": vars})
	if err != nil {
		return nil, err
	}
	if out.Type() == types.NullType {
		return nil, nil
	}
	return out.ConvertToNative(reflect.TypeFor[any]())
}
