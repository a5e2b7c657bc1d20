# A HostProcess container runs as the account its runAsUserName names; the
# runtime cannot honour runAsNonRoot: true for it. Containers that inherit
# the pod-level true count once, at the pod-level field.

# METADATA
# title: HostProcess containers do not ask for runAsNonRoot
# description: 'A HostProcess container''s effective runAsNonRoot (its own, else the pod''s) must not be true: the runtime cannot honour it. false or unset is fine. Containers that inherit the pod-level true give one violation, at the pod-level field, naming them; a container that sets true itself is a violation of its own.'
# custom:
#   id: hostprocess-run-as-non-root
#   kind: K8sHostProcessRunAsNonRoot
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: 'Remove runAsNonRoot: true (or set it to false); choose the account with runAsUserName.'
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
