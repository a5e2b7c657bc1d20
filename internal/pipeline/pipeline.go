// Package pipeline is policygen's one flow as functions the CLI and the
// tests call: load the spec and the cases, render every target, build the
// engines over the rendered bytes, run every case, seal. Rendering never
// depends on test results: what ships is a function of the spec and the
// cases alone, and publishing is rendering gated by a passing run.
package pipeline

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/policygen/policygen/internal/problem"

	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/docs"
	"github.com/policygen/policygen/internal/listing"
	"github.com/policygen/policygen/internal/publish"
	"github.com/policygen/policygen/internal/release"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	bundletarget "github.com/policygen/policygen/internal/target/bundle"
	"github.com/policygen/policygen/policies"
	"github.com/policygen/policygen/testcases"
)

// Inputs say where the spec and the cases are; empty means embedded.
type Inputs struct {
	Spec  string // a spec directory, or the spec file itself
	Cases string // a directory of case files
	// Constraints is a constraints file to use instead of the spec's own.
	Constraints string
}

// Signing says how to sign the OPA bundle; a zero KeyFile means unsigned.
type Signing struct {
	KeyFile string // PEM private key (RS256, ES256) or a file holding the HS256 secret
	Alg     string // RS256, ES256 or HS256
	KeyID   string // the key id written into .signatures.json
}

// LoadSpec reads and validates the spec. Input problems name the files as
// the user sees them (policies/... for the embedded spec).
func LoadSpec(in Inputs) (*spec.Spec, error) {
	fsys, dir, file := fs.FS(policies.FS), "policies", policies.SpecFile
	if in.Spec != "" {
		dir = in.Spec
		if st, err := os.Stat(in.Spec); err == nil && !st.IsDir() {
			dir, file = filepath.Dir(in.Spec), filepath.Base(in.Spec)
		}
		fsys = os.DirFS(dir)
	}
	s, err := spec.Load(fsys, file)
	if err != nil {
		return nil, located(err, dir)
	}
	if s.Lock != nil {
		s.Lock.File = filepath.Join(dir, s.Lock.File)
	}
	if s.Changelog != nil {
		s.Changelog.File = filepath.Join(dir, s.Changelog.File)
	}
	if in.Constraints != "" {
		cs, err := spec.LoadConstraints(os.DirFS(filepath.Dir(in.Constraints)), filepath.Base(in.Constraints), s)
		if err != nil {
			return nil, located(err, filepath.Dir(in.Constraints))
		}
		s.UseConstraints(cs)
	}
	return s, nil
}

// Versions checks the templates in a against the spec's lock file (see
// package release); problems name the spec's file and the rule's version
// line as LoadSpec names them.
func Versions(in Inputs, s *spec.Spec, a render.Artifacts) error {
	return Locate(in, release.Verify(s, a))
}

// Locate makes the files of problems found after loading (named relative
// to the spec) the paths LoadSpec names them by.
func Locate(in Inputs, err error) error {
	if err == nil {
		return nil
	}
	dir := "policies"
	if in.Spec != "" {
		dir = in.Spec
		if st, statErr := os.Stat(in.Spec); statErr == nil && !st.IsDir() {
			dir = filepath.Dir(in.Spec)
		}
	}
	return located(err, dir)
}

// Load reads the spec and the cases.
func Load(in Inputs) (*spec.Spec, []cases.Case, error) {
	s, err := LoadSpec(in)
	if err != nil {
		return nil, nil, err
	}
	fsys, dir := fs.FS(testcases.FS), "testcases"
	if in.Cases != "" {
		fsys, dir = os.DirFS(in.Cases), in.Cases
	}
	all, err := cases.Load(fsys, s)
	return s, all, located(err, dir)
}

// Render renders every artifact that ships: each target, the OPA bundle
// (signed when asked), the docs and the checksums.
func Render(s *spec.Spec, all []cases.Case, sign Signing) (render.Artifacts, error) {
	if err := checkAdapters(s); err != nil {
		return nil, err
	}
	a := render.Artifacts{}
	for _, t := range Targets {
		if err := t.Render(s, all, a); err != nil {
			return nil, fmt.Errorf("target %s: %w", t.Name(), err)
		}
	}
	if sign.KeyFile != "" {
		if err := signBundle(sign, a); err != nil {
			return nil, err
		}
	}
	if err := listing.Render(s, a); err != nil {
		return nil, err
	}
	pages, err := docs.Render(s, all, a)
	if err != nil {
		return nil, err
	}
	for p, b := range pages {
		a[p] = b
	}
	publish.Seal(a)
	return a, nil
}

// signBundle replaces the rendered bundle with a signed one.
func signBundle(sign Signing, a render.Artifacts) error {
	key, err := os.ReadFile(sign.KeyFile)
	if err != nil {
		return &problem.Error{File: sign.KeyFile, Problem: "cannot read the signing key: " + err.Error(), Fix: "name a PEM private key (RS256, ES256) or a file holding the HS256 secret"}
	}
	signed, err := bundle.Sign(a[bundletarget.Path], key, sign.Alg, sign.KeyID)
	if err != nil {
		return &problem.Error{File: sign.KeyFile, Problem: err.Error(), Fix: "check that the key fits --signing-alg " + sign.Alg}
	}
	a[bundletarget.Path] = signed
	return nil
}

// checkAdapters requires an adapter lib in the spec for exactly the
// targets that read one.
func checkAdapters(s *spec.Spec) error {
	var errs problem.Errors
	known := map[string]bool{}
	for _, t := range Targets {
		known[t.Name()] = t.Adapter()
		if _, ok := s.Targets[t.Name()]; t.Adapter() && !ok {
			errs = append(errs, s.Problem(fmt.Sprintf("targets has no adapter lib for target %q", t.Name()), "add targets."+t.Name()+": the Rego file where its rules find the object and the parameters", "targets"))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Targets)) {
		if !known[name] {
			errs = append(errs, s.Problem(fmt.Sprintf("targets names %q, which is no target that reads an adapter lib", name), "remove it; the targets are "+targetNames(), "targets", name))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

func targetNames() string {
	var names []string
	for _, t := range Targets {
		names = append(names, t.Name())
	}
	return strings.Join(names, ", ")
}

// located prefixes the files named by input problems with their directory.
func located(err error, dir string) error {
	var es problem.Errors
	var e *problem.Error
	switch {
	case errors.As(err, &es):
		for _, x := range es {
			x.File = filepath.Join(dir, x.File)
		}
	case errors.As(err, &e):
		e.File = filepath.Join(dir, e.File)
	}
	return err
}
