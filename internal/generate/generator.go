// Package generate makes random, reproducible Kubernetes objects for the
// differential tests of the HostProcess rules: Pods and every pod-bearing
// kind, biased towards the corners the rules page decides. It also turns
// them into the unstructured form the Rego engines judge, corrupts that form
// with wrong-typed values (returning the typed twin the rules page says is
// equivalent), shrinks a disagreeing object to a small one, and edits an
// object as a byte program says, for the fuzz target over the engines.
package generate

import (
	"fmt"
	"math/rand/v2"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Generator makes objects from one seed: the same seed gives the same
// sequence of objects.
type Generator struct {
	rng *rand.Rand
	n   int // objects made so far, for their names
}

// New returns a generator seeded with seed.
func New(seed uint64) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// Rand is the generator's source, for Corrupt and for callers that want
// their own choices to follow the same seed.
func (g *Generator) Rand() *rand.Rand { return g.rng }

// Next returns a new object of a random pod-bearing kind, with a random pod
// spec. Its TypeMeta is set.
func (g *Generator) Next() runtime.Object {
	g.n++
	meta := metav1.ObjectMeta{Name: fmt.Sprintf("gen-%d", g.n), Namespace: pick(g.rng, namespaces)}
	k := pick(g.rng, kinds)
	return withPodAnnotations(k.wrap(meta, g.podSpec()), g.podAnnotations())
}

// podAnnotations are the pod metadata's annotations: none mostly, else the
// inherit-user annotation (under its key or a near miss) with any value,
// beside others.
func (g *Generator) podAnnotations() map[string]string {
	r := g.rng
	if chance(r, 0.6) {
		return nil
	}
	a := map[string]string{}
	if chance(r, 0.3) {
		a["prometheus.io/scrape"] = "true"
	}
	if chance(r, 0.85) {
		a[pick(r, annotationKeys)] = pick(r, inheritUserValues)
	}
	return a
}

// KindNames are the kinds Next makes.
func KindNames() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.name
	}
	return out
}

// pick returns a random element of xs.
func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// count returns i with probability weights[i]/sum(weights).
func count(r *rand.Rand, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func ptr[T any](v T) *T { return &v }
