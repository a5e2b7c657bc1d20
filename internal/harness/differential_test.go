package harness_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/violation"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

// engines builds every embedded engine over freshly rendered artifacts.
func engines(t testing.TB) []harness.Engine {
	t.Helper()
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := pipeline.Render(s, nil, pipeline.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	es, err := pipeline.BuildEngines(s, a, pipeline.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return es.List
}

// verdict is what is compared across implementations: rule and field of
// every violation, as a sorted multiset (messages are each engine's own).
func verdict(vs []violation.Violation) string {
	keys := make([]string, len(vs))
	for i, v := range vs {
		keys[i] = v.Rule + " " + v.Field
	}
	sort.Strings(keys)
	return strings.Join(keys, "\n")
}

// named are the containers and volumes a message names.
var named = regexp.MustCompile(`\b(?:containers|initContainers|ephemeralContainers|volumes)\[\d+\]`)

var volumeField = regexp.MustCompile(`\bvolumes\[\d+\]`)

// ruleVerdict is what is compared for an engine judged by the CEL contract
// (harness.PerRule): per rule that fires, the containers and volumes its
// messages name (a CEL validation names every offender in one message,
// and reports no field; the reference names a volume by its field).
func ruleVerdict(vs []violation.Violation) string {
	names := map[string]map[string]bool{}
	for _, v := range vs {
		if names[v.Rule] == nil {
			names[v.Rule] = map[string]bool{}
		}
		for _, n := range named.FindAllString(v.Message, -1) {
			names[v.Rule][n] = true
		}
		// The reference names a volume by its field only.
		for _, n := range volumeField.FindAllString(v.Field, -1) {
			names[v.Rule][n] = true
		}
	}
	var lines []string
	for _, r := range slices.Sorted(maps.Keys(names)) {
		lines = append(lines, strings.TrimSpace(r+" "+strings.Join(slices.Sorted(maps.Keys(names[r])), " ")))
	}
	return strings.Join(lines, "\n")
}

// verdictOf is the verdict an engine is compared by.
func verdictOf(e harness.Engine) func([]violation.Violation) string {
	if harness.ContractOf(e) == harness.PerRule {
		return ruleVerdict
	}
	return verdict
}

// setBlock objects in a row share a parameter set, as objects under one
// constraint do in a cluster.
const setBlock = 50

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestDifferential runs generated documents (objects of every pod-bearing
// kind, a fifth of them with wrong-typed values, a third with limits or
// annotations respelt, and lists of every shape) through every engine under
// rotating parameter sets, every fifth as an UPDATE against an oldObject,
// and requires each engine to give exactly the reference model's
// violations. An UPDATE goes to the engines that judge admission requests;
// an engine of files judges the object alone, as a file. By default it
// compares 2,000 documents or runs 30 seconds, whichever ends first;
// POLICYGEN_DIFF_OBJECTS, POLICYGEN_DIFF_SECONDS (0: no time limit) and
// POLICYGEN_DIFF_SEED scale it up (make fuzz). It reports every kind of
// disagreement it saw, counted, and the first few in full, shrunk.
func TestDifferential(t *testing.T) {
	objects := envInt("POLICYGEN_DIFF_OBJECTS", 2000)
	seconds := envInt("POLICYGEN_DIFF_SECONDS", 30)
	seed := uint64(envInt("POLICYGEN_DIFF_SEED", 20261122))
	es := engines(t)
	sets := generate.ParameterSets()
	g := generate.New(seed)
	ctx := context.Background()
	start := time.Now()
	compared, corrupted, lists, updates := 0, 0, 0, 0
	failures := make([]int, len(es)) // per engine; each shows its first few
	declined := make([]map[string]int, len(es))
	var tally disagreementTally
	outOfTime := func() bool { return seconds > 0 && time.Since(start) > time.Duration(seconds)*time.Second }
	for compared < objects && !outOfTime() {
		// A block of documents with the reference's verdicts, then every
		// engine over the block in a goroutine of its own.
		var block []diffObject
		for len(block) < diffBlock && compared+len(block) < objects {
			i := compared + len(block)
			doc := g.NextDocument()
			d := diffObject{index: i, doc: doc, set: sets[(i/setBlock)%len(sets)]}
			params := reference.ParamsFrom(d.set.Params)
			d.fullVs = doc.Reference(params)
			d.wantVs = d.fullVs
			if i%5 == 4 {
				d.op = "UPDATE"
				d.old, d.how = generate.UpdateOf(doc.Object, g.Rand())
				if d.old != nil && reference.Unchanged(doc.Object, d.old) {
					d.wantVs = nil
				}
				updates++
			}
			if doc.Corrupted() {
				corrupted++
			}
			if doc.Shape != "" && strings.HasSuffix(strings.Fields(doc.Shape)[0], "List") {
				lists++
			}
			block = append(block, d)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for k, e := range es {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v := verdictOf(e)
				for _, d := range block {
					r, wantVs := d.review(e)
					if why := harness.Declines(e, r); why != "" {
						mu.Lock()
						if declined[k] == nil {
							declined[k] = map[string]int{}
						}
						declined[k][why]++
						mu.Unlock()
						continue
					}
					want := v(wantVs)
					got, err := e.Evaluate(ctx, r)
					if err == nil && v(got) == want {
						continue
					}
					mu.Lock()
					tally.add(e.Name(), d, v(got), want, err)
					failures[k]++
					show := failures[k] <= 3
					mu.Unlock()
					if show {
						t.Errorf("seed %d, document %d (%s), parameters %q: %s disagrees with the reference\n%s",
							seed, d.index, d.describe(), d.set.Name, e.Name(), disagreement(ctx, e, d, r))
					}
				}
			}()
		}
		wg.Wait()
		compared += len(block)
	}
	t.Logf("seed %d: %d documents (%d with values the typed form cannot hold, %d lists, %d updates) through %d engines under %d parameter sets, %d disagreements, %s",
		seed, compared, corrupted, lists, updates, len(es), len(sets), sum(failures), time.Since(start).Round(time.Millisecond))
	for k, e := range es {
		for _, why := range slices.Sorted(maps.Keys(declined[k])) {
			t.Logf("%s declined %d documents: %s", e.Name(), declined[k][why], why)
		}
		if n := sum(slices.Collect(maps.Values(declined[k]))); n == compared {
			t.Errorf("%s declined every document", e.Name())
		}
	}
	if s := tally.String(); s != "" {
		t.Errorf("disagreements by kind (side, rule, field; count; first example):\n%s", s)
	}
	if compared < objects && !outOfTime() && sum(failures) == 0 {
		t.Errorf("compared %d documents, want %d", compared, objects)
	}
}

// diffBlock documents are generated at a time, then judged by every engine
// at once, one goroutine per engine: memory stays bounded, and the engines
// share the cores.
const diffBlock = 250

// diffObject is one generated document, as the engines and the reference see it.
type diffObject struct {
	index  int
	doc    generate.Document
	set    generate.ParameterSet
	op     string                // "" or UPDATE
	old    map[string]any        // UPDATE: the oldObject, nil for none
	how    string                // UPDATE: what the oldObject changes
	fullVs []violation.Violation // the reference's violations in the document
	wantVs []violation.Violation // the reference's violations in the review
}

// review is what engine e is asked, and the violations it must give: an
// admission engine gets the UPDATE; an engine of files, the document alone.
func (d diffObject) review(e harness.Engine) (harness.Review, []violation.Violation) {
	r := harness.Review{Object: d.doc.Object, OldObject: d.old, Operation: d.op, Parameters: d.set.Params}
	if !e.Admission() {
		return harness.Review{Object: d.doc.Object, Parameters: d.set.Params}, d.fullVs
	}
	return r, d.wantVs
}

func (d diffObject) describe() string {
	s := d.doc.Shape
	if d.op == "UPDATE" {
		s += ", UPDATE: " + d.how
	}
	if len(d.doc.Changes) > 0 {
		s += fmt.Sprintf(", %d values respelt or of the wrong type", len(d.doc.Changes))
	}
	return s
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// disagreement shrinks the document to the smallest that still disagrees
// and shows both answers for it, and which violations each side alone has.
// A single object whose unstructured form is its twin's is shrunk in its
// typed form; any other document that the reference can decode, in its
// unstructured form; an UPDATE, or a document with wrong-typed values, is
// shown as it is.
func disagreement(ctx context.Context, e harness.Engine, d diffObject, r harness.Review) string {
	params := reference.ParamsFrom(d.set.Params)
	verdict := verdictOf(e)
	engineVerdict := func(m map[string]any) string {
		rr := r
		rr.Object = m
		if why := harness.Declines(e, rr); why != "" {
			return "declined: " + why
		}
		got, err := e.Evaluate(ctx, rr)
		if err != nil {
			return "error: " + err.Error()
		}
		return verdict(got)
	}
	small, ref := d.doc.Object, ""
	_, want := d.review(e)
	ref = verdict(want)
	twin := d.doc.Twins[""]
	switch {
	case r.OldObject != nil || r.Op() == "UPDATE":
	case twin != nil && reflect.DeepEqual(generate.Unstructured(twin), d.doc.Object):
		shrunk := generate.Shrink(twin, func(o runtime.Object) bool {
			return !shrinking.spent() && engineVerdict(generate.Unstructured(o)) != verdict(reference.Evaluate(o, params))
		})
		small, ref = generate.Unstructured(shrunk), verdict(reference.Evaluate(shrunk, params))
	default:
		if _, err := reference.EvaluateDocument(d.doc.Object, params); err == nil {
			small = generate.ShrinkUnstructured(d.doc.Object, func(m map[string]any) bool {
				if shrinking.spent() {
					return false
				}
				vs, err := reference.EvaluateDocument(m, params)
				return err == nil && engineVerdict(m) != verdict(vs)
			})
			vs, _ := reference.EvaluateDocument(small, params)
			ref = verdict(vs)
		}
	}
	engine := engineVerdict(small)
	b, _ := yaml.Marshal(small)
	out := fmt.Sprintf("object:\n%s", b)
	if r.OldObject != nil {
		o, _ := yaml.Marshal(r.OldObject)
		out += fmt.Sprintf("oldObject:\n%s", o)
	}
	if len(d.doc.Changes) > 0 {
		out += fmt.Sprintf("respelt or wrong-typed: %s\n", strings.Join(d.doc.Changes, "; "))
	}
	onlyEngine, onlyRef := sides(engine, ref)
	return out + fmt.Sprintf("%s:\n%s\nreference:\n%s\nonly %s: %s\nonly the reference: %s",
		e.Name(), engine, ref, e.Name(), strings.Join(onlyEngine, "; "), strings.Join(onlyRef, "; "))
}

// sides returns the lines of verdict a that b lacks, and of b that a lacks,
// as multisets.
func sides(a, b string) (onlyA, onlyB []string) {
	count := map[string]int{}
	for _, l := range strings.Split(a, "\n") {
		if l != "" {
			count[l]++
		}
	}
	for _, l := range strings.Split(b, "\n") {
		if l != "" {
			count[l]--
		}
	}
	for _, l := range slices.Sorted(maps.Keys(count)) {
		for ; count[l] > 0; count[l]-- {
			onlyA = append(onlyA, l)
		}
		for ; count[l] < 0; count[l]++ {
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}

// disagreementTally counts disagreements by kind: which side alone has a
// violation, its rule, and its field (kindOf); a document counts once per
// kind and engine.
type disagreementTally struct {
	counts  map[string]int
	example map[string]string
	engines map[string]map[string]bool
}

var (
	index      = regexp.MustCompile(`\[\d+\]`)
	listPrefix = regexp.MustCompile(`^(items\[i\]\.)+`)
	podPrefix  = regexp.MustCompile(`^(spec\.jobTemplate\.spec\.template\.|spec\.template\.|template\.)?(spec|metadata)\b`)
)

// kindOf writes a verdict line as a kind of disagreement: indices left
// out, the pod spec and pod metadata of every kind written <spec> and
// <metadata>, and a list item's prefix as "(list item)".
func kindOf(line string) string {
	rule, field, _ := strings.Cut(index.ReplaceAllString(line, "[i]"), " ")
	item := ""
	if m := listPrefix.FindString(field); m != "" {
		field, item = strings.TrimPrefix(field, m), " (list item)"
	}
	field = podPrefix.ReplaceAllString(field, "<$2>")
	return rule + " " + field + item
}

func (t *disagreementTally) add(engine string, d diffObject, got, want string, err error) {
	if t.counts == nil {
		t.counts, t.example, t.engines = map[string]int{}, map[string]string{}, map[string]map[string]bool{}
	}
	var kinds []string
	if err != nil {
		msg, _, _ := strings.Cut(err.Error(), "\n")
		kinds = append(kinds, "error: "+index.ReplaceAllString(msg, "[i]"))
	} else {
		onlyEngine, onlyRef := sides(got, want)
		for _, l := range onlyEngine {
			kinds = append(kinds, "engine only:    "+kindOf(l))
		}
		for _, l := range onlyRef {
			kinds = append(kinds, "reference only: "+kindOf(l))
		}
	}
	for _, k := range slices.Compact(slices.Sorted(slices.Values(kinds))) {
		t.counts[k]++
		if t.engines[k] == nil {
			t.engines[k] = map[string]bool{}
			t.example[k] = fmt.Sprintf("document %d (%s), parameters %q", d.index, d.describe(), d.set.Name)
		}
		t.engines[k][engine] = true
	}
}

func (t *disagreementTally) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(t.counts)) {
		fmt.Fprintf(&b, "%6d  %s  [%s]  e.g. %s\n", t.counts[k], k, strings.Join(slices.Sorted(maps.Keys(t.engines[k])), " "), t.example[k])
	}
	return b.String()
}
