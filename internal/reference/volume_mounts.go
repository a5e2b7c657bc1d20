package reference

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/policygen/policygen/internal/violation"

	corev1 "k8s.io/api/core/v1"
)

// checkVolumeMounts is rule 7: named pipes and Unix domain sockets cannot be
// mounted into a HostProcess container. Only volumes that some container
// mounts count: a volume no container mounts never reaches the runtime.
func checkVolumeMounts(p *pod, _ Params) []violation.Violation {
	if !p.isHostProcessPod() {
		return nil
	}
	mounted := map[string]bool{}
	for _, c := range p.containers {
		for _, m := range c.c.VolumeMounts {
			mounted[m.Name] = true
		}
	}
	var out []violation.Violation
	for i, v := range p.spec.Volumes {
		hp := v.HostPath
		// The typed form cannot tell a name "" from a missing one; Decode
		// refuses an explicit "", so "" here is a name that is not there.
		if hp == nil || v.Name == "" || !mounted[v.Name] {
			continue
		}
		field := p.field(fmt.Sprintf("volumes[%d].hostPath", i))
		switch {
		case hp.Type != nil && *hp.Type == corev1.HostPathSocket:
			out = append(out, violated(RuleVolumeMounts, field,
				"volume %q mounts a Unix domain socket (%q, type Socket) into a HostProcess container; use it through its host path", v.Name, hp.Path))
		case isSocketPath(hp.Path):
			out = append(out, violated(RuleVolumeMounts, field,
				"volume %q mounts the Unix domain socket %q into a HostProcess container; use it through its host path", v.Name, hp.Path))
		case isNamedPipe(hp.Path):
			out = append(out, violated(RuleVolumeMounts, field,
				"volume %q mounts the named pipe %q into a HostProcess container; use it through its host path", v.Name, hp.Path))
		}
	}
	return out
}

// namedPipe: two separators, a host name, a separator, "pipe" in any case
// and a separator; a separator is \ or / in any mix (containerd cleans / to \).
var namedPipe = regexp.MustCompile(`^[\\/]{2}[^\\/]+[\\/][pP][iI][pP][eE][\\/]`)

func isNamedPipe(path string) bool { return namedPipe.MatchString(path) }

// isSocketPath: the path ends in .sock, case ignored.
func isSocketPath(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".sock") }
