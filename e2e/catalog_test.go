//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/pipeline"
)

// envGator is the pinned gator `make e2e` passes.
const envGator = "POLICYGEN_E2E_GATOR"

const catalogNamespace = "e2e-catalog"

// gatorCatalog is the part of dist/catalog.yaml (a gator PolicyCatalog)
// the install test reads.
type gatorCatalog struct {
	Bundles []struct {
		Name     string   `json:"name"`
		Policies []string `json:"policies"`
	} `json:"bundles"`
	Policies []struct {
		Name              string            `json:"name"`
		Version           string            `json:"version"`
		TemplatePath      string            `json:"templatePath"`
		BundleConstraints map[string]string `json:"bundleConstraints"`
	} `json:"policies"`
}

// gatorCLI runs the real `gator policy` with its own home, the published
// catalog and the test cluster's kubeconfig.
type gatorCLI struct {
	bin, home, catalogURL, kubeconfig string
}

// run runs `gator policy args...` (at most three minutes: gator itself
// waits up to two for a template), checks that it writes exactly stderr
// to its standard error, and returns its standard output.
func (g gatorCLI) run(t *testing.T, stderr string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, g.bin, append([]string{"policy"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		// No in-cluster configuration, no other catalog, home or cluster.
		if !strings.HasPrefix(kv, "KUBERNETES_SERVICE_") && !strings.HasPrefix(kv, "GATOR_") && !strings.HasPrefix(kv, "KUBECONFIG=") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "GATOR_HOME="+g.home, "GATOR_CATALOG_URL="+g.catalogURL, "KUBECONFIG="+g.kubeconfig)
	var stdout, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("gator policy %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), errOut.String())
	}
	if errOut.String() != stderr {
		t.Errorf("gator policy %s wrote to stderr:\n%s\nwant\n%s", strings.Join(args, " "), errOut.String(), stderr)
	}
	return stdout.String()
}

func daemonSet(name string, podSpec map[string]any) *unstructured.Unstructured {
	u := object("apps/v1", "DaemonSet", name, map[string]any{
		"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
		"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": name}}, "spec": podSpec},
	})
	u.SetNamespace(catalogNamespace)
	return u
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// TestGatorPolicyInstall installs each bundle of dist/catalog.yaml with the
// real gator into a real API server running Gatekeeper, as a user does
// (`gator policy update`, `install --bundle`), checks what the API server
// then holds (each template, created, carrying gator's labels and the
// published spec; each constraint with its enforcement action and match;
// nothing else), what `gator policy list` prints, that the constraints
// deny a violating HostProcess DaemonSet with the rules' messages and
// admit a plain pod, then uninstalls the bundle with `gator policy
// uninstall --bundle` and checks that the templates, their constraint
// kinds and their denials are gone.
func TestGatorPolicyInstall(t *testing.T) {
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	top := root(t)
	raw, err := os.ReadFile(filepath.Join(top, "dist", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cat gatorCatalog
	if err := yaml.Unmarshal(raw, &cat); err != nil {
		t.Fatalf("dist/catalog.yaml: %v", err)
	}
	c := StartCluster(t)
	StartGatekeeper(c, admissionregistrationv1.Fail)
	e := NewGatekeeperWebhook(c, s)
	j := newJudge(t, s)
	c.Namespace(catalogNamespace)
	ctx := context.Background()

	gator := gatorCLI{bin: need(t, envGator), home: t.TempDir(),
		catalogURL: "file://" + filepath.Join(top, "dist", "catalog.yaml"), kubeconfig: c.Kubeconfig}
	if out := gator.run(t, "Fetching catalog from "+gator.catalogURL+"...\n", "update"); out != "Updated catalog to version v1.0.0 (8 policies, 6 bundles)\n" {
		t.Fatalf("update:\n%s", out)
	}
	if out := gator.run(t, "", "list"); out != "No policies installed.\n" {
		t.Fatalf("list before any install:\n%s", out)
	}

	const (
		proxy = "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.29.0"
		pipe  = `\\.\pipe\containerd-containerd`
	)
	// A HostProcess DaemonSet the API server accepts (host network, every
	// container HostProcess) that asks for runAsNonRoot, mounts
	// containerd's pipe, runs as SYSTEM, sets no limits and is not placed
	// on Windows nodes.
	hardeningBad := hostProcessPodSpec(proxy)
	hardeningBad["securityContext"] = map[string]any{"runAsNonRoot": true, "windowsOptions": map[string]any{
		"hostProcess": true, "runAsUserName": `NT AUTHORITY\SYSTEM`}}
	hardeningBad["volumes"] = []any{map[string]any{"name": "containerd", "hostPath": map[string]any{"path": pipe}}}
	hardeningBad["containers"] = []any{map[string]any{"name": "agent", "image": proxy,
		"volumeMounts": []any{map[string]any{"name": "containerd", "mountPath": pipe}}}}
	plain := pod("web", map[string]any{"containers": []any{map[string]any{"name": "web", "image": "nginx"}}})
	plain.SetNamespace(catalogNamespace)

	type constraint struct{ kind, name, action, file string }
	for _, b := range []struct {
		bundle      string
		templates   []string // in the catalog's order
		constraints []constraint
		install     []string // gator's output, line by line
		denied      *unstructured.Unstructured
		denial      map[string][]string // constraint → the webhook's messages
		admitted    []*unstructured.Unstructured
	}{
		{
			bundle:    "hostprocess-guard",
			templates: []string{"k8shostprocessallowed"},
			constraints: []constraint{
				{"K8sHostProcessAllowed", "hostprocess-allowed", "deny", "gatekeeper/hostprocess-allowed/constraint-hostprocess-allowed.yaml"},
			},
			install: []string{
				"✓ k8shostprocessallowed (v1.0.0) installed",
				"",
				"✓ Installed 1 templates, 1 constraints",
			},
			denied: daemonSet("hp-guard", hostProcessPodSpec(proxy)),
			denial: map[string][]string{
				"hostprocess-allowed": {`the pod sets securityContext.windowsOptions.hostProcess: true, but the images of containers[0] "agent" are not in allowedImages`},
			},
			admitted: []*unstructured.Unstructured{plain},
		},
		{
			bundle: "hostprocess-hardening",
			templates: []string{"k8shostprocesshostnetwork", "k8shostprocessuniformcontainers", "k8shostprocessrunasusername",
				"k8shostprocessrunasnonroot", "k8shostprocesswindowsnode", "k8shostprocessvolumemounts", "k8shostprocessresourcelimits"},
			// run-as-user-name and resource-limits have a constraint per
			// namespace group, each in a bundle of its own: this bundle
			// installs their templates only.
			constraints: []constraint{
				{"K8sHostProcessHostNetwork", "hostprocess-host-network", "deny", "gatekeeper/hostprocess-host-network/constraint-hostprocess-host-network.yaml"},
				{"K8sHostProcessUniformContainers", "hostprocess-uniform-containers", "deny", "gatekeeper/hostprocess-uniform-containers/constraint-hostprocess-uniform-containers.yaml"},
				{"K8sHostProcessRunAsNonRoot", "hostprocess-run-as-non-root", "deny", "gatekeeper/hostprocess-run-as-non-root/constraint-hostprocess-run-as-non-root.yaml"},
				{"K8sHostProcessWindowsNode", "hostprocess-windows-node", "deny", "gatekeeper/hostprocess-windows-node/constraint-hostprocess-windows-node.yaml"},
				{"K8sHostProcessVolumeMounts", "hostprocess-volume-mounts", "deny", "gatekeeper/hostprocess-volume-mounts/constraint-hostprocess-volume-mounts.yaml"},
			},
			install: []string{
				"✓ k8shostprocesshostnetwork (v1.0.0) installed",
				"✓ k8shostprocessuniformcontainers (v1.0.0) installed",
				"✓ k8shostprocessrunasusername (v1.0.0) installed",
				"✓ k8shostprocessrunasnonroot (v1.0.0) installed",
				"✓ k8shostprocesswindowsnode (v1.0.0) installed",
				"✓ k8shostprocessvolumemounts (v1.0.0) installed",
				"✓ k8shostprocessresourcelimits (v1.0.0) installed",
				"",
				"✓ Installed 7 templates, 5 constraints",
			},
			denied: daemonSet("hp-hardening", hardeningBad),
			denial: map[string][]string{
				"hostprocess-run-as-non-root": {`containers[0] "agent" inherits runAsNonRoot: true from the pod, which the runtime cannot honour; remove it and choose the account with runAsUserName`},
				"hostprocess-volume-mounts":   {`volumes[0] "containerd" mounts a named pipe from the host, which a HostProcess container cannot mount; use the host path directly`},
				"hostprocess-windows-node": {"a HostProcess pod must be scheduled onto Windows nodes: set nodeSelector kubernetes.io/os: windows " +
					"(a RuntimeClass's scheduling.nodeSelector is not visible here: set the pod's own too), or a required node affinity that restricts every term to Windows"},
			},
			// The guard is gone: a HostProcess DaemonSet that meets the
			// hardening is admitted.
			admitted: []*unstructured.Unstructured{plain, daemonSet("hp-compliant", compliantPodSpec(proxy))},
		},
	} {
		t.Run(b.bundle, func(t *testing.T) {
			// The catalog says what the test expects.
			var policies []string
			for _, cb := range cat.Bundles {
				if cb.Name == b.bundle {
					policies = cb.Policies
				}
			}
			if !slices.Equal(policies, b.templates) {
				t.Fatalf("dist/catalog.yaml: bundle %s has policies %v, want %v", b.bundle, policies, b.templates)
			}
			var files []string
			templateFile := map[string]string{}
			version := map[string]string{}
			for _, p := range cat.Policies {
				if !slices.Contains(b.templates, p.Name) {
					continue
				}
				templateFile[p.Name], version[p.Name] = p.TemplatePath, p.Version
				if f, ok := p.BundleConstraints[b.bundle]; ok {
					files = append(files, f)
				}
			}
			var wantFiles []string
			for _, con := range b.constraints {
				wantFiles = append(wantFiles, con.file)
			}
			if !slices.Equal(files, wantFiles) {
				t.Fatalf("dist/catalog.yaml: bundle %s has constraints %v, want %v", b.bundle, files, wantFiles)
			}

			start := time.Now()
			out := gator.run(t, "", "install", "--bundle", b.bundle)
			c.Time("gator policy install --bundle "+b.bundle, start)
			if got := strings.Split(strings.TrimSuffix(out, "\n"), "\n"); !slices.Equal(got, b.install) {
				t.Errorf("install --bundle %s:\n%s\nwant\n%s", b.bundle, out, strings.Join(b.install, "\n"))
			}

			// The templates: exactly the bundle's, each created, labelled
			// by gator and holding the published spec.
			tc := c.Dyn.Resource(schema.GroupVersionResource{Group: templateGVK.Group, Version: templateGVK.Version, Resource: "constrainttemplates"})
			list, err := tc.List(ctx, metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, u := range list.Items {
				names = append(names, u.GetName())
			}
			if want := slices.Sorted(slices.Values(b.templates)); !slices.Equal(names, want) {
				t.Fatalf("templates in the API server: %v, want %v", names, want)
			}
			installedAt := map[string]string{}
			uid := map[string]types.UID{}
			for _, name := range b.templates {
				var got *unstructured.Unstructured
				err := Eventually(60*time.Second, 200*time.Millisecond, func() (bool, error) {
					var err error
					got, err = tc.Get(ctx, name, metav1.GetOptions{})
					if err != nil {
						return false, err
					}
					created, _, _ := unstructured.NestedBool(got.Object, "status", "created")
					return created, nil
				})
				if err != nil {
					t.Fatalf("template %s: status.created: %v", name, err)
				}
				published := readObject(t, filepath.Join(top, "dist", templateFile[name]))
				want := published.DeepCopy()
				// The ConstraintTemplate CRD's default for a v1 template.
				if _, found, _ := unstructured.NestedFieldNoCopy(want.Object, "spec", "crd", "spec", "validation", "legacySchema"); !found {
					if err := unstructured.SetNestedField(want.Object, false, "spec", "crd", "spec", "validation", "legacySchema"); err != nil {
						t.Fatal(err)
					}
				}
				if !reflect.DeepEqual(got.Object["spec"], want.Object["spec"]) {
					g, _ := json.Marshal(got.Object["spec"])
					w, _ := json.Marshal(want.Object["spec"])
					t.Errorf("template %s: spec differs from dist/%s:\n%s\nwant\n%s", name, templateFile[name], g, w)
				}
				uid[name] = got.GetUID()
				checkManaged(t, got, published, b.bundle, version[name])
				installedAt[name] = got.GetAnnotations()["gatekeeper.sh/installed-at"]
			}

			// The constraints: per template kind, the bundle's constraint
			// (or none), with its enforcement action and the published
			// match, enforced by Gatekeeper.
			byKind := map[string]constraint{}
			for _, con := range b.constraints {
				byKind[con.kind] = con
			}
			for _, r := range s.Rules {
				tmpl := published(t, top, r.ID)
				if !slices.Contains(b.templates, tmpl.GetName()) {
					continue
				}
				kind, _, _ := unstructured.NestedString(tmpl.Object, "spec", "crd", "spec", "names", "kind")
				gvk := schema.GroupVersionKind{Group: "constraints.gatekeeper.sh", Version: "v1beta1", Kind: kind}
				var items []unstructured.Unstructured
				err := Eventually(60*time.Second, 200*time.Millisecond, func() (bool, error) {
					rc, ok, err := c.Resource(gvk, "")
					if !ok || err != nil {
						return false, err
					}
					l, err := rc.List(ctx, metav1.ListOptions{})
					if err != nil {
						return false, err
					}
					items = l.Items
					return true, nil
				})
				if err != nil {
					t.Fatalf("constraints of %s: %v", kind, err)
				}
				con, want := byKind[kind]
				if !want {
					if len(items) != 0 {
						t.Errorf("%s: %d constraints, want none (the bundle installs the template only)", kind, len(items))
					}
					continue
				}
				if len(items) != 1 || items[0].GetName() != con.name {
					t.Errorf("%s: %d constraints (the first %v), want %s alone", kind, len(items), items, con.name)
					continue
				}
				got := &items[0]
				if a, _, _ := unstructured.NestedString(got.Object, "spec", "enforcementAction"); a != con.action {
					t.Errorf("constraint %s: enforcementAction %q, want %q", con.name, a, con.action)
				}
				pub := readObject(t, filepath.Join(top, "dist", con.file))
				if !reflect.DeepEqual(got.Object["spec"], pub.Object["spec"]) {
					g, _ := json.Marshal(got.Object["spec"])
					w, _ := json.Marshal(pub.Object["spec"])
					t.Errorf("constraint %s: spec differs from dist/%s:\n%s\nwant\n%s", con.name, con.file, g, w)
				}
				checkManaged(t, got, pub, b.bundle, version[tmpl.GetName()])
				e.waitEnforced(t, got)
			}

			// gator's list: every template of the bundle, by name.
			wantList := []string{"NAME", "VERSION", "BUNDLE", "INSTALLED"}
			var rows [][]string
			for _, name := range slices.Sorted(slices.Values(b.templates)) {
				rows = append(rows, []string{name, "v1.0.0", b.bundle, installedAt[name][:10]})
			}
			if got := strings.Split(strings.TrimSuffix(gator.run(t, "", "list"), "\n"), "\n"); !slices.Equal(got, table(wantList, rows)) {
				t.Errorf("list:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(table(wantList, rows), "\n"))
			}

			// The installed constraints judge: the DaemonSet is denied with
			// the rules' messages, as the published templates judge it in
			// process; the others are admitted without a warning.
			_, err = c.Client(b.denied).Create(ctx, b.denied, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
			if err == nil {
				t.Fatalf("%s admitted", b.denied.GetName())
			}
			denial, ok := e.Denial(err)
			if !ok {
				t.Fatalf("%s: not the webhook's denial: %v", b.denied.GetName(), err)
			}
			if !maps.EqualFunc(denial, b.denial, slices.Equal) {
				t.Errorf("%s denied with\n%v\nwant\n%v", b.denied.GetName(), denial, b.denial)
			}
			judged := map[string][]string{}
			vs, err := j.engine.Evaluate(ctx, harness.Review{Object: b.denied.Object})
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vs {
				if _, ok := byKind[kindOf(t, top, v.Rule)]; ok {
					judged[v.Rule] = append(judged[v.Rule], v.Message)
				}
			}
			if !maps.EqualFunc(denial, judged, slices.Equal) {
				t.Errorf("%s: the webhook denied with\n%v\nthe published templates judge\n%v", b.denied.GetName(), denial, judged)
			}
			for _, u := range b.admitted {
				c.Warnings.Take()
				if _, err := c.Client(u).Create(ctx, u, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
					t.Errorf("%s %s denied: %v", u.GetKind(), u.GetName(), err)
				}
				if w := c.Warnings.Take(); len(w) > 0 {
					t.Errorf("%s %s: warnings %v", u.GetKind(), u.GetName(), w)
				}
			}

			// Uninstall: the templates go, Gatekeeper stops enforcing their
			// constraints, and the DaemonSet is admitted. gator leaves the
			// constraint kinds to the garbage collector: each CRD is
			// controlled by its template (an owner reference to the
			// template's UID). The test cluster runs no
			// kube-controller-manager, so no garbage collector: the CRDs
			// stay, and the test checks their owner reference instead.
			var wantOut []string
			for _, name := range b.templates {
				wantOut = append(wantOut, "✓ "+name+" uninstalled")
			}
			start = time.Now()
			if got := strings.Split(strings.TrimSuffix(gator.run(t, "", "uninstall", "--bundle", b.bundle), "\n"), "\n"); !slices.Equal(got, wantOut) {
				t.Errorf("uninstall --bundle %s:\n%s\nwant\n%s", b.bundle, strings.Join(got, "\n"), strings.Join(wantOut, "\n"))
			}
			for _, name := range b.templates {
				kind := kindOf(t, top, catalogRuleOf(t, top, name))
				crd := strings.ToLower(kind) + ".constraints.gatekeeper.sh"
				err := Eventually(60*time.Second, 200*time.Millisecond, func() (bool, error) {
					_, err := tc.Get(ctx, name, metav1.GetOptions{})
					return apierrors.IsNotFound(err), err
				})
				if err != nil {
					t.Errorf("after uninstall: template %s still there: %v", name, err)
				}
				got, err := c.Dyn.Resource(crdGVR).Get(ctx, crd, metav1.GetOptions{})
				if err != nil {
					t.Errorf("CRD %s: %v", crd, err)
					continue
				}
				owners := got.GetOwnerReferences()
				if len(owners) != 1 || owners[0].Kind != "ConstraintTemplate" || owners[0].Name != name ||
					owners[0].UID != uid[name] || owners[0].Controller == nil || !*owners[0].Controller {
					t.Errorf("CRD %s: owner references %+v, want the template %s (UID %s) as controller", crd, owners, name, uid[name])
				}
			}
			err = Eventually(60*time.Second, 200*time.Millisecond, func() (bool, error) {
				_, err := c.Client(b.denied).Create(ctx, b.denied, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
				return err == nil, err
			})
			if err != nil {
				t.Errorf("after uninstall: %s still denied: %v", b.denied.GetName(), err)
			}
			c.Time("gator policy uninstall --bundle "+b.bundle, start)
			if out := gator.run(t, "", "list"); out != "No policies installed.\n" {
				t.Errorf("list after uninstall:\n%s", out)
			}
		})
	}
}

// table is text/tabwriter's layout as gator prints it: columns two
// spaces apart, the last one not padded.
func table(header []string, rows [][]string) []string {
	all := append([][]string{header}, rows...)
	width := make([]int, len(header))
	for _, r := range all {
		for i, cell := range r {
			width[i] = max(width[i], len(cell))
		}
	}
	var out []string
	for _, r := range all {
		var line strings.Builder
		for i, cell := range r {
			line.WriteString(cell)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", width[i]-len(cell)+2))
			}
		}
		out = append(out, line.String())
	}
	return out
}

// checkManaged checks the labels and annotations gator adds to an object it
// installs, beside the published ones.
func checkManaged(t *testing.T, got, published *unstructured.Unstructured, bundle, version string) {
	t.Helper()
	wantLabels := maps.Clone(published.GetLabels())
	if wantLabels == nil {
		wantLabels = map[string]string{}
	}
	wantLabels["gatekeeper.sh/managed-by"] = "gator"
	wantLabels["gatekeeper.sh/bundle"] = bundle
	if !maps.Equal(got.GetLabels(), wantLabels) {
		t.Errorf("%s %s: labels %v, want %v", got.GetKind(), got.GetName(), got.GetLabels(), wantLabels)
	}
	ann := got.GetAnnotations()
	at, err := time.Parse(time.RFC3339, ann["gatekeeper.sh/installed-at"])
	if err != nil || time.Since(at) > 10*time.Minute || time.Until(at) > time.Minute {
		t.Errorf("%s %s: installed-at %q", got.GetKind(), got.GetName(), ann["gatekeeper.sh/installed-at"])
	}
	wantAnn := maps.Clone(published.GetAnnotations())
	if wantAnn == nil {
		wantAnn = map[string]string{}
	}
	wantAnn["gatekeeper.sh/policy-version"] = version
	// gator v3.23.1 writes the Gatekeeper library as the source whatever
	// the catalog.
	wantAnn["gatekeeper.sh/policy-source"] = "https://github.com/open-policy-agent/gatekeeper-library"
	wantAnn["gatekeeper.sh/installed-at"] = ann["gatekeeper.sh/installed-at"]
	if !maps.Equal(ann, wantAnn) {
		t.Errorf("%s %s: annotations %v, want %v", got.GetKind(), got.GetName(), ann, wantAnn)
	}
}

func readObject(t *testing.T, path string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &u.Object); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return u
}

// published is rule id's published template.
func published(t *testing.T, top, rule string) *unstructured.Unstructured {
	t.Helper()
	return readObject(t, filepath.Join(top, "dist", "gatekeeper", rule, "template.yaml"))
}

// kindOf is the constraint kind of rule id's template.
func kindOf(t *testing.T, top, rule string) string {
	t.Helper()
	kind, _, _ := unstructured.NestedString(published(t, top, rule).Object, "spec", "crd", "spec", "names", "kind")
	return kind
}

// catalogRuleOf is the rule id whose template is named name.
func catalogRuleOf(t *testing.T, top, name string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(top, "dist", "gatekeeper"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range entries {
		if _, err := os.Stat(filepath.Join(top, "dist", "gatekeeper", d.Name(), "template.yaml")); err == nil &&
			published(t, top, d.Name()).GetName() == name {
			return d.Name()
		}
	}
	t.Fatalf("no template named %s in dist/gatekeeper", name)
	return ""
}
