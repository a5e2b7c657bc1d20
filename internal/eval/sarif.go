package eval

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/policygen/policygen/internal/spec"
)

// SARIFPrinter writes one SARIF 2.1.0 log at the end of the run: one rule
// per policy rule (its title, description and, as help, its remedy), one
// result per violation at the line and column of the offending field (see
// locator), level "error" for a deny constraint and "warning" for a warn
// one. A document that could not be read or judged is a tool execution
// notification, and makes the invocation unsuccessful.
type SARIFPrinter struct {
	w      io.Writer
	run    *sarif.Run
	inv    *sarif.Invocation
	loc    locator
	failed bool
}

// NewSARIFPrinter returns a SARIFPrinter writing to w that describes rules.
func NewSARIFPrinter(w io.Writer, rules []spec.Rule) *SARIFPrinter {
	run := sarif.NewRunWithInformationURI("policygen", "https://github.com/policygen/policygen")
	for _, r := range rules {
		run.AddRule(r.ID).
			WithName(r.Kind).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(r.Title)).
			WithFullDescription(sarif.NewMultiformatMessageString().WithText(strings.TrimSpace(r.Description))).
			WithHelp(sarif.NewMultiformatMessageString().WithText(strings.TrimSpace(r.Remedy))).
			WithProperties(sarif.NewPropertyBag().Add("bundle", r.Bundle).Add("kind", r.Kind))
	}
	return &SARIFPrinter{w: w, run: run, inv: sarif.NewInvocation()}
}

func (p *SARIFPrinter) Finding(f Finding) error {
	switch f.Status {
	case Failed, Warned:
		for _, v := range f.Violations {
			pos := p.loc.position(f, v.Field)
			level := "error"
			if v.Action == "warn" {
				level = "warning"
			}
			p.run.CreateResultForRule(v.Rule).
				WithLevel(level).
				WithMessage(sarif.NewTextMessage(v.Message)).
				AddLocation(fileLocation(f.File, sarif.NewRegion().WithStartLine(pos.Line).WithStartColumn(pos.Column)))
		}
	case Skipped, Errored:
		p.failed = p.failed || f.Status == Errored
		level := "error"
		if f.Status == Skipped {
			level = "warning"
		}
		n := sarif.NewNotification().WithLevel(level).WithMessage(sarif.NewTextMessage(f.Ref() + ": " + f.Reason))
		if f.File != "-" {
			n.AddLocation(fileLocation(f.File, sarif.NewRegion().WithStartLine(max(f.Line, 1))))
		}
		p.inv.ToolExecutionNotifications = append(p.inv.ToolExecutionNotifications, n)
	}
	return nil
}

func (p *SARIFPrinter) End(s Summary) error {
	p.inv.WithExecutionSuccessful(s.Problems() == 0)
	p.run.Invocations = []*sarif.Invocation{p.inv}
	report := sarif.NewReport().AddRun(p.run)
	w := bufio.NewWriter(p.w)
	if err := report.PrettyWrite(w); err != nil {
		return err
	}
	return w.Flush()
}

// fileLocation is a region of a file.
func fileLocation(file string, region *sarif.Region) *sarif.Location {
	return sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
		WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(file))).
		WithRegion(region))
}

// artifactURI is a file's path as a relative URI reference; standard
// input is "stdin".
func artifactURI(file string) string {
	if file == "-" {
		return "stdin"
	}
	return filepath.ToSlash(file)
}

// GitHubPrinter writes GitHub Actions workflow commands, one per
// violation:
//
//	::error file=F,line=L,col=C,title=RULE::message
//
// ("warning" for a violation of a warn constraint), located as
// SARIFPrinter locates them, with the message, the field and the fix. A
// document that could not be read or judged is an error (skipped: a
// warning) titled "policygen". Nothing else is written.
type GitHubPrinter struct {
	w   *bufio.Writer
	loc locator
}

// NewGitHubPrinter returns a GitHubPrinter writing to w.
func NewGitHubPrinter(w io.Writer) *GitHubPrinter { return &GitHubPrinter{w: bufio.NewWriter(w)} }

func (p *GitHubPrinter) Finding(f Finding) error {
	switch f.Status {
	case Failed, Warned:
		for _, v := range f.Violations {
			pos := p.loc.position(f, v.Field)
			cmd := "error"
			if v.Action == "warn" {
				cmd = "warning"
			}
			fmt.Fprintf(p.w, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", cmd,
				escapeProperty(artifactURI(f.File)), pos.Line, pos.Column, escapeProperty(v.Rule),
				escapeData(v.Message+"\nfield: "+v.Field+"\nfix: "+strings.TrimSpace(v.Remedy)))
		}
	case Skipped, Errored:
		cmd := "error"
		if f.Status == Skipped {
			cmd = "warning"
		}
		fmt.Fprintf(p.w, "::%s file=%s,line=%d,title=policygen::%s\n", cmd,
			escapeProperty(artifactURI(f.File)), max(f.Line, 1), escapeData(f.Ref()+": "+f.Reason))
	}
	if p.w.Buffered() > 32<<10 {
		return p.w.Flush()
	}
	return nil
}

func (p *GitHubPrinter) End(Summary) error { return p.w.Flush() }

// escapeData escapes a workflow command's message as the Actions runner
// reads it: %, CR and LF.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value: as
// escapeData, and also : and ,.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
