package reference

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// APIServerVerdict is what the API server's pod validation
// (validateWindowsHostProcessPod in kubernetes pkg/apis/core/validation)
// says about the HostProcess settings of a pod spec. It is an oracle for
// rules 2 and 3, rewritten here from the validation's semantics; it counts
// containers the way the validation does, by effective hostProcess.
type APIServerVerdict struct {
	Containers            int      // containers in all three lists
	HostProcessContainers int      // containers whose effective hostProcess is true
	Conflicts             []string // paths of container hostProcess values that contradict the pod's
	NotUniform            bool     // "all containers must be HostProcess containers"
	HostNetworkRequired   bool     // "hostNetwork must be true"
}

// Rejected reports whether the validation rejects the pod spec for any of
// its HostProcess reasons.
func (v APIServerVerdict) Rejected() bool {
	return len(v.Conflicts) > 0 || v.NotUniform || v.HostNetworkRequired
}

// APIServerCheck validates spec as the API server does. prefix is the pod
// spec's path, used for the conflict paths.
func APIServerCheck(spec *corev1.PodSpec, prefix string) APIServerVerdict {
	var v APIServerVerdict
	p := newPod(spec, prefix)
	podHP := p.podHostProcess()
	for _, c := range p.containers {
		v.Containers++
		own := ownHostProcess(c)
		// Both set and different: the validation rejects the contradiction
		// itself, whichever way round it is.
		if podHP != nil && own != nil && *podHP != *own {
			v.Conflicts = append(v.Conflicts, fmt.Sprintf("%s.securityContext.windowsOptions.hostProcess", c.path))
		}
		if (own != nil && *own) || (own == nil && isTrue(podHP)) {
			v.HostProcessContainers++
		}
	}
	// The pod-level value alone does not make a HostProcess pod here: only
	// containers are counted.
	if v.HostProcessContainers > 0 {
		v.NotUniform = v.HostProcessContainers != v.Containers
		v.HostNetworkRequired = !spec.HostNetwork
	}
	return v
}
