package generate

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

func valueIndex(t *testing.T, v any) byte {
	t.Helper()
	for i, x := range mutationValues {
		if reflect.DeepEqual(x, v) {
			return byte(i)
		}
	}
	t.Fatalf("%v is not a mutation value", v)
	return 0
}

func keyIndex(t *testing.T, k string) byte {
	t.Helper()
	i := slices.Index(mutationKeys, k)
	if i < 0 {
		t.Fatalf("%s is not a mutation key", k)
	}
	return byte(i)
}

// TestMutateEdits: each kind of edit does what it says at the place it names.
// The places of the object below, in order: the root, kind, spec,
// spec.containers, spec.containers[0], spec.containers[0].name.
func TestMutateEdits(t *testing.T) {
	obj := func() map[string]any {
		return map[string]any{"kind": "Pod", "spec": map[string]any{"containers": []any{map[string]any{"name": "a"}}}}
	}
	pod := func(c ...any) map[string]any {
		return map[string]any{"kind": "Pod", "spec": map[string]any{"containers": c}}
	}
	wo := map[string]any{"windowsOptions": map[string]any{"hostProcess": true}}
	for _, c := range []struct {
		name    string
		program []byte
		want    map[string]any
	}{
		{"nothing", nil, obj()},
		{"an incomplete edit is none", []byte{0, 0, 1, 0}, obj()},
		{"set kind", []byte{0, 0, 1, valueIndex(t, "List"), 0}, map[string]any{"kind": "List", "spec": obj()["spec"]}},
		{"set wraps around the places", []byte{6, 1, 7, valueIndex(t, nil), 0}, pod(map[string]any{"name": nil})},
		{"delete a key", []byte{1, 0, 5, 0, 0}, pod(map[string]any{})},
		{"delete a list entry", []byte{1, 0, 4, 0, 0}, pod([]any{}...)},
		{"the root is not deleted", []byte{1, 0, 0, 0, 0}, obj()},
		{"add a key to a container", []byte{2, 0, 2, keyIndex(t, "securityContext"), valueIndex(t, wo)},
			pod(map[string]any{"name": "a", "securityContext": wo})},
		{"add a key to the root", []byte{2, 0, 0, keyIndex(t, "items"), valueIndex(t, []any{})},
			map[string]any{"kind": "Pod", "items": []any{}, "spec": obj()["spec"]}},
		{"copy a container over its name", []byte{3, 0, 4, 0, 5}, pod(map[string]any{"name": map[string]any{"name": "a"}})},
		{"append a copy of an entry", []byte{4, 0, 0, 0, 0}, pod(map[string]any{"name": "a"}, map[string]any{"name": "a"})},
		{"append a value", []byte{4, 0, 0, 1, valueIndex(t, hpContainer)}, pod(map[string]any{"name": "a"}, hpContainer)},
		{"respell a string", []byte{5, 0, 5, 0, 0}, pod(map[string]any{"name": "A"})},
		{"respell a list", []byte{5, 0, 3, 0, 0}, map[string]any{"kind": "Pod", "spec": map[string]any{"containers": map[string]any{"name": "a"}}}},
		{"two edits", []byte{5, 0, 5, 2, 0, 0, 0, 1, valueIndex(t, "CronJob"), 0},
			map[string]any{"kind": "CronJob", "spec": map[string]any{"containers": []any{map[string]any{"name": " a"}}}}},
	} {
		in := obj()
		got := Mutate(in, c.program)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		if !reflect.DeepEqual(in, obj()) {
			t.Errorf("%s: the input changed", c.name)
		}
	}
}

// TestMutateAnyProgram: any program on any generated object gives an object
// that JSON can hold, the same one each time, within the size bound.
func TestMutateAnyProgram(t *testing.T) {
	g := New(13)
	r := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		u := Unstructured(g.Next())
		program := make([]byte, r.IntN(400))
		for i := range program {
			program[i] = byte(r.UintN(256))
		}
		got := Mutate(u, program)
		if !reflect.DeepEqual(got, Mutate(u, program)) {
			t.Fatal("the same program mutates differently")
		}
		if _, err := jsonEncode(got); err != nil {
			t.Fatalf("%v: %v", got, err)
		}
		// The last edit may copy the whole object into itself.
		if n := countNodes(got); n > 2*maxNodes+countNodes(mutationValues) {
			t.Fatalf("%d nodes", n)
		}
	}
}

func jsonEncode(v any) ([]byte, error) { return json.Marshal(v) }
