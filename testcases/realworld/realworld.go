// Package realworld holds manifests written to reproduce the HostProcess
// workloads that public projects publish (each names the file it models),
// and verdicts.yaml: the violations the rules page gives each of them
// under the default parameters with every rule applied, derived by hand.
package realworld

import (
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

//go:embed *.yaml
var files embed.FS

// Manifest is one manifest of the corpus with its verdict.
type Manifest struct {
	File   string         // the manifest's file name
	Object map[string]any // the object, read as kubectl reads it
	Want   []string       // "rule field" of every violation, sorted
	Why    string         // the less obvious decisions, in words
}

// Load reads every manifest and its verdict; a manifest without a verdict,
// or a verdict without a manifest, is an error.
func Load() ([]Manifest, error) {
	raw, err := fs.ReadFile(files, "verdicts.yaml")
	if err != nil {
		return nil, err
	}
	var verdicts struct {
		Verdicts []struct {
			File       string                         `json:"file"`
			Why        string                         `json:"why"`
			Violations []struct{ Rule, Field string } `json:"violations"`
		} `json:"verdicts"`
	}
	if err := yaml.Unmarshal(raw, &verdicts); err != nil {
		return nil, fmt.Errorf("verdicts.yaml: %w", err)
	}
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []Manifest
	for _, v := range verdicts.Verdicts {
		b, err := fs.ReadFile(files, v.File)
		if err != nil {
			return nil, fmt.Errorf("verdicts.yaml names %s: %w", v.File, err)
		}
		m := Manifest{File: v.File, Why: v.Why}
		if err := yaml.Unmarshal(b, &m.Object); err != nil {
			return nil, fmt.Errorf("%s: %w", v.File, err)
		}
		for _, x := range v.Violations {
			m.Want = append(m.Want, x.Rule+" "+x.Field)
		}
		slices.Sort(m.Want)
		out = append(out, m)
	}
	for _, n := range names {
		if !strings.HasSuffix(n, "verdicts.yaml") && !slices.ContainsFunc(out, func(m Manifest) bool { return m.File == n }) {
			return nil, fmt.Errorf("%s has no verdict in verdicts.yaml", n)
		}
	}
	return out, nil
}

// DefaultVerdict is what the default constraints (policies/constraints.yaml)
// give one manifest, from default-verdicts.yaml: admitted, admitted with
// warnings, or denied, and by which rules.
type DefaultVerdict struct {
	File    string   `json:"file"`
	Verdict string   `json:"verdict"` // admit, warn or deny
	Deny    []string `json:"deny"`    // the rules whose constraints deny it
	Warn    []string `json:"warn"`    // the rules whose constraints only warn
}

// DefaultVerdicts reads default-verdicts.yaml.
func DefaultVerdicts() ([]DefaultVerdict, error) {
	raw, err := fs.ReadFile(files, "default-verdicts.yaml")
	if err != nil {
		return nil, err
	}
	var f struct{ Verdicts []DefaultVerdict }
	if err := yaml.UnmarshalStrict(raw, &f); err != nil {
		return nil, fmt.Errorf("default-verdicts.yaml: %w", err)
	}
	return f.Verdicts, nil
}
