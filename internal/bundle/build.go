package bundle

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	opabundle "github.com/open-policy-agent/opa/v1/bundle"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Build returns the OPA bundle (tar.gz) of the Rego modules among the
// artifacts, at the paths they have there ("rules/x.rego", "main.rego").
// Files that are not .rego and Rego tests (*_test.rego) are left out. The
// modules must parse and compile as Rego v1; the .manifest is described in
// manifest.go. The same spec and modules give the same bytes, every time.
func Build(s *spec.Spec, modules render.Artifacts) ([]byte, error) {
	b, err := assemble(s, modules)
	if err != nil {
		return nil, fmt.Errorf("bundle build failed: %w", err)
	}
	out, err := write(b)
	if err != nil {
		return nil, fmt.Errorf("bundle build failed: writing the tar.gz: %w", err)
	}
	// Fail closed: what we ship must be what OPA loads.
	if _, err := read(out); err != nil {
		return nil, fmt.Errorf("bundle build failed: OPA does not load the result: %w", err)
	}
	return out, nil
}

// assemble parses and compiles the modules, in path order, and puts them in
// a bundle with their manifest and no data.
func assemble(s *spec.Spec, artifacts render.Artifacts) (opabundle.Bundle, error) {
	if s == nil {
		return opabundle.Bundle{}, errors.New("no spec")
	}
	var modules []opabundle.ModuleFile
	parsed := map[string]*ast.Module{}
	for _, p := range artifacts.Paths() {
		if !isModule(p) {
			continue
		}
		if path.Clean(p) != p || path.IsAbs(p) || strings.HasPrefix(p, "../") {
			return opabundle.Bundle{}, fmt.Errorf("%s: module path must be relative and clean", p)
		}
		raw := artifacts[p]
		m, err := ast.ParseModuleWithOpts(p, string(raw), ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return opabundle.Bundle{}, err // names the file and line
		}
		parsed[p] = m
		modules = append(modules, opabundle.ModuleFile{
			URL:          "/" + p,
			Path:         "/" + p,
			RelativePath: p,
			Raw:          raw,
			Parsed:       m,
		})
	}
	if len(modules) == 0 {
		return opabundle.Bundle{}, errors.New("no Rego modules given")
	}
	c := ast.NewCompiler()
	if c.Compile(parsed); c.Failed() {
		return opabundle.Bundle{}, fmt.Errorf("modules do not compile: %w", c.Errors)
	}
	m, err := manifest(s, modules)
	if err != nil {
		return opabundle.Bundle{}, err
	}
	return opabundle.Bundle{
		Manifest: m,
		Data:     map[string]any{},
		Modules:  modules,
	}, nil
}

// isModule reports whether an artifact path is a Rego module to ship.
func isModule(p string) bool {
	return strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, "_test.rego")
}
