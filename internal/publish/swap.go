package publish

import "os"

// swapByRenames moves dir aside to tmp+".old", then tmp to dir, and returns
// the old tree's name. Between the two renames dir does not exist (the old
// tree is complete at tmp+".old", which a later Write removes); it is the
// fallback where the file system cannot exchange two names atomically.
func swapByRenames(tmp, dir string) (old string, err error) {
	old = tmp + ".old"
	if err := os.Rename(dir, old); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return "", err
	}
	return old, nil
}
