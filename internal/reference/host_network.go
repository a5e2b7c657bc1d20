package reference

import "github.com/policygen/policygen/internal/violation"

// checkHostNetwork is rule 2: a HostProcess pod must use the host network.
func checkHostNetwork(p *pod, _ Params) []violation.Violation {
	if !p.isHostProcessPod() || p.spec.HostNetwork {
		return nil
	}
	return []violation.Violation{violated(RuleHostNetwork, p.field("hostNetwork"),
		"a HostProcess pod must set hostNetwork: true")}
}
