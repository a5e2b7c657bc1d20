package reference

import "github.com/policygen/policygen/internal/violation"

// checkUniformContainers is rule 3: the Windows runtime cannot mix
// HostProcess and ordinary containers in one pod, and the API server, the
// kubelet and containerd reject a pod whose pod level and a container set
// hostProcess explicitly to different booleans. A container is counted
// once: a container's own true under the pod's explicit false is the
// contradiction; any other container whose effective hostProcess is not
// true is not a HostProcess container.
func checkUniformContainers(p *pod, _ Params) []violation.Violation {
	if !p.isHostProcessPod() {
		return nil
	}
	podHP := p.podHostProcess()
	var out []violation.Violation
	for _, c := range p.containers {
		field := c.path + ".securityContext.windowsOptions.hostProcess"
		own := ownHostProcess(c)
		switch {
		case podHP != nil && !*podHP && isTrue(own):
			out = append(out, violated(RuleUniformContainers, field,
				"%s sets hostProcess: true but the pod sets hostProcess: false; the pod-level and container values must be identical when both are set", c))
		case !p.isHostProcessContainer(c):
			out = append(out, violated(RuleUniformContainers, field,
				"%s is not a HostProcess container in a HostProcess pod; every container must have hostProcess: true", c))
		}
	}
	return out
}
