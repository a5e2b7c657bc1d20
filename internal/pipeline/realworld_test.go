package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/harness"
)

// Every engine judges the manifests modelled on real public projects
// (testcases/realworld) exactly as verdicts.yaml, derived by hand from the
// rules page, says: rule and field of every violation, default parameters,
// every rule applied (no namespace left out).
func TestRealWorldThroughEveryEngine(t *testing.T) {
	dir := filepath.Join("..", "..", "testcases", "realworld")
	raw, err := os.ReadFile(filepath.Join(dir, "verdicts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var verdicts struct {
		Verdicts []struct {
			File       string                         `json:"file"`
			Why        string                         `json:"why"`
			Violations []struct{ Rule, Field string } `json:"violations"`
		} `json:"verdicts"`
	}
	if err := yaml.Unmarshal(raw, &verdicts); err != nil {
		t.Fatal(err)
	}
	s, err := LoadSpec(Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Render(s, nil, Signing{})
	if err != nil {
		t.Fatal(err)
	}
	engines, err := BuildEngines(s, a, EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(verdicts.Verdicts) < 20 {
		t.Fatalf("verdicts.yaml holds %d manifests, want at least 20", len(verdicts.Verdicts))
	}
	total := 0
	for _, v := range verdicts.Verdicts {
		b, err := os.ReadFile(filepath.Join(dir, v.File))
		if err != nil {
			t.Fatal(err)
		}
		var obj map[string]any
		if err := yaml.Unmarshal(b, &obj); err != nil {
			t.Fatalf("%s: %v", v.File, err)
		}
		var want []string
		for _, w := range v.Violations {
			want = append(want, w.Rule+" "+w.Field)
		}
		slices.Sort(want)
		total += len(want)
		for _, e := range engines.List {
			got, err := e.Evaluate(context.Background(), harness.Review{Object: obj})
			if err != nil {
				t.Fatalf("%s in %s: %v", v.File, e.Name(), err)
			}
			var keys []string
			for _, g := range got {
				keys = append(keys, g.Rule+" "+g.Field)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, want) {
				t.Errorf("%s in %s:\n got  %s\n want %s\n (%s)", v.File, e.Name(), strings.Join(keys, "; "), strings.Join(want, "; "), strings.TrimSpace(v.Why))
			}
		}
	}
	t.Logf("%d manifests, %d violations, through %d engines", len(verdicts.Verdicts), total, len(engines.List))
}
