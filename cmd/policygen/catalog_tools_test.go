//go:build tools

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gator's policy commands over the published catalog, served as a file
// (file://) and over HTTP from 127.0.0.1 (gator needs --insecure for plain
// HTTP): update caches it, search finds every template by the policy set's
// name, and a dry-run install of each bundle fetches every template and
// constraint the catalog names (a dry run needs no cluster; `gator policy
// list` and a real install do, and are the end-to-end tests' part).
func TestGatorPolicyCatalog(t *testing.T) {
	gator := tool(t, "gator")
	root, err := filepath.Abs(dist)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	for _, src := range []struct {
		name string
		url  string
		flag []string
	}{
		{"file", "file://" + filepath.Join(root, "catalog.yaml"), nil},
		{"http", srv.URL + "/catalog.yaml", []string{"--insecure"}},
	} {
		t.Run(src.name, func(t *testing.T) {
			home := t.TempDir()
			run := func(args ...string) string {
				t.Helper()
				cmd := exec.Command(gator, append([]string{"policy"}, args...)...)
				cmd.Env = append(os.Environ(), "GATOR_HOME="+home, "GATOR_CATALOG_URL="+src.url, "KUBECONFIG="+filepath.Join(home, "no-cluster"))
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					t.Fatalf("gator policy %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
				}
				return stdout.String()
			}
			if out := run(append([]string{"update"}, src.flag...)...); out != "Updated catalog to version v1.0.0 (8 policies, 6 bundles)\n" {
				t.Errorf("update:\n%s", out)
			}
			want := []string{
				"NAME                             VERSION  CATEGORY      DESCRIPTION",
				"k8shostprocessallowed            v1.0.0   pod-security  HostProcess only where allowed. Forbids hostPro...",
				"k8shostprocesshostnetwork        v1.0.0   pod-security  HostProcess pods use the host network. A HostPr...",
				"k8shostprocessuniformcontainers  v1.0.0   pod-security  All containers of a HostProcess pod are HostPro...",
				"k8shostprocessrunasusername      v1.0.0   pod-security  HostProcess containers run as an allowed accoun...",
				"k8shostprocessrunasnonroot       v1.0.0   pod-security  HostProcess containers do not ask for runAsNonR...",
				"k8shostprocesswindowsnode        v1.0.0   pod-security  HostProcess pods are scheduled onto Windows nod...",
				"k8shostprocessvolumemounts       v1.0.0   pod-security  No sockets or named pipes mounted into HostProc...",
				"k8shostprocessresourcelimits     v1.0.0   pod-security  HostProcess containers set resource limits. Hos...",
			}
			if got := strings.Split(strings.TrimSuffix(run("search", "hostprocess"), "\n"), "\n"); !slices.Equal(got, want) {
				t.Errorf("search hostprocess:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			guard := []string{
				"NAME                   VERSION  CATEGORY      DESCRIPTION",
				"k8shostprocessallowed  v1.0.0   pod-security  HostProcess only where allowed. Forbids hostPro...",
			}
			if got := strings.Split(strings.TrimSuffix(run("search", "--bundle", "hostprocess-guard", "hostprocess"), "\n"), "\n"); !slices.Equal(got, guard) {
				t.Errorf("search --bundle hostprocess-guard:\n%s", strings.Join(got, "\n"))
			}
			if out := run("search", "kyverno"); out != "No policies found.\n" {
				t.Errorf("search kyverno:\n%s", out)
			}

			// Per bundle: the templates installed, and how many constraints.
			for _, b := range []struct {
				bundle      string
				templates   []string
				constraints int
			}{
				{"hostprocess-guard", []string{"k8shostprocessallowed"}, 1},
				{"hostprocess-hardening", []string{"k8shostprocesshostnetwork", "k8shostprocessuniformcontainers", "k8shostprocessrunasusername",
					"k8shostprocessrunasnonroot", "k8shostprocesswindowsnode", "k8shostprocessvolumemounts", "k8shostprocessresourcelimits"}, 5},
				{"hostprocess-run-as-user-name-system", []string{"k8shostprocessrunasusername"}, 1},
				{"hostprocess-run-as-user-name-workloads", []string{"k8shostprocessrunasusername"}, 1},
				{"hostprocess-resource-limits-system", []string{"k8shostprocessresourcelimits"}, 1},
				{"hostprocess-resource-limits-workloads", []string{"k8shostprocessresourcelimits"}, 1},
			} {
				var res struct {
					Result struct {
						Installed   []struct{ Name, Version string } `json:"installed"`
						Templates   int                              `json:"templatesInstalled"`
						Constraints int                              `json:"constraintsInstalled"`
						DryRun      bool                             `json:"dryRun"`
					} `json:"result"`
				}
				out := run("install", "--bundle", b.bundle, "--dry-run", "-o", "json")
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("install --bundle %s: %v\n%s", b.bundle, err, out)
				}
				var names []string
				for _, p := range res.Result.Installed {
					names = append(names, p.Name)
					if p.Version != "v1.0.0" {
						t.Errorf("%s: %s at %s", b.bundle, p.Name, p.Version)
					}
				}
				r := res.Result
				if !slices.Equal(names, b.templates) || r.Templates != len(b.templates) || r.Constraints != b.constraints || !r.DryRun {
					t.Errorf("install --bundle %s: templates %v (%d), %d constraints, dry run %v; want %v, %d constraints",
						b.bundle, names, r.Templates, r.Constraints, r.DryRun, b.templates, b.constraints)
				}
			}
		})
	}
}
