package publish

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"path"
	"strings"

	"github.com/policygen/policygen/internal/render"
)

// SumsFile lists the sha256 of every other published file. Its presence, in
// the format Seal writes, marks a directory as policygen's output.
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

// parseSums reads a SumsFile as Seal writes it: one "<64 hex digits>  <path>"
// line per file, paths relative, clean, unique and sorted, SumsFile itself
// not among them. It returns the set of listed paths.
func parseSums(b []byte) (map[string]bool, error) {
	listed := map[string]bool{}
	prev := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		sum, p, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("line %d is not \"<sha256>  <path>\"", n)
		}
		if !validPath(p) || p == SumsFile {
			return nil, fmt.Errorf("line %d: %q is not a path Seal writes", n, p)
		}
		if p <= prev {
			return nil, fmt.Errorf("line %d: %q is out of order or repeated", n, p)
		}
		listed[p], prev = true, p
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("the last line is not terminated")
	}
	return listed, nil
}

// validPath reports whether p is a relative, clean, slash-separated path
// that stays below its root.
func validPath(p string) bool {
	return p != "" && p != "." && !path.IsAbs(p) && path.Clean(p) == p &&
		p != ".." && !strings.HasPrefix(p, "../") && !strings.ContainsRune(p, '\\')
}
