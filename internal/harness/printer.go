package harness

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Formats are the report formats Print knows.
var Formats = []string{"text", "json", "junit"}

// Print writes the report in one of Formats.
func Print(w io.Writer, format string, r Report) error {
	switch format {
	case "text":
		printText(w, r)
		return nil
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(jsonReport(r))
	case "junit":
		return printJUnit(w, r)
	}
	return fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats, ", "))
}

// printText writes a line per failing case and engine with its diff, then
// the closing count.
func printText(w io.Writer, r Report) {
	for _, c := range r.Cases {
		for _, f := range c.Failures {
			fmt.Fprintf(w, "FAIL %s:%d %q [%s]\n", c.File, c.Line, c.Case, f.Engine)
			for _, d := range f.Diff {
				fmt.Fprintf(w, "    %s\n", d)
			}
		}
	}
	for _, s := range r.Stats {
		fmt.Fprintf(w, "%-14s %d judged, %d passed, %d failed, %s\n", s.Engine+":", s.Judged, s.Judged-s.Failed, s.Failed, s.Time.Round(time.Millisecond))
		for _, why := range slices.Sorted(maps.Keys(s.Declined)) {
			fmt.Fprintf(w, "%-14s %d declined: %s\n", "", s.Declined[why], why)
		}
	}
	fmt.Fprintf(w, "%d cases through %d engines (%s)\n", len(r.Cases), len(r.Engines), strings.Join(r.Engines, ", "))
	fmt.Fprintf(w, "%d passed, %d failed\n", r.Passed(), r.Failed())
}

func jsonReport(r Report) any {
	type failure struct {
		Engine string   `json:"engine"`
		Diff   []string `json:"diff"`
	}
	type caseResult struct {
		Name     string    `json:"name"`
		File     string    `json:"file"`
		Line     int       `json:"line"`
		Passed   bool      `json:"passed"`
		Failures []failure `json:"failures,omitempty"`
	}
	type engine struct {
		Name     string         `json:"name"`
		Judged   int            `json:"judged"`
		Failed   int            `json:"failed"`
		Declined map[string]int `json:"declined,omitempty"`
	}
	out := struct {
		Engines []engine     `json:"engines"`
		Passed  int          `json:"passed"`
		Failed  int          `json:"failed"`
		Cases   []caseResult `json:"cases"`
	}{Engines: []engine{}, Passed: r.Passed(), Failed: r.Failed()}
	for _, s := range r.Stats {
		out.Engines = append(out.Engines, engine{s.Engine, s.Judged, s.Failed, s.Declined})
	}
	for _, c := range r.Cases {
		cr := caseResult{Name: c.Case, File: c.File, Line: c.Line, Passed: len(c.Failures) == 0}
		for _, f := range c.Failures {
			cr.Failures = append(cr.Failures, failure(f))
		}
		out.Cases = append(out.Cases, cr)
	}
	return out
}

func printJUnit(w io.Writer, r Report) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
	}
	type testsuite struct {
		XMLName  xml.Name   `xml:"testsuite"`
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	s := testsuite{Name: "policygen (" + strings.Join(r.Engines, ", ") + ")", Tests: len(r.Cases), Failures: r.Failed()}
	for _, c := range r.Cases {
		tc := testcase{Name: c.Case, Classname: strings.TrimSuffix(c.File, ".yaml")}
		if len(c.Failures) > 0 {
			var text []string
			var engines []string
			for _, f := range c.Failures {
				engines = append(engines, f.Engine)
				text = append(text, "["+f.Engine+"]")
				text = append(text, f.Diff...)
			}
			tc.Failure = &failure{Message: "failed in " + strings.Join(engines, ", "), Text: strings.Join(text, "\n")}
		}
		s.Cases = append(s.Cases, tc)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
