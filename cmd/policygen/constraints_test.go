package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/pipeline"
)

// hostProcessDaemonSet is csi-proxy as sig-windows-tools publishes it
// (SYSTEM, no limits), in namespace ns ("" for none), with the image.
func hostProcessDaemonSet(name, ns, image string) string {
	meta := "{name: " + name + "}"
	if ns != "" {
		meta = "{name: " + name + ", namespace: " + ns + "}"
	}
	return `apiVersion: apps/v1
kind: DaemonSet
metadata: ` + meta + `
spec:
  template:
    spec:
      hostNetwork: true
      nodeSelector: {kubernetes.io/os: windows}
      securityContext:
        windowsOptions: {hostProcess: true, runAsUserName: 'NT AUTHORITY\SYSTEM'}
      containers:
        - name: app
          image: ` + image + `
`
}

const csiProxyImage = "ghcr.io/kubernetes-sigs/sig-windows/csi-proxy:v1.1.3"

// What eval says of the DaemonSet, by constraint, under the default constraints.
const (
	guardDenies = `deny hostprocess-allowed spec.template.spec.securityContext.windowsOptions.hostProcess: ` +
		`the pod sets securityContext.windowsOptions.hostProcess: true, but the images of containers[0] "app" are not in allowedImages`
	systemDenied = `deny hostprocess-run-as-user-name spec.template.spec.securityContext.windowsOptions.runAsUserName: ` +
		`containers[0] "app" inherits runAsUserName "NT AUTHORITY\SYSTEM" from the pod: NT AUTHORITY\SYSTEM (LocalSystem) is allowed only with allowSystem: true or for an image in systemImages; allowed: NT AUTHORITY\LOCAL SERVICE, NT AUTHORITY\NETWORK SERVICE`
	limitsDenied = `deny hostprocess-resource-limits spec.template.spec.containers[0].resources.limits: ` +
		`containers[0] "app" is a HostProcess container without resources.limits for cpu, memory`
	memoryWarned = `warn hostprocess-resource-limits spec.template.spec.containers[0].resources.limits: ` +
		`containers[0] "app" is a HostProcess container without resources.limits for memory`
)

// evalDocs runs eval over stdin and gives each document's status and
// violations ("action rule field: message"), by the document's index.
func evalDocs(t *testing.T, stdin string, args ...string) (int, map[int]string) {
	t.Helper()
	code, out, stderr := runEval(t, stdin, append(append([]string{"--format", "json"}, args...), "-")...)
	if code == exitInvalid {
		t.Fatalf("eval %v: exit 2: %s", args, stderr)
	}
	got := decodeEval(t, out)
	docs := map[int]string{}
	for _, o := range got.Objects {
		vs := o.lines()
		slices.Sort(vs)
		docs[o.Document] = strings.Join(append([]string{o.Status}, vs...), "\n")
	}
	return code, docs
}

func verdict(status string, violations ...string) string {
	slices.Sort(violations)
	return strings.Join(append([]string{status}, violations...), "\n")
}

// An object without a namespace is in --namespace (default: default), as
// kubectl applies it; an object's own namespace wins. In kube-system the
// system profile applies (csi-proxy's image may run as SYSTEM, a memory
// limit is a warning, the guard does not apply), elsewhere the workloads
// profile denies.
func TestEvalNamespace(t *testing.T) {
	docs := strings.Join([]string{
		hostProcessDaemonSet("none", "", csiProxyImage),
		hostProcessDaemonSet("kube", "kube-system", csiProxyImage),
		hostProcessDaemonSet("monitoring", "monitoring", csiProxyImage),
		hostProcessDaemonSet("generic", "kube-system", "mcr.microsoft.com/windows/nanoserver:ltsc2022"),
	}, "---\n")
	// In kube-system the message lists the images the system profile gives SYSTEM.
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	var images []string
	for _, c := range s.ConstraintsOf("hostprocess-run-as-user-name") {
		if slices.Contains(c.Match.Namespaces, "kube-system") {
			for _, i := range c.Parameters["systemImages"].([]any) {
				images = append(images, i.(string))
			}
		}
	}
	if len(images) < 10 {
		t.Fatalf("the system profile gives SYSTEM to %d images, want the node components' (at least 10)", len(images))
	}
	workloads := verdict("fail", guardDenies, systemDenied, limitsDenied)
	system := verdict("warn", memoryWarned)
	genericInSystem := verdict("fail", systemDenied+`, NT AUTHORITY\SYSTEM for the images `+strings.Join(images, ", "), memoryWarned)
	for _, tc := range []struct {
		args []string
		code int
		want map[int]string
	}{
		{nil, exitFailed, map[int]string{1: workloads, 2: system, 3: workloads, 4: genericInSystem}},
		{[]string{"--namespace", "default"}, exitFailed, map[int]string{1: workloads, 2: system, 3: workloads, 4: genericInSystem}},
		{[]string{"--namespace", "kube-system"}, exitFailed, map[int]string{1: system, 2: system, 3: workloads, 4: genericInSystem}},
		{[]string{"--namespace", "calico-system"}, exitFailed, map[int]string{1: workloads, 2: system, 3: workloads, 4: genericInSystem}},
	} {
		code, got := evalDocs(t, docs, tc.args...)
		if code != tc.code {
			t.Errorf("eval %v: exit %d, want %d", tc.args, code, tc.code)
		}
		for doc := 1; doc <= 4; doc++ {
			if got[doc] != tc.want[doc] {
				t.Errorf("eval %v, document %d:\n got  %s\n want %s", tc.args, doc, got[doc], tc.want[doc])
			}
		}
	}
	// Warnings alone exit 0.
	if code, got := evalDocs(t, hostProcessDaemonSet("none", "", csiProxyImage), "--namespace", "kube-system"); code != 0 || got[1] != system {
		t.Errorf("csi-proxy in kube-system: exit %d, %s", code, got[1])
	}
	code, _, stderr := runEval(t, "", "--namespace", "Kube_System", "-")
	if code != exitInvalid || !strings.Contains(stderr, `--namespace "Kube_System": use a namespace name`) {
		t.Errorf("a bad --namespace: exit %d: %s", code, stderr)
	}
}

// myConstraints is a user's constraints file: calico-system trusted as
// kube-system is, with Calico's image allowed SYSTEM there; resource
// limits a warning everywhere; host networking only recorded (dryrun);
// the placement rule scoped to deny at admission and warn in gator and CI;
// no constraint of the volume rule at all.
const myConstraints = `apiVersion: policygen.dev/v1
kind: Constraints
constraints:
  - name: hostprocess-allowed
    rule: hostprocess-allowed
    match: {excludedNamespaces: [kube-system, calico-system]}
  - name: hostprocess-host-network
    rule: hostprocess-host-network
    action: dryrun
  - name: hostprocess-uniform-containers
    rule: hostprocess-uniform-containers
  - name: hostprocess-run-as-user-name-system
    rule: hostprocess-run-as-user-name
    match: {namespaces: [kube-system, calico-system]}
    parameters:
      systemImages: ["calico/windows:*"]
  - name: hostprocess-run-as-user-name-workloads
    rule: hostprocess-run-as-user-name
    match: {excludedNamespaces: [kube-system, calico-system]}
  - name: hostprocess-run-as-non-root
    rule: hostprocess-run-as-non-root
  - name: hostprocess-windows-node
    rule: hostprocess-windows-node
    action: scoped
    scopedEnforcementActions:
      - action: deny
        enforcementPoints: [{name: validation.gatekeeper.sh}]
      - action: warn
        enforcementPoints: [{name: gator.gatekeeper.sh}]
  - name: hostprocess-resource-limits
    rule: hostprocess-resource-limits
    action: warn
`

// A user's own constraints file (--constraints) changes eval's verdicts
// exactly as written, and only so.
func TestEvalConstraintsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "my-constraints.yaml")
	if err := os.WriteFile(file, []byte(myConstraints), 0o644); err != nil {
		t.Fatal(err)
	}
	calico := "../../testcases/realworld/calico-calico-node-windows.yaml"
	bad := "testdata/manifests/01-bad-daemonset.yaml"
	csiProxy := hostProcessDaemonSet("csi-proxy", "kube-system", csiProxyImage)

	// Under the default constraints: calico-system is not trusted.
	code, out, _ := runEval(t, "", "--format", "json", calico)
	if code != exitFailed {
		t.Fatalf("calico-node under the default constraints: exit %d\n%s", code, out)
	}
	def := objectVerdicts(t, out)
	// Under the user's: admitted with warnings only.
	code, out, stderr := runEval(t, "", "--format", "json", "--constraints", file, calico, bad)
	if code != exitFailed {
		t.Fatalf("eval --constraints: exit %d: %s", code, stderr)
	}
	mine := objectVerdicts(t, out)
	if got, want := def[calico], "fail hostprocess-allowed hostprocess-resource-limits hostprocess-resource-limits hostprocess-resource-limits hostprocess-run-as-user-name"; got != want {
		t.Errorf("calico-node, default constraints: %s, want %s", got, want)
	}
	// Three containers without limits: warnings now; SYSTEM and the guard: allowed in calico-system.
	if got, want := mine[calico], "warn warn:hostprocess-resource-limits warn:hostprocess-resource-limits warn:hostprocess-resource-limits"; got != want {
		t.Errorf("calico-node, my constraints: %s, want %s", got, want)
	}
	// The DaemonSet that breaks every rule, in default: the guard, SYSTEM
	// and the other denying rules still deny; limits and placement warn;
	// host networking (dryrun) and volume mounts (no constraint) say nothing.
	if got, want := mine[bad], "fail hostprocess-allowed hostprocess-run-as-non-root hostprocess-run-as-user-name hostprocess-uniform-containers warn:hostprocess-resource-limits warn:hostprocess-windows-node"; got != want {
		t.Errorf("the bad DaemonSet, my constraints: %s, want %s", got, want)
	}
	// csi-proxy in kube-system: its image is no longer in systemImages.
	code, got := evalDocs(t, csiProxy, "--constraints", file)
	want := verdict("fail", systemDenied+`, NT AUTHORITY\SYSTEM for the images calico/windows:*`, strings.Replace(limitsDenied, "deny", "warn", 1))
	if code != exitFailed || got[1] != want {
		t.Errorf("csi-proxy in kube-system, my constraints: exit %d\n got  %s\n want %s", code, got[1], want)
	}
}

// objectVerdicts gives each file's status and its violations' rules
// ("warn:" before a warning's), sorted, from eval's JSON.
func objectVerdicts(t *testing.T, out string) map[string]string {
	t.Helper()
	got := decodeEval(t, out)
	verdicts := map[string]string{}
	for _, o := range got.Objects {
		var rules []string
		for _, v := range o.Violations {
			if v.Action == "warn" {
				rules = append(rules, "warn:"+v.Rule)
			} else {
				rules = append(rules, v.Rule)
			}
		}
		slices.Sort(rules)
		verdicts[o.File] = strings.Join(append([]string{o.Status}, rules...), " ")
	}
	return verdicts
}

// A bad constraints file is refused by build, publish and eval before any
// work: exit 2, the file and line of the problem, a fix, and the output
// directory byte for byte as it was.
func TestBadConstraintsLeaveOutputAlone(t *testing.T) {
	out := filepath.Join(t.TempDir(), "dist")
	if code, _, stderr := runCLI(t, "build", "--out", out); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr)
	}
	before := snapshot(t, out)
	head := "apiVersion: policygen.dev/v1\nkind: Constraints\nconstraints:\n"
	dir := t.TempDir()
	for _, tc := range []struct{ name, body, want string }{
		{"unknown rule", "  - name: a\n    rule: hostprocess-nope\n",
			`bad.yaml:5: constraint "a" names rule "hostprocess-nope", which the spec does not have`},
		{"parameters off the schema", "  - name: a\n    rule: hostprocess-resource-limits\n    parameters:\n      requiredLimits: memory\n",
			`bad.yaml:7: parameter requiredLimits of constraint "a" does not fit its schema`},
		{"two verdicts for one namespace", "  - name: a\n    rule: hostprocess-allowed\n    match: {excludedNamespaces: [kube-system]}\n  - name: b\n    rule: hostprocess-allowed\n    match: {namespaces: [kube-system, calico-system]}\n    action: warn\n",
			`bad.yaml:9: constraints "a" and "b" of rule "hostprocess-allowed" can both select namespace calico-system`},
		{"unknown field", "  - name: a\n    rule: hostprocess-allowed\n    match: {namespace: [kube-system]}\n",
			`bad.yaml:6: field namespace not found`},
	} {
		file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"), "bad.yaml")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(head+tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"build", "--constraints", file, "--out", out},
			{"publish", "--constraints", file, "--dist", out},
			{"eval", "--constraints", file, "testdata/manifests"},
		} {
			code, stdout, stderr := runCLI(t, args...)
			where := filepath.Dir(file) + "/" + tc.want
			if code != exitInvalid || !strings.Contains(stderr, where) || !strings.Contains(stderr, "fix: ") {
				t.Errorf("%s: %s: exit %d, want 2 and %q with a fix; stderr:\n%s", tc.name, args[0], code, where, stderr)
			}
			if stdout != "" {
				t.Errorf("%s: %s wrote to stdout: %s", tc.name, args[0], stdout)
			}
			if !equalTrees(before, snapshot(t, out)) {
				t.Fatalf("%s: %s changed the output directory", tc.name, args[0])
			}
		}
	}
}

// The README's real setup works as written: its command makes
// my-constraints.yaml from the default, and eval with it prints what the
// README shows.
func TestReadmeRealSetup(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var makeFile, evalCmd string
	for _, block := range strings.Split(string(readme), "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		var lines []string
		for _, l := range strings.Split(block, "\n") {
			lines = append(lines, strings.TrimPrefix(l, "   "))
		}
		text := strings.Join(lines, "\n")
		switch {
		case strings.Contains(text, "> my-constraints.yaml"):
			makeFile = text
		case strings.Contains(text, "policygen eval --constraints my-constraints.yaml"):
			evalCmd = text
		}
	}
	if makeFile == "" || evalCmd == "" {
		t.Fatal("the README shows no command that makes my-constraints.yaml, or no eval with it")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	def, err := os.ReadFile("../../policies/constraints.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "policies", "constraints.yaml"), def, 0o644); err != nil {
		t.Fatal(err)
	}
	sh := exec.Command("sh", "-c", makeFile)
	sh.Dir = dir
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", makeFile, err, out)
	}
	mine := filepath.Join(dir, "my-constraints.yaml")

	// The command, its continuation lines joined; the output it shows, after "# ".
	command, shown, _ := strings.Cut(evalCmd, "\n# ")
	args := strings.Fields(strings.ReplaceAll(command, "\\\n", " "))
	if strings.Join(args[:4], " ") != "go run ./cmd/policygen eval" {
		t.Fatalf("the README's eval command is %q", command)
	}
	args = args[4:]
	for i, a := range args {
		if a == "my-constraints.yaml" {
			args[i] = mine
		}
	}
	t.Chdir("../..")
	var out, stderr strings.Builder
	code := run(env{stdin: strings.NewReader(""), stdout: &out, stderr: &stderr}, append([]string{"eval"}, args...))
	if code != exitFailed {
		t.Errorf("eval: exit %d, want 1: %s", code, stderr.String())
	}
	for _, want := range strings.Split(strings.TrimSpace("# "+shown), "\n") {
		if want = strings.TrimPrefix(want, "# "); !slices.Contains(strings.Split(out.String(), "\n"), want) {
			t.Errorf("eval prints no line %q:\n%s", want, out.String())
		}
	}
}
