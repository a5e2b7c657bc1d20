package main

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/publish"
)

var publishCmd = func() *command {
	var in pipeline.Inputs
	var rf runFlags
	var sign pipeline.Signing
	var dist, pushRef string
	var p pushFlags
	return &command{
		name:    "publish",
		summary: "render, run every case, then replace dist/ atomically",
		help: `Render every artifact, run every case through every engine (as "policygen
test"), and only when all passed replace --dist with the new tree in one
step. On any failure --dist is left exactly as it was. --dist must not
exist, be empty, or hold an earlier policygen output. With --push REF, then
push --dist to an OCI registry as "policygen push REF" does.`,
		failed: "a case failed and nothing was published, or (--push) the registry could not be reached or refused the push",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, true)
			fl.StringVar(&dist, "dist", "dist", "where to publish")
			check := rf.declare(fl)
			signing := signingFlags(fl, &sign)
			fl.StringVar(&pushRef, "push", "", "then push --dist to the OCI registry REF (see policygen push --help)")
			checkPush := p.declare(fl)
			pushing := func() error {
				if pushRef != "" {
					return checkPush(pushRef)
				}
				if fl.Changed("tag") || fl.Changed("plain-http") {
					return errors.New("--tag and --plain-http need --push REF")
				}
				return nil
			}
			return func(args []string) error {
				return all(func() error { return noArgs(args) }, check, signing, pushing)
			}
		},
		run: func(e env, _ []string) error {
			a, err := tested(e, in, rf, sign)
			if err != nil {
				return fmt.Errorf("%w; nothing was published", err)
			}
			if err := publish.Write(dist, a); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "published %d files to %s\n", len(a), dist)
			if pushRef != "" {
				return p.push(e, dist)
			}
			return nil
		},
	}
}()
