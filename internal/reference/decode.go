package reference

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Decode turns an unstructured object into its typed form, as a native
// admission webhook decodes its request. A kind without a pod spec decodes
// to nil, which Evaluate judges as never violating. A wrong-typed value is
// an error, as it is for the API server.
func Decode(object map[string]any) (runtime.Object, error) {
	kind, _ := object["kind"].(string)
	var obj runtime.Object
	switch kind {
	case "Pod":
		obj = &corev1.Pod{}
	case "PodTemplate":
		obj = &corev1.PodTemplate{}
	case "ReplicationController":
		obj = &corev1.ReplicationController{}
	case "Deployment":
		obj = &appsv1.Deployment{}
	case "DaemonSet":
		obj = &appsv1.DaemonSet{}
	case "StatefulSet":
		obj = &appsv1.StatefulSet{}
	case "ReplicaSet":
		obj = &appsv1.ReplicaSet{}
	case "Job":
		obj = &batchv1.Job{}
	case "CronJob":
		obj = &batchv1.CronJob{}
	default:
		return nil, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(object, obj); err != nil {
		return nil, err
	}
	return obj, nil
}
