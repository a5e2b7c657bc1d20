package publish

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/policygen/policygen/internal/render"
)

// Check lists how dir differs from the artifacts: files missing, changed
// or not rendered. An empty list means dir is up to date; a dir that does
// not exist misses every artifact.
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
