package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/policygen/policygen/internal/render"
)

// RefusedFix is what to do about a refused Write.
const RefusedFix = "policygen writes only into an empty directory or one it wrote before; choose another --out or empty it"

// Refused is the error of a Write that would replace something policygen
// did not write. Nothing was touched. The CLI exits 2 for it and prints Fix.
type Refused struct {
	Dir     string // the directory as the caller named it
	Problem string // why it was refused
	Fix     string // what to do about it
}

func (e *Refused) Error() string {
	return fmt.Sprintf("%s: %s\n  fix: %s", e.Dir, e.Problem, e.Fix)
}

// partialMarker is in a temporary directory from its creation until just
// before it is swapped into place, so that a later Write knows a leftover
// one as policygen's.
const partialMarker = ".policygen-partial"

// tempPrefix is the name prefix of the temporary directories Write makes
// beside dir: ".<name>.new-".
func tempPrefix(dir string) string { return "." + filepath.Base(dir) + ".new-" }

// testHookBeforeSwap, when set by a test, runs after the new tree is written
// and before it replaces dir; an error aborts the Write.
var testHookBeforeSwap func(tmp string) error

// Write replaces dir with exactly the artifacts, which must have relative,
// clean, slash-separated paths.
//
// It replaces dir only when dir does not exist, is an empty directory, or
// is a previous output: it holds SumsFile in the format Seal writes, and
// every regular file below it is listed there (SumsFile aside), with no
// symlink or special file. Otherwise, and always for a symlink, a regular
// file, "/", the home directory, the current directory or one of its
// ancestors, it returns a *Refused and touches nothing. Only a sealed
// tree (see Seal) can be replaced by a later Write.
//
// The new tree is written into a temporary directory ".<name>.new-*"
// beside dir, then exchanged with dir in one atomic rename (Linux
// renameat2 RENAME_EXCHANGE; where the kernel or file system lacks it, two
// renames). An interruption leaves dir either as it was or complete, plus
// at most temporary directories, which the next Write removes when they
// are policygen's. On error dir is left as it was.
func Write(dir string, a render.Artifacts) (err error) {
	dir = filepath.Clean(dir)
	for _, p := range a.Paths() {
		if !validPath(p) || p == partialMarker {
			return fmt.Errorf("artifact %q: not a relative, clean path below the output", p)
		}
	}
	if err := replaceable(dir); err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	removeLeftovers(dir)
	tmp, err := os.MkdirTemp(parent, tempPrefix(dir))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := writeTree(tmp, a); err != nil {
		return err
	}
	if testHookBeforeSwap != nil {
		if err := testHookBeforeSwap(tmp); err != nil {
			return err
		}
	}
	// dir may have changed while the tree was written: judge it again.
	if err := replaceable(dir); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(tmp, partialMarker)); err != nil {
		return err
	}
	old, err := swap(tmp, dir)
	if err != nil {
		return err
	}
	syncDir(parent)
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// writeTree writes the marker, then every artifact, below tmp, syncing
// each file so that the swap never exposes a file the disk has not got.
func writeTree(tmp string, a render.Artifacts) error {
	if err := os.WriteFile(filepath.Join(tmp, partialMarker), nil, 0o644); err != nil {
		return err
	}
	for _, p := range a.Paths() {
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := writeFileSync(dst, a[p]); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	syncDir(tmp)
	return nil
}

func writeFileSync(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir flushes a directory's entries; failures only cost durability.
func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// replaceable returns a *Refused unless dir may be replaced.
func replaceable(dir string) error {
	refuse := func(problem string) error {
		return &Refused{Dir: dir, Problem: problem, Fix: RefusedFix}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if abs == string(filepath.Separator) {
		return refuse("it is the root directory")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" && samePath(abs, home) {
		return refuse("it is the home directory")
	}
	if cwd, err := os.Getwd(); err == nil && containsPath(abs, cwd) {
		return refuse("it is the current directory or one of its ancestors")
	}
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case st.Mode()&fs.ModeSymlink != 0:
		return refuse("it is a symbolic link")
	case !st.IsDir():
		return refuse("it is not a directory")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if problem := notOurs(dir); problem != "" {
		return refuse(problem)
	}
	return nil
}

// notOurs says why the directory dir is not a tree policygen wrote, or ""
// when it is one: SumsFile in Seal's format lists every regular file, and
// nothing else (symlink, device, pipe) is below it.
func notOurs(dir string) string {
	sums, err := os.Lstat(filepath.Join(dir, SumsFile))
	if err != nil || !sums.Mode().IsRegular() {
		return "it is not empty and holds no " + SumsFile + " written by policygen"
	}
	b, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return err.Error()
	}
	listed, err := parseSums(b)
	if err != nil {
		return fmt.Sprintf("its %s is not policygen's: %v", SumsFile, err)
	}
	problem := ""
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			problem = err.Error()
			return fs.SkipAll
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			problem = fmt.Sprintf("it holds a symbolic link, %s, that policygen did not write", rel)
		case !d.Type().IsRegular():
			problem = fmt.Sprintf("it holds %s, which is not a regular file", rel)
		case rel != SumsFile && !listed[rel]:
			problem = fmt.Sprintf("it holds %s, which %s does not list: a file policygen did not write", rel, SumsFile)
		default:
			return nil
		}
		return fs.SkipAll
	})
	return problem
}

// removeLeftovers removes the temporary directories of interrupted Writes
// to dir: those named ".<name>.new-*" that still hold the partial marker,
// or that are a complete previous output (an old dir swapped out and not
// yet removed). Anything else of that name is left alone.
func removeLeftovers(dir string) {
	parent := filepath.Dir(dir)
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tempPrefix(dir)) {
			continue // a symlink or file of that name is not ours
		}
		p := filepath.Join(parent, e.Name())
		if st, err := os.Lstat(filepath.Join(p, partialMarker)); (err == nil && st.Mode().IsRegular()) || notOurs(p) == "" {
			os.RemoveAll(p)
		}
	}
}

// samePath reports whether a and b name the same directory.
func samePath(a, b string) bool {
	if a == b {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// containsPath reports whether dir is cwd or one of its ancestors, by name
// and after resolving symbolic links.
func containsPath(dir, cwd string) bool {
	under := func(d, c string) bool {
		return d == c || strings.HasPrefix(c, strings.TrimSuffix(d, string(filepath.Separator))+string(filepath.Separator))
	}
	if under(dir, cwd) {
		return true
	}
	rd, err1 := filepath.EvalSymlinks(dir)
	rc, err2 := filepath.EvalSymlinks(cwd)
	return err1 == nil && err2 == nil && under(rd, rc)
}
