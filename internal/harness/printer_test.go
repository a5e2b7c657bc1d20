package harness

import (
	"bytes"
	"testing"
	"time"
)

// report is one run of two cases in two engines: one case passed, one
// failed in an engine and in the comparison of the engines.
var report = Report{
	Engines: []string{"gatekeeper", "conftest"},
	Stats: []EngineStats{
		{Engine: "gatekeeper", Judged: 2, Failed: 1, Time: 1500 * time.Millisecond},
		{Engine: "conftest", Judged: 1, Failed: 0, Time: 20 * time.Millisecond, Declined: map[string]int{"a List is not an admission object": 1}},
	},
	Cases: []CaseResult{
		{Case: "host-network/missing", File: "host-network.yaml", Line: 3, Engines: []string{"gatekeeper", "conftest"}},
		{Case: "operations/label change", File: "operations.yaml", Line: 40, Engines: []string{"gatekeeper"}, Failures: []Failure{
			{Engine: "gatekeeper", Diff: []string{"rule r1: want 0 violation(s), got 1", `  + got  spec.hostNetwork "a HostProcess pod must set hostNetwork: true"`}},
		}},
	},
}

func TestPrintText(t *testing.T) {
	want := `FAIL operations.yaml:40 "operations/label change" [gatekeeper]
    rule r1: want 0 violation(s), got 1
      + got  spec.hostNetwork "a HostProcess pod must set hostNetwork: true"
gatekeeper:    2 judged, 1 passed, 1 failed, 1.5s
conftest:      1 judged, 1 passed, 0 failed, 20ms
               1 declined: a List is not an admission object
2 cases through 2 engines (gatekeeper, conftest)
1 passed, 1 failed
`
	printed(t, "text", want)
}

func TestPrintJSON(t *testing.T) {
	want := `{
  "engines": [
    {
      "name": "gatekeeper",
      "judged": 2,
      "failed": 1
    },
    {
      "name": "conftest",
      "judged": 1,
      "failed": 0,
      "declined": {
        "a List is not an admission object": 1
      }
    }
  ],
  "passed": 1,
  "failed": 1,
  "cases": [
    {
      "name": "host-network/missing",
      "file": "host-network.yaml",
      "line": 3,
      "passed": true
    },
    {
      "name": "operations/label change",
      "file": "operations.yaml",
      "line": 40,
      "passed": false,
      "failures": [
        {
          "engine": "gatekeeper",
          "diff": [
            "rule r1: want 0 violation(s), got 1",
            "  + got  spec.hostNetwork \"a HostProcess pod must set hostNetwork: true\""
          ]
        }
      ]
    }
  ]
}
`
	printed(t, "json", want)
}

func TestPrintJUnit(t *testing.T) {
	want := `<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="policygen (gatekeeper, conftest)" tests="2" failures="1">
  <testcase name="host-network/missing" classname="host-network"></testcase>
  <testcase name="operations/label change" classname="operations">
    <failure message="failed in gatekeeper">[gatekeeper]&#xA;rule r1: want 0 violation(s), got 1&#xA;  + got  spec.hostNetwork &#34;a HostProcess pod must set hostNetwork: true&#34;</failure>
  </testcase>
</testsuite>
`
	printed(t, "junit", want)
}

func TestPrintUnknownFormat(t *testing.T) {
	if err := Print(&bytes.Buffer{}, "xml", report); err == nil {
		t.Error("format xml printed")
	}
}

func printed(t *testing.T, format, want string) {
	t.Helper()
	var b bytes.Buffer
	if err := Print(&b, format, report); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("%s report:\n%s\nwant:\n%s", format, b.String(), want)
	}
}
