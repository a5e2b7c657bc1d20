// Package publish writes rendered artifacts to dist/ atomically and checks
// that dist/ is what the spec renders to.
package publish

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/policygen/policygen/internal/render"
)

// SumsFile lists the sha256 of every other published file.
const SumsFile = "SHA256SUMS"

// Seal adds SumsFile, a sha256sum-compatible listing of every artifact.
func Seal(a render.Artifacts) {
	delete(a, SumsFile)
	var b strings.Builder
	for _, p := range a.Paths() {
		fmt.Fprintf(&b, "%x  %s\n", sha256.Sum256(a[p]), p)
	}
	a[SumsFile] = []byte(b.String())
}

// Write replaces dir with exactly the artifacts: it builds them in a new
// directory beside dir and renames it into place, so dir is never half
// written; on any error dir is left as it was.
func Write(dir string, a render.Artifacts) (err error) {
	dir = filepath.Clean(dir)
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".new-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	for _, p := range a.Paths() {
		dst := filepath.Join(tmp, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, a[p], 0o644); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	old := ""
	if _, statErr := os.Stat(dir); statErr == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// Check lists how dir differs from the artifacts: files missing, changed
// or not rendered. An empty list means dir is up to date.
func Check(dir string, a render.Artifacts) ([]string, error) {
	var diffs []string
	onDisk := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		onDisk[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, p := range a.Paths() {
		if !onDisk[p] {
			diffs = append(diffs, "missing: "+p)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(b, a[p]) {
			diffs = append(diffs, "changed: "+p)
		}
	}
	var extra []string
	for p := range onDisk {
		if _, ok := a[p]; !ok {
			extra = append(extra, "not rendered: "+p)
		}
	}
	sort.Strings(extra)
	return append(diffs, extra...), nil
}

// Stale is the error of a dist/ that is not what the spec renders to.
type Stale struct {
	Dir   string
	Diffs []string
}

func (s *Stale) Error() string {
	return fmt.Sprintf("%s is not what the spec renders to (%d differences); run `policygen publish`", s.Dir, len(s.Diffs))
}
