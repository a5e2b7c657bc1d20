package reference

import "github.com/policygen/policygen/internal/violation"

// checkRunAsNonRoot is rule 5: the Windows runtime cannot honour
// runAsNonRoot for a HostProcess container.
func checkRunAsNonRoot(p *pod, _ Params) []violation.Violation {
	var out []violation.Violation
	for _, c := range p.hostProcessContainers() {
		if v, from := p.effectiveRunAsNonRoot(c); isTrue(v) {
			out = append(out, violated(RuleRunAsNonRoot, from,
				"HostProcess container %s must not have runAsNonRoot: true", c))
		}
	}
	return out
}
