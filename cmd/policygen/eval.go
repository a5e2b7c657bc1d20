package main

import (
	"context"
	"fmt"
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
	var bundle, format string
	var params []string
	return &command{
		name:    "eval",
		args:    "FILE|DIR|-...",
		summary: "check manifests against the rules, with no other tool installed",
		help: `Judge every Kubernetes object in the named files (YAML or JSON, several
documents each), directories (every *.yaml, *.yml and *.json below them) or
standard input (-) with the rendered conftest policies, and explain each
violation with its rule, field, message and fix.`,
		failed: "a manifest violates a rule",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, false)
			fl.StringVar(&bundle, "bundle", "all", "the rule bundle to apply: guard, hardening or all (as the spec names them)")
			fl.StringArrayVar(&params, "param", nil, "a parameter, rule.name=value (value in YAML, e.g. '[a, b]'); repeatable")
			fl.StringVar(&format, "format", "text", "text or json")
			return func(args []string) error {
				if len(args) == 0 {
					return fmt.Errorf("name the manifests to check: files, directories or - for standard input")
				}
				if format != "text" && format != "json" {
					return fmt.Errorf("--format %q: use text or json", format)
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
				return &problem.Error{File: "--bundle " + bundle, Problem: "no such bundle", Fix: "use one of " + strings.Join(s.BundleNames(), ", ")}
			}
			byRule, err := parseParams(s, params)
			if err != nil {
				return err
			}
			engine, err := conftest.EngineFor(s)
			if err != nil {
				return err
			}
			docs, problems := eval.Read(args, e.stdin)
			findings, err := eval.Check(context.Background(), s, engine, rules, byRule, docs)
			if err != nil {
				return err
			}
			if format == "json" {
				if err := eval.PrintJSON(e.stdout, findings, problems); err != nil {
					return err
				}
			} else {
				eval.PrintText(e.stdout, findings)
				for _, p := range problems {
					fmt.Fprintln(e.stderr, p)
				}
			}
			switch {
			case len(problems) > 0:
				return &unreadable{n: len(problems)}
			case eval.Violations(findings) > 0:
				return &violations{n: eval.Violations(findings)}
			}
			return nil
		},
	}
}()

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
