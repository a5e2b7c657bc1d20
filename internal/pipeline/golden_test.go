package pipeline

import (
	"bytes"
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

var update = flag.Bool("update", false, "rewrite testdata/tworules/golden from what the renderers give")

const fixture = "testdata/tworules"

// loadFixture is the two-rule fixture spec, over the project's own Rego and CEL,
// with its constraints and cases.
func loadFixture(t *testing.T) (*spec.Spec, []cases.Case) {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(policies.FS, p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"hostprocess.yaml", "constraints.yaml", "changelog.md"} {
		b, err := os.ReadFile(filepath.Join(fixture, f))
		if err != nil {
			t.Fatal(err)
		}
		fsys[f] = &fstest.MapFile{Data: b}
	}
	s, err := spec.Load(fsys, "hostprocess.yaml")
	if err != nil {
		t.Fatal(err)
	}
	all, err := cases.Load(os.DirFS(filepath.Join(fixture, "cases")), s)
	if err != nil {
		t.Fatal(err)
	}
	return s, all
}

// Every file the renderers give for the fixture spec is the golden file of
// that path, byte for byte, and no golden file is left that they no longer
// give; `go test ./internal/pipeline -run Golden -args -update` rewrites
// them after a deliberate change.
func TestGoldenRender(t *testing.T) {
	s, all := loadFixture(t)
	a, err := Render(s, all, Signing{})
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join(fixture, "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for p, b := range a {
			f := filepath.Join(golden, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	want := render.Artifacts{}
	err = filepath.WalkDir(golden, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(golden, p)
		want[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatalf("%v (run with -args -update to write the golden files)", err)
	}
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range a {
			if !yield(p) {
				return
			}
		}
		for p := range want {
			if _, ok := a[p]; !ok && !yield(p) {
				return
			}
		}
	}) {
		switch got, ok := a[p]; {
		case !ok:
			t.Errorf("%s: golden, but no longer rendered", p)
		case want[p] == nil:
			t.Errorf("%s: rendered, but has no golden file", p)
		case !bytes.Equal(got, want[p]):
			t.Errorf("%s: differs from its golden file (%d bytes rendered, %d golden)", p, len(got), len(want[p]))
		}
	}
	if t.Failed() {
		t.Log("after a deliberate change: go test ./internal/pipeline -run Golden -args -update, and review the diff")
	}
}

// The fixture's cases pass in every embedded engine over the fixture's own
// rendering, with the exact violations they expect.
func TestFixtureCasesPassEverywhere(t *testing.T) {
	s, all := loadFixture(t)
	rep := harness.Run(context.Background(), all, engines(t, s, all), nil)
	for _, c := range rep.Cases {
		for _, f := range c.Failures {
			t.Errorf("%s in %s: %v", c.Case, f.Engine, f.Diff)
		}
	}
	if len(rep.Cases) != 3 || len(rep.Stats) < 4 {
		t.Errorf("%d cases in %d engines, want the fixture's 3 in every embedded engine", len(rep.Cases), len(rep.Stats))
	}
}
