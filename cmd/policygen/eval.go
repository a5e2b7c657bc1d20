package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"strings"

	"github.com/policygen/policygen/internal/problem"
	"github.com/policygen/policygen/internal/target/conftest"

	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/policygen/policygen/internal/eval"
	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/spec"
)

var evalCmd = func() *command {
	var in pipeline.Inputs
	var bundle, format, namespace string
	var params []string
	var workers int
	return &command{
		name:    "eval",
		args:    "FILE|DIR|-...",
		summary: "check manifests against the rules, with no other tool installed",
		help: `Judge every Kubernetes object in the named files (YAML or JSON, several
documents each), directories (every *.yaml, *.yml and *.json below them) or
standard input (-) with the rendered conftest policies, under the
constraints of the spec (or --constraints FILE) that select each object's
namespace (--namespace for objects that name none), and explain each
violation with its rule, field, message and fix. Violations of warn
constraints are printed as WARN and alone exit 0; dryrun constraints report
nothing. A constraint's namespaceSelector is taken to select every
namespace its names allow (eval has no Namespace objects). Manifests are read as
kubectl reads them (YAML 1.1: hostProcess: yes is true). A document that
cannot be read, or that is not a Kubernetes object (no kind or apiVersion),
is named and skipped; the others are still judged, and the exit code is 2.
Objects are judged on every core, streamed: memory does not grow with the
number of documents. On a terminal, a progress line goes to stderr.`,
		failed: "a manifest violates a rule (and every document could be read)",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, false)
			fl.StringVar(&bundle, "bundle", "all", "the rule bundle to apply: guard, hardening or all (as the spec names them)")
			fl.StringArrayVar(&params, "param", nil, "a parameter, rule.name=value (value in YAML, e.g. '[a, b]'), set on every constraint of the rule; repeatable")
			fl.StringVar(&namespace, "namespace", "default", "the namespace of objects that name none, as kubectl applies them")
			fl.StringVar(&format, "format", "text", "text, json, sarif (SARIF 2.1.0, for code scanning) or github (GitHub Actions annotations)")
			fl.IntVar(&workers, "workers", runtime.NumCPU(), "how many documents to judge at once")
			return func(args []string) error {
				if len(args) == 0 {
					return fmt.Errorf("name the manifests to check: files, directories or - for standard input")
				}
				if _, err := eval.NewPrinter(format, io.Discard, nil); err != nil {
					return fmt.Errorf("--format %q: use %s", format, strings.Join(eval.Formats, ", "))
				}
				if !namespacePattern.MatchString(namespace) {
					return fmt.Errorf("--namespace %q: use a namespace name, e.g. default", namespace)
				}
				if workers < 1 {
					return fmt.Errorf("--workers %d: use 1 or more", workers)
				}
				return nil
			}
		},
		run: func(e env, args []string) error {
			s, err := pipeline.LoadSpec(in)
			if err != nil {
				return err
			}
			rules := s.RulesOf(bundle)
			if len(rules) == 0 {
				return &problem.Error{File: "--bundle " + bundle, Problem: "no such rule bundle", Fix: "use one of " + strings.Join(s.BundleNames(), ", ")}
			}
			byRule, err := parseParams(s, params)
			if err != nil {
				return err
			}
			engine, err := conftest.EngineFor(s)
			if err != nil {
				return err
			}
			if _, err := engine.WithConstraints(conftest.CIConstraints(s, byRule), namespace); err != nil {
				return err
			}
			printer, err := eval.NewPrinter(format, e.stdout, rules)
			if err != nil {
				return err
			}
			checker := eval.NewChecker(rules, byRule).WithWorkers(workers)
			if f, ok := e.stderr.(*os.File); ok && e.terminal {
				checker = checker.WithProgress(f)
			}
			sum, err := checker.Run(context.Background(), engine, args, e.stdin, printer)
			if err != nil {
				return err
			}
			switch sum.ExitCode() {
			case exitInvalid:
				return &unreadable{n: sum.Problems()}
			case exitFailed:
				return &violations{n: sum.Violations}
			}
			return nil
		},
	}
}()

var namespacePattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// violations is the error of manifests that violate rules: exit 1.
type violations struct{ n int }

func (v *violations) Error() string { return fmt.Sprintf("%d violations", v.n) }

// unreadable is the error of manifests that could not all be read: exit 2,
// whatever the others gave, since a CI gate must not pass what it did not see.
type unreadable struct{ n int }

func (u *unreadable) Error() string {
	return fmt.Sprintf("%d files or documents could not be judged", u.n)
}

// parseParams reads --param rule.name=value flags, checking each value
// against the parameter's schema.
func parseParams(s *spec.Spec, flags []string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, f := range flags {
		bad := func(what string) error {
			return &problem.Error{File: "--param " + f, Problem: what, Fix: "write rule.name=value, e.g. hostprocess-allowed.allowedImages='[\"mcr.microsoft.com/*\"]'"}
		}
		key, value, ok := strings.Cut(f, "=")
		ruleID, name, ok2 := strings.Cut(key, ".")
		if !ok || !ok2 {
			return nil, bad("not of the form rule.name=value")
		}
		var param *spec.Parameter
		for _, r := range s.Rules {
			for i, p := range r.Parameters {
				if r.ID == ruleID && p.Name == name {
					param = &r.Parameters[i]
				}
			}
		}
		if param == nil {
			return nil, bad(fmt.Sprintf("rule %q has no parameter %q", ruleID, name))
		}
		var v any
		if err := yaml.Unmarshal([]byte(value), &v); err != nil {
			return nil, bad("the value is not YAML: " + err.Error())
		}
		if err := param.Validate(v); err != nil {
			return nil, bad(fmt.Sprintf("the value %s does not fit the parameter: %v", value, err))
		}
		if out[ruleID] == nil {
			out[ruleID] = map[string]any{}
		}
		out[ruleID][name] = v
	}
	return out, nil
}
