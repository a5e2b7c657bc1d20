// Package reference is the independent model of the HostProcess rules: the
// eight rules of the product rules page (shared/hostprocess-rules.md), in
// plain Go over typed Kubernetes objects. It is written from the rules page
// alone and shares no code with the Rego path, so that a differential test
// between the two finds the mistakes of either.
package reference

import (
	"fmt"

	"github.com/policygen/policygen/internal/violation"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Rule ids, as policies/hostprocess.yaml names them.
const (
	RuleAllowed           = "hostprocess-allowed"
	RuleHostNetwork       = "hostprocess-host-network"
	RuleUniformContainers = "hostprocess-uniform-containers"
	RuleRunAsUserName     = "hostprocess-run-as-user-name"
	RuleRunAsNonRoot      = "hostprocess-run-as-non-root"
	RuleWindowsNode       = "hostprocess-windows-node"
	RuleVolumeMounts      = "hostprocess-volume-mounts"
	RuleResourceLimits    = "hostprocess-resource-limits"
)

// check judges one pod spec for one rule.
type check func(p *pod, params Params) []violation.Violation

// checks are the rules in the order of the rules page; Evaluate reports
// violations in this order, then in the order of the pod spec.
var checks = []struct {
	id    string
	check check
}{
	{RuleAllowed, checkAllowed},
	{RuleHostNetwork, checkHostNetwork},
	{RuleUniformContainers, checkUniformContainers},
	{RuleRunAsUserName, checkRunAsUserName},
	{RuleRunAsNonRoot, checkRunAsNonRoot},
	{RuleWindowsNode, checkWindowsNode},
	{RuleVolumeMounts, checkVolumeMounts},
	{RuleResourceLimits, checkResourceLimits},
}

// Rules lists every rule id, in the order of the rules page.
func Rules() []string {
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.id
	}
	return ids
}

// Evaluate returns every violation of every rule for obj, one object (not
// a list). An object of a kind without a pod spec never violates. The pod
// metadata's annotations are read beside the pod spec.
func Evaluate(obj runtime.Object, params Params) []violation.Violation {
	return evaluate(obj, params, nil)
}

func evaluate(obj runtime.Object, params Params, notes map[limitKey]limitNote) []violation.Violation {
	spec, prefix, ok := PodSpecOf(obj)
	if !ok {
		return nil
	}
	p := newPod(spec, prefix)
	if meta, metaPrefix, ok := PodMetaOf(obj); ok {
		p.annotations, p.metaPrefix = meta.Annotations, metaPrefix
	}
	p.limitNotes = notes
	return p.evaluate(params)
}

// EvaluatePodSpec judges one pod spec whose JSON path in its object is
// prefix ("spec", "spec.template.spec", ...), without pod metadata.
func EvaluatePodSpec(spec *corev1.PodSpec, prefix string, params Params) []violation.Violation {
	return newPod(spec, prefix).evaluate(params)
}

func (p *pod) evaluate(params Params) []violation.Violation {
	var out []violation.Violation
	for _, c := range checks {
		out = append(out, c.check(p, params)...)
	}
	return out
}

// violated builds one violation of rule at field.
func violated(rule, field, format string, args ...any) violation.Violation {
	return violation.Violation{Rule: rule, Field: field, Message: fmt.Sprintf(format, args...)}
}
