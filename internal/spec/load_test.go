package spec_test

import (
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/policygen/policygen/internal/problem"

	"github.com/open-policy-agent/opa/v1/version"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

func TestLoadDefaultSpec(t *testing.T) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatalf("default spec does not load:\n%v", err)
	}
	var ids []string
	for _, r := range s.Rules {
		ids = append(ids, r.ID+"="+r.Kind+"/"+r.Bundle)
	}
	want := "hostprocess-allowed=K8sHostProcessAllowed/guard hostprocess-host-network=K8sHostProcessHostNetwork/hardening " +
		"hostprocess-uniform-containers=K8sHostProcessUniformContainers/hardening hostprocess-run-as-user-name=K8sHostProcessRunAsUserName/hardening " +
		"hostprocess-run-as-non-root=K8sHostProcessRunAsNonRoot/hardening hostprocess-windows-node=K8sHostProcessWindowsNode/hardening " +
		"hostprocess-volume-mounts=K8sHostProcessVolumeMounts/hardening hostprocess-resource-limits=K8sHostProcessResourceLimits/hardening"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("rules:\n got %s\nwant %s", got, want)
	}
}

// The pinned capabilities must be those of the OPA that Gatekeeper embeds,
// which is the OPA this module builds with.
func TestCapabilitiesMatchGatekeeperOPA(t *testing.T) {
	if "v"+version.Version != spec.GatekeeperOPAVersion {
		t.Fatalf("built with OPA v%s, capabilities pinned to %s", version.Version, spec.GatekeeperOPAVersion)
	}
}

// specTree copies the embedded spec tree so that a test can break one file.
func specTree(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func replace(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	s := string(m[file].Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

func TestLoadRejectsBadInput(t *testing.T) {
	const specFile = "hostprocess.yaml"
	const allowed = "rego/rules/hostprocess-allowed.rego"
	tests := []struct {
		name   string
		break_ func(t *testing.T, m fstest.MapFS)
		want   string // the first line of the error, file:line: problem (%d: the marker's line)
		fix    string // a part of the fix
		file   string // with marker: the file whose line the error names
		marker string // text in file on the line the error names
	}{
		{"yaml syntax", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "  version: 1.0.0", "\tversion: 1.0.0")
		}, "hostprocess.yaml:%d: found a tab character that violates indentation", "valid YAML", specFile, "\tversion: 1.0.0"},
		{"unknown field", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "    bundle: guard\n", "    bundle: guard\n    severity: high\n")
		}, "hostprocess.yaml:%d: field severity not found in type spec.Rule", "only the fields", specFile, "severity: high"},
		{"duplicate id", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "id: hostprocess-host-network", "id: hostprocess-allowed")
		}, `hostprocess.yaml:%d: rule id "hostprocess-allowed" is used twice (also rules[0])`, "distinct id", specFile, "id: hostprocess-allowed\n    kind: K8sHostProcessHostNetwork"},
		{"duplicate kind", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "kind: K8sHostProcessHostNetwork", "kind: K8sHostProcessAllowed")
		}, `hostprocess.yaml:%d: rule kind "K8sHostProcessAllowed" is used twice (also rules[0]); template names are the kind in lower case`, "distinct kind", specFile, "K8sHostProcessAllowed\n    version: 1.0.0\n    bundle: hardening"},
		{"missing rego file", func(t *testing.T, m fstest.MapFS) {
			delete(m, "rego/rules/hostprocess-volume-mounts.rego")
		}, `hostprocess.yaml:%d: Rego file "rego/rules/hostprocess-volume-mounts.rego" cannot be read: open rego/rules/hostprocess-volume-mounts.rego: file does not exist`, "create the file", specFile, "rego: rego/rules/hostprocess-volume-mounts.rego"},
		{"rego syntax", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, allowed, "rule := \"hostprocess-allowed\"", "rule := \"hostprocess-allowed")
		}, "rego/rules/hostprocess-allowed.rego:%d: non-terminated string", "Rego syntax", allowed, "rule := \"hostprocess-allowed"},
		{"rego does not compile", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, allowed, `[hp.entry_label(list, i, entry), image_text(entry)]`, `[hp.entry_label(list, i, entry, 1), image_text(entry)]`)
		}, "rego/rules/hostprocess-allowed.rego:%d: function data.lib.hostprocess.entry_label has arity 3, got 4 arguments", "OPA v1.17.1", allowed, `hp.entry_label(list, i, entry, 1)`},
		{"built-in newer than gatekeeper's opa", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, allowed, "not container_allowed(entry)\n\tmsg := sprintf", "not container_allowed(entry)\n\tcount(strings.split_n(hp.entry_label(list, i, entry), \"/\", 2)) > 0\n\tmsg := sprintf")
		}, "rego/rules/hostprocess-allowed.rego:%d: undefined function strings.split_n", "OPA v1.17.1", allowed, "strings.split_n"},
		{"import rego.v1", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, allowed, "import data.lib.hostprocess as hp", "import rego.v1\nimport data.lib.hostprocess as hp")
		}, "rego/rules/hostprocess-allowed.rego:%d: `import rego.v1` is rejected by Gatekeeper", "remove it", allowed, "import rego.v1"},
		{"data outside lib", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, allowed, "\timage in parameters.allowedImages", "\timage in data.params.allowedImages")
		}, "rego/rules/hostprocess-allowed.rego:%d: data.params.allowedImages refers to data outside data.lib and data.inventory; Gatekeeper rejects it", "target adapter", allowed, "data.params"},
		{"violation without msg", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "rego/rules/hostprocess-host-network.rego", "violation contains hp.violation(rule, pod.prefix, msg, concat(\"\", [hp.pod_path(pod), \".hostNetwork\"])) if {", "violation contains {\"message\": msg} if {")
		}, `rego/rules/hostprocess-host-network.rego:%d: violation has no "msg"`, "string msg", "rego/rules/hostprocess-host-network.rego", "{\"message\": msg}"},
		{"violation msg not a string", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "rego/rules/hostprocess-host-network.rego", "violation contains hp.violation(rule, pod.prefix, msg, concat(\"\", [hp.pod_path(pod), \".hostNetwork\"])) if {", "violation contains {\"msg\": 42, \"details\": {}} if {")
		}, "rego/rules/hostprocess-host-network.rego:%d: violation has type set[object<details: object[any: any], msg: number>], not a set of objects with a string msg", "msg a string", "rego/rules/hostprocess-host-network.rego", "package k8shostprocesshostnetwork"},
		{"violation not on the subjects", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "rego/rules/hostprocess-host-network.rego", "\tsome pod in hp.hostprocess_pods\n\tnot pod.spec.hostNetwork", "\tnot input.spec.hostNetwork == true\n\tsome pod in hp.hostprocess_pods\n\tnot pod.spec.hostNetwork")
		}, "rego/rules/hostprocess-host-network.rego:%d: this violation does not begin with `some … in data.lib.hostprocess.hostprocess_pods` (the spec's subjects)", "begin every violation body", "rego/rules/hostprocess-host-network.rego", "violation contains"},
		{"subjects read the parameters", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "rego/lib/hostprocess.rego", "\tis_list(target.reviewed)\n", "\tis_list(object.union(target.reviewed, {\"p\": target.parameters}))\n")
		}, "hostprocess.yaml:%d: subjects data.lib.hostprocess.hostprocess_pods reads the parameters (data.lib.hostprocess.target.parameters)", "object alone", specFile, "subjects:"},
		{"adapter without reviewed", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "rego/targets/gatekeeper.rego", "reviewed := input.review.object", "reviewed := object.get(input.review, \"object\", {})")
		}, "rego/targets/gatekeeper.rego:%d: the adapter defines no `reviewed` as a reference into input", "define `reviewed := input…`", "rego/targets/gatekeeper.rego", "package lib.hostprocess.target"},
		{"subjects not a lib rule", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "subjects: data.lib.hostprocess.hostprocess_pods", "subjects: data.lib.hostprocess.pods")
		}, "hostprocess.yaml:%d: subjects data.lib.hostprocess.pods is not a rule of the shared libs", "set rule", specFile, "subjects:"},
		{"package not the kind", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, allowed, "package k8shostprocessallowed", "package hostprocessallowed")
		}, `rego/rules/hostprocess-allowed.rego:%d: package is hostprocessallowed, but rule "hostprocess-allowed" has kind K8sHostProcessAllowed`, "package k8shostprocessallowed", allowed, "package hostprocessallowed"},
		{"default does not fit schema", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "default: [cpu, memory]", "default: cpu")
		}, `hostprocess.yaml:%d: parameter "requiredLimits" of rule "hostprocess-resource-limits": default "cpu" does not fit the schema: must be of type array: "string"`, "default that fits", specFile, "default: cpu"},
		{"default missing", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "          default: false\n", "")
		}, `hostprocess.yaml:%d: parameter "allowSystem" of rule "hostprocess-run-as-user-name": schema has no default`, "default that fits", specFile, "schema:\n          type: boolean"},
		{"parameter name of two rules", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "- name: requireOSName", "- name: allowSystem")
		}, `hostprocess.yaml:%d: parameter "allowSystem" of rule "hostprocess-windows-node" is also a parameter of rule "hostprocess-run-as-user-name"`, "names of their own", specFile, "- name: allowSystem\n        description: >-\n          Also require"},
		{"undeclared bundle", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "    bundle: guard\n", "    bundle: guards\n")
		}, `hostprocess.yaml:%d: rule "hostprocess-allowed" names bundle "guards", which is not declared`, "declare it", specFile, "bundle: guards"},
		{"template version not semver", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "kind: K8sHostProcessHostNetwork\n    version: 1.0.0", "kind: K8sHostProcessHostNetwork\n    version: 1.0")
		}, `hostprocess.yaml:%d: rule "hostprocess-host-network": version "1.0" is not a semantic version: No Major.Minor.Patch elements found`, "MAJOR.MINOR.PATCH", specFile, "version: 1.0\n"},
		{"template version with a leading v", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "kind: K8sHostProcessAllowed\n    version: 1.0.0", "kind: K8sHostProcessAllowed\n    version: v1.0.0")
		}, `hostprocess.yaml:%d: rule "hostprocess-allowed": version "v1.0.0" is not a semantic version: Invalid character(s) found in major number "v1"`, "MAJOR.MINOR.PATCH", specFile, "version: v1.0.0"},
		{"template version without a changelog entry", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, specFile, "kind: K8sHostProcessHostNetwork\n    version: 1.0.0", "kind: K8sHostProcessHostNetwork\n    version: 1.0.1")
		}, `hostprocess.yaml:%d: the changelog has no entry for template k8shostprocesshostnetwork 1.0.1 (rule hostprocess-host-network)`, `add "### 1.0.1 (YYYY-MM-DD)" and what changed under "## k8shostprocesshostnetwork" in CHANGELOG.md`, specFile, "version: 1.0.1"},
		{"changelog version not semver", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "CHANGELOG.md", "## k8shostprocesshostnetwork\n\n### 1.0.0 (2026-12-07)", "## k8shostprocesshostnetwork\n\n### 1.0.0.1 (2026-12-07)")
		}, `CHANGELOG.md:%d: version "1.0.0.1" of k8shostprocesshostnetwork is not a semantic version: Invalid character(s) found in patch number "0.1"`, "MAJOR.MINOR.PATCH", "CHANGELOG.md", "### 1.0.0.1"},
		{"changelog section of no template", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "CHANGELOG.md", "## k8shostprocesshostnetwork\n", "## k8shostprocesshostnetworks\n")
		}, `CHANGELOG.md:%d: section "k8shostprocesshostnetworks" is neither the policy set nor a template of the spec`, "a rule's kind in lower case", "CHANGELOG.md", "## k8shostprocesshostnetworks"},
		{"changelog entry without text", func(t *testing.T, m fstest.MapFS) {
			replace(t, m, "CHANGELOG.md", "- First release of hostprocess-host-network: HostProcess pods use the host network.\n", "")
		}, `CHANGELOG.md:%d: version 1.0.0 of k8shostprocesshostnetwork says nothing`, "what changed", "CHANGELOG.md", "### 1.0.0 (2026-12-07)\n\n\n## k8shostprocessuniformcontainers"},
		{"lock file missing", func(t *testing.T, m fstest.MapFS) {
			delete(m, "versions.lock")
		}, `hostprocess.yaml:%d: lock file "versions.lock" cannot be read: open versions.lock: file does not exist`, "policygen lock", specFile, "lock: versions.lock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := specTree(t)
			tc.break_(t, m)
			_, err := spec.Load(m, specFile)
			if err == nil {
				t.Fatal("loaded without error")
			}
			if !problem.IsInvalid(err) {
				t.Fatalf("error is not an input error: %v", err)
			}
			want := tc.want
			if tc.marker != "" {
				text := string(m[tc.file].Data)
				want = fmt.Sprintf(tc.want, 1+strings.Count(text[:strings.Index(text, tc.marker)], "\n"))
			}
			first := strings.SplitN(err.Error(), "\n", 2)[0]
			if first != want {
				t.Errorf("error:\n got %s\nwant %s", first, want)
			}
			if !strings.Contains(err.Error(), "fix: ") || !strings.Contains(err.Error(), tc.fix) {
				t.Errorf("error has no fix mentioning %q:\n%v", tc.fix, err)
			}
			t.Logf("%v", err)
		})
	}
}
