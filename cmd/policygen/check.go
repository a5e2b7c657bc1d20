package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/publish"
)

var checkCmd = func() *command {
	var in pipeline.Inputs
	var sign pipeline.Signing
	var dist string
	return &command{
		name:    "check",
		summary: "fail when dist/ is not what the spec renders to",
		help: `Render every artifact in memory and compare it with --dist, listing each
file that is missing, changed or not rendered. It runs no case: rendering
does not depend on test results.`,
		failed: "dist/ differs from what the spec renders to",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, true)
			fl.StringVar(&dist, "dist", "dist", "the published directory to compare")
			signing := signingFlags(fl, &sign)
			return func(args []string) error { return all(func() error { return noArgs(args) }, signing) }
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
			diffs, err := publish.Check(dist, a)
			if err != nil {
				return err
			}
			if len(diffs) > 0 {
				fmt.Fprintln(e.stdout, strings.Join(diffs, "\n"))
				return &publish.Stale{Dir: dist, Diffs: diffs}
			}
			fmt.Fprintf(e.stdout, "%s is up to date (%d files)\n", dist, len(a))
			return nil
		},
	}
}()
