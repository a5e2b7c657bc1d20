package generate

import (
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/reference"
)

// Shrink returns a smaller object for which disagrees still holds: it tries
// removing containers, volumes and fields one at a time, keeps each removal
// after which disagrees still holds, and stops when no removal does. It
// first tries the same pod spec in a Pod. disagrees must hold for obj.
func Shrink(obj runtime.Object, disagrees func(runtime.Object) bool) runtime.Object {
	cur := obj.DeepCopyObject()
	if spec, _, ok := reference.PodSpecOf(cur); ok {
		if _, isPod := cur.(*corev1.Pod); !isPod {
			var m metav1.ObjectMeta
			if a, err := meta.Accessor(cur); err == nil {
				m.Name, m.Namespace = a.GetName(), a.GetNamespace()
			}
			if pm, _, ok := reference.PodMetaOf(cur); ok {
				m.Annotations = maps.Clone(pm.Annotations)
			}
			if p := asPod(m, *spec.DeepCopy()); disagrees(p) {
				cur = p
			}
		}
	}
	for {
		next, ok := shrinkStep(cur, disagrees)
		if !ok {
			return cur
		}
		cur = next
	}
}

// shrinkStep applies the first removal that keeps disagrees true.
func shrinkStep(cur runtime.Object, disagrees func(runtime.Object) bool) (runtime.Object, bool) {
	spec, _, ok := reference.PodSpecOf(cur)
	if !ok {
		return nil, false
	}
	for _, cut := range cuts(spec) {
		next := cur.DeepCopyObject()
		s, _, _ := reference.PodSpecOf(next)
		cut(s)
		if disagrees(next) {
			return next, true
		}
	}
	if m, _, ok := reference.PodMetaOf(cur); ok {
		for _, k := range slices.Sorted(maps.Keys(m.Annotations)) {
			next := cur.DeepCopyObject()
			nm, _, _ := reference.PodMetaOf(next)
			delete(nm.Annotations, k)
			if len(nm.Annotations) == 0 {
				nm.Annotations = nil
			}
			if disagrees(next) {
				return next, true
			}
		}
	}
	return nil, false
}

// cuts lists every removal that changes spec: whole parts first, so that
// the big steps are tried before the small ones.
func cuts(spec *corev1.PodSpec) []func(*corev1.PodSpec) {
	var out []func(*corev1.PodSpec)
	add := func(applies bool, cut func(*corev1.PodSpec)) {
		if applies {
			out = append(out, cut)
		}
	}
	for _, list := range containerLists {
		for i := range listLen(spec, list) {
			add(true, func(s *corev1.PodSpec) { removeContainer(s, list, i) })
		}
	}
	for i := range spec.Volumes {
		add(true, func(s *corev1.PodSpec) { s.Volumes = append(s.Volumes[:i], s.Volumes[i+1:]...) })
	}
	add(spec.SecurityContext != nil, func(s *corev1.PodSpec) { s.SecurityContext = nil })
	add(spec.Affinity != nil, func(s *corev1.PodSpec) { s.Affinity = nil })
	add(spec.NodeSelector != nil, func(s *corev1.PodSpec) { s.NodeSelector = nil })
	add(spec.OS != nil, func(s *corev1.PodSpec) { s.OS = nil })
	add(spec.HostNetwork, func(s *corev1.PodSpec) { s.HostNetwork = false })
	if sc := spec.SecurityContext; sc != nil {
		add(sc.RunAsNonRoot != nil, func(s *corev1.PodSpec) { s.SecurityContext.RunAsNonRoot = nil })
		add(sc.WindowsOptions != nil, func(s *corev1.PodSpec) { s.SecurityContext.WindowsOptions = nil })
		if wo := sc.WindowsOptions; wo != nil {
			add(wo.HostProcess != nil, func(s *corev1.PodSpec) { s.SecurityContext.WindowsOptions.HostProcess = nil })
			add(wo.RunAsUserName != nil, func(s *corev1.PodSpec) { s.SecurityContext.WindowsOptions.RunAsUserName = nil })
		}
	}
	for _, k := range slices.Sorted(maps.Keys(spec.NodeSelector)) {
		add(true, func(s *corev1.PodSpec) { delete(s.NodeSelector, k) })
	}
	if a := spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		for j := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
			add(true, func(s *corev1.PodSpec) {
				req := s.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
				req.NodeSelectorTerms = append(req.NodeSelectorTerms[:j], req.NodeSelectorTerms[j+1:]...)
			})
		}
		add(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution != nil, func(s *corev1.PodSpec) {
			s.Affinity.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = nil
		})
	}
	for _, list := range containerLists {
		for i := range listLen(spec, list) {
			out = append(out, containerCuts(containerAt(spec, list, i), list, i)...)
		}
	}
	return out
}

// containerCuts lists the removals inside one container.
func containerCuts(c *corev1.Container, list string, i int) []func(*corev1.PodSpec) {
	var out []func(*corev1.PodSpec)
	at := func(s *corev1.PodSpec) *corev1.Container { return containerAt(s, list, i) }
	add := func(applies bool, cut func(*corev1.Container)) {
		if applies {
			out = append(out, func(s *corev1.PodSpec) { cut(at(s)) })
		}
	}
	add(c.SecurityContext != nil, func(c *corev1.Container) { c.SecurityContext = nil })
	add(c.Resources.Limits != nil || c.Resources.Requests != nil, func(c *corev1.Container) { c.Resources = corev1.ResourceRequirements{} })
	add(c.Image != "", func(c *corev1.Container) { c.Image = "" })
	if sc := c.SecurityContext; sc != nil {
		add(sc.RunAsNonRoot != nil, func(c *corev1.Container) { c.SecurityContext.RunAsNonRoot = nil })
		add(sc.WindowsOptions != nil, func(c *corev1.Container) { c.SecurityContext.WindowsOptions = nil })
		if wo := sc.WindowsOptions; wo != nil {
			add(wo.HostProcess != nil, func(c *corev1.Container) { c.SecurityContext.WindowsOptions.HostProcess = nil })
			add(wo.RunAsUserName != nil, func(c *corev1.Container) { c.SecurityContext.WindowsOptions.RunAsUserName = nil })
		}
	}
	add(c.Resources.Requests != nil, func(c *corev1.Container) { c.Resources.Requests = nil })
	add(c.VolumeMounts != nil, func(c *corev1.Container) { c.VolumeMounts = nil })
	for j := range c.VolumeMounts {
		add(true, func(c *corev1.Container) { c.VolumeMounts = append(c.VolumeMounts[:j:j], c.VolumeMounts[j+1:]...) })
	}
	for _, k := range slices.Sorted(maps.Keys(c.Resources.Limits)) {
		add(true, func(c *corev1.Container) { delete(c.Resources.Limits, k) })
	}
	return out
}

func listLen(s *corev1.PodSpec, list string) int {
	switch list {
	case "containers":
		return len(s.Containers)
	case "initContainers":
		return len(s.InitContainers)
	}
	return len(s.EphemeralContainers)
}

func removeContainer(s *corev1.PodSpec, list string, i int) {
	switch list {
	case "containers":
		s.Containers = append(s.Containers[:i], s.Containers[i+1:]...)
	case "initContainers":
		s.InitContainers = append(s.InitContainers[:i], s.InitContainers[i+1:]...)
	case "ephemeralContainers":
		s.EphemeralContainers = append(s.EphemeralContainers[:i], s.EphemeralContainers[i+1:]...)
	}
}

// ShrinkUnstructured is Shrink for the unstructured form, for corrupted
// objects that have no typed form: it tries deleting each map key (except
// apiVersion and kind) and each list element, outermost first, and keeps
// each deletion after which disagrees still holds.
func ShrinkUnstructured(obj map[string]any, disagrees func(map[string]any) bool) map[string]any {
	cur := reference.CopyJSON(obj).(map[string]any)
	for {
		shrunk := false
		for _, p := range deletable(cur, nil) {
			next := reference.CopyJSON(cur).(map[string]any)
			if !removeAt(next, p) || !disagrees(next) {
				continue
			}
			cur, shrunk = next, true
			break
		}
		if !shrunk {
			return cur
		}
	}
}

// deletable lists the paths in v, outermost first, in a fixed order.
func deletable(v any, at Path) []Path {
	var out, inner []Path
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if len(at) == 0 && (k == "apiVersion" || k == "kind") {
				continue
			}
			out = append(out, at.join(k))
			inner = append(inner, deletable(t[k], at.join(k))...)
		}
	case []any:
		for i, e := range t {
			out = append(out, at.join(i))
			inner = append(inner, deletable(e, at.join(i))...)
		}
	}
	return append(out, inner...)
}

// removeAt deletes a map key, or cuts a list element out of its list.
func removeAt(root map[string]any, p Path) bool {
	i, isIndex := p[len(p)-1].(int)
	if !isIndex {
		return p.Delete(root)
	}
	v, ok := p[:len(p)-1].Get(root)
	list, isList := v.([]any)
	if !ok || !isList || i >= len(list) {
		return false
	}
	return p[:len(p)-1].Set(root, append(list[:i:i], list[i+1:]...))
}
