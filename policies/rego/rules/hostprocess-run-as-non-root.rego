# A HostProcess container runs as the account its runAsUserName names; the
# runtime cannot honour runAsNonRoot: true for it. Containers that inherit
# the pod-level true count once, at the pod-level field.
package k8shostprocessrunasnonroot

import data.lib.hostprocess as hp

rule := "hostprocess-run-as-non-root"

advice := "which the runtime cannot honour; remove it and choose the account with runAsUserName"

violation contains hp.violation(rule, hp.prefix(c.pod), msg, concat("", [hp.container_path(c), ".securityContext.runAsNonRoot"])) if {
	some c in hp.hostprocess_containers
	c.runAsNonRoot.own
	c.runAsNonRoot.value == true
	msg := sprintf("%s is a HostProcess container with runAsNonRoot: true, %s", [hp.label(c), advice])
}

violation contains hp.violation(rule, hp.prefix(pod), msg, concat("", [pod, ".securityContext.runAsNonRoot"])) if {
	some pod in hp.hostprocess_pod_paths
	inheriting := {c |
		some c in hp.hostprocess_containers
		c.pod == pod
		not c.runAsNonRoot.own
		c.runAsNonRoot.value == true
	}
	count(inheriting) > 0
	msg := sprintf("%s %s runAsNonRoot: true from the pod, %s", [hp.labels(inheriting), hp.inherit(inheriting), advice])
}
