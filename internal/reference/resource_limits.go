package reference

import (
	"strings"

	"github.com/policygen/policygen/internal/violation"

	corev1 "k8s.io/api/core/v1"
)

// checkResourceLimits is rule 8: HostProcess containers have nothing but
// job-object limits around them. Ephemeral containers are not checked: the
// API server forbids them to set resources.
func checkResourceLimits(p *pod, params Params) []violation.Violation {
	var out []violation.Violation
	for _, c := range p.hostProcessContainers() {
		if c.ephemeral() {
			continue
		}
		var missing []string
		for _, name := range params.RequiredLimits {
			if _, ok := c.c.Resources.Limits[corev1.ResourceName(name)]; !ok {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			out = append(out, violated(RuleResourceLimits, c.path+".resources.limits",
				"HostProcess container %s must set resources.limits for %s", c, strings.Join(missing, ", ")))
		}
	}
	return out
}
