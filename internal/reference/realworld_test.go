package reference

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/violation"
	"github.com/policygen/policygen/testcases/realworld"
)

// TestRealWorld judges each manifest of testcases/realworld with the
// default parameters and requires exactly the violations (rule and field,
// as a multiset) that verdicts.yaml derives by hand from the rules page.
func TestRealWorld(t *testing.T) {
	manifests, err := realworld.Load()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, m := range manifests {
		vs, err := EvaluateDocument(m.Object, DefaultParams())
		if err != nil {
			// A field the typed form does not know (a manifest that puts
			// hostNetwork under securityContext) is one no rule reads:
			// judge the typed form as a webhook would, and say so.
			t.Logf("%s: %v; judged in the typed form without that field", m.File, err)
			if vs, err = evaluateDocument(m.Object, DefaultParams(), Typed); err != nil {
				t.Errorf("%s: %v", m.File, err)
				continue
			}
		}
		var got []string
		for _, x := range vs {
			got = append(got, x.Rule+" "+x.Field)
		}
		slices.Sort(got)
		total += len(got)
		if !slices.Equal(got, m.Want) {
			t.Errorf("%s:\n got  %s\n want %s\nmessages:\n%s", m.File, strings.Join(got, "\n      "), strings.Join(m.Want, "\n      "), messages(vs))
		}
	}
	t.Logf("%d manifests, %d violations", len(manifests), total)
}

func messages(vs []violation.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s %s: %s\n", v.Rule, v.Field, v.Message)
	}
	return b.String()
}
