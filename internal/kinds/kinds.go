// Package kinds defines, once, the kinds of object that carry a pod spec:
// for each, where its pod spec and the pod's metadata are, and its typed
// form. The spec's match, the Rego, the reference model, the generator and
// the README are checked against this list.
package kinds

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Kind is one pod-bearing kind, matched by name in any API group.
type Kind struct {
	Name       string                // the kind, e.g. "Deployment"
	APIVersion string                // the version a manifest of it is written in today
	PodSpec    []string              // the path of the pod spec in the object
	New        func() runtime.Object // an empty typed object of the kind
}

// PodMetadata is the path of the pod's metadata: beside the pod spec.
func (k Kind) PodMetadata() []string {
	return append(append([]string{}, k.PodSpec[:len(k.PodSpec)-1]...), "metadata")
}

// All are the pod-bearing kinds, in the order the rules page names them.
var All = []Kind{
	{"Pod", "v1", []string{"spec"}, func() runtime.Object { return &corev1.Pod{} }},
	{"PodTemplate", "v1", []string{"template", "spec"}, func() runtime.Object { return &corev1.PodTemplate{} }},
	{"Deployment", "apps/v1", []string{"spec", "template", "spec"}, func() runtime.Object { return &appsv1.Deployment{} }},
	{"DaemonSet", "apps/v1", []string{"spec", "template", "spec"}, func() runtime.Object { return &appsv1.DaemonSet{} }},
	{"StatefulSet", "apps/v1", []string{"spec", "template", "spec"}, func() runtime.Object { return &appsv1.StatefulSet{} }},
	{"ReplicaSet", "apps/v1", []string{"spec", "template", "spec"}, func() runtime.Object { return &appsv1.ReplicaSet{} }},
	{"ReplicationController", "v1", []string{"spec", "template", "spec"}, func() runtime.Object { return &corev1.ReplicationController{} }},
	{"Job", "batch/v1", []string{"spec", "template", "spec"}, func() runtime.Object { return &batchv1.Job{} }},
	{"CronJob", "batch/v1", []string{"spec", "jobTemplate", "spec", "template", "spec"}, func() runtime.Object { return &batchv1.CronJob{} }},
}

// Of returns the pod-bearing kind of that name.
func Of(name string) (Kind, bool) {
	for _, k := range All {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Names are the kinds' names, in order.
func Names() []string {
	out := make([]string, len(All))
	for i, k := range All {
		out[i] = k.Name
	}
	return out
}

// IsList reports whether an object is a list the rules judge item by item:
// kind List or a kind ending in List, with an items array.
func IsList(obj map[string]any) bool {
	kind, _ := obj["kind"].(string)
	_, items := obj["items"].([]any)
	return strings.HasSuffix(kind, "List") && items
}
