package publish

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swap puts the directory tmp at dir. When dir exists, the two are
// exchanged atomically and the old tree is left at tmp, whose name swap
// returns for the caller to remove; when dir does not exist, tmp is
// renamed to it and swap returns "".
func swap(tmp, dir string) (old string, err error) {
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return tmp, nil
	case errors.Is(err, unix.ENOENT):
		if _, statErr := os.Lstat(dir); errors.Is(statErr, os.ErrNotExist) {
			return "", os.Rename(tmp, dir)
		}
		return "", err
	case errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EINVAL), errors.Is(err, unix.EOPNOTSUPP):
		return swapByRenames(tmp, dir)
	}
	return "", &os.LinkError{Op: "renameat2", Old: tmp, New: dir, Err: err}
}
