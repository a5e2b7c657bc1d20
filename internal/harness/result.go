package harness

import "time"

// Report is the outcome of one run: every case in every engine.
type Report struct {
	Engines []string      // engine names, in run order
	Stats   []EngineStats // per engine, in run order
	Cases   []CaseResult  // one per case, in case order
}

// EngineStats is what one engine did in a run.
type EngineStats struct {
	Engine string // the engine's name
	Judged int    // cases it judged (an engine of files skips UPDATEs with an old object)
	Failed int    // cases in which it departed from the expectations
	// Declined counts the cases it could not judge, by reason (a
	// ValidatingAdmissionPolicy cannot see a List).
	Declined map[string]int
	Time     time.Duration // time spent in its evaluations
}

// CaseResult is one case's outcome across engines.
type CaseResult struct {
	Case     string    // the case name
	File     string    // the case file
	Line     int       // the line of the case in its file
	Engines  []string  // the engines that judged it (an engine of files cannot judge an UPDATE against its old object)
	Failures []Failure // empty when every engine passed
}

// Failure is one engine's departure from a case's expectations.
type Failure struct {
	Engine string   // the engine, or "a vs b" for a disagreement
	Diff   []string // want/got lines
}

// Passed counts cases that passed in every engine.
func (r Report) Passed() int { return len(r.Cases) - r.Failed() }

// Failed counts cases that failed in any engine.
func (r Report) Failed() int {
	n := 0
	for _, c := range r.Cases {
		if len(c.Failures) > 0 {
			n++
		}
	}
	return n
}
