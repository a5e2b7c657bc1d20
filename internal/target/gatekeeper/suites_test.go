package gatekeeper

import (
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator"
	"github.com/open-policy-agent/gatekeeper/v3/pkg/gator/reader"
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// The one case of testcases/ that gator cannot review.
const noObjectCase = "operations/DELETE without an object never errors"

func load(t *testing.T) (*spec.Spec, []cases.Case) {
	t.Helper()
	s, all, err := cases.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return s, all
}

// rendered is every artifact, as gator reads them from a tree.
func rendered(t *testing.T) (*spec.Spec, []cases.Case, render.Artifacts, fstest.MapFS) {
	t.Helper()
	s, all := load(t)
	a := render.Artifacts{}
	if err := (Target{}).Render(s, all, a); err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for p, b := range a {
		fsys[p] = &fstest.MapFile{Data: b}
	}
	return s, all, a, fsys
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// gatorSuite is as much of gator's verify.Suite as the tests read, with
// its field types.
type gatorSuite struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Tests      []struct {
		Name       string `json:"name"`
		Template   string `json:"template"`
		Constraint string `json:"constraint"`
		Cases      []struct {
			Name       string `json:"name"`
			Object     string `json:"object"`
			Assertions []struct {
				Violations *intstr.IntOrString `json:"violations"`
				Message    *string             `json:"message"`
			} `json:"assertions"`
		} `json:"cases"`
	} `json:"tests"`
}

// readSuite parses a suite as gator does.
func readSuite(t *testing.T, b []byte) gatorSuite {
	t.Helper()
	var st gatorSuite
	if err := gator.ParseYaml(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.APIVersion != "test.gatekeeper.sh/v1alpha1" || st.Kind != "Suite" {
		t.Fatalf("not a gator Suite: %s %s", st.APIVersion, st.Kind)
	}
	return st
}

// Each rule's suite holds, with its exact counts, every case of the rule's
// own file and of the shared files (kinds, malformed, operations, smoke) and every
// case elsewhere that expects a violation of it; every case is in a suite.
func TestSuitesHoldTheirCasesWithTheirCounts(t *testing.T) {
	s, all, a, fsys := rendered(t)
	byCase := map[string]cases.Case{}
	for _, c := range all {
		byCase[c.Name] = c
	}
	inAny := map[string]int{}
	for _, r := range s.Rules {
		st := readSuite(t, a[SuitePath(r)])
		if !strings.Contains(string(a[SuitePath(r)]), "\n# Not in this suite: case \""+noObjectCase+"\" (operations.yaml:") {
			t.Errorf("%s does not say that it leaves out %q", SuitePath(r), noObjectCase)
		}
		seen := map[string]int{}
		for _, test := range st.Tests {
			if test.Template != "template.yaml" {
				t.Errorf("%s: test %q: template %q", r.ID, test.Name, test.Template)
			}
			con, err := reader.ReadConstraint(fsys, path.Join(path.Dir(SuitePath(r)), test.Constraint))
			if err != nil {
				t.Fatalf("%s: test %q: %v", r.ID, test.Name, err)
			}
			if con.GetKind() != r.Kind || len(con.Object["spec"].(map[string]any)) > 1 {
				t.Errorf("%s: test %q: constraint %v", r.ID, test.Name, con.Object)
			}
			params, given := con.Object["spec"].(map[string]any)["parameters"]
			for _, gc := range test.Cases {
				seen[gc.Name]++
				if _, ok := fsys[path.Join(path.Dir(SuitePath(r)), gc.Object)]; !ok {
					t.Errorf("%s: case %q: no object at %s", r.ID, gc.Name, gc.Object)
				}
				c, ok := byCase[gc.Name]
				if !ok {
					t.Errorf("%s: unknown case %q", r.ID, gc.Name)
					continue
				}
				want, wantGiven := c.Parameters[r.ID]
				if given != wantGiven || (given && jsonOf(t, params) != jsonOf(t, want)) {
					t.Errorf("%s: case %q is in test %q; its parameters are %v", r.ID, c.Name, test.Name, want)
				}
				n := len(c.Expect[r.ID])
				first := gc.Assertions[0]
				if first.Message != nil || first.Violations == nil || first.Violations.IntValue() != n || first.Violations.Type != intstr.Int {
					t.Errorf("%s: case %q: first assertion %+v, want exactly %d violations", r.ID, c.Name, first, n)
				}
				patterns := map[string]bool{}
				for _, e := range c.Expect[r.ID] {
					patterns[e.Message] = true
				}
				if len(gc.Assertions) != 1+len(patterns) {
					t.Errorf("%s: case %q: %d assertions, want %d", r.ID, c.Name, len(gc.Assertions), 1+len(patterns))
				}
				for _, as := range gc.Assertions[1:] {
					if as.Message == nil || !patterns[*as.Message] {
						t.Errorf("%s: case %q: assertion %+v is no expected pattern", r.ID, c.Name, as)
					}
				}
			}
		}
		for _, c := range all {
			want := 0
			if c.File == strings.TrimPrefix(r.ID, "hostprocess-")+".yaml" || len(c.Expect[r.ID]) > 0 ||
				c.File == "kinds.yaml" || c.File == "malformed.yaml" || c.File == "operations.yaml" || c.File == "smoke.yaml" {
				want = 1
			}
			if c.Name == noObjectCase {
				want = 0
			}
			if seen[c.Name] != want {
				t.Errorf("%s: case %q appears %d times, want %d", r.ID, c.Name, seen[c.Name], want)
			}
			inAny[c.Name] += seen[c.Name]
		}
	}
	for _, c := range all {
		if inAny[c.Name] == 0 && c.Name != noObjectCase {
			t.Errorf("case %q is in no suite", c.Name)
		}
	}
}

func TestSuiteTestsPerParameterSet(t *testing.T) {
	_, _, _, fsys := rendered(t)
	var st suite
	if err := yaml.Unmarshal(fsys["gatekeeper/hostprocess-run-as-user-name/suite.yaml"].Data, &st); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, test := range st.Tests {
		got = append(got, test.Name+" → "+test.Constraint)
	}
	want := []string{
		"defaults → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-defaults.yaml",
		`parameters {"allowSystem":false,"allowedLocalGroups":["Administrators"]} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-allowsystem-false-allowedlocalgroups-administrators.yaml`,
		`parameters {"allowSystem":false} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-allowsystem-false.yaml`,
		`parameters {"allowSystem":true} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-allowsystem-true.yaml`,
		`parameters {"allowedLocalGroups":["Administrators","hpc-users"]} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-allowedlocalgroups-administrators-hpc-users.yaml`,
		`parameters {"allowedLocalGroups":["Administrators"]} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-allowedlocalgroups-administrators.yaml`,
		"parameters {\"allowedLocalGroups\":[\"Administrators\u00a0\"]} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-allowedlocalgroups-administrators-2.yaml",
		`parameters {"systemImages":["*"]} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-systemimages-star.yaml`,
		`parameters {"systemImages":["ghcr.io/kubernetes-csi/csi-proxy:*"]} → ../../gatekeeper-tests/hostprocess-run-as-user-name/constraint-systemimages-ghcr-io-kubernetes-csi-csi-proxy-star.yaml`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var con map[string]any
	if err := yaml.Unmarshal(fsys["gatekeeper-tests/hostprocess-run-as-user-name/constraint-defaults.yaml"].Data, &con); err != nil {
		t.Fatal(err)
	}
	if got := jsonOf(t, con); got != `{"apiVersion":"constraints.gatekeeper.sh/v1beta1","kind":"K8sHostProcessRunAsUserName","metadata":{"name":"hostprocess-run-as-user-name"},"spec":{}}` {
		t.Errorf("defaults constraint: %s", got)
	}
}

func TestSuiteAssertionsOfOneCase(t *testing.T) {
	_, _, _, fsys := rendered(t)
	find := func(rule, name string) suiteCase {
		var st suite
		if err := yaml.Unmarshal(fsys["gatekeeper/"+rule+"/suite.yaml"].Data, &st); err != nil {
			t.Fatal(err)
		}
		for _, test := range st.Tests {
			for _, c := range test.Cases {
				if c.Name == name {
					return c
				}
			}
		}
		t.Fatalf("%s: no case %q", rule, name)
		return suiteCase{}
	}
	for _, tc := range []struct{ rule, name, want string }{
		{"hostprocess-host-network", "operations/CREATE judges the object",
			`{"name":"operations/CREATE judges the object","object":"../../gatekeeper-tests/objects/operations-create-judges-the-object.yaml","assertions":[{"violations":1},{"message":"must set hostNetwork: true","violations":1}]}`},
		{"hostprocess-volume-mounts", "operations/CREATE judges the object",
			`{"name":"operations/CREATE judges the object","object":"../../gatekeeper-tests/objects/operations-create-judges-the-object.yaml","assertions":[{"violations":0}]}`},
		{"hostprocess-allowed", "allowed/pod-level and container-level true are two violations",
			`{"name":"allowed/pod-level and container-level true are two violations","object":"../../gatekeeper-tests/objects/allowed-pod-level-and-container-level-true-are-two-violations.yaml","assertions":[{"violations":2},{"message":"the images of containers\\[0\\] \"app\" are not in allowedImages","violations":"yes"},{"message":"^containers\\[0\\] \"app\" sets","violations":"yes"}]}`},
	} {
		if got := jsonOf(t, find(tc.rule, tc.name)); got != tc.want {
			t.Errorf("%s: %s\n got %s\nwant %s", tc.rule, tc.name, got, tc.want)
		}
	}
}

func TestAssertionsCountExactlyOnlyWhenSound(t *testing.T) {
	e := func(m string) cases.Expectation { return cases.Expectation{Message: m} }
	for _, tc := range []struct {
		exps []cases.Expectation
		want string
	}{
		{nil, `[{"violations":0}]`},
		{[]cases.Expectation{e("a"), e("a")}, `[{"violations":2},{"message":"a","violations":2}]`},
		{[]cases.Expectation{e("a"), e("b"), e("a")}, `[{"violations":3},{"message":"a","violations":"yes"},{"message":"b","violations":"yes"}]`},
	} {
		if got := jsonOf(t, assertions(tc.exps)); got != tc.want {
			t.Errorf("assertions %v = %s, want %s", tc.exps, got, tc.want)
		}
	}
}

func TestCaseObjectsReadBackThroughGator(t *testing.T) {
	_, all, a, _ := rendered(t)
	files := 0
	for _, p := range a.Paths() {
		if strings.HasPrefix(p, ObjectsDir+"/") {
			files++
		}
	}
	if files != len(all)-1 {
		t.Errorf("%d object files, want one per case but %q: %d", files, noObjectCase, len(all)-1)
	}
	paths := uniqueSlugs(caseNames(all))
	for i, c := range all {
		p := path.Join(ObjectsDir, paths[i]+".yaml")
		if c.Name == noObjectCase {
			if _, ok := a[p]; ok {
				t.Errorf("%s is rendered", p)
			}
			continue
		}
		objs, err := reader.ReadUnstructureds(a[p])
		if err != nil || len(objs) != 1 {
			t.Fatalf("%s: gator reads %d objects, %v", p, len(objs), err)
		}
		got := objs[0].Object
		if c.Operation == "" {
			if jsonOf(t, got) != jsonOf(t, c.Object) {
				t.Errorf("%s: gator reads\n%s\nwant\n%s", p, jsonOf(t, got), jsonOf(t, c.Object))
			}
			continue
		}
		// What gator does with an AdmissionReview: strict conversion.
		var ar admissionv1.AdmissionReview
		if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(got, &ar, true); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		req := ar.Request
		if req == nil || string(req.Operation) != c.Operation {
			t.Fatalf("%s: request %+v, want operation %s", p, req, c.Operation)
		}
		// The API server sends a deleted object as oldObject only, and an
		// updated one with the object it replaces, when the case gives it.
		carried, other := req.Object.Raw, req.OldObject.Raw
		if c.Operation == "DELETE" {
			carried, other = other, carried
		}
		wantOther := c.OldObject != nil
		if (other != nil) != wantOther || jsonOf(t, json.RawMessage(carried)) != jsonOf(t, c.Object) ||
			(wantOther && jsonOf(t, json.RawMessage(other)) != jsonOf(t, c.OldObject)) {
			t.Errorf("%s: %s request with object %s, oldObject %s", p, c.Operation, req.Object.Raw, req.OldObject.Raw)
		}
	}
}

func caseNames(all []cases.Case) []string {
	var out []string
	for _, c := range all {
		out = append(out, c.Name)
	}
	return out
}

func TestDeleteCaseIsAnAdmissionReview(t *testing.T) {
	_, _, a, _ := rendered(t)
	var got map[string]any
	if err := yaml.Unmarshal(a[ObjectsDir+"/operations-delete-of-a-violating-pod-never-violates.yaml"], &got); err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"group":"","kind":"Pod","version":"v1"},"name":"hp","oldObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"hp"},"spec":{"containers":[{"image":"mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.0","name":"app"}],"securityContext":{"windowsOptions":{"hostProcess":true,"runAsUserName":"NT AUTHORITY\\SYSTEM"}}}},"operation":"DELETE"}}`
	if jsonOf(t, got) != want {
		t.Errorf("got  %s\nwant %s", jsonOf(t, got), want)
	}
}

func TestGatorUnreadable(t *testing.T) {
	pod := map[string]any{"apiVersion": "v1", "kind": "Pod"}
	for _, tc := range []struct {
		c    cases.Case
		want string
	}{
		{cases.Case{Object: pod}, ""},
		{cases.Case{Object: pod, Operation: "DELETE"}, ""},
		{cases.Case{Operation: "DELETE"}, "it has no object, and gator reviews an AdmissionReview only when its request has an object or oldObject"},
		{cases.Case{Object: map[string]any{"apiVersion": "v1"}}, "its object has no kind, and gator reads objects only with a kind"},
		{cases.Case{Object: map[string]any{"apiVersion": "v1", "kind": 7}}, "its object has no kind, and gator reads objects only with a kind"},
		{cases.Case{Object: map[string]any{"apiVersion": "a/b/c", "kind": "Pod"}}, "its object has no kind, and gator reads objects only with a kind"},
	} {
		if got := gatorUnreadable(tc.c); got != tc.want {
			t.Errorf("gatorUnreadable(%v) = %q, want %q", tc.c.Object, got, tc.want)
		}
		if tc.c.Object == nil {
			continue
		}
		// The reason holds for gator's own reader.
		b, err := yaml.Marshal(tc.c.Object)
		if err != nil {
			t.Fatal(err)
		}
		_, err = reader.ReadUnstructureds(b)
		if (err == nil) != (tc.want == "") {
			t.Errorf("gator reads %v: error %v", tc.c.Object, err)
		}
	}
}

func TestUniqueSlugs(t *testing.T) {
	long := strings.Repeat("ab ", 40)
	got := uniqueSlugs([]string{"Kinds/Pod", "kinds pod", "", "{}", long, long + "x", "kinds-pod-2"})
	want := []string{"kinds-pod", "kinds-pod-2", "empty", "empty-2", strings.Repeat("ab-", 26) + "ab", strings.Repeat("ab-", 26) + "ab-2", "kinds-pod-2-2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestKustomizationsListNoSuites(t *testing.T) {
	s, _, a, _ := rendered(t)
	allowed := map[string]bool{"template.yaml": true}
	for _, r := range s.Rules {
		allowed["../"+r.ID] = true
		for _, c := range s.ConstraintsOf(r.ID) {
			allowed[path.Base(ConstraintPath(c))] = true
		}
	}
	n := 0
	for _, p := range a.Paths() {
		if path.Base(p) != "kustomization.yaml" || strings.HasPrefix(p, "gatekeeper/rollout/") {
			continue
		}
		n++
		var k struct{ Resources []string }
		if err := yaml.Unmarshal(a[p], &k); err != nil {
			t.Fatal(err)
		}
		for _, res := range k.Resources {
			if !allowed[res] {
				t.Errorf("%s lists %q", p, res)
			}
		}
	}
	if want := len(s.Rules) + len(s.BundleNames()); n != want {
		t.Errorf("%d kustomizations, want %d", n, want)
	}
}

func TestSuitesAreDeterministic(t *testing.T) {
	s, all := load(t)
	first, err := renderSuites(s, all)
	if err != nil {
		t.Fatal(err)
	}
	second, err := renderSuites(s, all)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, second) {
		t.Error("two renderings differ")
	}
}

func TestNoRuleNamedLikeTheObjectsDirectory(t *testing.T) {
	_, err := renderSuites(&spec.Spec{Rules: []spec.Rule{{ID: "objects"}}}, nil)
	if err == nil || err.Error() != `rule id "objects" is the name of the suites' directory of objects` {
		t.Errorf("error %v", err)
	}
}

// Under the CEL contract a case asserts whether the rule fires and, per
// pattern, that a violation matches it among the joined messages.
func TestPerRuleAssertions(t *testing.T) {
	e := func(m string) cases.Expectation { return cases.Expectation{Message: m} }
	for _, tc := range []struct {
		exps []cases.Expectation
		want string
	}{
		{nil, `[{"violations":"no"}]`},
		{[]cases.Expectation{e("a"), e("a")}, `[{"violations":"yes"},{"message":"a","violations":"yes"}]`},
		{[]cases.Expectation{e("^a"), e("b$")}, `[{"violations":"yes"},{"message":"(?:\\A|; )a","violations":"yes"},{"message":"b(?:;|\\z)","violations":"yes"}]`},
	} {
		got, err := perRuleAssertions(tc.exps)
		if err != nil {
			t.Fatal(err)
		}
		if g := jsonOf(t, got); g != tc.want {
			t.Errorf("perRuleAssertions %v = %s, want %s", tc.exps, g, tc.want)
		}
	}
}

// An anchored pattern matches one message among messages joined with "; "
// and nothing a message does not say.
func TestAmongJoined(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		match   []string
		miss    []string
	}{
		{`^containers\[1\] "b" sets`, []string{`containers[1] "b" sets x`, `containers[0] "a" sets x; containers[1] "b" sets x`},
			[]string{`initContainers[1] "b" sets x`, `x containers[1] "b" sets`}},
		{`is not in allowedImages$`, []string{`a is not in allowedImages`, `a is not in allowedImages; b is not in allowedImages`},
			[]string{`a is not in allowedImages too`}},
		{`^a|^b$`, []string{`x; b`, `a`}, []string{`xb`, `b c`}},
		{`\$a`, []string{`x $a`}, []string{`xa`}},
	} {
		p, err := amongJoined(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(p)
		for _, m := range tc.match {
			if !re.MatchString(m) {
				t.Errorf("%q (as %q) does not match %q", tc.pattern, p, m)
			}
		}
		for _, m := range tc.miss {
			if re.MatchString(m) {
				t.Errorf("%q (as %q) matches %q", tc.pattern, p, m)
			}
		}
	}
	if p, _ := amongJoined(`\$a`); p != `\$a` {
		t.Errorf("a pattern without anchors is rewritten: %q", p)
	}
	if _, err := amongJoined(`(`); err == nil || !strings.Contains(err.Error(), `message pattern "("`) {
		t.Errorf("a bad pattern: %v", err)
	}
}

// The suites of another contract lie below their root, refer to the very
// constraint and object files the Exact suites render (and render none),
// leave out each declined case saying why, and assert per rule.
func TestPerRuleSuites(t *testing.T) {
	s, all, a, _ := rendered(t)
	declined := all[0]
	out, err := RenderSuites(s, all, "gatekeeper-cel", harness.PerRule, func(c cases.Case) string {
		if c.Name == declined.Name {
			return "declined here"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(s.Rules) {
		t.Errorf("%d files, want one suite per rule: %v", len(out), out.Paths())
	}
	for _, r := range s.Rules {
		exact := readSuite(t, a[SuitePath(r)])
		b := out["gatekeeper-cel/"+r.ID+"/suite.yaml"]
		if !strings.Contains(string(b), fmt.Sprintf("\n# Not in this suite: case %q (%s:%d): declined here.\n", declined.Name, declined.File, declined.Line)) {
			t.Errorf("%s: the suite does not name the declined case", r.ID)
		}
		st := readSuite(t, b)
		files := map[string]string{} // case → constraint, object
		for _, test := range exact.Tests {
			for _, c := range test.Cases {
				files[c.Name] = test.Constraint + " " + c.Object
			}
		}
		n := 0
		for _, test := range st.Tests {
			for _, c := range test.Cases {
				n++
				if c.Name == declined.Name {
					t.Errorf("%s: the declined case is in the suite", r.ID)
				}
				if got := test.Constraint + " " + c.Object; got != files[c.Name] {
					t.Errorf("%s: case %q reads %s, the Exact suite %s", r.ID, c.Name, got, files[c.Name])
				}
				first := c.Assertions[0]
				if first.Message != nil || first.Violations == nil || first.Violations.Type != intstr.String {
					t.Errorf("%s: case %q: first assertion %+v, want yes or no", r.ID, c.Name, first)
				}
			}
		}
		if want := len(files) - btoi(files[declined.Name] != ""); n != want {
			t.Errorf("%s: %d cases, want %d", r.ID, n, want)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
