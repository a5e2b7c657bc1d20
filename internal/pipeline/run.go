package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/policygen/policygen/internal/problem"
	"github.com/policygen/policygen/internal/target/conftest"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/publish"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// EngineOptions choose the engines beyond the embedded ones.
type EngineOptions struct {
	Tools    string // a directory with the conftest and gator binaries to run too; "" for none
	Coverage bool   // record which Rego lines the cases reach (conftest engine)
}

// Engines are the engines of one run and what they need cleaned up.
type Engines struct {
	List     []harness.Engine // in run order: the embedded engines first
	Coverage *conftest.Engine // the engine recording coverage, when asked for
	work     string           // the rendered tree the real tools read
}

// Close removes the files the real tools read.
func (e *Engines) Close() error {
	if e.work == "" {
		return nil
	}
	return os.RemoveAll(e.work)
}

// BuildEngines builds every engine over the rendered artifacts, never the
// sources; with Tools, the real conftest and gator judge a copy of them
// written to a temporary directory.
func BuildEngines(s *spec.Spec, a render.Artifacts, o EngineOptions) (*Engines, error) {
	e := &Engines{}
	for _, t := range Targets {
		list, err := t.Engines(s, a)
		if err != nil {
			return nil, fmt.Errorf("target %s: %w", t.Name(), err)
		}
		for _, eng := range list {
			if c, ok := eng.(*conftest.Engine); ok && o.Coverage && eng.Name() == "conftest" {
				e.Coverage = c.WithCoverage()
			}
		}
		e.List = append(e.List, list...)
	}
	if o.Tools == "" {
		return e, nil
	}
	for _, tool := range []string{"conftest", "gator"} {
		if _, err := os.Stat(filepath.Join(o.Tools, tool)); err != nil {
			return nil, &problem.Error{File: o.Tools, Problem: fmt.Sprintf("no %s binary: %v", tool, err), Fix: "run `make tools` and pass the directory it prints, or leave out --tools"}
		}
	}
	var err error
	if e.work, err = os.MkdirTemp("", "policygen-test-"); err != nil {
		return nil, err
	}
	tree := filepath.Join(e.work, "dist")
	if err := publish.Write(tree, a); err != nil {
		e.Close()
		return nil, err
	}
	for _, t := range Targets {
		e.List = append(e.List, t.Tools(s, o.Tools, tree, e.work)...)
	}
	return e, nil
}

// Test runs every case through every engine, reporting progress to w.
func Test(ctx context.Context, all []cases.Case, e *Engines, progress io.Writer) harness.Report {
	return harness.Run(ctx, all, e.List, progress)
}

// CheckCoverage fails when a rule module is not fully covered by the cases.
func CheckCoverage(e *Engines, w io.Writer) error {
	cov, err := e.Coverage.Coverage()
	if err != nil {
		return err
	}
	conftest.PrintCoverage(w, cov)
	for _, m := range cov {
		if strings.HasPrefix(m.File, "rules/") && m.Percent < 100 {
			return &Failed{Reason: fmt.Sprintf("%s is %.2f%% covered; rule modules must be covered fully", m.File, m.Percent)}
		}
	}
	return nil
}

// Failed is the error of a run in which cases failed, or something else
// the run requires (coverage) did not hold.
type Failed struct {
	Cases, Total int    // failed and total cases
	Reason       string // set when the cases passed but something else did not
}

func (f *Failed) Error() string {
	if f.Reason != "" {
		return f.Reason
	}
	return fmt.Sprintf("%d of %d cases failed", f.Cases, f.Total)
}

// Verdict is nil when every case passed, else a Failed.
func Verdict(rep harness.Report) error {
	if rep.Failed() > 0 {
		return &Failed{Cases: rep.Failed(), Total: len(rep.Cases)}
	}
	return nil
}
