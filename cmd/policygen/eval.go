package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	yaml "go.yaml.in/yaml/v3"

	"github.com/policygen/policygen/internal/eval"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// evalCmd checks manifests against the embedded rules: exit 1 when
// anything violates, 2 when a file could not be judged (the rest are).
func evalCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := pflag.NewFlagSet("policygen eval", pflag.ContinueOnError)
	fl.SetOutput(stderr)
	var o options
	var bundle string
	var params []string
	fl.StringVar(&o.spec, "spec", "", "spec directory (default: embedded)")
	fl.StringVar(&bundle, "bundle", "all", "the rules to apply: a bundle name or all")
	fl.StringArrayVar(&params, "param", nil, "a parameter, rule.name=value (value in YAML, e.g. '[a, b]'); repeatable")
	fl.StringVar(&o.format, "format", "text", "text or json")
	if err := fl.Parse(args); err != nil {
		return exitInvalid
	}
	if fl.NArg() == 0 {
		fmt.Fprintln(stderr, "policygen eval: name the manifests to check: files, directories or - for standard input")
		return exitInvalid
	}
	if o.format != "text" && o.format != "json" {
		fmt.Fprintf(stderr, "policygen eval: --format %q: use text or json\n", o.format)
		return exitInvalid
	}
	s, err := loadSpec(o)
	if err != nil {
		return report(err, stderr)
	}
	rules := s.RulesOf(bundle)
	if len(rules) == 0 {
		fmt.Fprintf(stderr, "policygen eval: --bundle %q: use one of %s\n", bundle, strings.Join(s.BundleNames(), ", "))
		return exitInvalid
	}
	byRule, err := parseParams(s, params)
	if err != nil {
		return report(err, stderr)
	}
	policies, err := render.Conftest(s)
	if err != nil {
		return report(err, stderr)
	}
	engine, err := harness.NewConftest(policies)
	if err != nil {
		return report(err, stderr)
	}
	docs, problems := eval.Read(fl.Args(), stdin)
	findings, err := eval.Check(context.Background(), s, engine, rules, byRule, docs)
	if err != nil {
		return report(err, stderr)
	}
	if o.format == "json" {
		if err := eval.PrintJSON(stdout, findings, problems); err != nil {
			return report(err, stderr)
		}
	} else {
		eval.PrintText(stdout, findings)
		for _, p := range problems {
			fmt.Fprintln(stderr, p)
		}
	}
	switch {
	case eval.Violations(findings) > 0:
		return exitFailed
	case len(problems) > 0:
		return exitInvalid
	}
	return 0
}

// parseParams reads --param rule.name=value flags, checking each value
// against the parameter's schema.
func parseParams(s *spec.Spec, flags []string) (map[string]map[string]any, error) {
	out := map[string]map[string]any{}
	for _, f := range flags {
		bad := func(problem string) error {
			return &spec.Error{File: "--param " + f, Problem: problem, Fix: "write rule.name=value, e.g. hostprocess-allowed.allowedImages='[\"mcr.microsoft.com/*\"]'"}
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
