// Package listing renders what lets users find the published policies:
// gator's policy catalog (catalog.go) and the Artifact Hub packages
// (artifacthub.go). Both read the templates the targets rendered, and the
// dates and notes of the spec's changelog; they render nothing for a spec
// without a changelog.
package listing

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
)

// CatalogPath is gator's PolicyCatalog, at the top of dist/: the template
// and constraint paths in it are relative to it, which gator resolves
// against the catalog's own URL (file:// or https://).
const CatalogPath = "catalog.yaml"

// Category is the catalog category of every template.
const Category = "pod-security"

// The PolicyCatalog as gator v3.23.1 reads it (pkg/gator/policy/catalog).
type catalog struct {
	APIVersion string          `yaml:"apiVersion"`
	Kind       string          `yaml:"kind"`
	Metadata   catalogMetadata `yaml:"metadata"`
	Bundles    []catalogBundle `yaml:"bundles"`
	Policies   []catalogPolicy `yaml:"policies"`
}

type catalogMetadata struct {
	Name       string `yaml:"name"`
	Version    string `yaml:"version"`
	UpdatedAt  string `yaml:"updatedAt"`
	Repository string `yaml:"repository,omitempty"`
}

type catalogBundle struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Policies    []string `yaml:"policies"`
}

type catalogPolicy struct {
	Name              string            `yaml:"name"`
	Version           string            `yaml:"version"`
	Description       string            `yaml:"description"`
	Category          string            `yaml:"category"`
	TemplatePath      string            `yaml:"templatePath"`
	BundleConstraints map[string]string `yaml:"bundleConstraints,omitempty"`
	DocumentationURL  string            `yaml:"documentationUrl,omitempty"`
	Bundles           []string          `yaml:"bundles,omitempty"`
}

// CatalogBundle is the name of a spec bundle in the catalog: prefixed with
// the policy set's name, as gator's bundle names share one namespace.
func CatalogBundle(s *spec.Spec, bundle string) string { return s.Metadata.Name + "-" + bundle }

// catalogOf is the catalog of the spec: one policy per template (gator's
// versions carry a "v"), one bundle per spec bundle, whose constraint per
// policy is the rule's constraint. gator installs at most one constraint
// per policy and bundle, so a rule with several constraints gets them
// through one more bundle each, named for the constraint, holding that
// rule alone; its spec bundle installs its template only.
func catalogOf(s *spec.Spec) catalog {
	c := catalog{
		APIVersion: "gator.gatekeeper.sh/v1alpha1",
		Kind:       "PolicyCatalog",
		Metadata: catalogMetadata{
			Name:       s.Metadata.Name,
			Version:    "v" + s.Metadata.Version,
			UpdatedAt:  latest(s).Format(time.RFC3339),
			Repository: s.Release.HomeURL,
		},
	}
	var extra []catalogBundle
	for _, b := range s.Bundles {
		cb := catalogBundle{Name: CatalogBundle(s, b.Name), Description: b.Description}
		for _, r := range s.RulesOf(b.Name) {
			cb.Policies = append(cb.Policies, r.TemplateName())
		}
		c.Bundles = append(c.Bundles, cb)
	}
	for _, r := range s.Rules {
		p := catalogPolicy{
			Name:         r.TemplateName(),
			Version:      "v" + r.Version,
			Description:  r.Title + ". " + r.Description,
			Category:     Category,
			TemplatePath: gatekeeper.TemplatePath(r),
			Bundles:      []string{CatalogBundle(s, r.Bundle)},
		}
		if s.Release.DistURL != "" {
			p.DocumentationURL = s.Release.DistURL + "/docs/" + r.ID + ".md"
		}
		cs := s.ConstraintsOf(r.ID)
		switch {
		case len(cs) == 1:
			p.BundleConstraints = map[string]string{CatalogBundle(s, r.Bundle): gatekeeper.ConstraintPath(cs[0])}
		case len(cs) > 1:
			p.BundleConstraints = map[string]string{}
			for _, con := range cs {
				p.BundleConstraints[con.Name] = gatekeeper.ConstraintPath(con)
				p.Bundles = append(p.Bundles, con.Name)
				extra = append(extra, catalogBundle{
					Name:        con.Name,
					Description: fmt.Sprintf("%s with its constraint %s: %s", r.TemplateName(), con.Name, con.Description),
					Policies:    []string{r.TemplateName()},
				})
			}
		}
		c.Policies = append(c.Policies, p)
	}
	c.Bundles = append(c.Bundles, extra...)
	return c
}

// latest is the date of the newest changelog entry of the current
// versions: when the catalog last changed.
func latest(s *spec.Spec) time.Time {
	e, _ := s.Changelog.Entry(s.Metadata.Name, s.Metadata.Version)
	t := e.Date
	for _, r := range s.Rules {
		if e, ok := s.Changelog.Entry(r.TemplateName(), r.Version); ok && e.Date.After(t) {
			t = e.Date
		}
	}
	return t
}

// Render adds the catalog and the Artifact Hub packages to a.
func Render(s *spec.Spec, a render.Artifacts) error {
	if s.Changelog == nil {
		return nil
	}
	c := catalogOf(s)
	for _, p := range c.Policies {
		paths := []string{p.TemplatePath}
		for _, b := range slices.Sorted(maps.Keys(p.BundleConstraints)) {
			paths = append(paths, p.BundleConstraints[b])
		}
		for _, path := range paths {
			if _, ok := a[path]; !ok {
				return fmt.Errorf("catalog: policy %s names %s, which is not rendered", p.Name, path)
			}
		}
	}
	b, err := render.MarshalOrdered(render.Header(s, "#"), c)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	a[CatalogPath] = b
	return artifactHub(s, a)
}
