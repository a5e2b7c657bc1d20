package reference

import (
	"fmt"
	"strings"

	"github.com/policygen/policygen/internal/violation"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// oneMi is the smallest memory limit the runtime applies: it rounds a
// memory limit down to whole MiB.
var oneMi = resource.MustParse("1Mi")

// limitKey names one limit of one container.
type limitKey struct{ container, resource string }

// limitNote is a limit as written that the typed form cannot hold as it is
// (see sanitize): whether it counts as set, and why not.
type limitNote struct {
	counts bool
	why    string
}

// checkResourceLimits is rule 8: HostProcess containers have nothing but
// job-object limits around them. A limit counts only when it is a quantity
// greater than zero, and for memory at least 1Mi. Ephemeral containers are
// not checked: the API server forbids them to set resources.
func checkResourceLimits(p *pod, params Params) []violation.Violation {
	var out []violation.Violation
	for _, c := range p.hostProcessContainers() {
		if c.ephemeral() {
			continue
		}
		var missing, why []string
		for _, name := range params.RequiredLimits {
			ok, reason := p.limitCounts(c, name)
			if !ok {
				missing = append(missing, name)
				if reason != "" {
					why = append(why, reason)
				}
			}
		}
		if len(missing) > 0 {
			msg := fmt.Sprintf("HostProcess container %s must set resources.limits for %s", c, strings.Join(missing, ", "))
			if len(why) > 0 {
				msg += " (" + strings.Join(why, "; ") + ")"
			}
			out = append(out, violated(RuleResourceLimits, c.path+".resources.limits", "%s", msg))
		}
	}
	return out
}

// limitCounts judges one required limit of c, and says why it does not
// count when it is written but not a limit.
func (p *pod) limitCounts(c container, name string) (bool, string) {
	if n, ok := p.limitNotes[limitKey{c.path, name}]; ok {
		return n.counts, n.why
	}
	q, ok := c.c.Resources.Limits[corev1.ResourceName(name)]
	if !ok {
		return false, ""
	}
	return quantityCounts(name, q.String(), q)
}

// quantityCounts judges a parsed limit: greater than zero, and for memory
// at least 1Mi.
func quantityCounts(name, written string, q resource.Quantity) (bool, string) {
	switch {
	case q.Sign() == 0:
		return false, fmt.Sprintf("%s %q is zero: no limit applies", name, written)
	case q.Sign() < 0:
		return false, fmt.Sprintf("%s %q is negative: no limit applies", name, written)
	case name == string(corev1.ResourceMemory) && q.Cmp(oneMi) < 0:
		return false, fmt.Sprintf("%s %q is below 1Mi: the runtime rounds it down to no limit", name, written)
	}
	return true, ""
}
