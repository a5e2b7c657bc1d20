package reference_test

import (
	"reflect"
	"testing"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/reference"
)

// A decoded object is judged exactly as the typed object it came from.
func TestDecode(t *testing.T) {
	g := generate.New(7)
	params := reference.DefaultParams()
	for i := 0; i < 500; i++ {
		obj := g.Next()
		decoded, err := reference.Decode(generate.Unstructured(obj))
		if err != nil {
			t.Fatalf("object %d: %v", i, err)
		}
		want, got := reference.Evaluate(obj, params), reference.Evaluate(decoded, params)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("object %d: decoded gives %v, typed gives %v", i, got, want)
		}
	}
}

func TestDecodeWithoutPodSpec(t *testing.T) {
	obj, err := reference.Decode(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"a": "b"}})
	if obj != nil || err != nil {
		t.Fatalf("ConfigMap decodes to %v, %v; want nil, nil", obj, err)
	}
}

func TestDecodeWrongType(t *testing.T) {
	_, err := reference.Decode(map[string]any{"apiVersion": "v1", "kind": "Pod", "spec": map[string]any{"containers": "app"}})
	if err == nil {
		t.Fatal("a Pod whose containers is a string decodes without error")
	}
}
