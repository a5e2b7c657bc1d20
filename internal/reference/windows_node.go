package reference

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"

	"github.com/policygen/policygen/internal/violation"
)

const (
	osLabel           = "kubernetes.io/os"                 // the node label that names the node's OS
	betaOSLabel       = "beta.kubernetes.io/os"            // its older spelling, still set on nodes
	windowsBuildLabel = "node.kubernetes.io/windows-build" // a label only Windows nodes carry
	windows           = "windows"                          // as Kubernetes spells it; "Windows" is another value
)

// checkWindowsNode is rule 6: a HostProcess pod must be scheduled onto
// Windows nodes and name no other OS. os.name does not place a pod (the
// scheduler ignores it); with requireOSName it is required as well. At most
// one violation per pod spec: the first of these that holds.
func checkWindowsNode(p *pod, params Params) []violation.Violation {
	if !p.isHostProcessPod() {
		return nil
	}
	s := p.spec
	osNameWindows := s.OS != nil && s.OS.Name == windows
	one := func(field, format string, args ...any) []violation.Violation {
		return []violation.Violation{violated(RuleWindowsNode, field, format, args...)}
	}
	if s.OS != nil && !osNameWindows {
		return one(p.field("os.name"), "a HostProcess pod must run on Windows, but os.name is %q", s.OS.Name)
	}
	for _, label := range []string{osLabel, betaOSLabel} {
		if v, ok := s.NodeSelector[label]; ok && v != windows {
			return one(p.field(fmt.Sprintf("nodeSelector[%q]", label)),
				"a HostProcess pod must run on Windows, but nodeSelector %s is %q", label, v)
		}
	}
	selectorField := p.field(fmt.Sprintf("nodeSelector[%q]", osLabel))
	if !placedOnWindows(s) {
		how := "set nodeSelector kubernetes.io/os: windows (or a required node affinity that restricts the node to Windows); a RuntimeClass's scheduling is not visible here, so set the pod's own nodeSelector too"
		switch {
		case osNameWindows:
			return one(selectorField, "a HostProcess pod must be placed on Windows nodes: os.name: windows does not place the pod (the scheduler ignores it); %s", how)
		case params.RequireOSName:
			return one(selectorField, "a HostProcess pod must be placed on Windows nodes and set os.name: windows, which is missing: %s", how)
		}
		return one(selectorField, "a HostProcess pod must be placed on Windows nodes: %s", how)
	}
	if params.RequireOSName && !osNameWindows {
		return one(p.field("os.name"), "a HostProcess pod must set os.name: windows (requireOSName), so that the API server applies its Windows validation and a Linux kubelet rejects it")
	}
	return nil
}

// placedOnWindows: the nodeSelector or the required node affinity restricts
// the pod to Windows nodes.
func placedOnWindows(s *corev1.PodSpec) bool {
	if s.NodeSelector[osLabel] == windows || s.NodeSelector[betaOSLabel] == windows {
		return true
	}
	if s.NodeSelector[windowsBuildLabel] != "" {
		return true
	}
	return requiredAffinityIsWindows(s.Affinity)
}

// requiredAffinityIsWindows: a required node affinity with at least one
// term, every term restricting the node to Windows (terms are ORed, so one
// term without it would let the pod onto any node).
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

// termSelectsWindows: one of the term's matchExpressions restricts the node
// to Windows (matchFields select node fields, not labels).
func termSelectsWindows(t corev1.NodeSelectorTerm) bool {
	for _, e := range t.MatchExpressions {
		switch e.Key {
		case osLabel, betaOSLabel:
			if e.Operator == corev1.NodeSelectorOpIn && len(e.Values) == 1 && e.Values[0] == windows {
				return true
			}
			if e.Operator == corev1.NodeSelectorOpNotIn && slices.Contains(e.Values, "linux") {
				return true
			}
		case windowsBuildLabel:
			if e.Operator == corev1.NodeSelectorOpExists {
				return true
			}
			if e.Operator == corev1.NodeSelectorOpIn && len(e.Values) > 0 {
				return true
			}
		}
	}
	return false
}
