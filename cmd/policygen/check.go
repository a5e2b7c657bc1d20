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
does not depend on test results. Then compare every template with the
spec's lock file (release.lock): a template whose content changed while its
version did not, or whose version is not locked yet, fails, naming the
template, its version and the fix (bump the version, add its changelog
entry, run policygen lock). With --constraints the templates are not the
released ones (their METADATA carries the constraints' severities), and
the lock is not compared.`,
		failed: "dist/ differs from what the spec renders to, or a template's version does not match the lock",
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
			switch {
			case s.Lock == nil:
			case in.Constraints != "":
				fmt.Fprintln(e.stdout, "template versions not compared with the lock: --constraints renders other templates than the released ones")
			default:
				if err := pipeline.Versions(in, s, a); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%d template versions match %s\n", len(s.Rules), s.Lock.File)
			}
			return nil
		},
	}
}()
