//go:build !linux

package publish

import (
	"errors"
	"io/fs"
	"os"
)

// swap puts the directory tmp at dir with two renames; see swapByRenames.
func swap(tmp, dir string) (old string, err error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return "", os.Rename(tmp, dir)
	}
	return swapByRenames(tmp, dir)
}
