package publish

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/render"
)

func sealed(files map[string]string) render.Artifacts {
	a := render.Artifacts{}
	for p, s := range files {
		a[p] = []byte(s)
	}
	Seal(a)
	return a
}

// snapshot reads every file and symlink below dir, to compare trees byte
// for byte.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[rel] = "-> " + target
		case d.IsDir():
			out[rel+"/"] = ""
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out[rel] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func mustWrite(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// leftovers lists the temporary directories beside dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(filepath.Dir(dir), tempPrefix(dir)+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func wantRefused(t *testing.T, err error, why string) {
	t.Helper()
	var r *Refused
	if !errors.As(err, &r) {
		t.Fatalf("%s: got %v, want a *Refused", why, err)
	}
	if r.Fix != RefusedFix || !strings.Contains(err.Error(), "fix: ") {
		t.Errorf("%s: error lacks the fix: %v", why, err)
	}
}

var artifacts = sealed(map[string]string{"a.txt": "a\n", "sub/b.txt": "b\n"})

func TestWriteIntoNewAndEmptyDirectory(t *testing.T) {
	for _, pre := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "out")
		if pre {
			os.Mkdir(dir, 0o755)
		}
		if err := Write(dir, artifacts); err != nil {
			t.Fatal(err)
		}
		diffs, err := Check(dir, artifacts)
		if err != nil || len(diffs) > 0 {
			t.Errorf("after Write: %v %v", diffs, err)
		}
		if l := leftovers(t, dir); len(l) > 0 {
			t.Errorf("leftovers: %v", l)
		}
	}
}

func TestWriteReplacesPreviousOutput(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := Write(dir, artifacts); err != nil {
		t.Fatal(err)
	}
	next := sealed(map[string]string{"c.txt": "c\n", "sub/deeper/d.txt": "d\n"})
	if err := Write(dir, next); err != nil {
		t.Fatal(err)
	}
	if diffs, err := Check(dir, next); err != nil || len(diffs) > 0 {
		t.Errorf("after replacing: %v %v", diffs, err)
	}
	if l := leftovers(t, dir); len(l) > 0 {
		t.Errorf("leftovers: %v", l)
	}
}

func TestWriteRefusesWhatItDidNotWrite(t *testing.T) {
	cases := map[string]func(t *testing.T, dir string){
		"a non-empty foreign directory": func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "notes.txt"), "precious\n")
		},
		"a user file inside an old output": func(t *testing.T, dir string) {
			if err := Write(dir, artifacts); err != nil {
				t.Fatal(err)
			}
			mustWrite(t, filepath.Join(dir, "sub", "notes.txt"), "precious\n")
		},
		"a symlink inside an old output": func(t *testing.T, dir string) {
			if err := Write(dir, artifacts); err != nil {
				t.Fatal(err)
			}
			os.Remove(filepath.Join(dir, "a.txt"))
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "a.txt")); err != nil {
				t.Fatal(err)
			}
		},
		"a SHA256SUMS not in policygen's format": func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, SumsFile), "whatever\n")
		},
		"a regular file": func(t *testing.T, dir string) {
			mustWrite(t, dir, "precious\n")
		},
		"a symlink to an old output": func(t *testing.T, dir string) {
			real := dir + "-real"
			if err := Write(real, artifacts); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(real, dir); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "out")
			setup(t, dir)
			before := snapshot(t, root)
			wantRefused(t, Write(dir, artifacts), name)
			if after := snapshot(t, root); !equal(before, after) {
				t.Errorf("the refused Write changed the tree:\nbefore %v\nafter  %v", before, after)
			}
		})
	}
}

func TestWriteRefusesRootHomeAndCurrentDirectory(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	mustWrite(t, filepath.Join(home, "notes.txt"), "precious\n")
	cwd := filepath.Join(t.TempDir(), "work", "here")
	os.MkdirAll(cwd, 0o755)
	t.Chdir(cwd)
	for _, dir := range []string{"/", home, home + "/", cwd, ".", "..", filepath.Dir(cwd)} {
		wantRefused(t, Write(dir, artifacts), dir)
	}
	if _, err := os.Stat(filepath.Join(home, "notes.txt")); err != nil {
		t.Error(err)
	}
	// An empty directory below the current one is fine.
	if err := Write("dist", artifacts); err != nil {
		t.Error(err)
	}
}

func TestWriteThatFailsMidwayLeavesTheOldOutput(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	if err := Write(dir, artifacts); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, root)
	// "x" as a file and as a directory: the second cannot be created.
	bad := sealed(map[string]string{"x": "file\n", "x/y": "under a file\n"})
	if err := Write(dir, bad); err == nil {
		t.Fatal("Write succeeded")
	}
	if after := snapshot(t, root); !equal(before, after) {
		t.Errorf("a failed Write changed the tree:\nbefore %v\nafter  %v", before, after)
	}
	// A failure just before the swap.
	testHookBeforeSwap = func(string) error { return errors.New("interrupted") }
	defer func() { testHookBeforeSwap = nil }()
	if err := Write(dir, sealed(map[string]string{"z": "z\n"})); err == nil {
		t.Fatal("Write succeeded")
	}
	if after := snapshot(t, root); !equal(before, after) {
		t.Errorf("a failed Write changed the tree:\nbefore %v\nafter  %v", before, after)
	}
}

func TestWriteRejectsArtifactPathsOutsideTheOutput(t *testing.T) {
	for _, p := range []string{"../escape", "/abs", "a/../b", "", partialMarker} {
		dir := filepath.Join(t.TempDir(), "out")
		if err := Write(dir, render.Artifacts{p: []byte("x")}); err == nil {
			t.Errorf("%q: Write succeeded", p)
		}
		if _, err := os.Lstat(dir); err == nil {
			t.Errorf("%q: dir was created", p)
		}
	}
}

func TestWriteRemovesItsLeftovers(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	if err := Write(dir, artifacts); err != nil {
		t.Fatal(err)
	}
	// An interrupted write (marker still in), an old tree swapped out and
	// not removed, and a user's directory that merely shares the prefix.
	partial := filepath.Join(root, ".out.new-111")
	mustWrite(t, filepath.Join(partial, partialMarker), "")
	mustWrite(t, filepath.Join(partial, "a.txt"), "half")
	oldTree := filepath.Join(root, ".out.new-222.old")
	if err := Write(oldTree, artifacts); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(root, ".out.new-mine")
	mustWrite(t, filepath.Join(foreign, "notes.txt"), "precious\n")
	if err := Write(dir, artifacts); err != nil {
		t.Fatal(err)
	}
	l := leftovers(t, dir)
	if len(l) != 1 || l[0] != foreign {
		t.Errorf("leftovers after Write: %v, want only %s", l, foreign)
	}
}

func TestSwapByRenames(t *testing.T) {
	root := t.TempDir()
	dir, tmp := filepath.Join(root, "out"), filepath.Join(root, ".out.new-1")
	mustWrite(t, filepath.Join(dir, "old"), "old")
	mustWrite(t, filepath.Join(tmp, "new"), "new")
	old, err := swapByRenames(tmp, dir)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "new")); string(b) != "new" {
		t.Error("dir is not the new tree")
	}
	if b, _ := os.ReadFile(filepath.Join(old, "old")); string(b) != "old" {
		t.Error("the old tree is not at", old)
	}
}
