package reference

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/violation"
)

// TestRealWorld judges each manifest of testcases/realworld with the
// default parameters and requires exactly the violations (rule and field,
// as a multiset) that verdicts.yaml derives by hand from the rules page.
func TestRealWorld(t *testing.T) {
	dir := filepath.Join("..", "..", "testcases", "realworld")
	raw, err := os.ReadFile(filepath.Join(dir, "verdicts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var verdicts struct {
		Verdicts []struct {
			File       string `json:"file"`
			Why        string `json:"why"`
			Violations []struct {
				Rule  string `json:"rule"`
				Field string `json:"field"`
			} `json:"violations"`
		} `json:"verdicts"`
	}
	if err := yaml.UnmarshalStrict(raw, &verdicts); err != nil {
		t.Fatal(err)
	}
	manifests, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	judged := map[string]bool{}
	total := 0
	for _, v := range verdicts.Verdicts {
		judged[v.File] = true
		b, err := os.ReadFile(filepath.Join(dir, v.File))
		if err != nil {
			t.Error(err)
			continue
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Errorf("%s: %v", v.File, err)
			continue
		}
		vs, err := EvaluateDocument(obj, DefaultParams())
		if err != nil {
			// A field the typed form does not know (a manifest that puts
			// hostNetwork under securityContext) is one no rule reads:
			// judge the typed form as a webhook would, and say so.
			t.Logf("%s: %v; judged in the typed form without that field", v.File, err)
			if vs, err = evaluateDocument(obj, DefaultParams(), Typed); err != nil {
				t.Errorf("%s: %v", v.File, err)
				continue
			}
		}
		var got, want []string
		for _, x := range vs {
			got = append(got, x.Rule+" "+x.Field)
		}
		for _, x := range v.Violations {
			want = append(want, x.Rule+" "+x.Field)
		}
		slices.Sort(got)
		slices.Sort(want)
		total += len(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got  %s\n want %s\nmessages:\n%s", v.File, strings.Join(got, "\n      "), strings.Join(want, "\n      "), messages(vs))
		}
	}
	for _, m := range manifests {
		if name := filepath.Base(m); name != "verdicts.yaml" && !judged[name] {
			t.Errorf("%s has no verdict", name)
		}
	}
	t.Logf("%d manifests, %d violations", len(verdicts.Verdicts), total)
}

func messages(vs []violation.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s %s: %s\n", v.Rule, v.Field, v.Message)
	}
	return b.String()
}
