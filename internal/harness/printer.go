package harness

import (
	"fmt"
	"io"
	"strings"
)

// PrintText writes a line per failing case and engine with its diff, then
// the closing count.
func PrintText(w io.Writer, r Report) {
	for _, c := range r.Cases {
		for _, f := range c.Failures {
			fmt.Fprintf(w, "FAIL %s:%d %q [%s]\n", c.File, c.Line, c.Case, f.Engine)
			for _, d := range f.Diff {
				fmt.Fprintf(w, "    %s\n", d)
			}
		}
	}
	fmt.Fprintf(w, "%d cases, each through %d engines (%s)\n", len(r.Cases), len(r.Engines), strings.Join(r.Engines, ", "))
	fmt.Fprintf(w, "%d passed, %d failed\n", r.Passed(), r.Failed())
}
