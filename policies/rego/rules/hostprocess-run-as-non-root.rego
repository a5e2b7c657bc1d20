# A HostProcess container runs as the account its runAsUserName names; the
# runtime cannot honour runAsNonRoot: true for it. Containers that inherit
# the pod-level true count once, at the pod-level field.
package k8shostprocessrunasnonroot

import data.lib.hostprocess as hp

rule := "hostprocess-run-as-non-root"

advice := "which the runtime cannot honour; remove it and choose the account with runAsUserName"

violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.entry_path(pod, list, i), ".securityContext.runAsNonRoot"])) if {
	some pod in hp.hostprocess_pods
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	entry.securityContext.runAsNonRoot == true
	hp.hostprocess_container(pod, entry)
	msg := sprintf("%s is a HostProcess container with runAsNonRoot: true, %s", [hp.entry_label(list, i, entry), advice])
}

violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.pod_path(pod), ".securityContext.runAsNonRoot"])) if {
	some pod in hp.hostprocess_pods
	pod.spec.securityContext.runAsNonRoot == true
	inheriting := [[list, i, entry] |
		some list in ["containers", "initContainers", "ephemeralContainers"]
		entries := pod.spec[list]
		is_array(entries)
		some i, entry in entries
		not hp.own_boolean(entry, "runAsNonRoot")
		hp.hostprocess_container(pod, entry)
	]
	count(inheriting) > 0
	msg := sprintf("%s %s runAsNonRoot: true from the pod, %s", [hp.entry_labels(inheriting), hp.inherit(inheriting), advice])
}
