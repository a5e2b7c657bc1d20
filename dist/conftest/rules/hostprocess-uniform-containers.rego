# In a HostProcess pod every container must be a HostProcess container: the
# Windows runtime cannot mix them, and the API server rejects such pods. It
# also rejects a container whose own hostProcess differs from an explicit
# pod-level value. One violation per container, never two.

# METADATA
# title: All containers of a HostProcess pod are HostProcess
# description: 'In a HostProcess pod, every container, init container and ephemeral container must have an effective hostProcess of true (its own value, else the pod''s). The Windows runtime cannot mix HostProcess and ordinary containers in one pod. One violation per container that is not. A container that sets hostProcess: true itself while the pod sets hostProcess: false explicitly is one violation too: the pod-level and container values must be identical when both are given (the API server, the kubelet and containerd reject the pod). A container is never counted twice. The API server rejects such Pods and workload pod templates; this rule says so in CI, before it does.'
# custom:
#   id: hostprocess-uniform-containers
#   kind: K8sHostProcessUniformContainers
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: 'Set securityContext.windowsOptions.hostProcess: true on the pod (spec.securityContext) so every container inherits it, and remove every hostProcess: false, on the pod and on the containers.'
package k8shostprocessuniformcontainers

import data.lib.hostprocess as hp

rule := "hostprocess-uniform-containers"

# With pod-level hostProcess: true only a container's own false makes it
# not a HostProcess container; otherwise only its own true makes it one.
# No container is read for more than its own hostProcess.
violation contains uniform_violation(pod, list, i, entry, not_hostprocess) if {
	some pod in hp.hostprocess_pods
	pod.spec.securityContext.windowsOptions.hostProcess == true
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	entry.securityContext.windowsOptions.hostProcess == false
}

violation contains uniform_violation(pod, list, i, entry, not_hostprocess) if {
	some pod in hp.hostprocess_pods
	not pod.spec.securityContext.windowsOptions.hostProcess == true
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	not entry.securityContext.windowsOptions.hostProcess == true
}

violation contains uniform_violation(pod, list, i, entry, differs) if {
	some pod in hp.hostprocess_pods
	pod.spec.securityContext.windowsOptions.hostProcess == false
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	entry.securityContext.windowsOptions.hostProcess == true
}

not_hostprocess := "%s is not a HostProcess container in a HostProcess pod; set securityContext.windowsOptions.hostProcess: true on it or on the pod"

differs := "%s sets hostProcess: true but the pod sets hostProcess: false; the pod-level and container values must be identical"

uniform_violation(pod, list, i, entry, format) := hp.violation(
	rule, pod.prefix, sprintf(format, [hp.entry_label(list, i, entry)]),
	concat("", [hp.entry_path(pod, list, i), ".securityContext.windowsOptions.hostProcess"]),
)
