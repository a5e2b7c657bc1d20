package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/policygen/policygen/internal/violation"
)

// result is what a test asserts of one SARIF result.
type result struct {
	Rule, Level, URI string
	Line, Column     int
}

// A multi-document file, the second a List: every violation is located at
// its field's key (or the document's first line for a field the file does
// not have), and the rules are the bundle's, with their help.
func TestSARIFPrinterLocations(t *testing.T) {
	s, newEngine := conftest(t)
	e, err := newEngine()
	if err != nil {
		t.Fatal(err)
	}
	const file = "testdata/located.yaml"
	var out bytes.Buffer
	rules := s.RulesOf("all")
	sum, err := NewChecker(rules, nil).WithWorkers(2).Run(context.Background(), e, []string{file}, nil, NewSARIFPrinter(&out, rules))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Violations != 4 {
		t.Fatalf("%d violations, want 4", sum.Violations)
	}
	var log struct {
		Version string `json:"version"`
		Schema  string `json:"$schema"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID    string `json:"id"`
						Short struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
						Help struct {
							Text string `json:"text"`
						} `json:"help"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Invocations []struct {
				Success *bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					Physical struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.HasSuffix(log.Schema, "/sarif-schema-2.1.0.json") || len(log.Runs) != 1 {
		t.Fatalf("version %q, schema %q, %d runs", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "policygen" || len(run.Tool.Driver.Rules) != len(rules) {
		t.Fatalf("driver %q with %d rules, want policygen with %d", run.Tool.Driver.Name, len(run.Tool.Driver.Rules), len(rules))
	}
	for i, r := range run.Tool.Driver.Rules {
		if r.ID != rules[i].ID || r.Short.Text != rules[i].Title || r.Help.Text != strings.TrimSpace(rules[i].Remedy) || r.Help.Text == "" {
			t.Errorf("rule %d: %+v, want %s %q with its remedy", i, r, rules[i].ID, rules[i].Title)
		}
	}
	if len(run.Invocations) != 1 || run.Invocations[0].Success == nil || !*run.Invocations[0].Success {
		t.Errorf("invocations %+v, want one successful", run.Invocations)
	}
	var got []result
	for _, r := range run.Results {
		if len(r.Locations) != 1 || r.Message.Text == "" {
			t.Fatalf("result %+v: want one location and a message", r)
		}
		p := r.Locations[0].Physical
		got = append(got, result{r.RuleID, r.Level, p.Artifact.URI, p.Region.StartLine, p.Region.StartColumn})
	}
	want := []result{
		{"hostprocess-allowed", "error", file, 9, 7},        // hostProcess: key of the Pod
		{"hostprocess-allowed", "error", file, 35, 30},      // items[1] ... containers[0] windowsOptions: {hostProcess
		{"hostprocess-host-network", "error", file, 17, 1},  // items[1] has no hostNetwork: the List's first line
		{"hostprocess-windows-node", "error", file, 30, 11}, // the quoted key "kubernetes.io/os"
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("results\n%+v\nwant\n%+v", got, want)
	}
}

// Warnings are SARIF warnings and GitHub ::warning; GitHub's properties and
// message are escaped; an unreadable document is an error.
func TestGitHubPrinter(t *testing.T) {
	f := Finding{File: "testdata/located.yaml", Document: 2, Line: 17, Kind: "List", Status: Warned, Violations: []Explained{{
		Violation: violation.Violation{Rule: "hostprocess-windows-node", Field: `items[1].spec.template.spec.nodeSelector["kubernetes.io/os"]`, Message: "100% linux,\r\nnot: windows", Action: "warn"},
		Remedy:    "Set it.",
	}}}
	var out bytes.Buffer
	p := NewGitHubPrinter(&out)
	if err := p.Finding(f); err != nil {
		t.Fatal(err)
	}
	if err := p.Finding(Finding{File: "a,b:c.yaml", Document: 3, Line: 40, Status: Errored, Reason: "not YAML"}); err != nil {
		t.Fatal(err)
	}
	if err := p.End(Summary{}); err != nil {
		t.Fatal(err)
	}
	want := "::warning file=testdata/located.yaml,line=30,col=11,title=hostprocess-windows-node::100%25 linux,%0D%0Anot: windows%0Afield: items[1].spec.template.spec.nodeSelector[\"kubernetes.io/os\"]%0Afix: Set it.\n" +
		"::error file=a%2Cb%3Ac.yaml,line=40,title=policygen::a,b:c.yaml#3: not YAML\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}

	var sarifOut bytes.Buffer
	sp := NewSARIFPrinter(&sarifOut, nil)
	if err := sp.Finding(f); err != nil {
		t.Fatal(err)
	}
	if err := sp.End(Summary{Objects: 1, Warnings: 1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sarifOut.String(), `"level": "warning"`) || strings.Contains(sarifOut.String(), `"level": "error"`) {
		t.Errorf("a warning is not a SARIF warning:\n%s", sarifOut.String())
	}
}

// The log of a run with a deny and a warn violation, an unreadable
// document and a skipped one is valid against the SARIF 2.1.0 schema; the
// same log without a result's message is not.
func TestSARIFValidatesAgainstSchema(t *testing.T) {
	s, _ := conftest(t)
	rules := s.RulesOf("all")
	var out bytes.Buffer
	p := NewSARIFPrinter(&out, rules)
	for _, f := range []Finding{
		{File: "testdata/located.yaml", Document: 1, Line: 1, Kind: "Pod", Status: Failed, Violations: []Explained{{
			Violation: violation.Violation{Rule: "hostprocess-allowed", Field: "spec.securityContext.windowsOptions.hostProcess", Message: "hostProcess is not allowed", Action: "deny"},
		}}},
		{File: "testdata/located.yaml", Document: 2, Line: 17, Kind: "List", Status: Warned, Violations: []Explained{{
			Violation: violation.Violation{Rule: "hostprocess-windows-node", Field: `items[1].spec.template.spec.nodeSelector["kubernetes.io/os"]`, Message: "not on a Windows node", Action: "warn"},
		}}},
		{File: "bad.yaml", Document: 1, Line: 3, Status: Errored, Reason: "document 1 is not valid YAML"},
		{File: "-", Document: 2, Line: 11, Status: Skipped, Reason: "not an object but the value 42"},
	} {
		if err := p.Finding(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.End(Summary{Objects: 2, Violations: 1, Warnings: 1, Skipped: 1, Errors: 1}); err != nil {
		t.Fatal(err)
	}
	report, err := sarif.FromBytes(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Validate(); err != nil {
		t.Fatalf("the log is not valid SARIF 2.1.0: %v\n%s", err, out.String())
	}
	if len(report.Runs) != 1 || len(report.Runs[0].Results) != 2 || len(report.Runs[0].Invocations) != 1 {
		t.Fatalf("want 1 run with 2 results and 1 invocation:\n%s", out.String())
	}
	run := report.Runs[0]
	var levels []string
	for _, r := range run.Results {
		levels = append(levels, *r.RuleID+" "+r.Level)
	}
	inv := run.Invocations[0]
	for _, n := range inv.ToolExecutionNotifications {
		levels = append(levels, n.Level+" "+*n.Message.Text)
	}
	want := []string{"hostprocess-allowed error", "hostprocess-windows-node warning", "error bad.yaml#1: document 1 is not valid YAML", "warning -#2: not an object but the value 42"}
	if !reflect.DeepEqual(levels, want) || inv.ExecutionSuccessful == nil || *inv.ExecutionSuccessful {
		t.Errorf("results and notifications %q, success %v; want %q, unsuccessful", levels, inv.ExecutionSuccessful, want)
	}

	run.Results[0].Message = nil
	if err := report.Validate(); err == nil || !strings.Contains(err.Error(), "message") {
		t.Errorf("a result without a message validated: %v", err)
	}
}

// Aliases are followed, merge keys searched, and of duplicate keys the
// last counts.
func TestFindAliasesAndMerges(t *testing.T) {
	l := locator{file: "x.yaml", docs: map[int]*located{1: {first: 10, raw: []byte("base: &b {hostNetwork: true}\nspec:\n  <<: *b\n  a: 1\n  a: 2\nitems: &l [x, y]\nlist: *l\n")}}}
	for field, want := range map[string]Position{
		"spec.hostNetwork": {10, 11},
		"spec.a":           {14, 3},
		"list[1]":          {15, 15},
		"spec.missing":     {3, 1},
	} {
		if got := l.position(Finding{File: "x.yaml", Document: 1, Line: 3}, field); got != want {
			t.Errorf("%s: %+v, want %+v", field, got, want)
		}
	}
}

func TestParsePath(t *testing.T) {
	got, ok := parsePath(`items[2].spec.nodeSelector["kubernetes.io/os"].x`)
	want := []step{{key: "items", index: -1}, {index: 2}, {key: "spec", index: -1}, {key: "nodeSelector", index: -1}, {key: "kubernetes.io/os", index: -1}, {key: "x", index: -1}}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v", got, ok)
	}
	for _, bad := range []string{"", "a[x]", `a["b`, "a..b"} {
		if _, ok := parsePath(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestNewPrinterUnknown(t *testing.T) {
	_, err := NewPrinter("xml", nil, nil)
	if err == nil || err.Error() != `unknown format "xml": use text, json, sarif, github` {
		t.Errorf("err %v", err)
	}
}
