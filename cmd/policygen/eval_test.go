package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

type evalJSON struct {
	Objects []evalObject `json:"objects"`
	Summary struct {
		Objects, Violations, Skipped, Errors int
	} `json:"summary"`
}

type evalObject struct {
	File       string `json:"file"`
	Document   int    `json:"document"`
	Status     string `json:"status"`
	Violations []struct {
		Rule   string `json:"rule"`
		Field  string `json:"field"`
		Msg    string `json:"msg"`
		Fix    string `json:"fix"`
		Action string `json:"action"`
	} `json:"violations"`
}

// decodeEval reads eval's JSON output.
func decodeEval(t *testing.T, out string) evalJSON {
	t.Helper()
	var got evalJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("eval's JSON: %v\n%s", err, out)
	}
	return got
}

// lines are the object's violations as "action rule field: message".
func (o evalObject) lines() []string {
	var vs []string
	for _, v := range o.Violations {
		action := v.Action
		if action == "" {
			action = "deny"
		}
		vs = append(vs, action+" "+v.Rule+" "+v.Field+": "+v.Msg)
	}
	return vs
}

func runEval(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut}, append([]string{"eval"}, args...))
	return code, out.String(), errOut.String()
}

// The rules each testdata manifest breaks, by reading the rules page.
func TestEvalVerdicts(t *testing.T) {
	code, out, stderr := runEval(t, "", "--format", "json", "testdata/manifests")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailed, stderr)
	}
	got := decodeEval(t, out)
	want := map[string]string{
		"01-bad-daemonset.yaml#1":             "allowed host-network resource-limits run-as-non-root run-as-user-name uniform-containers volume-mounts windows-node",
		"02-good-daemonset.yaml#1":            "", // kube-system: the guard excludes it
		"03-plain-deployment.yaml#1":          "",
		"04-pod-container-hostprocess.yaml#1": "allowed run-as-user-name uniform-containers",
		"05-cronjob.yaml#1":                   "allowed run-as-user-name",
		"06-list.yaml#1":                      "allowed host-network resource-limits run-as-user-name windows-node",
		"07-multi.yaml#1":                     "",
		"07-multi.yaml#2":                     "allowed resource-limits",
		"08-job.json#1":                       "allowed volume-mounts",
		"09-replicaset.yaml#1":                "allowed run-as-user-name windows-node",
		"10-podtemplate.yaml#1":               "",
		"11-replicationcontroller.yaml#1":     "allowed",
		"12-configmap.yaml#1":                 "",
	}
	seen := map[string]bool{}
	for _, o := range got.Objects {
		key := filepath.Base(o.File) + "#" + itoa(o.Document)
		var rules []string
		for _, v := range o.Violations {
			rules = append(rules, strings.TrimPrefix(v.Rule, "hostprocess-"))
			if v.Field == "" || v.Msg == "" || v.Fix == "" {
				t.Errorf("%s: violation without field, message or fix: %+v", key, v)
			}
		}
		sort.Strings(rules)
		if w, ok := want[key]; !ok || strings.Join(rules, " ") != w {
			t.Errorf("%s: rules %q, want %q", key, strings.Join(rules, " "), w)
		}
		seen[key] = true
	}
	if len(seen) != len(want) || got.Summary.Violations != 26 {
		t.Errorf("judged %d objects with %d violations, want %d objects and 26", len(seen), got.Summary.Violations, len(want))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestEvalBundleAndParams(t *testing.T) {
	ds := "testdata/manifests/02-good-daemonset.yaml"
	if code, out, _ := runEval(t, "", "--bundle", "hardening", ds); code != 0 || !strings.Contains(out, "1 objects, 0 violations") {
		t.Errorf("hardening on the good DaemonSet: exit %d\n%s", code, out)
	}
	if code, out, _ := runEval(t, "", "--param", `hostprocess-allowed.allowedImages=["mcr.microsoft.com/oss/*"]`, ds); code != 0 {
		t.Errorf("allowed image prefix: exit %d\n%s", code, out)
	}
	code, _, stderr := runEval(t, "", "--param", "hostprocess-resource-limits.requiredLimits=cpu", ds)
	if code != exitInvalid || !strings.Contains(stderr, "must be of type array") {
		t.Errorf("a wrong-typed parameter: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runEval(t, "", "--param", "hostprocess-allowed.images=[]", ds)
	if code != exitInvalid || !strings.Contains(stderr, `rule "hostprocess-allowed" has no parameter "images"`) {
		t.Errorf("an unknown parameter: exit %d\n%s", code, stderr)
	}
}

func TestEvalBadFilesAreNamedAndTheRestChecked(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("kind: ConfigMap\n---\n- a list\n---\nkind: [\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\n"), 0o644)
	code, out, stderr := runEval(t, "", dir)
	if code != exitInvalid || !strings.Contains(stderr, "3 files or documents could not be judged") {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitInvalid, stderr)
	}
	for _, want := range []string{
		"SKIP  " + dir + "/a.yaml#1 (line 1): an object without a string apiVersion",
		"SKIP  " + dir + "/a.yaml#2 (line 3): not an object but a list",
		"ERROR " + dir + "/a.yaml#3 (line 5): document 3 is not valid YAML",
		"ok    " + dir + "/a.yaml#4 ConfigMap after",
		"1 objects, 0 violations, 0 warnings, 2 skipped, 1 errors",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Standard input.
	code, out, _ = runEval(t, "apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {windowsOptions: {hostProcess: true}}\n  containers: [{name: a, image: a}]\n", "--bundle", "guard", "-")
	if code != exitFailed || !strings.Contains(out, "-#1 Pod") || !strings.Contains(out, "1 objects, 1 violations") {
		t.Errorf("stdin: exit %d\n%s", code, out)
	}
}

// --format github: one annotation per violation, at its field.
func TestEvalGitHubAnnotations(t *testing.T) {
	const file = "testdata/manifests/01-bad-daemonset.yaml"
	code, out, stderr := runEval(t, "", "--format", "github", file)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr: %s", code, exitFailed, stderr)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		title := strings.Index(line, ",title=")
		end := strings.Index(line[max(title, 0):], "::")
		if title < 0 || end < 0 {
			t.Fatalf("not an annotation: %q", line)
		}
		got = append(got, line[:title+end])
	}
	want := []string{
		"::error file=" + file + ",line=13,col=26,title=hostprocess-allowed",
		"::error file=" + file + ",line=2,col=1,title=hostprocess-host-network",
		"::error file=" + file + ",line=15,col=88,title=hostprocess-uniform-containers",
		"::error file=" + file + ",line=13,col=45,title=hostprocess-run-as-user-name",
		"::error file=" + file + ",line=12,col=9,title=hostprocess-run-as-non-root",
		"::error file=" + file + ",line=10,col=22,title=hostprocess-windows-node",
		"::error file=" + file + ",line=22,col=26,title=hostprocess-volume-mounts",
		"::error file=" + file + ",line=19,col=23,title=hostprocess-resource-limits",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("annotations\n%s\nwant\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
}
