package reference

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/policygen/policygen/internal/violation"
)

const (
	osLabel = "kubernetes.io/os" // the node label that names the node's OS
	windows = "windows"          // as Kubernetes spells it; "Windows" is another value
)

// checkWindowsNode is rule 6: a HostProcess pod must be placed on Windows
// nodes. A place that names another OS wins over one that names windows.
func checkWindowsNode(p *pod, _ Params) []violation.Violation {
	if !p.isHostProcessPod() {
		return nil
	}
	s := p.spec
	switch selected, hasSelector := s.NodeSelector[osLabel]; {
	case s.OS != nil && string(s.OS.Name) != windows:
		return []violation.Violation{violated(RuleWindowsNode, p.field("os.name"),
			"a HostProcess pod must run on Windows, but os.name is %q", s.OS.Name)}
	case hasSelector && selected != windows:
		return []violation.Violation{violated(RuleWindowsNode, p.field("nodeSelector['kubernetes.io/os']"),
			"a HostProcess pod must run on Windows, but nodeSelector kubernetes.io/os is %q", selected)}
	case !placedOnWindows(s):
		return []violation.Violation{violated(RuleWindowsNode, p.field("os.name"),
			"a HostProcess pod must be placed on Windows nodes: set os.name: windows, nodeSelector kubernetes.io/os: windows, or a required node affinity on kubernetes.io/os In [windows]")}
	}
	return nil
}

// placedOnWindows: one of the three places says windows.
func placedOnWindows(s *corev1.PodSpec) bool {
	if s.OS != nil && s.OS.Name == windows {
		return true
	}
	if s.NodeSelector[osLabel] == windows {
		return true
	}
	return requiredAffinityIsWindows(s.Affinity)
}

// requiredAffinityIsWindows: a required node affinity with at least one
// term, every term selecting kubernetes.io/os In ["windows"] (terms are ORed,
// so one term without it would let the pod onto any node).
func requiredAffinityIsWindows(a *corev1.Affinity) bool {
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return false
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		return false
	}
	for _, t := range terms {
		if !termSelectsWindows(t) {
			return false
		}
	}
	return true
}

func termSelectsWindows(t corev1.NodeSelectorTerm) bool {
	for _, e := range t.MatchExpressions {
		if e.Key == osLabel && e.Operator == corev1.NodeSelectorOpIn && len(e.Values) == 1 && e.Values[0] == windows {
			return true
		}
	}
	return false
}
