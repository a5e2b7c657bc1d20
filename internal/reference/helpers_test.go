package reference

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The builders below make the objects of the unit tests: hpPod is a
// HostProcess pod that every hardening rule accepts under the default
// parameters; options change one thing each.

var (
	yes = ptr(true)
	no  = ptr(false)
)

func ptr[T any](v T) *T { return &v }

const kubeProxy = "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0"

type podOpt func(*corev1.PodSpec)
type ctrOpt func(*corev1.Container)

func hpPod(opts ...podOpt) *corev1.Pod {
	s := corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{WindowsOptions: &corev1.WindowsSecurityContextOptions{
			HostProcess: yes, RunAsUserName: ptr(`NT AUTHORITY\LOCAL SERVICE`),
		}},
		HostNetwork:  true,
		OS:           &corev1.PodOS{Name: "windows"},
		NodeSelector: map[string]string{"kubernetes.io/os": "windows"},
		Containers:   []corev1.Container{ctr("app")},
	}
	for _, o := range opts {
		o(&s)
	}
	return &corev1.Pod{Spec: s}
}

// plainPod is an ordinary Linux pod: no rule applies to it.
func plainPod(opts ...podOpt) *corev1.Pod {
	s := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}, OS: &corev1.PodOS{Name: "linux"}}
	for _, o := range opts {
		o(&s)
	}
	return &corev1.Pod{Spec: s}
}

// ctr is a container with the kube-proxy image and cpu and memory limits.
func ctr(name string, opts ...ctrOpt) corev1.Container {
	c := corev1.Container{Name: name, Image: kubeProxy, Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"),
	}}}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func podWindows(s *corev1.PodSpec) *corev1.WindowsSecurityContextOptions {
	if s.SecurityContext == nil {
		s.SecurityContext = &corev1.PodSecurityContext{}
	}
	if s.SecurityContext.WindowsOptions == nil {
		s.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{}
	}
	return s.SecurityContext.WindowsOptions
}

func ctrWindows(c *corev1.Container) *corev1.WindowsSecurityContextOptions {
	if c.SecurityContext == nil {
		c.SecurityContext = &corev1.SecurityContext{}
	}
	if c.SecurityContext.WindowsOptions == nil {
		c.SecurityContext.WindowsOptions = &corev1.WindowsSecurityContextOptions{}
	}
	return c.SecurityContext.WindowsOptions
}

func podHostProcess(v *bool) podOpt  { return func(s *corev1.PodSpec) { podWindows(s).HostProcess = v } }
func podUser(v *string) podOpt       { return func(s *corev1.PodSpec) { podWindows(s).RunAsUserName = v } }
func podUserName(name string) podOpt { return podUser(&name) }
func hostNetwork(v bool) podOpt      { return func(s *corev1.PodSpec) { s.HostNetwork = v } }
func osName(name string) podOpt {
	return func(s *corev1.PodSpec) { s.OS = &corev1.PodOS{Name: corev1.OSName(name)} }
}
func noOS() podOpt                  { return func(s *corev1.PodSpec) { s.OS = nil } }
func nodeSelector(os string) podOpt { return selector("kubernetes.io/os", os) }

// selector sets the nodeSelector to the given key and value pairs.
func selector(kv ...string) podOpt {
	return func(s *corev1.PodSpec) {
		s.NodeSelector = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			s.NodeSelector[kv[i]] = kv[i+1]
		}
	}
}
func noSelector() podOpt                       { return func(s *corev1.PodSpec) { s.NodeSelector = nil } }
func containers(cs ...corev1.Container) podOpt { return func(s *corev1.PodSpec) { s.Containers = cs } }
func inits(cs ...corev1.Container) podOpt      { return func(s *corev1.PodSpec) { s.InitContainers = cs } }

func ephemerals(cs ...corev1.Container) podOpt {
	return func(s *corev1.PodSpec) {
		for _, c := range cs {
			s.EphemeralContainers = append(s.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(c)})
		}
	}
}

func podRunAsNonRoot(v *bool) podOpt {
	return func(s *corev1.PodSpec) {
		if s.SecurityContext == nil {
			s.SecurityContext = &corev1.PodSecurityContext{}
		}
		s.SecurityContext.RunAsNonRoot = v
	}
}

func volumes(vs ...corev1.Volume) podOpt { return func(s *corev1.PodSpec) { s.Volumes = vs } }

// mountedVolumes sets the volumes and mounts each into the first container.
func mountedVolumes(vs ...corev1.Volume) podOpt {
	return func(s *corev1.PodSpec) {
		s.Volumes = vs
		for _, v := range vs {
			s.Containers[0].VolumeMounts = append(s.Containers[0].VolumeMounts, corev1.VolumeMount{Name: v.Name, MountPath: `C:\` + v.Name})
		}
	}
}

func mounts(names ...string) ctrOpt {
	return func(c *corev1.Container) {
		for _, n := range names {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: n, MountPath: `C:\` + n})
		}
	}
}

// annotated sets one annotation on a Pod's metadata.
func annotated(p *corev1.Pod, key, value string) *corev1.Pod {
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations[key] = value
	return p
}

func hostPathVolume(name, path string, typ *corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: typ}}}
}

// affinity is a required node affinity with the given terms.
func affinity(terms ...corev1.NodeSelectorTerm) podOpt {
	return func(s *corev1.PodSpec) {
		s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
		}}
	}
}

func term(exprs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
	return corev1.NodeSelectorTerm{MatchExpressions: exprs}
}

func expr(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

func ctrHostProcess(v *bool) ctrOpt {
	return func(c *corev1.Container) { ctrWindows(c).HostProcess = v }
}
func ctrUserName(n string) ctrOpt {
	return func(c *corev1.Container) { ctrWindows(c).RunAsUserName = &n }
}
func image(i string) ctrOpt { return func(c *corev1.Container) { c.Image = i } }
func noLimits() ctrOpt {
	return func(c *corev1.Container) { c.Resources = corev1.ResourceRequirements{} }
}

func ctrRunAsNonRoot(v *bool) ctrOpt {
	return func(c *corev1.Container) {
		if c.SecurityContext == nil {
			c.SecurityContext = &corev1.SecurityContext{}
		}
		c.SecurityContext.RunAsNonRoot = v
	}
}

// limits sets the named limits to 1, and memory to 1Gi.
func limits(names ...corev1.ResourceName) ctrOpt {
	return func(c *corev1.Container) {
		c.Resources.Limits = corev1.ResourceList{}
		for _, n := range names {
			c.Resources.Limits[n] = resource.MustParse("1")
			if n == corev1.ResourceMemory {
				c.Resources.Limits[n] = resource.MustParse("1Gi")
			}
		}
	}
}

// limit sets one limit to a quantity.
func limit(name corev1.ResourceName, q string) ctrOpt {
	return func(c *corev1.Container) { c.Resources.Limits[name] = resource.MustParse(q) }
}
