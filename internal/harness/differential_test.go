package harness_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/violation"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/reference"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

// engines builds every embedded engine over freshly rendered artifacts.
func engines(t testing.TB) []harness.Engine {
	t.Helper()
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	a, err := pipeline.Render(s, nil, pipeline.Signing{})
	if err != nil {
		t.Fatal(err)
	}
	es, err := pipeline.BuildEngines(s, a, pipeline.EngineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return es.List
}

// verdict is what is compared across implementations: rule and field of
// every violation, as a sorted multiset (messages are each engine's own).
func verdict(vs []violation.Violation) string {
	keys := make([]string, len(vs))
	for i, v := range vs {
		keys[i] = v.Rule + " " + v.Field
	}
	sort.Strings(keys)
	return strings.Join(keys, "\n")
}

// setBlock objects in a row share a parameter set, as objects under one
// constraint do in a cluster.
const setBlock = 50

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestDifferential runs generated objects, every fourth one with values of
// the wrong type, through every engine under rotating parameter sets, and
// requires each engine to give exactly the reference model's violations.
// POLICYGEN_DIFF_OBJECTS, POLICYGEN_DIFF_SECONDS and POLICYGEN_DIFF_SEED
// scale it up (make fuzz).
func TestDifferential(t *testing.T) {
	objects := envInt("POLICYGEN_DIFF_OBJECTS", 20000)
	seconds := envInt("POLICYGEN_DIFF_SECONDS", 0)
	seed := uint64(envInt("POLICYGEN_DIFF_SEED", 20261122))
	es := engines(t)
	sets := generate.ParameterSets()
	g := generate.New(seed)
	ctx := context.Background()
	start := time.Now()
	compared, corrupted := 0, 0
	failures := make([]int, len(es)) // per engine; each stops after 3
	for compared < objects && slices.Max(failures) < 3 {
		if seconds > 0 && time.Since(start) > time.Duration(seconds)*time.Second {
			break
		}
		// A block of objects with the reference's verdicts, then every
		// engine over the block in a goroutine of its own.
		var block []diffObject
		for len(block) < diffBlock && compared+len(block) < objects {
			i := compared + len(block)
			obj := g.Next()
			d := diffObject{index: i, u: generate.Unstructured(obj), twin: obj, set: sets[(i/setBlock)%len(sets)]}
			if i%4 == 3 {
				d.u, d.twin, _ = generate.Corrupt(obj, g.Rand())
				corrupted++
			}
			d.want = verdict(reference.Evaluate(d.twin, reference.ParamsFrom(d.set.Params)))
			block = append(block, d)
		}
		var wg sync.WaitGroup
		for k, e := range es {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, d := range block {
					if failures[k] >= 3 {
						return
					}
					got, err := e.Evaluate(ctx, harness.Review{Object: d.u, Parameters: d.set.Params})
					if err == nil && verdict(got) == d.want {
						continue
					}
					failures[k]++
					t.Errorf("seed %d, object %d, parameters %q: %s disagrees with the reference\n%s",
						seed, d.index, d.set.Name, e.Name(), disagreement(ctx, e, d.u, d.twin, d.set.Params))
				}
			}()
		}
		wg.Wait()
		compared += len(block)
	}
	t.Logf("seed %d: %d objects (%d with wrong-typed values) through %d engines under %d parameter sets, %d disagreements, %s",
		seed, compared, corrupted, len(es), len(sets), sum(failures), time.Since(start).Round(time.Millisecond))
	if compared < objects && seconds == 0 && slices.Max(failures) == 0 {
		t.Errorf("compared %d objects, want %d", compared, objects)
	}
}

// diffBlock objects are generated at a time, then judged by every engine at
// once, one goroutine per engine: memory stays bounded, and the engines
// share the cores.
const diffBlock = 500

// diffObject is one generated object, as the engines and the reference see it.
type diffObject struct {
	index int
	u     map[string]any // what the engines judge
	twin  runtime.Object // its typed twin, which the reference judges
	set   generate.ParameterSet
	want  string // the reference's verdict
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// disagreement shrinks the object to the smallest that still disagrees and
// shows both answers for it.
func disagreement(ctx context.Context, e harness.Engine, u map[string]any, twin runtime.Object, params map[string]map[string]any) string {
	answers := func(m map[string]any, typed runtime.Object) (string, string) {
		got, err := e.Evaluate(ctx, harness.Review{Object: m, Parameters: params})
		engine := verdict(got)
		if err != nil {
			engine = "error: " + err.Error()
		}
		return engine, verdict(reference.Evaluate(typed, reference.ParamsFrom(params)))
	}
	small := u
	if typedOK := generate.Unstructured(twin); fmt.Sprint(typedOK) == fmt.Sprint(u) {
		// No wrong-typed values: shrink the typed object, so the reference can follow.
		shrunk := generate.Shrink(twin, func(o runtime.Object) bool {
			a, b := answers(generate.Unstructured(o), o)
			return a != b
		})
		twin, small = shrunk, generate.Unstructured(shrunk)
	}
	engine, ref := answers(small, twin)
	b, _ := yaml.Marshal(small)
	return fmt.Sprintf("object:\n%s\n%s:\n%s\nreference:\n%s", b, e.Name(), engine, ref)
}
