package reference

import "github.com/policygen/policygen/internal/violation"

// checkUniformContainers is rule 3: the Windows runtime cannot mix
// HostProcess and ordinary containers in one pod.
func checkUniformContainers(p *pod, _ Params) []violation.Violation {
	if !p.isHostProcessPod() {
		return nil
	}
	var out []violation.Violation
	for _, c := range p.containers {
		if !p.isHostProcessContainer(c) {
			out = append(out, violated(RuleUniformContainers, c.path+".securityContext.windowsOptions.hostProcess",
				"%s is not a HostProcess container in a HostProcess pod; every container must have hostProcess: true", c))
		}
	}
	return out
}
