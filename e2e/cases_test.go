//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/kinds"
	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/vap"
)

// Outcomes of one request.
const (
	Admitted = "admitted"
	Denied   = "denied"
	Rejected = "rejected by validation" // the API server's own validation, before admission
	Skipped  = "skipped"
	Failed   = "failed"             // anything else: the webhook unreachable, a conflict…
	Refused  = "parameters refused" // the API server refuses the case's parameters (a CRD's schema)
)

// Outcome is what the API server answered to one request.
type Outcome struct {
	Result     string
	Violations map[string][]string // Denied: messages per rule
	Warnings   []string
	Message    string // Rejected, Failed, Skipped: why
}

// outcome classifies the answer to a request.
func outcome(e Enforcer, err error, warnings []string) Outcome {
	if err == nil {
		return Outcome{Result: Admitted, Warnings: warnings}
	}
	if v, ok := e.Denial(err); ok {
		if w, ok := e.(warnedRules); ok {
			v = w.Fired(v, warnings)
		}
		return Outcome{Result: Denied, Violations: v, Warnings: warnings}
	}
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
		return Outcome{Result: Rejected, Message: err.Error(), Warnings: warnings}
	}
	return Outcome{Result: Failed, Message: err.Error(), Warnings: warnings}
}

// warnedRules is an enforcer whose denial names only the first rule that
// denies and whose warnings name every rule that fires.
type warnedRules interface {
	Fired(denial map[string][]string, warnings []string) map[string][]string
}

// casesNamespace holds the cases whose objects name no namespace.
const casesNamespace = "e2e-cases"

// plan is how one case goes through the API server.
type plan struct {
	c      cases.Case
	index  int
	obj    *unstructured.Unstructured // the object sent (on DELETE, deleted)
	stored *unstructured.Unstructured // UPDATE, DELETE: the object stored first
	skip   string
	notes  []string // what the harness had to add to the case's object
	got    Outcome
	sent   *unstructured.Unstructured // CREATE, UPDATE admitted: the object as the API server stored it (dry run)
}

func (p *plan) op() string {
	if p.c.Operation == "" {
		return "CREATE"
	}
	return p.c.Operation
}

// newPlan decides how a case is sent: its namespace (the one it names, or
// casesNamespace; a stored object without a namespace gets one of its own
// so that cases never share a name), and what is stored before.
func newPlan(c *Cluster, i int, cs cases.Case) *plan {
	p := &plan{c: cs, index: i}
	if cs.Object == nil {
		p.skip = "no object: nothing to send"
		return p
	}
	obj := &unstructured.Unstructured{Object: deepCopy(cs.Object)}
	kind := obj.GetKind()
	switch {
	case kind == "List" || strings.HasSuffix(kind, "List"):
		p.skip = "a list: the API has no create of a List (kubectl sends its items)"
		return p
	case kind == "" || obj.GetAPIVersion() == "":
		p.skip = "no kind or apiVersion: the API cannot take it"
		return p
	}
	if _, ok, err := c.Resource(obj.GroupVersionKind(), ""); err != nil || !ok {
		p.skip = fmt.Sprintf("kind %s is not served by the API server", obj.GroupVersionKind())
		return p
	}
	ns := obj.GetNamespace()
	if ns == "" {
		ns = casesNamespace
		if p.op() != "CREATE" {
			ns = fmt.Sprintf("e2e-case-%d", i)
		}
	}
	obj.SetNamespace(ns)
	if obj.GetName() == "" {
		obj.SetName(fmt.Sprintf("case-%d", i))
		p.notes = append(p.notes, "name added")
	}
	p.obj = obj
	switch {
	case p.op() == "UPDATE" && cs.OldObject != nil:
		p.stored = &unstructured.Unstructured{Object: deepCopy(cs.OldObject)}
		p.stored.SetNamespace(ns)
		if p.stored.GetName() == "" {
			p.stored.SetName(obj.GetName())
		}
	case p.op() != "CREATE":
		// The API server always sends the stored object: an UPDATE with no
		// oldObject in the case updates the object stored as it is.
		p.stored = obj.DeepCopy()
		if p.op() == "UPDATE" {
			p.notes = append(p.notes, "stored as is: the update changes nothing")
		}
	}
	return p
}

// deepCopy copies a case's object (YAML-decoded, with Go ints) into the
// JSON types an unstructured object holds.
func deepCopy(m map[string]any) map[string]any {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(b); err != nil {
		// Not a valid object for the API machinery (e.g. a wrong-typed
		// kind): keep the JSON values as they are.
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	return u.Object
}

// send sends the case's request, dry-run, and classifies the answer.
func (p *plan) send(c *Cluster, e Enforcer) Outcome {
	ctx := context.Background()
	client := c.Client(p.obj)
	c.Warnings.Take()
	dry := []string{metav1.DryRunAll}
	var err error
	switch p.op() {
	case "CREATE":
		p.sent, err = client.Create(ctx, p.obj, metav1.CreateOptions{DryRun: dry})
	case "UPDATE":
		var cur *unstructured.Unstructured
		if cur, err = client.Get(ctx, p.obj.GetName(), metav1.GetOptions{}); err == nil {
			o := p.obj.DeepCopy()
			o.SetResourceVersion(cur.GetResourceVersion())
			p.sent, err = client.Update(ctx, o, metav1.UpdateOptions{DryRun: dry})
		}
	case "DELETE":
		err = client.Delete(ctx, p.obj.GetName(), metav1.DeleteOptions{DryRun: dry})
	}
	return outcome(e, err, c.Warnings.Take())
}

// expected is the outcome the case expects: its violations per rule.
func expected(cs cases.Case) map[string][]cases.Expectation {
	out := map[string][]cases.Expectation{}
	for id, exps := range cs.Expect {
		if len(exps) > 0 {
			out[id] = exps
		}
	}
	return out
}

// agree says whether the outcome is the case's expectation under the
// contract, and if not why.
func agree(cs cases.Case, got Outcome, contract harness.Contract) (bool, string) {
	exp := expected(cs)
	switch got.Result {
	case Admitted:
		if len(exp) == 0 {
			return true, ""
		}
		return false, fmt.Sprintf("admitted; the case expects violations of %s", strings.Join(slices.Sorted(maps.Keys(exp)), ", "))
	case Denied:
		if contract == harness.PerRule {
			// Per rule, whether it fires.
			if w, g := slices.Sorted(maps.Keys(exp)), slices.Sorted(maps.Keys(got.Violations)); !slices.Equal(w, g) {
				return false, fmt.Sprintf("rules %v fire, the case expects %v (%q)", g, w, got.Violations)
			}
			return true, ""
		}
		var why []string
		for _, id := range slices.Sorted(maps.Keys(union(exp, got.Violations))) {
			msgs, exps := got.Violations[id], exp[id]
			if len(msgs) != len(exps) {
				why = append(why, fmt.Sprintf("%s: %d violations, the case expects %d (%q)", id, len(msgs), len(exps), msgs))
				continue
			}
			for _, x := range exps {
				if !slices.ContainsFunc(msgs, x.Pattern().MatchString) {
					why = append(why, fmt.Sprintf("%s: no message matches %q in %q", id, x.Message, msgs))
				}
			}
		}
		return len(why) == 0, strings.Join(why, "; ")
	}
	return false, got.Message
}

func union[V1, V2 any](a map[string]V1, b map[string]V2) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// oracle is the project's API-server oracle for the object's pod spec:
// whether the API server rejects it for a HostProcess reason; ok is false
// when the object has no pod spec the oracle can read.
func oracle(u *unstructured.Unstructured) (rejected, ok bool) {
	k, found := kinds.Of(u.GetKind())
	if !found {
		return false, false
	}
	raw, found, err := unstructured.NestedFieldNoCopy(u.Object, k.PodSpec...)
	if !found || err != nil {
		return false, false
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return false, false
	}
	var ps corev1.PodSpec
	if err := json.Unmarshal(b, &ps); err != nil {
		return false, false
	}
	return reference.APIServerCheck(&ps, strings.Join(k.PodSpec, ".")).Rejected(), true
}

// hostProcessReason says whether the API server's message rejects the
// object for one of the HostProcess reasons the oracle models.
func hostProcessReason(msg string) bool {
	// The messages of validateWindowsHostProcessPod in kubernetes
	// pkg/apis/core/validation (v1.34).
	for _, s := range []string{
		"pod hostProcess value must be identical if both are specified",
		"all containers must be HostProcess containers",
		"hostNetwork must be true if pod contains any hostProcess containers",
		"hostProcess containers are disallowed by cluster policy",
	} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// TestCases sends every case with an object through the real API server
// and the Gatekeeper webhook with its Rego engine over dist/gatekeeper,
// and compares what happens with the case.
func TestCases(t *testing.T) {
	runCases(t, func(c *Cluster, s *spec.Spec) Enforcer {
		StartGatekeeper(c, admissionregistrationv1.Fail)
		return NewGatekeeperWebhook(c, s)
	})
}

// TestCasesGatekeeperCEL is TestCases through Gatekeeper's CEL engine over
// dist/gatekeeper-cel, judged by the CEL contract.
func TestCasesGatekeeperCEL(t *testing.T) {
	runCases(t, func(c *Cluster, s *spec.Spec) Enforcer {
		StartGatekeeper(c, admissionregistrationv1.Fail, GatekeeperCELArgs...)
		return NewGatekeeperCEL(c, s)
	})
}

// TestCasesVAP is TestCases through dist/vap enforced by the API server
// alone, no Gatekeeper running, judged by the CEL contract.
func TestCasesVAP(t *testing.T) {
	runCases(t, func(c *Cluster, s *spec.Spec) Enforcer { return NewVAP(c, s) })
}

// TestCasesGatekeeperVAP is TestCases through the ValidatingAdmissionPolicies
// and bindings Gatekeeper generates from dist/gatekeeper-cel, enforced by
// the API server once Gatekeeper and its webhook are gone, judged by the
// CEL contract.
func TestCasesGatekeeperVAP(t *testing.T) {
	runCases(t, func(c *Cluster, s *spec.Spec) Enforcer {
		return NewGeneratedVAP(c, s, StartGatekeeper(c, admissionregistrationv1.Fail, GeneratedVAPArgs...))
	})
}

// runCases sends every case with an object through the real API server
// and the enforcer newEnforcer sets up, and compares what happens with the
// case under the enforcer's contract.
func runCases(t *testing.T, newEnforcer func(*Cluster, *spec.Spec) Enforcer) {
	s, all, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c := StartCluster(t)
	e := newEnforcer(c, s)
	c.Namespace(casesNamespace)

	// Objects an UPDATE or a DELETE finds stored are created before any
	// policy is installed, as in a cluster that had them first.
	plans := make([]*plan, len(all))
	storeStart := time.Now()
	stored := 0
	for i, cs := range all {
		p := newPlan(c, i, cs)
		plans[i] = p
		if p.obj != nil {
			c.Namespace(p.obj.GetNamespace())
		}
		if p.stored != nil {
			_, err := c.Client(p.stored).Create(context.Background(), p.stored, metav1.CreateOptions{})
			if err != nil {
				p.got = outcome(e, err, nil)
				p.got.Message = "storing the object first: " + p.got.Message
			}
			stored++
		}
	}
	c.Time(fmt.Sprintf("%d objects stored before the policies", stored), storeStart)

	e.Install(t)

	// One parameter set at a time, the cases of each in their order.
	groups := map[string][]*plan{}
	var keys []string
	for _, p := range plans {
		k, _ := json.Marshal(p.c.Parameters)
		if _, ok := groups[string(k)]; !ok {
			keys = append(keys, string(k))
		}
		groups[string(k)] = append(groups[string(k)], p)
	}
	runStart := time.Now()
	for _, k := range keys {
		var params map[string]map[string]any
		_ = json.Unmarshal([]byte(k), &params)
		refused := e.Constrain(t, params)
		for _, p := range groups[k] {
			if refused != nil && p.skip == "" && p.got.Result == "" {
				p.got = Outcome{Result: Refused, Message: refused.Error()}
				continue
			}
			switch {
			case p.skip != "":
				p.got = Outcome{Result: Skipped, Message: p.skip}
			case p.got.Result != "": // the stored object was refused
			default:
				p.got = p.send(c, e)
			}
		}
	}
	c.Time(fmt.Sprintf("%d cases in %d parameter sets", len(plans), len(keys)), runStart)

	report(t, e, plans, newJudge(t, s))
	c.Time(t.Name(), start)
}

// report prints the agreement table and fails on any disagreement that is
// not explained.
func report(t *testing.T, e Enforcer, plans []*plan, j *judge) {
	t.Helper()
	type row struct{ agree, disagree int }
	table := map[string]*row{}
	var lines, unexplained []string
	var oracleAgree, oracleNA int
	otherCounts := 0  // denials agreeing per rule whose counts are not the Rego's
	sameMessages := 0 // denials whose messages name and say what the Rego's do
	for _, p := range plans {
		got := p.got
		r := table[got.Result]
		if r == nil {
			r = &row{}
			table[got.Result] = r
		}
		name := fmt.Sprintf("%s (%s:%d, %s)", p.c.Name, p.c.File, p.c.Line, p.op())
		switch got.Result {
		case Skipped:
			r.agree++
			continue
		case Refused:
			// The parameters are the case's; the CRD's schema refuses them
			// as the project's VAP engine says it would.
			if why := j.vap.Declines(harness.ReviewOf(p.c)); why == vap.BadParams {
				r.agree++
				lines = append(lines, fmt.Sprintf("parameters the CRD refuses, as the project's VAP engine says: %s: %s", name, got.Message))
			} else {
				r.disagree++
				unexplained = append(unexplained, fmt.Sprintf("the API server refuses the parameters, the project's VAP engine declines for %q: %s: %s", why, name, got.Message))
			}
			continue
		case Rejected:
			// Recorded as the expected outcome; held against the oracle.
			o := p.obj
			if p.stored != nil && strings.HasPrefix(got.Message, "storing") {
				o = p.stored
			}
			oRej, ok := oracle(o)
			hp := hostProcessReason(got.Message)
			switch {
			case !ok:
				oracleNA++
				r.agree++
				lines = append(lines, fmt.Sprintf("rejected, no pod spec the oracle reads: %s: %s", name, got.Message))
			case oRej && hp:
				oracleAgree++
				r.agree++
			case !oRej && !hp:
				oracleAgree++
				r.agree++
				lines = append(lines, fmt.Sprintf("rejected for a reason outside the rules: %s: %s", name, got.Message))
			default:
				r.disagree++
				unexplained = append(unexplained, fmt.Sprintf("API-server oracle says rejected=%v, the API server rejects for %s: %s: %s",
					oRej, map[bool]string{true: "a HostProcess reason", false: "another reason"}[hp], name, got.Message))
			}
			continue
		case Admitted, Denied:
			if o := p.obj; o != nil {
				if oRej, ok := oracle(o); ok && oRej && p.op() == "CREATE" {
					r.disagree++
					unexplained = append(unexplained, fmt.Sprintf("API-server oracle says rejected, the API server let it reach admission (%s): %s", got.Result, name))
					continue
				}
			}
		}
		ok, why := agree(p.c, got, e.Contract())
		if ok && got.Result == Denied && e.Contract() == harness.PerRule {
			// The CEL contract: the messages name the same containers and
			// volumes as the Rego's and say what they say.
			if diffs := j.perRule(p.c, got.Violations); len(diffs) > 0 {
				r.disagree++
				unexplained = append(unexplained, fmt.Sprintf("%s: the messages are not the Rego's: %s (%q)", name, strings.Join(diffs, "; "), got.Violations))
				continue
			}
			sameMessages++
		}
		if ok {
			r.agree++
			if got.Result == Denied && !sameCounts(expected(p.c), got.Violations) {
				otherCounts++
			}
			continue
		}
		if got.Result == Admitted && p.sent != nil && p.op() == "CREATE" {
			// The API server decodes, converts and defaults the object
			// before admission: the webhook judges the object as stored.
			if seen := j.rules(harness.Review{Object: p.sent.Object, Parameters: p.c.Parameters}); len(seen) == 0 {
				r.agree++
				lines = append(lines, fmt.Sprintf("explained (the API server rewrites the object before admission; the project's Gatekeeper engine admits it as rewritten): %s: %s", name, why))
				continue
			}
		}
		if got.Result == Denied && p.obj != nil && e.Contract() == harness.Exact && sameCounts(expected(p.c), got.Violations) && rewritesQuantities(p.obj.Object) {
			// The API server stores every quantity in its canonical form
			// (0m is 0, 0.5Mi is 512Ki, the number 1048575 the string
			// "1048575") before admission: the same rules deny as often,
			// and the messages quote the canonical value.
			r.agree++
			lines = append(lines, fmt.Sprintf("explained (the API server writes quantities canonically before admission; same rules, same counts): %s: %s", name, why))
			continue
		}
		if p.op() == "UPDATE" && p.c.OldObject == nil {
			// Explained: the case judges an UPDATE without an old object;
			// the API server always sends the stored one, here the same.
			r.agree++
			lines = append(lines, fmt.Sprintf("explained (update with the stored object as oldObject): %s: %s", name, why))
			continue
		}
		r.disagree++
		unexplained = append(unexplained, fmt.Sprintf("%s: %s", name, why))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s (%s)\n%-28s %8s %10s\n", e.Name(), map[harness.Contract]string{harness.Exact: "exact violations", harness.PerRule: "CEL contract: per rule, fires or not, with the Rego's messages"}[e.Contract()], "outcome", "agree", "disagree")
	total := 0
	for _, k := range slices.Sorted(maps.Keys(table)) {
		fmt.Fprintf(&b, "%-28s %8d %10d\n", k, table[k].agree, table[k].disagree)
		total += table[k].agree + table[k].disagree
	}
	fmt.Fprintf(&b, "%-28s %8d\n", "cases", total)
	fmt.Fprintf(&b, "rejections the API-server oracle agrees with: %d; without a pod spec it reads: %d\n", oracleAgree, oracleNA)
	if e.Contract() == harness.PerRule {
		// The CEL engine, not a Rego one, answered: one violation per
		// failing validation.
		fmt.Fprintf(&b, "denials with the Rego's rules but other counts (CEL: one violation per failing validation): %d\n", otherCounts)
		fmt.Fprintf(&b, "denials whose messages name the Rego's containers and volumes and hold its messages: %d\n", sameMessages)
	}
	skips := map[string]int{}
	for _, p := range plans {
		if p.got.Result == Skipped {
			skips[p.got.Message]++
		}
	}
	for _, k := range slices.Sorted(maps.Keys(skips)) {
		fmt.Fprintf(&b, "skipped %3d: %s\n", skips[k], k)
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintf(&b, "  %s\n", l)
	}
	t.Log(b.String())
	for _, u := range unexplained {
		t.Errorf("disagreement: %s", u)
	}
}

// sameCounts says whether the denial has as many violations of each rule
// as the case expects.
func sameCounts(exp map[string][]cases.Expectation, got map[string][]string) bool {
	for id := range union(exp, got) {
		if len(exp[id]) != len(got[id]) {
			return false
		}
	}
	return true
}

// rewritesQuantities says whether the API server would store a resource
// quantity of the object's containers otherwise than it is written: a
// number, null, or a string whose canonical form differs.
func rewritesQuantities(obj map[string]any) bool {
	found := false
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch t := v.(type) {
		case map[string]any:
			for k, e := range t {
				if key == "limits" || key == "requests" {
					switch q := e.(type) {
					case string:
						if parsed, err := resource.ParseQuantity(q); err == nil && parsed.String() != q {
							found = true
						}
					default:
						found = true
					}
					continue
				}
				walk(e, k)
			}
		case []any:
			for _, e := range t {
				walk(e, key)
			}
		}
	}
	walk(obj, "")
	return found
}
