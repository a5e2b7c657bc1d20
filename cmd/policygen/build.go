package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/publish"
)

var buildCmd = func() *command {
	var in pipeline.Inputs
	var sign pipeline.Signing
	var out string
	return &command{
		name:    "build",
		summary: "render every artifact into a directory, without running the cases",
		help: `Render every artifact of the spec (templates, constraints, conftest policies,
the OPA bundle, docs, checksums) into --out. Nothing is judged: use
"policygen test" to run the cases, "policygen publish" to render and test.
--out must not exist, be empty, or hold an earlier policygen output; any
other directory or file is left alone and the command fails.`,
		failed: "the rendering failed",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, true)
			fl.StringVar(&out, "out", "", "the directory to render into (required)")
			signing := signingFlags(fl, &sign)
			return func(args []string) error {
				if out == "" {
					return fmt.Errorf("--out is required: name the directory to render into, e.g. --out /tmp/dist")
				}
				return all(func() error { return noArgs(args) }, signing)
			}
		},
		run: func(e env, _ []string) error {
			s, cs, err := pipeline.Load(in)
			if err != nil {
				return err
			}
			a, err := pipeline.Render(s, cs, sign)
			if err != nil {
				return err
			}
			if err := publish.Write(out, a); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "rendered %d files into %s (not tested: run `policygen test`)\n", len(a), out)
			return nil
		},
	}
}()
