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
//     pod's, either way round; so does rule 3 (v2): a container's false
//     under the pod's true is a container that is not HostProcess, and a
//     container's true under the pod's false must be identical to it.
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

		// Rule 3 (v2) counts every container that the API server finds
		// not HostProcess, and every contradiction the API server rejects:
		// under the pod's true, the container's false is a container that is
		// not HostProcess; under the pod's false, the container's own true
		// is the contradiction. No container twice.
		hostProcessPod := podTrue || api.HostProcessContainers > 0
		extra := 0
		if podHostProcessFalse(spec) {
			extra = len(api.Conflicts)
		}
		fields := map[string]bool{}
		for _, f := range uniform {
			fields[f] = true
		}
		for _, c := range api.Conflicts {
			if !fields[c] {
				t.Errorf("uniform-containers: %v, API server rejects the contradiction at %s", uniform, c)
			}
		}
		switch {
		case !hostProcessPod:
			if len(uniform) > 0 {
				t.Errorf("uniform-containers: %v in a pod that is no HostProcess pod: %+v", uniform, api)
			}
		case len(uniform) != api.Containers-api.HostProcessContainers+extra || len(fields) != len(uniform):
			t.Errorf("uniform-containers: %v, API server %+v", uniform, api)
		case onlyPodLevel && len(uniform) > 0:
			counts["uniform-containers: rules reject pod-level true with every container false; API server rejects the contradiction"]++
		case len(uniform) > 0:
			counts["uniform-containers: both reject"]++
		}
		if len(api.Conflicts) > 0 && len(uniform) == 0 {
			t.Errorf("the API server rejects a contradicting hostProcess that rule 3 accepts: %+v", api)
		}
		if extra > 0 {
			counts["uniform-containers: both reject a container's true under the pod's false"]++
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

func podHostProcessFalse(s *corev1.PodSpec) bool {
	sc := s.SecurityContext
	return sc != nil && sc.WindowsOptions != nil && sc.WindowsOptions.HostProcess != nil && !*sc.WindowsOptions.HostProcess
}
