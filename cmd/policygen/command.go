package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/pipeline"
)

// command is one policygen command: its help, its flags, and what it does.
type command struct {
	name    string // as typed: policygen NAME
	args    string // what follows the flags in the usage line, if anything
	summary string // one line, for policygen --help
	help    string // what it does, for policygen NAME --help
	failed  string // what exit code 1 means for it
	// flags declares the command's flags on fl and returns a check of their
	// values, run before any work.
	flags func(fl *pflag.FlagSet) func(args []string) error
	// run does the work, once the flags are valid.
	run func(e env, args []string) error
}

func (c *command) usageLine() string {
	line := "policygen " + c.name + " [flags]"
	if c.args != "" {
		line += " " + c.args
	}
	return line
}

// main parses the flags, prints help or a flag problem, then runs.
func (c *command) main(e env, args []string) int {
	fl := pflag.NewFlagSet("policygen "+c.name, pflag.ContinueOnError)
	fl.SetOutput(io.Discard)
	fl.SortFlags = false
	validate := c.flags(fl)
	err := fl.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(e.stdout, "%s\n\nUsage:\n  %s\n\nFlags:\n%s\n", strings.TrimSpace(c.help), c.usageLine(), fl.FlagUsages())
		fmt.Fprintf(e.stdout, exitCodes, c.failed)
		return 0
	}
	if err == nil {
		err = validate(fl.Args())
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "policygen %s: %v\nusage: %s\nRun `policygen %s --help` for the flags.\n", c.name, err, c.usageLine(), c.name)
		return exitInvalid
	}
	return report(c.name, c.run(e, fl.Args()), e.stderr)
}

// noArgs is the check of a command that takes no arguments.
func noArgs(args []string) error {
	if len(args) > 0 {
		return fmt.Errorf("unexpected argument %q", args[0])
	}
	return nil
}

// inputFlags are --spec and --cases.
func inputFlags(fl *pflag.FlagSet, in *pipeline.Inputs, withCases bool) {
	fl.StringVar(&in.Spec, "spec", "", "the spec directory or file (default: the embedded policies/)")
	fl.StringVar(&in.Constraints, "constraints", "", "a constraints file to use instead of the spec's (default: the spec's constraints.yaml)")
	if withCases {
		fl.StringVar(&in.Cases, "cases", "", "the cases directory (default: the embedded testcases/)")
	}
}

// signingFlags are the flags that sign the OPA bundle.
func signingFlags(fl *pflag.FlagSet, s *pipeline.Signing) func() error {
	fl.StringVar(&s.KeyFile, "signing-key", "", "sign bundle.tar.gz with this private key (PEM) or HS256 secret file")
	fl.StringVar(&s.Alg, "signing-alg", "RS256", "RS256, ES256 or HS256")
	fl.StringVar(&s.KeyID, "key-id", bundle.DefaultKeyID, "the key id written into .signatures.json")
	return func() error { return checkAlg(s.Alg) }
}

func checkAlg(alg string) error {
	switch alg {
	case "RS256", "ES256", "HS256":
		return nil
	}
	return fmt.Errorf("--signing-alg %q: use RS256, ES256 or HS256", alg)
}

// runFlags are the flags of the commands that run the cases.
type runFlags struct {
	engines pipeline.EngineOptions
	format  string
}

func (r *runFlags) declare(fl *pflag.FlagSet) func() error {
	fl.StringVar(&r.engines.Tools, "tools", "", "a directory with the conftest and gator binaries, to run them as engines too")
	fl.StringVar(&r.format, "format", "text", "report format: "+strings.Join(harness.Formats, ", "))
	fl.BoolVar(&r.engines.Coverage, "coverage", false, "print Rego line coverage per module; fail under 100% for rule modules")
	return func() error {
		for _, f := range harness.Formats {
			if f == r.format {
				return nil
			}
		}
		return fmt.Errorf("--format %q: use one of %s", r.format, strings.Join(harness.Formats, ", "))
	}
}

// all runs the checks in order and returns the first problem.
func all(checks ...func() error) error {
	for _, c := range checks {
		if err := c(); err != nil {
			return err
		}
	}
	return nil
}
