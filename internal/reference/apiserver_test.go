package reference_test

import (
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/policygen/policygen/internal/generate"
	"github.com/policygen/policygen/internal/reference"
)

// TestAPIServerOracle compares rules 2 and 3 with the API server's
// validateWindowsHostProcessPod on generated pods. They differ by design in
// two ways, which the test requires to be the only ones and counts:
//   - the API server counts only containers whose effective hostProcess is
//     true, so pod-level true with no such container (every container false,
//     or no containers) is no HostProcess pod there; the rules page calls it
//     one. The API server still rejects such a pod: for the contradiction,
//     or for having no containers.
//   - the API server rejects a container hostProcess that contradicts the
//     pod's, either way round; the rules page lets a container's false
//     override the pod's true, and a container's true beside a pod's false
//     makes a HostProcess pod that may be valid by rules 2 and 3.
func TestAPIServerOracle(t *testing.T) {
	g := generate.New(20240611)
	counts := map[string]int{}
	for range 20000 {
		obj := g.Next()
		spec, prefix, _ := reference.PodSpecOf(obj)
		api := reference.APIServerCheck(spec, prefix)
		var hostNetwork bool
		var uniform []string
		for _, v := range reference.EvaluatePodSpec(spec, prefix, reference.DefaultParams()) {
			switch v.Rule {
			case reference.RuleHostNetwork:
				hostNetwork = true
			case reference.RuleUniformContainers:
				uniform = append(uniform, v.Field)
			}
		}
		podTrue := podHostProcessTrue(spec)
		onlyPodLevel := podTrue && api.HostProcessContainers == 0

		switch {
		case hostNetwork == api.HostNetworkRequired:
			if hostNetwork {
				counts["host-network: both reject"]++
			}
		case hostNetwork && onlyPodLevel && (len(api.Conflicts) > 0 || api.Containers == 0):
			counts["host-network: rules reject pod-level true without HostProcess containers; API server rejects it otherwise"]++
		default:
			t.Errorf("%s: host-network %v, API server %+v", generate.Unstructured(obj)["metadata"], hostNetwork, api)
		}

		switch {
		case api.NotUniform:
			if len(uniform) != api.Containers-api.HostProcessContainers {
				t.Errorf("uniform-containers: %d violations, API server sees %d of %d not HostProcess", len(uniform), api.Containers-api.HostProcessContainers, api.Containers)
			}
			counts["uniform-containers: both reject"]++
		case len(uniform) > 0 && onlyPodLevel && len(api.Conflicts) > 0:
			counts["uniform-containers: rules reject pod-level true with every container false; API server rejects the contradiction"]++
		case len(uniform) > 0:
			t.Errorf("uniform-containers: %v, API server accepts: %+v", uniform, api)
		}

		if len(api.Conflicts) > 0 && !hostNetwork && len(uniform) == 0 {
			counts["API server rejects a contradicting hostProcess that rules 2 and 3 accept"]++
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%6d  %s", counts[k], k)
	}
	if counts["host-network: both reject"] == 0 || counts["uniform-containers: both reject"] == 0 {
		t.Errorf("the generator made no pods that both reject: %v", counts)
	}
}

func podHostProcessTrue(s *corev1.PodSpec) bool {
	sc := s.SecurityContext
	return sc != nil && sc.WindowsOptions != nil && sc.WindowsOptions.HostProcess != nil && *sc.WindowsOptions.HostProcess
}
