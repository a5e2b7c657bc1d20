package bundle_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"maps"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	opabundle "github.com/open-policy-agent/opa/v1/bundle"

	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

func TestBuildIsDeterministic(t *testing.T) {
	s, modules := realModules(t)
	first, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	// A fresh load and render, and a copy of the map (another iteration order).
	s2, modules2 := realModules(t)
	for i, build := range []func() ([]byte, error){
		func() ([]byte, error) { return bundle.Build(s, modules) },
		func() ([]byte, error) { return bundle.Build(s2, modules2) },
		func() ([]byte, error) { return bundle.Build(s, maps.Clone(modules)) },
	} {
		again, err := build()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Errorf("build %d differs from the first: %d bytes vs %d", i+2, len(again), len(first))
		}
	}
	t.Logf("bundle of the default spec: %d bytes, revision %s", len(first), mustRevision(t, s))
}

func mustRevision(t *testing.T, s *spec.Spec) string {
	t.Helper()
	r, err := bundle.Revision(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The archive itself carries nothing of the machine or the moment: no names
// or times in the gzip header, fixed tar headers, a fixed entry order.
func TestBuildArchiveHeaders(t *testing.T) {
	s, modules := realModules(t)
	b, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if gz.Name != "" || gz.Comment != "" || !gz.ModTime.IsZero() || len(gz.Extra) != 0 {
		t.Errorf("gzip header: name %q, comment %q, mtime %v, extra %d bytes; want all empty",
			gz.Name, gz.Comment, gz.ModTime, len(gz.Extra))
	}
	var names []string
	for _, e := range untar(t, b) {
		h := e.hdr
		names = append(names, h.Name)
		if h.Mode != 0o600 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.ModTime.Unix() > 0 {
			t.Errorf("%s: mode %o uid %d gid %d uname %q gname %q mtime %v; want 600, 0, 0, empty, empty, epoch",
				h.Name, h.Mode, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
	}
	want := []string{"/data.json"}
	for _, p := range modules.Paths() {
		if strings.HasSuffix(p, ".rego") && !strings.HasSuffix(p, "_test.rego") {
			want = append(want, "/"+p)
		}
	}
	want = append(want, "/.manifest")
	if !reflect.DeepEqual(names, want) {
		t.Errorf("entries:\n got %q\nwant %q", names, want)
	}
}

func TestBuildManifest(t *testing.T) {
	s, modules := realModules(t)
	b, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(file(t, b, "/.manifest"), &got); err != nil {
		t.Fatal(err)
	}
	roots := []any{"lib/hostprocess", "main"}
	for _, r := range s.Rules {
		roots = append(roots, r.TemplateName())
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].(string) < roots[j].(string) })
	want := map[string]any{
		"revision":     s.Metadata.Version + "+" + s.Hash[:16],
		"roots":        roots,
		"rego_version": float64(1),
		"metadata": map[string]any{
			"name":        s.Metadata.Name,
			"version":     s.Metadata.Version,
			"spec_sha256": s.Hash,
		},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf(".manifest:\n got %s\nwant %s", g, w)
	}
	if rev := got["revision"].(string); !regexp.MustCompile(`^\d+\.\d+\.\d+\+[0-9a-f]{16}$`).MatchString(rev) {
		t.Errorf("revision %q is not <semver>+<16 hex digits>", rev)
	}
}

// OPA reads the bundle back, every module byte for byte as given, and the
// modules compile.
func TestBuildLoadsInOPA(t *testing.T) {
	s, modules := realModules(t)
	b, err := bundle.Build(s, modules)
	if err != nil {
		t.Fatal(err)
	}
	for _, reader := range []struct {
		name string
		r    *opabundle.Reader
	}{
		{"NewReader", opabundle.NewReader(bytes.NewReader(b))},
		{"NewCustomReader", opabundle.NewCustomReader(opabundle.NewTarballLoaderWithBaseURL(bytes.NewReader(b), ""))},
	} {
		t.Run(reader.name, func(t *testing.T) {
			loaded, err := reader.r.Read()
			if err != nil {
				t.Fatalf("OPA does not load the bundle: %v", err)
			}
			if loaded.Manifest.Revision != mustRevision(t, s) {
				t.Errorf("revision %q, want %q", loaded.Manifest.Revision, mustRevision(t, s))
			}
			got := map[string][]byte{}
			for _, m := range loaded.Modules {
				got[strings.TrimPrefix(m.Path, "/")] = m.Raw
			}
			for _, p := range modules.Paths() {
				if !strings.HasSuffix(p, ".rego") {
					continue
				}
				raw, ok := got[p]
				switch {
				case strings.HasSuffix(p, "_test.rego"):
					if ok {
						t.Errorf("%s: a test module is in the bundle", p)
					}
				case !ok:
					t.Errorf("%s: missing from the bundle", p)
				case !bytes.Equal(raw, modules[p]):
					t.Errorf("%s: differs from the input", p)
				}
				delete(got, p)
			}
			for p := range got {
				t.Errorf("%s: in the bundle but not in the input", p)
			}
			c := ast.NewCompiler()
			if c.Compile(loaded.ParsedModules("policygen")); c.Failed() {
				t.Errorf("modules do not compile: %v", c.Errors)
			}
		})
	}
}

func TestBuildModulesAndRoots(t *testing.T) {
	s := &spec.Spec{Metadata: spec.Metadata{Name: "demo", Version: "0.1.0"}, Hash: strings.Repeat("ab", 32)}
	tests := []struct {
		name      string
		spec      *spec.Spec
		artifacts render.Artifacts
		roots     []string // nil: an error is expected
		modules   []string
		err       string
	}{
		{
			name: "roots under others collapse, tests and other files are left out",
			artifacts: render.Artifacts{
				"main.rego":        []byte("package main\n\nimport data.lib.a\n\nx := a.y\n"),
				"lib/a.rego":       []byte("package lib.a\n\ny := 1\n"),
				"lib/a/b.rego":     []byte("package lib.a.b\n\nz := 2\n"),
				"lib/c.rego":       []byte("package lib.c\n\nw := 3\n"),
				"x/deep.rego":      []byte("package x.y.z\n\nv := 4\n"),
				"x/y.rego":         []byte("package x.y\n\nu := 5\n"),
				"main_test.rego":   []byte("package main_test\n\ntest_x if true\n"),
				"README.md":        []byte("# not Rego\n"),
				"data/params.json": []byte("{}"),
			},
			roots:   []string{"lib/a", "lib/c", "main", "x/y"},
			modules: []string{"lib/a.rego", "lib/a/b.rego", "lib/c.rego", "main.rego", "x/deep.rego", "x/y.rego"},
		},
		{
			name:      "a root that is a prefix by string but not by path is kept",
			artifacts: render.Artifacts{"a.rego": []byte("package lib.a\n\nx := 1\n"), "ab.rego": []byte("package lib.ab\n\ny := 1\n")},
			roots:     []string{"lib/a", "lib/ab"},
			modules:   []string{"a.rego", "ab.rego"},
		},
		{
			name:      "no modules",
			artifacts: render.Artifacts{"README.md": []byte("x"), "main_test.rego": []byte("package main_test\n")},
			err:       "bundle build failed: no Rego modules given",
		},
		{
			name:      "a parse error names the file",
			artifacts: render.Artifacts{"rules/broken.rego": []byte("package broken\n\nx := \n")},
			err:       "bundle build failed: 2 errors occurred:\nrules/broken.rego:4: rego_parse_error",
		},
		{
			name:      "v0 syntax is rejected",
			artifacts: render.Artifacts{"old.rego": []byte("package old\n\ndeny[msg] { msg := \"x\" }\n")},
			err:       "old.rego:3",
		},
		{
			name:      "a compile error names the file",
			artifacts: render.Artifacts{"lib/a.rego": []byte("package lib.a\n\nx := y\n")},
			err:       "bundle build failed: modules do not compile: 1 error occurred: lib/a.rego:3",
		},
		{
			name:      "paths must be clean",
			artifacts: render.Artifacts{"lib/../a.rego": []byte("package a\n")},
			err:       "lib/../a.rego: module path must be relative and clean",
		},
		{
			name:      "a spec without a hash",
			spec:      &spec.Spec{Metadata: spec.Metadata{Name: "demo", Version: "0.1.0"}},
			artifacts: render.Artifacts{"a.rego": []byte("package a\n")},
			err:       "bundle build failed: spec demo has no hash",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp := tc.spec
			if sp == nil {
				sp = s
			}
			b, err := bundle.Build(sp, tc.artifacts)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := opabundle.NewReader(bytes.NewReader(b)).Read()
			if err != nil {
				t.Fatalf("OPA does not load the bundle: %v", err)
			}
			if got := *loaded.Manifest.Roots; !reflect.DeepEqual(got, tc.roots) {
				t.Errorf("roots %q, want %q", got, tc.roots)
			}
			var paths []string
			for _, m := range loaded.Modules {
				paths = append(paths, strings.TrimPrefix(m.Path, "/"))
			}
			if !reflect.DeepEqual(paths, tc.modules) {
				t.Errorf("modules %q, want %q", paths, tc.modules)
			}
			if rev := loaded.Manifest.Revision; rev != "0.1.0+abababababababab" {
				t.Errorf("revision %q", rev)
			}
		})
	}
}
