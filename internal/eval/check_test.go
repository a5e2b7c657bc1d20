package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	conftesttarget "github.com/policygen/policygen/internal/target/conftest"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/violation"
	"github.com/policygen/policygen/policies"
)

var (
	embeddedOnce sync.Once
	embeddedSpec *spec.Spec
	embeddedDist render.Artifacts
	embeddedErr  error
)

// conftest builds the conftest engine over the embedded spec, as the CLI
// does.
func conftest(t testing.TB) (*spec.Spec, func() (Engine, error)) {
	t.Helper()
	embeddedOnce.Do(func() {
		embeddedSpec, embeddedErr = spec.Load(policies.FS, policies.SpecFile)
		if embeddedErr == nil {
			embeddedDist, embeddedErr = conftesttarget.Render(embeddedSpec)
		}
	})
	if embeddedErr != nil {
		t.Fatal(embeddedErr)
	}
	return embeddedSpec, func() (Engine, error) {
		e, err := conftesttarget.NewEngine(embeddedSpec, embeddedDist)
		if err != nil {
			return nil, err
		}
		return e.WithConstraints(conftesttarget.CaseConstraints(embeddedSpec, nil), "default") // as the CLI builds it: one engine for every worker
	}
}

const hostProcessDaemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: %s, namespace: kube-system}
spec:
  template:
    spec:
      securityContext: {windowsOptions: {hostProcess: %s}}
      hostNetwork: true
      containers: [{name: a, image: example.com/a}]
`

// slowEngine answers in reverse order of arrival, to test the reorder
// buffer.
type slowEngine struct{ inner Engine }

func (e slowEngine) Evaluate(ctx context.Context, r harness.Review) ([]violation.Violation, error) {
	name, _ := r.Object["metadata"].(map[string]any)["name"].(string)
	if strings.HasSuffix(name, "0") {
		time.Sleep(20 * time.Millisecond)
	}
	return e.inner.Evaluate(ctx, r)
}

func TestRunJudgesInInputOrder(t *testing.T) {
	s, newEngine := conftest(t)
	dir := t.TempDir()
	var b strings.Builder
	for i := range 40 {
		hp := []string{"true", "yes", "false", `"true"`}[i%4]
		fmt.Fprintf(&b, "---\n"+hostProcessDaemonSet, fmt.Sprintf("ds-%d", i), hp)
	}
	b.WriteString("---\n- not an object\n---\nkind: [\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: last}\n")
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"securityContext": {"windowsOptions": {"hostProcess" : true}}, "containers": [{"name": "a", "image": "a"}]}}`), 0o644)
	engine, err := newEngine()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := NewChecker(s.Rules, nil).WithWorkers(4).
		Run(context.Background(), slowEngine{engine}, []string{dir, filepath.Join(dir, "missing.yaml")}, nil, NewJSONPrinter(&out))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Objects []Finding `json:"objects"`
		Summary Summary   `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if got.Summary != sum || len(got.Objects) != 45 {
		t.Fatalf("summary %+v, printed %+v, %d findings", sum, got.Summary, len(got.Objects))
	}
	for i, f := range got.Objects[:40] {
		want := OK
		if i%4 < 2 { // true, and yes as YAML 1.1 reads it
			want = Failed
		}
		if f.Name != fmt.Sprintf("ds-%d", i) || f.Document != i+1 || f.Status != want {
			t.Errorf("finding %d: %s %s, want ds-%d %s", i, f.Ref(), f.Status, i, want)
		}
	}
	tail := []Status{Skipped, Errored, OK, Failed, Errored}
	for i, want := range tail {
		if f := got.Objects[40+i]; f.Status != want {
			t.Errorf("finding %d: %s %s %q, want %s", 40+i, f.Ref(), f.Status, f.Reason, want)
		}
	}
	if sum.Objects != 42 || sum.Failed != 21 || sum.Skipped != 1 || sum.Errors != 2 || sum.ExitCode() != 2 {
		t.Errorf("summary %+v, exit %d", sum, sum.ExitCode())
	}
}

func TestTextPrinter(t *testing.T) {
	s, newEngine := conftest(t)
	e, err := newEngine()
	if err != nil {
		t.Fatal(err)
	}
	stdin := strings.NewReader(fmt.Sprintf(hostProcessDaemonSet, "bad", "true") + "---\n42\n")
	var out bytes.Buffer
	sum, err := NewChecker(s.RulesOf("guard"), nil).WithWorkers(1).Run(context.Background(), e, []string{"-"}, stdin, NewTextPrinter(&out))
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"FAIL  -#1 DaemonSet kube-system/bad\n", "      fix: ", "SKIP  -#2 (line 11): not an object but the value 42\n", fmt.Sprintf("1 objects, %d violations, 0 warnings, 1 skipped, 0 errors\n", sum.Violations)} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if sum.ExitCode() != 2 {
		t.Errorf("exit %d, want 2 (a skipped document takes precedence)", sum.ExitCode())
	}
}

// The conftest engine is safe for concurrent use (run with -race): its
// prepared query is, and each evaluation's store transaction holds the
// store's write lock, so evaluations on one engine run one at a time.
func TestConftestEngineConcurrently(t *testing.T) {
	_, newEngine := conftest(t)
	e, err := newEngine()
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	d, _ := decodeYAML("x", 1, 1, []byte(fmt.Sprintf(hostProcessDaemonSet, "x", "true")))
	obj = d.Object
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			params := map[string]map[string]any{"hostprocess-allowed": {"allowedImages": []any{fmt.Sprintf("img-%d", i)}}}
			for range 20 {
				if _, err := e.Evaluate(context.Background(), harness.Review{Object: obj, Parameters: params}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// Several constraints of one rule that select an object are each applied
// with their own parameters (a deny and a warn verdict, as conftest --data
// may give them); a rule with one constraint reads that constraint's.
func TestConftestConstraintsOfOneRule(t *testing.T) {
	s, _ := conftest(t)
	constraint := func(name, rule, action string, params map[string]any) any {
		return map[string]any{"name": name, "rule": rule, "namespaces": []any{}, "excludedNamespaces": []any{},
			"namespaceSelector": false, "parameters": params, "action": action}
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(`{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "ns"},
		"spec": {"template": {"spec": {"hostNetwork": true,
			"securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}},
			"containers": [{"name": "agent", "image": "example.com/agent:v1"}]}}}}`), &obj); err != nil {
		t.Fatal(err)
	}
	const notAllowed = `the pod sets securityContext.windowsOptions.hostProcess: true, but the images of containers[0] "agent" are not in allowedImages`
	const system = `containers[0] "agent" inherits runAsUserName "NT AUTHORITY\SYSTEM" from the pod: NT AUTHORITY\SYSTEM (LocalSystem) is allowed only with allowSystem: true or for an image in systemImages; allowed: NT AUTHORITY\LOCAL SERVICE, NT AUTHORITY\NETWORK SERVICE`
	for _, tc := range []struct {
		name        string
		constraints []any
		want        []string // rule, action, message
	}{
		{"three of one rule, one of another allowing SYSTEM", []any{
			constraint("deny-all", "hostprocess-allowed", "deny", map[string]any{"allowedImages": []any{}}),
			constraint("warn-listed", "hostprocess-allowed", "warn", map[string]any{"allowedImages": []any{"example.com/agent:*"}}),
			constraint("warn-all", "hostprocess-allowed", "warn", map[string]any{}),
			constraint("system", "hostprocess-run-as-user-name", "deny", map[string]any{"allowSystem": true}),
		}, []string{"hostprocess-allowed  " + notAllowed, "hostprocess-allowed warn " + notAllowed}},
		{"one of the rule, with its defaults", []any{
			constraint("user", "hostprocess-run-as-user-name", "deny", map[string]any{}),
		}, []string{"hostprocess-run-as-user-name  " + system}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := conftesttarget.NewEngine(s, embeddedDist)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.WithConstraints(tc.constraints, "default"); err != nil {
				t.Fatal(err)
			}
			vs, err := e.Evaluate(context.Background(), harness.Review{Object: obj})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range vs {
				got = append(got, v.Rule+" "+v.Action+" "+v.Message)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
