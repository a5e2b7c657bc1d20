package reference

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/kinds"
)

// PodSpecOf returns the pod spec of obj and its JSON path in obj, as the
// rules page defines them per kind. ok is false for kinds without one (and
// for a ReplicationController without a template).
func PodSpecOf(obj runtime.Object) (spec *corev1.PodSpec, prefix string, ok bool) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.Spec, "spec", true
	case *corev1.PodTemplate:
		return &o.Template.Spec, "template.spec", true
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			return nil, "", false
		}
		return &o.Spec.Template.Spec, "spec.template.spec", true
	case *appsv1.Deployment:
		return &o.Spec.Template.Spec, "spec.template.spec", true
	case *appsv1.DaemonSet:
		return &o.Spec.Template.Spec, "spec.template.spec", true
	case *appsv1.StatefulSet:
		return &o.Spec.Template.Spec, "spec.template.spec", true
	case *appsv1.ReplicaSet:
		return &o.Spec.Template.Spec, "spec.template.spec", true
	case *batchv1.Job:
		return &o.Spec.Template.Spec, "spec.template.spec", true
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.Spec, "spec.jobTemplate.spec.template.spec", true
	}
	return nil, "", false
}

// PodMetaOf returns the pod metadata of obj (the metadata beside its pod
// spec) and its JSON path in obj: metadata of a Pod, template.metadata,
// spec.template.metadata, spec.jobTemplate.spec.template.metadata.
func PodMetaOf(obj runtime.Object) (meta *metav1.ObjectMeta, prefix string, ok bool) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.ObjectMeta, "metadata", true
	case *corev1.PodTemplate:
		return &o.Template.ObjectMeta, "template.metadata", true
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			return nil, "", false
		}
		return &o.Spec.Template.ObjectMeta, "spec.template.metadata", true
	case *appsv1.Deployment:
		return &o.Spec.Template.ObjectMeta, "spec.template.metadata", true
	case *appsv1.DaemonSet:
		return &o.Spec.Template.ObjectMeta, "spec.template.metadata", true
	case *appsv1.StatefulSet:
		return &o.Spec.Template.ObjectMeta, "spec.template.metadata", true
	case *appsv1.ReplicaSet:
		return &o.Spec.Template.ObjectMeta, "spec.template.metadata", true
	case *batchv1.Job:
		return &o.Spec.Template.ObjectMeta, "spec.template.metadata", true
	case *batchv1.CronJob:
		return &o.Spec.JobTemplate.Spec.Template.ObjectMeta, "spec.jobTemplate.spec.template.metadata", true
	}
	return nil, "", false
}

// PodSpecPaths returns the paths of the pod spec and of the pod metadata in
// an object of kind ("spec.template.spec", "spec.template.metadata").
func PodSpecPaths(kind string) (spec, meta string, ok bool) {
	k, ok := kinds.Of(kind)
	if !ok {
		return "", "", false
	}
	return strings.Join(k.PodSpec, "."), strings.Join(k.PodMetadata(), "."), true
}

// container is one entry of containers, initContainers or
// ephemeralContainers, with where it sits.
type container struct {
	list  string            // "containers", "initContainers" or "ephemeralContainers"
	index int               // its index in the list
	path  string            // its JSON path: <prefix>.<list>[<index>]
	c     *corev1.Container // ephemeral containers are viewed through their common part
}

// String names the container the way messages do: initContainers[0] "setup".
func (c container) String() string {
	return fmt.Sprintf("%s[%d] %q", c.list, c.index, c.c.Name)
}

// ephemeral reports whether the container is an ephemeral container.
func (c container) ephemeral() bool { return c.list == "ephemeralContainers" }

// pod is a pod spec as the rules see it: its containers in all three lists
// and each container's effective values.
type pod struct {
	spec       *corev1.PodSpec
	prefix     string
	containers []container
	// annotations of the pod metadata, and its path ("" when the object
	// has none, as for a bare pod spec).
	annotations map[string]string
	metaPrefix  string
	// limitNotes are limits that the typed form could not hold as written
	// (see sanitize), by container path and resource name.
	limitNotes map[limitKey]limitNote
}

func newPod(spec *corev1.PodSpec, prefix string) *pod {
	p := &pod{spec: spec, prefix: prefix}
	add := func(list string, i int, c *corev1.Container) {
		p.containers = append(p.containers, container{list: list, index: i, path: fmt.Sprintf("%s.%s[%d]", prefix, list, i), c: c})
	}
	for i := range spec.Containers {
		add("containers", i, &spec.Containers[i])
	}
	for i := range spec.InitContainers {
		add("initContainers", i, &spec.InitContainers[i])
	}
	for i := range spec.EphemeralContainers {
		add("ephemeralContainers", i, (*corev1.Container)(&spec.EphemeralContainers[i].EphemeralContainerCommon))
	}
	return p
}

// field is the JSON path of a field under the pod spec.
func (p *pod) field(rel string) string { return p.prefix + "." + rel }

// podWindows and containerWindows are the windowsOptions, nil when unset.
func (p *pod) podWindows() *corev1.WindowsSecurityContextOptions {
	if p.spec.SecurityContext == nil {
		return nil
	}
	return p.spec.SecurityContext.WindowsOptions
}

func containerWindows(c container) *corev1.WindowsSecurityContextOptions {
	if c.c.SecurityContext == nil {
		return nil
	}
	return c.c.SecurityContext.WindowsOptions
}

// podHostProcess is the pod-level hostProcess, nil when unset.
func (p *pod) podHostProcess() *bool {
	if w := p.podWindows(); w != nil {
		return w.HostProcess
	}
	return nil
}

// ownHostProcess is the hostProcess the container sets on itself.
func ownHostProcess(c container) *bool {
	if w := containerWindows(c); w != nil {
		return w.HostProcess
	}
	return nil
}

// effectiveHostProcess: the container's own value when set, else the pod's.
// A container's false overrides the pod's true.
func (p *pod) effectiveHostProcess(c container) *bool {
	if v := ownHostProcess(c); v != nil {
		return v
	}
	return p.podHostProcess()
}

// isHostProcessContainer: the effective hostProcess is true.
func (p *pod) isHostProcessContainer(c container) bool {
	return isTrue(p.effectiveHostProcess(c))
}

// hostProcessContainers are the HostProcess containers, in all three lists.
func (p *pod) hostProcessContainers() []container {
	var out []container
	for _, c := range p.containers {
		if p.isHostProcessContainer(c) {
			out = append(out, c)
		}
	}
	return out
}

// isHostProcessPod: pod-level hostProcess true, or any HostProcess container.
func (p *pod) isHostProcessPod() bool {
	return isTrue(p.podHostProcess()) || len(p.hostProcessContainers()) > 0
}

// effectiveRunAsNonRoot returns the container's runAsNonRoot (its own, else
// the pod's) and the path it came from.
func (p *pod) effectiveRunAsNonRoot(c container) (*bool, string) {
	if sc := c.c.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		return sc.RunAsNonRoot, c.path + ".securityContext.runAsNonRoot"
	}
	if sc := p.spec.SecurityContext; sc != nil && sc.RunAsNonRoot != nil {
		return sc.RunAsNonRoot, p.field("securityContext.runAsNonRoot")
	}
	return nil, ""
}

func isTrue(b *bool) bool { return b != nil && *b }
