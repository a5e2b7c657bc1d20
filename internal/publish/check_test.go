package publish

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	diffs, err := Check(dir, artifacts)
	if err != nil || len(diffs) != len(artifacts) {
		t.Errorf("missing dir: %v %v", diffs, err)
	}
	if err := Write(dir, artifacts); err != nil {
		t.Fatal(err)
	}
	if diffs, err := Check(dir, artifacts); err != nil || len(diffs) != 0 {
		t.Errorf("fresh dir: %v %v", diffs, err)
	}
	mustWrite(t, filepath.Join(dir, "a.txt"), "edited\n")
	mustWrite(t, filepath.Join(dir, "extra.txt"), "x\n")
	os.Remove(filepath.Join(dir, "sub", "b.txt"))
	diffs, err = Check(dir, artifacts)
	want := []string{"changed: a.txt", "missing: sub/b.txt", "not rendered: extra.txt"}
	if err != nil || !slices.Equal(diffs, want) {
		t.Errorf("got %q, want %q (%v)", diffs, want, err)
	}
}

func TestParseSumsAcceptsWhatSealWrites(t *testing.T) {
	listed, err := parseSums(artifacts[SumsFile])
	if err != nil || len(listed) != 2 || !listed["sub/b.txt"] {
		t.Errorf("%v %v", listed, err)
	}
	for _, bad := range []string{"x  a\n", "0000000000000000000000000000000000000000000000000000000000000000  ../a\n",
		"0000000000000000000000000000000000000000000000000000000000000000  b\n0000000000000000000000000000000000000000000000000000000000000000  a\n"} {
		if _, err := parseSums([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
