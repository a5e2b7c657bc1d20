package reference

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// psaEvaluator holds Pod Security Admission's own check windowsHostProcess,
// registered the way PSA registers its checks.
var psaEvaluator = func() policy.Evaluator {
	e, err := policy.NewEvaluator([]policy.Check{policy.CheckWindowsHostProcess()}, nil)
	if err != nil {
		panic(err) // the check is PSA's own; it always registers
	}
	return e
}()

// PSAForbids evaluates spec with Pod Security Admission's Baseline check
// windowsHostProcess at the latest policy version, and returns whether it
// forbids the pod and PSA's reason.
func PSAForbids(spec *corev1.PodSpec) (forbidden bool, detail string) {
	level := api.LevelVersion{Level: api.LevelBaseline, Version: api.LatestVersion()}
	for _, r := range psaEvaluator.EvaluatePod(level, &metav1.ObjectMeta{}, spec) {
		if !r.Allowed {
			return true, r.ForbiddenReason + ": " + r.ForbiddenDetail
		}
	}
	return false, ""
}
