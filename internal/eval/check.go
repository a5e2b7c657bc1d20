package eval

import (
	"context"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"

	"github.com/policygen/policygen/internal/problem"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/violation"
)

// Engine judges one object; harness.Engine is one. Evaluate is called from
// several goroutines at once: an engine that serialises its evaluations
// (harness.NewConftest's does, through its store's write lock) should be
// given to Run as a Pool of engines, one per worker.
type Engine interface {
	Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error)
}

// Checker judges manifests with the rules of one bundle under fixed
// parameters. Configure it with the With methods, then call Run.
type Checker struct {
	rules    map[string]spec.Rule      // the rules whose violations are kept, by id
	order    map[string]int            // each rule's position, to sort violations
	params   map[string]map[string]any // per rule id; an absent rule uses its defaults
	workers  int
	progress *os.File
}

// NewChecker returns a Checker that keeps the violations of rules (in
// their order) and passes params to the engine.
func NewChecker(rules []spec.Rule, params map[string]map[string]any) *Checker {
	c := &Checker{rules: map[string]spec.Rule{}, order: map[string]int{}, params: params, workers: runtime.NumCPU()}
	for i, r := range rules {
		c.rules[r.ID] = r
		c.order[r.ID] = i
	}
	return c
}

// WithWorkers sets how many documents are judged at once (default
// runtime.NumCPU(); values below 1 mean 1).
func (c *Checker) WithWorkers(n int) *Checker {
	c.workers = max(n, 1)
	return c
}

// WithProgress writes a progress line ("N objects, R/s", at most every
// 200 ms, erased at the end) to f when f is a terminal, and nothing
// otherwise. Pass os.Stderr.
func (c *Checker) WithProgress(f *os.File) *Checker {
	c.progress = f
	return c
}

// gcPercent is the garbage collector's target during Run, unless the
// environment sets GOGC: an evaluation allocates tens of times what it
// keeps, and at the default of 100 the collector took about a third of the
// CPU time on the 50 MB benchmark manifest; at 400 it takes a tenth, for a
// peak heap of about 75 MB instead of 20 MB, still flat in the number of
// documents.
const gcPercent = 400

// job is one document on its way through the workers.
type job struct {
	seq int
	doc Document
	out Finding
}

// Run reads the documents of paths (see Documents), judges them on the
// workers with e, and gives each finding to p in input order as soon as it
// and those before it are complete. At most a few documents per worker are
// held at once, whatever the input's size. Run returns the counts; an error
// only when p fails or ctx is done (unreadable input is a finding). For its
// duration the garbage collector's target is gcPercent.
func (c *Checker) Run(ctx context.Context, e Engine, paths []string, stdin io.Reader, p Printer) (Summary, error) {
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := 4 * c.workers
	jobs := make(chan *job, window)
	done := make(chan *job, window)
	slots := make(chan struct{}, window) // bounds the documents in flight and in the reorder buffer

	var readErr error
	go func() {
		defer close(jobs)
		seq := 0
		readErr = Documents(ctx, paths, stdin, func(d Document) error {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			jobs <- &job{seq: seq, doc: d}
			seq++
			return nil
		})
	}()
	var wg sync.WaitGroup
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.out = c.judge(ctx, e, j.doc)
				j.doc = Document{}
				done <- j
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	prog := startProgress(c.progress)
	defer prog.stop()
	var sum Summary
	var perr error
	pending := map[int]*job{}
	next := 0
	for j := range done {
		pending[j.seq] = j
		for {
			k, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-slots
			sum.add(k.out)
			prog.count(sum.Objects + sum.Skipped + sum.Errors)
			if perr == nil {
				if perr = p.Finding(k.out); perr != nil {
					cancel()
				}
			}
		}
	}
	prog.stop()
	if perr != nil {
		return sum, perr
	}
	if readErr != nil {
		return sum, readErr
	}
	return sum, p.End(sum)
}

// judge turns one document into its finding.
func (c *Checker) judge(ctx context.Context, e Engine, d Document) Finding {
	f := Finding{File: d.File, Document: d.Index, Line: d.Line}
	switch {
	case d.Err != nil:
		f.Status, f.Reason = Errored, errorText(d.Err)
		return f
	case d.Skip != "":
		f.Status, f.Reason = Skipped, d.Skip
		return f
	}
	f.APIVersion, _ = d.Object["apiVersion"].(string)
	f.Kind, _ = d.Object["kind"].(string)
	meta, _ := d.Object["metadata"].(map[string]any)
	f.Name, _ = meta["name"].(string)
	f.Namespace, _ = meta["namespace"].(string)
	f.Status = OK
	vs, err := e.Evaluate(ctx, harness.Review{Object: d.Object, Parameters: c.params})
	if err != nil {
		f.Status, f.Reason = Errored, "the engine failed: "+err.Error()
		return f
	}
	for _, v := range vs {
		if r, ok := c.rules[v.Rule]; ok {
			f.Violations = append(f.Violations, Explained{Violation: v, Title: r.Title, Remedy: r.Remedy})
		}
	}
	sort.Slice(f.Violations, func(i, j int) bool {
		a, b := f.Violations[i], f.Violations[j]
		if a.Rule != b.Rule {
			return c.order[a.Rule] < c.order[b.Rule]
		}
		if a.Field != b.Field {
			return a.Field < b.Field
		}
		return a.Message < b.Message
	})
	for _, v := range f.Violations {
		switch {
		case v.Action != "warn":
			f.Status = Failed
		case f.Status == OK:
			f.Status = Warned
		}
	}
	return f
}

// errorText is an input error on one line, without the file (the finding
// names it) but with the fix.
func errorText(err error) string {
	if e, ok := err.(*problem.Error); ok {
		s := e.Problem
		if e.Fix != "" {
			s += " (fix: " + e.Fix + ")"
		}
		return s
	}
	return err.Error()
}
