package eval

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"reflect"
	"slices"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/testcases"
)

// The case files are decoded with go.yaml.in/yaml/v3 (YAML 1.2) by
// internal/cases, while kubectl reads YAML 1.1 through sigs.k8s.io/yaml.
// This test requires that every case file reads the same under both, so
// that a case never judges an object other than the one kubectl would
// send: a plain y, yes, on or off is a boolean in YAML 1.1 (a volume named
// y would reach the API server as name: true); quote such strings.
func TestCaseFilesDecodeAlikeUnderYAML11(t *testing.T) {
	files, err := fs.Glob(testcases.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no case files")
	}
	for _, f := range files {
		raw, err := fs.ReadFile(testcases.FS, f)
		if err != nil {
			t.Fatal(err)
		}
		var v3, v11 any
		if err := yamlv3.Unmarshal(raw, &v3); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := yaml.Unmarshal(raw, &v11); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if a, b := roundTrip(t, v3), roundTrip(t, v11); !reflect.DeepEqual(a, b) {
			t.Errorf("%s reads differently under YAML 1.1 (sigs.k8s.io/yaml, as kubectl reads it): %s; quote the string", f, firstDifference("", a, b))
		}
	}
}

// roundTrip gives v's JSON form, so that number types do not matter.
func roundTrip(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// firstDifference names the first path where a and b differ, with both
// values.
func firstDifference(path string, a, b any) string {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		for _, k := range slices.Sorted(maps.Keys(am)) {
			if d := firstDifference(path+"."+k, am[k], bm[k]); d != "" {
				return d
			}
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				return fmt.Sprintf("%s.%s: absent under YAML 1.2, %v under YAML 1.1", path, k, bm[k])
			}
		}
		return ""
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok && len(al) == len(bl) {
		for i := range al {
			if d := firstDifference(fmt.Sprintf("%s[%d]", path, i), al[i], bl[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if reflect.DeepEqual(a, b) {
		return ""
	}
	return fmt.Sprintf("%s: %#v under YAML 1.2, %#v under YAML 1.1", path, a, b)
}
