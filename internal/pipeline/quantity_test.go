package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/policygen/policygen/internal/harness"
)

// quantities are limit values of every form: each suffix, exponents,
// signs, decimals, zeros, tiny and huge values, and strings that are no
// quantity at all; then random combinations of their parts.
func quantities() []string {
	qs := []string{
		"1", "0", "00", "0.0", ".0", "0.", ".", "-0", "+0", "-1", "+1", "1.5", ".5", "5.", "0.001", "1e3", "1E3", "1e-3", "1e+3",
		"1e0", "0e9", "1e-9", "1e-10", "1e18", "1e19", "1e308", "1e-308", "500m", "0m", "1m", "0.5m", "1n", "0.1n", "1u",
		"1k", "1K", "1M", "1G", "2G", "1T", "1P", "1E", "1Ki", "1Mi", "0Mi", "1Gi", "1Ti", "1Pi", "1Ei", "512Ki", "1023Ki",
		"1024Ki", "1025Ki", "1048575", "1048576", "1048577", "1048575.5", "0.9999999Mi", "1.0Mi", "1KB", "1mi", "1MiB",
		"abc", "", " 1", "1 ", "1 Gi", "1e", "e3", "1e3Mi", "1.2.3", "--1", "1-", "0x10", "1_000", "∞", "1e2147483647",
		"1e-2147483648", "9223372036854775807", "9223372036854775808", "123456789012345678901234567890", "0.000000001",
		"0.0000000001", "1.000000001", "100Mi", "256Mi", "2Gi", "250m", "4", "-1Mi", "+1Mi", "0.5Gi", "1e6", "1.048576e6",
	}
	r := rand.New(rand.NewPCG(20261129, 1))
	signs := []string{"", "", "+", "-"}
	mantissas := []string{"0", "1", "7", "0.5", ".5", "5.", "1024", "1048576", "0.000001", "12.75", "999999999"}
	suffixes := []string{"", "m", "n", "u", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "e3", "e-3", "E6", "e-9", "K", "mi", "B", "e", "i"}
	for range 300 {
		qs = append(qs, signs[r.IntN(len(signs))]+mantissas[r.IntN(len(mantissas))]+suffixes[r.IntN(len(suffixes))])
	}
	return qs
}

// hugeExponent matches exponents beyond ±400: Kubernetes' own Quantity
// arithmetic does not finish on 1e2147483647, so such values are left to
// the cases, which decide them from ParseQuantity's documented behaviour.
var hugeExponent = regexp.MustCompile(`[eE][+-]?0*[4-9][0-9]{2,}|[eE][+-]?0*[1-9][0-9]{3,}`)

// counts is the rules page's decision for a limit given as the string q:
// a Kubernetes quantity (as resource.ParseQuantity reads it) greater than
// zero, and for memory at least 1Mi.
func counts(q, name string) bool {
	v, err := resource.ParseQuantity(q)
	if err != nil || v.Sign() <= 0 {
		return false
	}
	return name != "memory" || v.Cmp(resource.MustParse("1Mi")) >= 0
}

// The Rego's quantity parser decides as Kubernetes' own parser does, in
// every engine, for cpu and memory limits of every form. Each pod carries
// one container per quantity (the rule judges each container on its own
// limits), so that an engine judges a hundred pods, not eight hundred. An
// engine of the exact contract must report each container that lacks the
// limit at its own field; a CEL engine reports the rule once, naming every
// such container. An engine that declines a pod (the typed form rewrites a
// quantity's spelling) is given each of its quantities alone.
func TestQuantitiesAsKubernetesParsesThem(t *testing.T) {
	engines := embeddedEngines(t)
	const rule, perPod = "hostprocess-resource-limits", 8 // a CEL message names them all within its 5120 bytes
	var qs []string
	for _, q := range quantities() {
		if !hugeExponent.MatchString(q) {
			qs = append(qs, q)
		}
	}
	podOf := func(name string, batch []string) map[string]any {
		var containers []any
		for k, q := range batch {
			limits := map[string]any{"cpu": "1", "memory": "1Gi"}
			limits[name] = q
			containers = append(containers, map[string]any{"name": fmt.Sprintf("c%d", k), "image": "c", "resources": map[string]any{"limits": limits}})
		}
		return map[string]any{
			"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"},
			"spec": map[string]any{
				"hostNetwork":     true,
				"nodeSelector":    map[string]any{"kubernetes.io/os": "windows"},
				"securityContext": map[string]any{"windowsOptions": map[string]any{"hostProcess": true, "runAsUserName": `NT AUTHORITY\LOCAL SERVICE`}},
				"containers":      containers,
			},
		}
	}
	check := func(e harness.Engine, name string, batch []string, pod map[string]any) {
		vs, err := e.Evaluate(context.Background(), harness.Review{Object: pod})
		if err != nil {
			t.Fatalf("%s limits %q in %s: %v", name, batch, e.Name(), err)
		}
		got := map[string]string{} // field -> message; "" for a violation without one
		for _, v := range vs {
			if v.Rule == rule {
				got[v.Field] += v.Message
			}
		}
		if harness.ContractOf(e) != harness.Exact {
			msg, fired := got[""]
			anyMissing := false
			for k, q := range batch {
				missing := !counts(q, name)
				anyMissing = anyMissing || missing
				if named := strings.Contains(msg, fmt.Sprintf("containers[%d] \"c%d\"", k, k)); named != missing {
					t.Errorf("%s %q in %s: named %v, Kubernetes says missing %v: %s", name, q, e.Name(), named, missing, msg)
				}
			}
			if fired != anyMissing || (fired && !strings.Contains(msg, name)) {
				t.Errorf("%s %q in %s: fired %v, want %v, naming %s: %q", name, batch, e.Name(), fired, anyMissing, name, msg)
			}
			return
		}
		for k, q := range batch {
			field := fmt.Sprintf("spec.containers[%d].resources.limits", k)
			msg, found := got[field]
			want := !counts(q, name)
			if found != want {
				t.Errorf("%s %q in %s: missing limit %v, Kubernetes says %v", name, q, e.Name(), found, want)
			}
			if found && !strings.Contains(msg, name) {
				t.Errorf("%s %q in %s: the message does not name %s: %s", name, q, e.Name(), name, msg)
			}
			delete(got, field)
		}
		if len(got) > 0 {
			t.Errorf("%s in %s: violations at fields no quantity was given: %v", name, e.Name(), got)
		}
	}
	checked, missing := 0, 0
	declined := map[string]int{}
	for _, name := range []string{"cpu", "memory"} {
		for first := 0; first < len(qs); first += perPod {
			batch := qs[first:min(first+perPod, len(qs))]
			pod := podOf(name, batch)
			for _, e := range engines {
				if harness.Declines(e, harness.Review{Object: pod}) == "" {
					check(e, name, batch, pod)
					continue
				}
				for _, q := range batch {
					alone := podOf(name, []string{q})
					if harness.Declines(e, harness.Review{Object: alone}) != "" {
						declined[e.Name()]++
						continue
					}
					check(e, name, []string{q}, alone)
				}
			}
			for _, q := range batch {
				checked++
				if !counts(q, name) {
					missing++
				}
			}
		}
	}
	t.Logf("%d limits, %d of them missing by Kubernetes' reading; declined: %v", checked, missing, declined)
	for _, e := range engines {
		if declined[e.Name()] == checked {
			t.Errorf("%s declined every limit", e.Name())
		}
	}
}
