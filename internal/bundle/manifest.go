package bundle

import (
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	opabundle "github.com/open-policy-agent/opa/v1/bundle"

	"github.com/policygen/policygen/internal/spec"
)

// Revision is the bundle revision of a spec: its version, then the first 16
// hex digits of its hash as semver build metadata ("1.0.0+ccfc6a37efd0b9dd").
func Revision(s *spec.Spec) (string, error) {
	if s.Metadata.Version == "" {
		return "", fmt.Errorf("spec %s has no metadata.version", s.Metadata.Name)
	}
	if len(s.Hash) < 16 {
		return "", fmt.Errorf("spec %s has no hash (was it loaded with spec.Load?)", s.Metadata.Name)
	}
	return s.Metadata.Version + "+" + s.Hash[:16], nil
}

// manifest is the .manifest of a bundle of the given modules: the revision,
// the roots the modules' packages need, Rego v1, and the spec's name, version
// and hash as metadata.
func manifest(s *spec.Spec, modules []opabundle.ModuleFile) (opabundle.Manifest, error) {
	revision, err := Revision(s)
	if err != nil {
		return opabundle.Manifest{}, err
	}
	roots, err := packageRoots(modules)
	if err != nil {
		return opabundle.Manifest{}, err
	}
	m := opabundle.Manifest{
		Revision: revision,
		Roots:    &roots,
		Metadata: map[string]any{
			"name":        s.Metadata.Name,
			"version":     s.Metadata.Version,
			"spec_sha256": s.Hash,
		},
	}
	m.SetRegoVersion(ast.RegoV1)
	return m, nil
}

// packageRoots returns the smallest set of roots that holds every module's
// package: a root that lies under another is dropped ("lib/set/target"
// under "lib/set"). Sorted.
func packageRoots(modules []opabundle.ModuleFile) ([]string, error) {
	var all []string
	for _, m := range modules {
		root, err := m.Parsed.Package.Path.Ptr()
		if err != nil {
			return nil, fmt.Errorf("%s: package %v has no bundle root: %w", m.Path, m.Parsed.Package.Path, err)
		}
		all = append(all, root)
	}
	// Shorter paths first, so that a root is kept before anything under it.
	sort.Slice(all, func(i, j int) bool {
		di, dj := strings.Count(all[i], "/"), strings.Count(all[j], "/")
		if di != dj {
			return di < dj
		}
		return all[i] < all[j]
	})
	roots := []string{}
	for _, r := range all {
		if !opabundle.RootPathsContain(roots, r) {
			roots = append(roots, r)
		}
	}
	sort.Strings(roots)
	return roots, nil
}
