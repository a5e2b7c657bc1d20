package reference

import (
	"strings"

	"github.com/policygen/policygen/internal/violation"
)

// checkRunAsNonRoot is rule 5: the Windows runtime cannot honour
// runAsNonRoot for a HostProcess container. Containers that inherit the
// pod-level true count once, at the pod-level field.
func checkRunAsNonRoot(p *pod, _ Params) []violation.Violation {
	var out []violation.Violation
	var inherit []string
	podField := p.field("securityContext.runAsNonRoot")
	for _, c := range p.hostProcessContainers() {
		v, from := p.effectiveRunAsNonRoot(c)
		switch {
		case !isTrue(v):
		case from == podField:
			inherit = append(inherit, c.String())
		default:
			out = append(out, violated(RuleRunAsNonRoot, from,
				"HostProcess container %s must not have runAsNonRoot: true", c))
		}
	}
	if len(inherit) > 0 {
		out = append(out, violated(RuleRunAsNonRoot, podField,
			"%s inherit runAsNonRoot: true from the pod; HostProcess containers cannot run with runAsNonRoot: true", strings.Join(inherit, ", ")))
	}
	return out
}
