package conftest

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ModuleCoverage is the line coverage of one Rego module over a run.
type ModuleCoverage struct {
	File       string  // the module's path in the conftest policy directory
	Percent    float64 // covered lines / (covered + not covered) * 100
	NotCovered []int   // rows never reached
}

// Coverage reports the coverage the engine recorded, per module, sorted by file.
func (c *Engine) Coverage() ([]ModuleCoverage, error) {
	if c.cover == nil {
		return nil, fmt.Errorf("coverage was not recorded")
	}
	parsed := map[string]*ast.Module{}
	for p, src := range c.modules {
		m, err := ast.ParseModuleWithOpts(p, src, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			return nil, err
		}
		parsed[p] = m
	}
	rep := c.cover.Report(parsed)
	var out []ModuleCoverage
	for p := range parsed {
		mc := ModuleCoverage{File: p}
		if fr := rep.Files[p]; fr != nil {
			mc.Percent = fr.Coverage
			for _, r := range fr.NotCovered {
				for row := r.Start.Row; row <= r.End.Row; row++ {
					mc.NotCovered = append(mc.NotCovered, row)
				}
			}
		}
		out = append(out, mc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, nil
}

// PrintCoverage writes a line per module.
func PrintCoverage(w io.Writer, cov []ModuleCoverage) {
	for _, m := range cov {
		line := fmt.Sprintf("coverage %6.2f%%  %s", m.Percent, m.File)
		if len(m.NotCovered) > 0 {
			rows := make([]string, len(m.NotCovered))
			for i, r := range m.NotCovered {
				rows[i] = fmt.Sprint(r)
			}
			line += "  (not covered: lines " + strings.Join(rows, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
}
