package generate

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/reference"
)

// kind wraps a pod spec into one pod-bearing kind.
type kind struct {
	name string
	wrap func(meta metav1.ObjectMeta, spec corev1.PodSpec) runtime.Object
}

// withPodAnnotations sets the annotations of obj's pod metadata.
func withPodAnnotations(obj runtime.Object, a map[string]string) runtime.Object {
	if m, _, ok := reference.PodMetaOf(obj); ok {
		m.Annotations = a
	}
	return obj
}

// kinds are every kind the rules page gives a pod spec.
var kinds = []kind{
	{"Pod", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &corev1.Pod{TypeMeta: typeMeta("v1", "Pod"), ObjectMeta: m, Spec: s}
	}},
	{"PodTemplate", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &corev1.PodTemplate{TypeMeta: typeMeta("v1", "PodTemplate"), ObjectMeta: m, Template: template(s)}
	}},
	{"ReplicationController", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		t := template(s)
		return &corev1.ReplicationController{TypeMeta: typeMeta("v1", "ReplicationController"), ObjectMeta: m,
			Spec: corev1.ReplicationControllerSpec{Template: &t}}
	}},
	{"Deployment", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &appsv1.Deployment{TypeMeta: typeMeta("apps/v1", "Deployment"), ObjectMeta: m,
			Spec: appsv1.DeploymentSpec{Selector: selector(), Template: template(s)}}
	}},
	{"DaemonSet", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &appsv1.DaemonSet{TypeMeta: typeMeta("apps/v1", "DaemonSet"), ObjectMeta: m,
			Spec: appsv1.DaemonSetSpec{Selector: selector(), Template: template(s)}}
	}},
	{"StatefulSet", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &appsv1.StatefulSet{TypeMeta: typeMeta("apps/v1", "StatefulSet"), ObjectMeta: m,
			Spec: appsv1.StatefulSetSpec{Selector: selector(), Template: template(s)}}
	}},
	{"ReplicaSet", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &appsv1.ReplicaSet{TypeMeta: typeMeta("apps/v1", "ReplicaSet"), ObjectMeta: m,
			Spec: appsv1.ReplicaSetSpec{Selector: selector(), Template: template(s)}}
	}},
	{"Job", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &batchv1.Job{TypeMeta: typeMeta("batch/v1", "Job"), ObjectMeta: m, Spec: batchv1.JobSpec{Template: template(s)}}
	}},
	{"CronJob", func(m metav1.ObjectMeta, s corev1.PodSpec) runtime.Object {
		return &batchv1.CronJob{TypeMeta: typeMeta("batch/v1", "CronJob"), ObjectMeta: m, Spec: batchv1.CronJobSpec{
			Schedule:    "*/5 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: template(s)}},
		}}
	}},
}

// asPod wraps a pod spec and metadata into a Pod: Shrink
// tries it, since most disagreements do not depend on the kind.
func asPod(meta metav1.ObjectMeta, spec corev1.PodSpec) *corev1.Pod {
	return kinds[0].wrap(meta, spec).(*corev1.Pod)
}

// TypeMetaOf returns the apiVersion and kind of a pod-bearing object, also
// when its TypeMeta is empty (as after a typed decode).
func TypeMetaOf(obj runtime.Object) (metav1.TypeMeta, bool) {
	switch obj.(type) {
	case *corev1.Pod:
		return typeMeta("v1", "Pod"), true
	case *corev1.PodTemplate:
		return typeMeta("v1", "PodTemplate"), true
	case *corev1.ReplicationController:
		return typeMeta("v1", "ReplicationController"), true
	case *appsv1.Deployment:
		return typeMeta("apps/v1", "Deployment"), true
	case *appsv1.DaemonSet:
		return typeMeta("apps/v1", "DaemonSet"), true
	case *appsv1.StatefulSet:
		return typeMeta("apps/v1", "StatefulSet"), true
	case *appsv1.ReplicaSet:
		return typeMeta("apps/v1", "ReplicaSet"), true
	case *batchv1.Job:
		return typeMeta("batch/v1", "Job"), true
	case *batchv1.CronJob:
		return typeMeta("batch/v1", "CronJob"), true
	}
	return metav1.TypeMeta{}, false
}

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

func template(s corev1.PodSpec) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "gen"}}, Spec: s}
}

func selector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "gen"}}
}
