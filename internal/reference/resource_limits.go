package reference

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/policygen/policygen/internal/harness"
)

// checkResourceLimits is rule 8: HostProcess containers have nothing but
// job-object limits around them. Ephemeral containers are not checked: the
// API server forbids them to set resources.
func checkResourceLimits(p *pod, params Params) []harness.Violation {
	var out []harness.Violation
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
			out = append(out, violation(RuleResourceLimits, c.path+".resources.limits",
				"HostProcess container %s must set resources.limits for %s", c, strings.Join(missing, ", ")))
		}
	}
	return out
}
