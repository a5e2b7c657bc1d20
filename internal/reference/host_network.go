package reference

import "github.com/policygen/policygen/internal/harness"

// checkHostNetwork is rule 2: a HostProcess pod must use the host network.
func checkHostNetwork(p *pod, _ Params) []harness.Violation {
	if !p.isHostProcessPod() || p.spec.HostNetwork {
		return nil
	}
	return []harness.Violation{violation(RuleHostNetwork, p.field("hostNetwork"),
		"a HostProcess pod must set hostNetwork: true")}
}
