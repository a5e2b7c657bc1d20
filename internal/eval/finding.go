package eval

import (
	"strconv"

	"github.com/policygen/policygen/internal/violation"
)

// Status is a document's verdict.
type Status string

const (
	OK      Status = "ok"    // judged, no violation
	Failed  Status = "fail"  // judged, at least one violation of a deny constraint
	Warned  Status = "warn"  // judged, only violations of warn constraints
	Skipped Status = "skip"  // read, but not an object policygen can judge
	Errored Status = "error" // not read, or the engine failed on it
)

// Finding is one document's verdict, without the object, so that findings
// stay small.
type Finding struct {
	File       string      `json:"file"`                 // the file, "-" for standard input
	Document   int         `json:"document"`             // 1-based index among the file's documents; 0 for the file as a whole
	Line       int         `json:"line,omitempty"`       // the line the document starts on; 0 when unknown
	APIVersion string      `json:"apiVersion,omitempty"` // the object's apiVersion
	Kind       string      `json:"kind,omitempty"`       // the object's kind
	Namespace  string      `json:"namespace,omitempty"`  // metadata.namespace
	Name       string      `json:"name,omitempty"`       // metadata.name
	Status     Status      `json:"status"`               // the verdict
	Violations []Explained `json:"violations,omitempty"` // Failed or Warned: in the order of the rules, then field and message; warnings have action "warn"
	Reason     string      `json:"reason,omitempty"`     // Skipped or Errored: why
}

// Explained is a violation with its rule's title and remedy.
type Explained struct {
	violation.Violation
	Title  string `json:"title"`
	Remedy string `json:"fix"`
}

// Ref names the document as `file#doc Kind namespace/name` (the file alone
// for a file that could not be read).
func (f Finding) Ref() string {
	if f.Document == 0 {
		return f.File
	}
	s := f.File + "#" + itoa(f.Document)
	if f.Kind != "" {
		s += " " + f.Kind
	}
	name := f.Name
	if f.Namespace != "" {
		name = f.Namespace + "/" + name
	}
	if name != "" {
		s += " " + name
	}
	return s
}

func itoa(i int) string { return strconv.Itoa(i) }

// Summary counts the findings of a run.
type Summary struct {
	Objects    int `json:"objects"`    // documents judged (ok or failed)
	Failed     int `json:"failed"`     // objects with at least one violation
	Violations int `json:"violations"` // violations of deny constraints, of all objects
	Warnings   int `json:"warnings"`   // violations of warn constraints, of all objects
	Skipped    int `json:"skipped"`    // documents read but not judged
	Errors     int `json:"errors"`     // documents or files that could not be read or judged
}

// Problems is the number of documents and files that were not judged.
func (s Summary) Problems() int { return s.Skipped + s.Errors }

// ExitCode is the exit status the CLI gives: 2 when anything could not be
// read or judged (it takes precedence), 1 when anything violates a deny
// constraint, else 0 (warnings alone exit 0).
func (s Summary) ExitCode() int {
	switch {
	case s.Problems() > 0:
		return 2
	case s.Violations > 0:
		return 1
	}
	return 0
}

func (s *Summary) add(f Finding) {
	switch f.Status {
	case OK:
		s.Objects++
	case Failed, Warned:
		s.Objects++
		if f.Status == Failed {
			s.Failed++
		}
		for _, v := range f.Violations {
			if v.Action == "warn" {
				s.Warnings++
			} else {
				s.Violations++
			}
		}
	case Skipped:
		s.Skipped++
	case Errored:
		s.Errors++
	}
}
