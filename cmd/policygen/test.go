package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/render"
)

var testCmd = func() *command {
	var in pipeline.Inputs
	var rf runFlags
	return &command{
		name:    "test",
		summary: "run every case through every engine over the rendered artifacts",
		help: `Render the artifacts in memory and judge every case in every engine over
them: Gatekeeper's constraint framework, embedded OPA over the templates,
the conftest policies and the OPA bundle, and with --tools the real
conftest and gator (gator also with --enable-k8s-native-validation over the
templates with CEL). Each engine must give exactly the violations the case
expects; a summary line per engine and "N passed, M failed" close the report.`,
		failed: "a case failed in an engine, or coverage is short",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, true)
			check := rf.declare(fl)
			return func(args []string) error { return all(func() error { return noArgs(args) }, check) }
		},
		run: func(e env, _ []string) error {
			_, err := tested(e, in, rf, pipeline.Signing{})
			return err
		},
	}
}()

// tested renders the artifacts, runs every case through every engine and
// prints the report; it returns the artifacts only when every case passed.
func tested(e env, in pipeline.Inputs, rf runFlags, sign pipeline.Signing) (render.Artifacts, error) {
	s, cs, err := pipeline.Load(in)
	if err != nil {
		return nil, err
	}
	a, err := pipeline.Render(s, cs, sign)
	if err != nil {
		return nil, err
	}
	progress := e.progress()
	if progress != nil {
		fmt.Fprintln(progress, "building the engines over the rendered artifacts")
	}
	engines, err := pipeline.BuildEngines(s, a, rf.engines)
	if err != nil {
		return nil, err
	}
	defer engines.Close()
	if progress != nil {
		fmt.Fprintf(progress, "judging %d cases in %d engines\n", len(cs), len(engines.List))
	}
	rep := pipeline.Test(context.Background(), cs, engines, progress)
	if err := harness.Print(e.stdout, rf.format, rep); err != nil {
		return nil, err
	}
	if err := pipeline.Verdict(rep); err != nil {
		return nil, err
	}
	if rf.engines.Coverage {
		if err := pipeline.CheckCoverage(engines, e.stdout); err != nil {
			return nil, err
		}
	}
	return a, nil
}
