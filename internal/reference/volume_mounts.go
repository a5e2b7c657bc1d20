package reference

import (
	"fmt"
	"strings"

	"github.com/policygen/policygen/internal/violation"

	corev1 "k8s.io/api/core/v1"
)

// checkVolumeMounts is rule 7: named pipes and Unix domain sockets cannot be
// mounted into a HostProcess container.
func checkVolumeMounts(p *pod, _ Params) []violation.Violation {
	if !p.isHostProcessPod() {
		return nil
	}
	var out []violation.Violation
	for i, v := range p.spec.Volumes {
		hp := v.HostPath
		if hp == nil {
			continue
		}
		field := p.field(fmt.Sprintf("volumes[%d].hostPath", i))
		switch {
		case hp.Type != nil && *hp.Type == corev1.HostPathSocket:
			out = append(out, violated(RuleVolumeMounts, field,
				"volume %q mounts a Unix domain socket (%q) into a HostProcess pod; use it through its host path", v.Name, hp.Path))
		case isNamedPipe(hp.Path):
			out = append(out, violated(RuleVolumeMounts, field,
				"volume %q mounts the named pipe %q into a HostProcess pod; use it through its host path", v.Name, hp.Path))
		}
	}
	return out
}

// isNamedPipe: the path starts with \\.\pipe\ or //./pipe/, case ignored.
func isNamedPipe(path string) bool {
	l := strings.ToLower(path)
	return strings.HasPrefix(l, `\\.\pipe\`) || strings.HasPrefix(l, `//./pipe/`)
}
