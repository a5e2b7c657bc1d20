package generate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// podSpec makes a random pod spec. The pod-level hostProcess is true about
// half the time, and containers set their own often, in agreement and in
// contradiction, so that HostProcess pods of every shape come up.
func (g *Generator) podSpec() corev1.PodSpec {
	r := g.rng
	var s corev1.PodSpec
	s.SecurityContext = g.podSecurityContext()
	for i := range count(r, 4, 45, 30, 12, 9) {
		s.Containers = append(s.Containers, g.container(fmt.Sprintf("app%d", i)))
	}
	for i := range count(r, 55, 25, 10, 5, 5) {
		s.InitContainers = append(s.InitContainers, g.container(fmt.Sprintf("init%d", i)))
	}
	for i := range count(r, 70, 15, 8, 4, 3) {
		c := g.container(fmt.Sprintf("debug%d", i))
		s.EphemeralContainers = append(s.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(c)})
	}
	s.HostNetwork = chance(r, 0.6)
	g.placement(&s)
	for i := range count(r, 40, 25, 15, 10, 10) {
		s.Volumes = append(s.Volumes, g.volume(fmt.Sprintf("vol%d", i)))
	}
	return s
}

// podSecurityContext: unset, empty, or with windowsOptions and runAsNonRoot
// each set, unset or contradicting the containers.
func (g *Generator) podSecurityContext() *corev1.PodSecurityContext {
	r := g.rng
	if chance(r, 0.1) {
		return nil
	}
	sc := &corev1.PodSecurityContext{RunAsNonRoot: g.optBool(0.6, 0.25)}
	if !chance(r, 0.1) {
		sc.WindowsOptions = &corev1.WindowsSecurityContextOptions{
			HostProcess:   g.optBool(0.3, 0.55),
			RunAsUserName: g.optName(0.65),
		}
	}
	return sc
}

// container makes one container with a random image, security context and
// limits.
func (g *Generator) container(name string) corev1.Container {
	r := g.rng
	c := corev1.Container{Name: name, Image: pick(r, images)}
	if !chance(r, 0.25) {
		c.SecurityContext = &corev1.SecurityContext{RunAsNonRoot: g.optBool(0.7, 0.2)}
		if !chance(r, 0.15) {
			c.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{
				HostProcess:   g.optBool(0.5, 0.7),
				RunAsUserName: g.optName(0.45),
			}
		}
	}
	if l := pick(r, limitSets); l != nil {
		c.Resources.Limits = l.DeepCopy()
	}
	if chance(r, 0.2) {
		c.Resources.Requests = pick(r, limitSets).DeepCopy()
	}
	return c
}

// optBool is unset with probability unset, else true with probability pTrue.
func (g *Generator) optBool(unset, pTrue float64) *bool {
	if chance(g.rng, unset) {
		return nil
	}
	return ptr(chance(g.rng, pTrue))
}

// optName is an account name, unset with probability unset.
func (g *Generator) optName(unset float64) *string {
	if chance(g.rng, unset) {
		return nil
	}
	return ptr(pick(g.rng, accountNames))
}

// placement sets os, nodeSelector and node affinity independently, so that
// they agree, contradict, or are missing in every combination.
func (g *Generator) placement(s *corev1.PodSpec) {
	r := g.rng
	if chance(r, 0.55) {
		s.OS = &corev1.PodOS{Name: pick(r, osNames)}
	}
	switch count(r, 40, 35, 15, 10) {
	case 1:
		s.NodeSelector = map[string]string{"kubernetes.io/os": pick(r, osSelectorValues)}
	case 2:
		s.NodeSelector = map[string]string{"kubernetes.io/os": pick(r, osSelectorValues), "agentpool": "win"}
	case 3:
		s.NodeSelector = map[string]string{"beta.kubernetes.io/os": "windows"}
	}
	if chance(r, 0.35) {
		s.Affinity = g.affinity()
	}
}

// affinity makes a node affinity: required with zero to three terms, each
// term selecting windows rightly or in one of the ways that does not count.
func (g *Generator) affinity() *corev1.Affinity {
	r := g.rng
	na := &corev1.NodeAffinity{}
	if chance(r, 0.2) {
		na.PreferredDuringSchedulingIgnoredDuringExecution = []corev1.PreferredSchedulingTerm{
			{Weight: 1, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{windowsIn()}}},
		}
	}
	if chance(r, 0.9) {
		req := &corev1.NodeSelector{}
		for range count(r, 10, 50, 30, 10) {
			req.NodeSelectorTerms = append(req.NodeSelectorTerms, g.term())
		}
		na.RequiredDuringSchedulingIgnoredDuringExecution = req
	}
	return &corev1.Affinity{NodeAffinity: na}
}

// term is one nodeSelectorTerm, selecting windows rightly about half the time.
func (g *Generator) term() corev1.NodeSelectorTerm {
	r := g.rng
	other := corev1.NodeSelectorRequirement{Key: "agentpool", Operator: corev1.NodeSelectorOpIn, Values: []string{"win"}}
	var t corev1.NodeSelectorTerm
	switch count(r, 45, 10, 5, 5, 5, 5, 5, 5, 5, 10) {
	case 0:
		t.MatchExpressions = []corev1.NodeSelectorRequirement{windowsIn()}
	case 1:
		t.MatchExpressions = []corev1.NodeSelectorRequirement{other, windowsIn()}
	case 2:
		e := windowsIn()
		e.Values = []string{"windows", "linux"}
		t.MatchExpressions = []corev1.NodeSelectorRequirement{e}
	case 3:
		e := windowsIn()
		e.Operator = corev1.NodeSelectorOpNotIn
		e.Values = []string{"linux"}
		t.MatchExpressions = []corev1.NodeSelectorRequirement{e}
	case 4:
		e := windowsIn()
		e.Values = []string{"Windows"}
		t.MatchExpressions = []corev1.NodeSelectorRequirement{e}
	case 5:
		e := windowsIn()
		e.Key = "beta.kubernetes.io/os"
		t.MatchExpressions = []corev1.NodeSelectorRequirement{e}
	case 6:
		t.MatchFields = []corev1.NodeSelectorRequirement{windowsIn()}
	case 7:
		e := windowsIn()
		e.Values = []string{"windows", "windows"}
		t.MatchExpressions = []corev1.NodeSelectorRequirement{e}
	case 8:
		e := windowsIn()
		e.Values = []string{"linux"}
		t.MatchExpressions = []corev1.NodeSelectorRequirement{e}
	case 9:
		t.MatchExpressions = []corev1.NodeSelectorRequirement{other}
	}
	return t
}

func windowsIn() corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: "kubernetes.io/os", Operator: corev1.NodeSelectorOpIn, Values: []string{"windows"}}
}

// volume is a hostPath volume of any type and path most of the time, else
// another kind of volume.
func (g *Generator) volume(name string) corev1.Volume {
	r := g.rng
	v := corev1.Volume{Name: name}
	switch count(r, 75, 15, 10) {
	case 0:
		v.HostPath = &corev1.HostPathVolumeSource{Path: pick(r, hostPaths), Type: pick(r, hostPathTypes)}
	case 1:
		v.EmptyDir = &corev1.EmptyDirVolumeSource{}
	case 2:
		v.ConfigMap = &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}
	}
	return v
}
