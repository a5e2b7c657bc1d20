package reference

import (
	"strings"

	"github.com/policygen/policygen/internal/violation"
)

// checkAllowed is rule 1, the guard: hostProcess: true only for allowed
// images. With no allowedImages it forbids every hostProcess: true, which is
// Pod Security Admission's Baseline check windowsHostProcess.
func checkAllowed(p *pod, params Params) []violation.Violation {
	var out []violation.Violation
	if isTrue(p.podHostProcess()) {
		var denied []string
		for _, c := range p.containers {
			if !imageAllowed(c.c.Image, params.AllowedImages) {
				denied = append(denied, c.String())
			}
		}
		field := p.field("securityContext.windowsOptions.hostProcess")
		switch {
		case len(p.containers) == 0:
			// Nothing the pod-level setting applies to can be allowed.
			out = append(out, violated(RuleAllowed, field, "pod-level hostProcess: true is not allowed: the pod has no containers whose images could be allowed"))
		case len(denied) > 0:
			out = append(out, violated(RuleAllowed, field, "pod-level hostProcess: true is not allowed for the images of %s", strings.Join(denied, ", ")))
		}
	}
	for _, c := range p.containers {
		if isTrue(ownHostProcess(c)) && !imageAllowed(c.c.Image, params.AllowedImages) {
			out = append(out, violated(RuleAllowed, c.path+".securityContext.windowsOptions.hostProcess",
				"%s sets hostProcess: true with image %q, which is not in allowedImages", c, c.c.Image))
		}
	}
	return out
}

// imageAllowed: an entry matches exactly, or as a prefix when it ends in
// "*" (only the one final "*" is special). A missing image is never allowed.
func imageAllowed(image string, allowed []string) bool {
	if image == "" {
		return false
	}
	for _, a := range allowed {
		if prefix, ok := strings.CutSuffix(a, "*"); ok {
			if strings.HasPrefix(image, prefix) {
				return true
			}
		} else if image == a {
			return true
		}
	}
	return false
}
