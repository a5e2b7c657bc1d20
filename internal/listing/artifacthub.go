package listing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/conftest"
	"github.com/policygen/policygen/internal/target/gatekeeper"
)

// ArtifactHubDir holds one Artifact Hub package (kind Gatekeeper) per
// template version, as ArtifactHubDir/NAME/VERSION/: its metadata and a
// copy of the template. The policy set's package (kind OPA) is the conftest
// policy directory itself, its metadata beside the modules: Artifact Hub
// indexes one kind per repository, so the two are two repositories.
const ArtifactHubDir = "artifacthub"

// PackageFile is the name of Artifact Hub's package metadata file.
const PackageFile = "artifacthub-pkg.yml"

// Package is Artifact Hub's package metadata (artifacthub-pkg.yml), in
// the fields and the order the Gatekeeper library writes them.
type Package struct {
	Version     string            `yaml:"version"`           // the package version, SemVer
	Name        string            `yaml:"name"`              // letters, digits and dashes
	DisplayName string            `yaml:"displayName"`       // for humans
	CreatedAt   string            `yaml:"createdAt"`         // RFC 3339: the version's changelog date
	Description string            `yaml:"description"`       // what it decides
	Digest      string            `yaml:"digest"`            // sha256 of the package's policy files: a new digest makes Artifact Hub reindex the version
	License     string            `yaml:"license,omitempty"` // SPDX, when the spec names one
	HomeURL     string            `yaml:"homeURL,omitempty"` // the project
	Keywords    []string          `yaml:"keywords"`
	Links       []Link            `yaml:"links,omitempty"`
	Readme      string            `yaml:"readme"`            // Markdown
	Install     string            `yaml:"install"`           // Markdown
	Changes     []string          `yaml:"changes,omitempty"` // the changelog entry's items
	Provider    *Provider         `yaml:"provider,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Link is a titled URL of a package.
type Link struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// Provider names who provides a package.
type Provider struct {
	Name string `yaml:"name"`
}

// PackageDir is where a package version's files lie.
func PackageDir(name, version string) string {
	return path.Join(ArtifactHubDir, name, version)
}

func artifactHub(s *spec.Spec, a render.Artifacts) error {
	for _, r := range s.Rules {
		tmpl := a[gatekeeper.TemplatePath(r)]
		entry, _ := s.Changelog.Entry(r.TemplateName(), r.Version)
		dir := PackageDir(r.TemplateName(), r.Version)
		p := basePackage(s, entry)
		p.Version, p.Name, p.DisplayName = r.Version, r.TemplateName(), r.Title
		p.Description = strings.TrimSpace(r.Description)
		p.Digest = digest(tmpl)
		p.Keywords = []string{"gatekeeper", "open-policy-agent", "policies", "windows", "hostprocess", r.Bundle}
		p.Readme = ruleReadme(r)
		p.Install = fmt.Sprintf("### Usage\n```shell\nkubectl apply -f %s\n", urlOf(s, dir+"/template.yaml"))
		for _, c := range s.ConstraintsOf(r.ID) {
			p.Install += fmt.Sprintf("kubectl apply -f %s\n", urlOf(s, gatekeeper.ConstraintPath(c)))
		}
		p.Install += "```\n\nThe constraints are the defaults of " + s.Metadata.Name +
			"'s constraints file; apply the template first, and a constraint once Gatekeeper serves its kind."
		p.Annotations = map[string]string{"policygen.dev/rule": r.ID, "policygen.dev/kind": r.Kind, "policygen.dev/bundle": r.Bundle}
		if err := addPackage(s, a, dir, p); err != nil {
			return err
		}
		a[dir+"/template.yaml"] = tmpl
	}

	entry, _ := s.Changelog.Entry(s.Metadata.Name, s.Metadata.Version)
	dir := conftest.Dir
	p := basePackage(s, entry)
	p.Version, p.Name, p.DisplayName = s.Metadata.Version, s.Metadata.Name, s.Metadata.Title
	p.Description = strings.TrimSpace(s.Metadata.Description)
	modules := a.Under(conftest.Dir)
	h := sha256.New()
	for _, m := range modules.Paths() {
		if strings.HasSuffix(m, ".rego") {
			fmt.Fprintf(h, "%s\x00%s\x00", m, modules[m])
		}
	}
	p.Digest = hex.EncodeToString(h.Sum(nil))
	p.Keywords = []string{"opa", "conftest", "rego", "kubernetes", "windows", "hostprocess"}
	p.Readme = string(modules["README.md"])
	if i := strings.Index(p.Readme, "-->\n"); strings.HasPrefix(p.Readme, "<!--") && i > 0 {
		p.Readme = p.Readme[i+len("-->\n"):] // the generated-file comment
	}
	p.Install = fmt.Sprintf("### conftest\n```shell\nconftest test -p dist/%s deploy/*.yaml\n```\n\n"+
		"### OPA\n```shell\ncurl -LO %s\nopa run --server --bundle bundle.tar.gz\n```\n",
		conftest.Dir, urlOf(s, "bundle.tar.gz"))
	p.Annotations = map[string]string{"policygen.dev/policy-set": s.Metadata.Name}
	return addPackage(s, a, dir, p)
}

// basePackage is what every package of the spec says alike.
func basePackage(s *spec.Spec, entry spec.ChangelogEntry) Package {
	p := Package{
		CreatedAt: entry.Date.UTC().Format(time.RFC3339),
		License:   s.Release.License,
		HomeURL:   s.Release.HomeURL,
		Changes:   changes(entry.Notes),
	}
	for _, l := range s.Metadata.Links {
		p.Links = append(p.Links, Link{Name: l.Title, URL: l.URL})
	}
	if s.Release.Provider != "" {
		p.Provider = &Provider{Name: s.Release.Provider}
	}
	return p
}

func addPackage(s *spec.Spec, a render.Artifacts, dir string, p Package) error {
	b, err := render.MarshalOrdered(render.Header(s, "#"), p)
	if err != nil {
		return fmt.Errorf("artifact hub package %s: %w", dir, err)
	}
	a[dir+"/"+PackageFile] = b
	return nil
}

// changes are the items ("- …", continued on indented lines) of a
// changelog entry, each on one line.
func changes(notes string) []string {
	var out []string
	for _, line := range strings.Split(notes, "\n") {
		switch t := strings.TrimSpace(line); {
		case strings.HasPrefix(line, "- "):
			out = append(out, t[2:])
		case t != "" && len(out) > 0:
			out[len(out)-1] += " " + t
		}
	}
	return out
}

func ruleReadme(r spec.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n%s\n\n", r.Title, strings.TrimSpace(r.Description))
	if len(r.Parameters) > 0 {
		b.WriteString("## Parameters\n\n")
		for _, p := range r.Parameters {
			fmt.Fprintf(&b, "- `%s`: %s\n", p.Name, strings.TrimSpace(p.Description))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Remedy\n\n%s\n", strings.TrimSpace(r.Remedy))
	return b.String()
}

// urlOf is a dist/ path as the spec's release serves it.
func urlOf(s *spec.Spec, p string) string {
	if s.Release.DistURL == "" {
		return p
	}
	return strings.TrimSuffix(s.Release.DistURL, "/") + "/" + p
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
