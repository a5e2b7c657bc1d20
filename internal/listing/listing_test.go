package listing_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	gatorcatalog "github.com/open-policy-agent/gatekeeper/v3/pkg/gator/policy/catalog"
	yaml "go.yaml.in/yaml/v3"

	"github.com/policygen/policygen/internal/listing"
	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

func rendered(t *testing.T) (*spec.Spec, render.Artifacts) {
	t.Helper()
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := pipeline.Render(s, nil, pipeline.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	return s, a
}

// documented is every field of Artifact Hub's package metadata file
// (docs/metadata/artifacthub-pkg.yml in artifacthub/hub), typed as
// documented there: a field it does not list fails the strict decoding.
type documented struct {
	Version          string `yaml:"version"`
	Name             string `yaml:"name"`
	AlternativeName  string `yaml:"alternativeName"`
	Category         string `yaml:"category"`
	DisplayName      string `yaml:"displayName"`
	CreatedAt        string `yaml:"createdAt"`
	Description      string `yaml:"description"`
	LogoPath         string `yaml:"logoPath"`
	LogoURL          string `yaml:"logoURL"`
	Digest           string `yaml:"digest"`
	License          string `yaml:"license"`
	HomeURL          string `yaml:"homeURL"`
	AppVersion       string `yaml:"appVersion"`
	ContainersImages []struct {
		Name        string   `yaml:"name"`
		Image       string   `yaml:"image"`
		Whitelisted bool     `yaml:"whitelisted"`
		Platforms   []string `yaml:"platforms"`
	} `yaml:"containersImages"`
	ContainsSecurityUpdates bool     `yaml:"containsSecurityUpdates"`
	Operator                bool     `yaml:"operator"`
	Deprecated              bool     `yaml:"deprecated"`
	Prerelease              bool     `yaml:"prerelease"`
	Keywords                []string `yaml:"keywords"`
	Links                   []struct {
		Name string `yaml:"name"`
		URL  string `yaml:"url"`
	} `yaml:"links"`
	Readme      string   `yaml:"readme"`
	Install     string   `yaml:"install"`
	Changes     []string `yaml:"changes"` // the documented short form: descriptions only
	Maintainers []struct {
		Name  string `yaml:"name"`
		Email string `yaml:"email"`
	} `yaml:"maintainers"`
	Provider *struct {
		Name string `yaml:"name"`
	} `yaml:"provider"`
	Ignore          []string               `yaml:"ignore"`
	Recommendations []struct{ URL string } `yaml:"recommendations"`
	Screenshots     []struct {
		Title string `yaml:"title"`
		URL   string `yaml:"url"`
	} `yaml:"screenshots"`
	Annotations map[string]string `yaml:"annotations"` // keys and values must be strings
}

var (
	packageName = regexp.MustCompile(`^[A-Za-z0-9-]+$`) // "only alphanum, no spaces, dashes allowed"
	categories  = []string{"ai-machine-learning", "database", "integration-delivery", "monitoring-logging", "networking", "security", "storage", "streaming-messaging", "skip-prediction"}
)

// checkDocumented holds a package metadata file to what Artifact Hub
// documents: the required fields present, the version SemVer 2, the name
// of letters, digits and dashes, createdAt in RFC 3339, URLs absolute,
// links and maintainers complete, annotations of strings.
func checkDocumented(t *testing.T, file string, raw []byte) documented {
	t.Helper()
	var p documented
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	// Annotations must be strings, not merely decodable into them.
	var loose map[string]any
	if err := yaml.Unmarshal(raw, &loose); err != nil {
		t.Fatal(err)
	}
	if ann, ok := loose["annotations"].(map[string]any); ok {
		for k, v := range ann {
			if _, ok := v.(string); !ok {
				t.Errorf("%s: annotation %s is %T, not a string", file, k, v)
			}
		}
	}
	if _, err := spec.ParseVersion(p.Version); err != nil {
		t.Errorf("%s: version %q: %v", file, p.Version, err)
	}
	if !packageName.MatchString(p.Name) {
		t.Errorf("%s: name %q", file, p.Name)
	}
	if p.DisplayName == "" || p.Description == "" {
		t.Errorf("%s: displayName or description missing", file)
	}
	if _, err := time.Parse(time.RFC3339, p.CreatedAt); err != nil {
		t.Errorf("%s: createdAt %q: %v", file, p.CreatedAt, err)
	}
	if p.Category != "" && !slices.Contains(categories, p.Category) {
		t.Errorf("%s: category %q", file, p.Category)
	}
	urls := []string{p.HomeURL, p.LogoURL}
	for _, l := range p.Links {
		if l.Name == "" {
			t.Errorf("%s: a link has no name", file)
		}
		urls = append(urls, l.URL)
	}
	for _, u := range urls {
		if pu, err := url.Parse(u); u != "" && (err != nil || !pu.IsAbs()) {
			t.Errorf("%s: URL %q is not absolute", file, u)
		}
	}
	for _, m := range p.Maintainers {
		if m.Name == "" || m.Email == "" {
			t.Errorf("%s: a maintainer needs a name and an email", file)
		}
	}
	for _, c := range p.Changes {
		if strings.TrimSpace(c) == "" {
			t.Errorf("%s: an empty change", file)
		}
	}
	return p
}

// Every template version has its Gatekeeper package, laid out as
// NAME/VERSION/ with the template beside it, and the conftest policy set is
// the OPA package: each file meets Artifact Hub's documented schema, and
// says exactly the spec's version, name, title, changelog date and notes,
// and the digest of the template it carries.
func TestArtifactHubPackages(t *testing.T) {
	s, a := rendered(t)
	var files []string
	for _, p := range a.Paths() {
		if path.Base(p) == listing.PackageFile {
			files = append(files, p)
		}
	}
	want := []string{"conftest/" + listing.PackageFile}
	for _, r := range s.Rules {
		want = append(want, listing.PackageDir(r.TemplateName(), r.Version)+"/"+listing.PackageFile)
	}
	slices.Sort(want)
	if !slices.Equal(files, want) {
		t.Fatalf("package files\n%v\nwant\n%v", files, want)
	}
	for _, r := range s.Rules {
		dir := listing.PackageDir(r.TemplateName(), r.Version)
		p := checkDocumented(t, dir, a[dir+"/"+listing.PackageFile])
		tmpl := a[dir+"/template.yaml"]
		if !bytes.Equal(tmpl, a["gatekeeper/"+r.ID+"/template.yaml"]) {
			t.Errorf("%s: template.yaml is not the published template", dir)
		}
		sum := sha256.Sum256(tmpl)
		entry, _ := s.Changelog.Entry(r.TemplateName(), r.Version)
		got := [...]string{p.Version, p.Name, p.DisplayName, p.CreatedAt, p.Digest, p.Provider.Name, strings.Join(p.Changes, "|")}
		exp := [...]string{r.Version, r.TemplateName(), r.Title, "2026-12-07T00:00:00Z", hex.EncodeToString(sum[:]), "policygen",
			"First release of " + r.ID + ": " + r.Title + "."}
		if got != exp {
			t.Errorf("%s:\n got %q\nwant %q", dir, got, exp)
		}
		if entry.Date.Format(time.RFC3339) != p.CreatedAt {
			t.Errorf("%s: createdAt %s, changelog %s", dir, p.CreatedAt, entry.Date)
		}
		var obj struct {
			Metadata struct {
				Name        string            `yaml:"name"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
		}
		if err := yaml.Unmarshal(tmpl, &obj); err != nil {
			t.Fatal(err)
		}
		if obj.Metadata.Name != p.Name || obj.Metadata.Annotations["metadata.gatekeeper.sh/version"] != p.Version {
			t.Errorf("%s: template %s version %s", dir, obj.Metadata.Name, obj.Metadata.Annotations["metadata.gatekeeper.sh/version"])
		}
		if !strings.Contains(p.Install, "kubectl apply -f https://raw.githubusercontent.com/policygen/policygen/main/dist/"+dir+"/template.yaml\n") {
			t.Errorf("%s: install does not apply the template:\n%s", dir, p.Install)
		}
	}
	p := checkDocumented(t, "conftest", a["conftest/"+listing.PackageFile])
	if p.Name != "hostprocess" || p.Version != s.Metadata.Version || p.DisplayName != s.Metadata.Title || p.CreatedAt != "2026-12-07T00:00:00Z" {
		t.Errorf("OPA package: %s %s %q %s", p.Name, p.Version, p.DisplayName, p.CreatedAt)
	}
	rego := 0
	for m := range a.Under("conftest") {
		if strings.HasSuffix(m, ".rego") {
			rego++
		}
	}
	// main; the shared lib, the adapter, the constraints and the generated
	// defaults, parameters and pods; one module per rule.
	if rego != 1+6+len(s.Rules) {
		t.Errorf("OPA package has %d policy files", rego)
	}
}

// gator's own catalog reader takes the catalog; each spec bundle resolves
// to its rules' templates; every path it names is a published file; a
// rule's single constraint is its bundle's, and a rule with several gets
// one bundle per constraint.
func TestCatalog(t *testing.T) {
	s, a := rendered(t)
	c, err := gatorcatalog.ParseCatalog(a[listing.CatalogPath])
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Name != "hostprocess" || c.Metadata.Version != "v1.0.0" || !c.Metadata.UpdatedAt.Equal(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("metadata %+v", c.Metadata)
	}
	guard, err := c.ResolveBundlePolicies("hostprocess-guard")
	if err != nil || !slices.Equal(guard, []string{"k8shostprocessallowed"}) {
		t.Errorf("guard: %v %v", guard, err)
	}
	hardening, err := c.ResolveBundlePolicies("hostprocess-hardening")
	if err != nil || len(hardening) != 7 {
		t.Errorf("hardening: %v %v", hardening, err)
	}
	var names []string
	for _, b := range c.Bundles {
		names = append(names, b.Name)
	}
	wantBundles := []string{"hostprocess-guard", "hostprocess-hardening",
		"hostprocess-run-as-user-name-system", "hostprocess-run-as-user-name-workloads",
		"hostprocess-resource-limits-system", "hostprocess-resource-limits-workloads"}
	if !slices.Equal(names, wantBundles) {
		t.Errorf("bundles %v\nwant %v", names, wantBundles)
	}
	for _, r := range s.Rules {
		p := c.GetPolicy(r.TemplateName())
		if p == nil {
			t.Fatalf("no policy %s", r.TemplateName())
		}
		if p.Version != "v"+r.Version || p.Category != "pod-security" || p.TemplatePath != "gatekeeper/"+r.ID+"/template.yaml" {
			t.Errorf("%s: %s %s %s", p.Name, p.Version, p.Category, p.TemplatePath)
		}
		for _, f := range append([]string{p.TemplatePath}, slices.Collect(maps.Values(p.BundleConstraints))...) {
			if _, ok := a[f]; !ok {
				t.Errorf("%s names %s, which is not published", p.Name, f)
			}
		}
	}
	if got := c.GetPolicy("k8shostprocesshostnetwork").BundleConstraints; len(got) != 1 || got["hostprocess-hardening"] != "gatekeeper/hostprocess-host-network/constraint-hostprocess-host-network.yaml" {
		t.Errorf("host-network constraints %v", got)
	}
	if got := c.GetPolicy("k8shostprocessrunasusername").BundleConstraints; len(got) != 2 || got["hostprocess-run-as-user-name-system"] != "gatekeeper/hostprocess-run-as-user-name/constraint-hostprocess-run-as-user-name-system.yaml" {
		t.Errorf("run-as-user-name constraints %v", got)
	}
}
