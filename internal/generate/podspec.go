package generate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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
	g.mount(&s)
	return s
}

// mount makes containers of any list mount most volumes, so that a volume
// is mounted by one container, by several, or by none, and now and then a
// container mounts a volume that is not there.
func (g *Generator) mount(s *corev1.PodSpec) {
	r := g.rng
	var all []*corev1.Container
	for i := range s.Containers {
		all = append(all, &s.Containers[i])
	}
	for i := range s.InitContainers {
		all = append(all, &s.InitContainers[i])
	}
	for i := range s.EphemeralContainers {
		all = append(all, (*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon))
	}
	if len(all) == 0 {
		return
	}
	add := func(name string) {
		c := pick(r, all)
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: `C:\mnt\` + name})
	}
	for _, v := range s.Volumes {
		for range count(r, 30, 55, 15) {
			add(v.Name)
		}
	}
	if chance(r, 0.1) {
		add(pick(r, []string{"ghost", "VOL0"}))
	}
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
		if chance(r, 0.35) {
			// One limit of any value: zero, tiny, negative, any spelling.
			name := pick(r, []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceMemory, corev1.ResourceEphemeralStorage})
			c.Resources.Limits[name] = resource.MustParse(pick(r, quantities))
		}
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
// they agree, contradict, or are missing in every combination: os.name
// alone, the os and beta os labels, the windows-build label.
func (g *Generator) placement(s *corev1.PodSpec) {
	r := g.rng
	if chance(r, 0.5) {
		s.OS = &corev1.PodOS{Name: pick(r, osNames)}
	}
	switch count(r, 35, 25, 10, 8, 8, 7, 7) {
	case 1:
		s.NodeSelector = map[string]string{"kubernetes.io/os": pick(r, osSelectorValues)}
	case 2:
		s.NodeSelector = map[string]string{"kubernetes.io/os": pick(r, osSelectorValues), "agentpool": "win"}
	case 3:
		s.NodeSelector = map[string]string{"beta.kubernetes.io/os": pick(r, betaSelectorValues)}
	case 4:
		s.NodeSelector = map[string]string{"node.kubernetes.io/windows-build": pick(r, windowsBuilds)}
	case 5:
		s.NodeSelector = map[string]string{"kubernetes.io/os": pick(r, osSelectorValues), "beta.kubernetes.io/os": pick(r, betaSelectorValues)}
	case 6:
		s.NodeSelector = map[string]string{"agentpool": "win"}
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

// term is one nodeSelectorTerm, restricting the node to Windows rightly
// about half the time, in each way the rules page counts, else in a way
// that does not count.
func (g *Generator) term() corev1.NodeSelectorTerm {
	r := g.rng
	other := corev1.NodeSelectorRequirement{Key: "agentpool", Operator: corev1.NodeSelectorOpIn, Values: []string{"win"}}
	req := func(key string, op corev1.NodeSelectorOperator, values ...string) []corev1.NodeSelectorRequirement {
		return []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}
	}
	const build = "node.kubernetes.io/windows-build"
	var t corev1.NodeSelectorTerm
	switch count(r, 30, 10, 5, 5, 5, 5, 5, 5, 5, 10, 4, 4, 4, 4, 4, 3, 3, 3, 3) {
	case 0:
		t.MatchExpressions = []corev1.NodeSelectorRequirement{windowsIn()}
	case 1:
		t.MatchExpressions = []corev1.NodeSelectorRequirement{other, windowsIn()}
	case 2:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows", "linux")
	case 3:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpNotIn, "linux")
	case 4:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpIn, "Windows")
	case 5:
		t.MatchExpressions = req("beta.kubernetes.io/os", corev1.NodeSelectorOpIn, "windows")
	case 6:
		t.MatchFields = []corev1.NodeSelectorRequirement{windowsIn()}
	case 7:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows", "windows")
	case 8:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpIn, "linux")
	case 9:
		t.MatchExpressions = []corev1.NodeSelectorRequirement{other}
	case 10:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpNotIn, "darwin", "linux")
	case 11:
		t.MatchExpressions = req("beta.kubernetes.io/os", corev1.NodeSelectorOpNotIn, pick(r, []string{"linux", "darwin", "Linux"}))
	case 12:
		t.MatchExpressions = req(build, corev1.NodeSelectorOpExists)
	case 13:
		t.MatchExpressions = req(build, corev1.NodeSelectorOpIn, "10.0.20348")
	case 14:
		t.MatchExpressions = req(build, corev1.NodeSelectorOpIn)
	case 15:
		t.MatchExpressions = req(build, corev1.NodeSelectorOpDoesNotExist)
	case 16:
		t.MatchExpressions = req("kubernetes.io/os", corev1.NodeSelectorOpExists)
	case 17:
		t.MatchExpressions = req("kubernetes.io/OS", corev1.NodeSelectorOpIn, "windows")
	case 18:
		t.MatchExpressions = req(build, corev1.NodeSelectorOpNotIn, "10.0.17763")
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
