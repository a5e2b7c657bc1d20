# A HostProcess container always runs in the host's network namespace; the
# pod must say so with hostNetwork: true, as the API server requires.

# METADATA
# title: HostProcess pods use the host network
# description: 'A HostProcess pod (pod-level hostProcess: true, or any container whose effective hostProcess is true) must set spec.hostNetwork: true; only the boolean true counts. One violation per pod spec. The API server rejects such a Pod, and such a pod template in a workload, before any admission policy sees it; this rule says so in CI, before it does.'
# custom:
#   id: hostprocess-host-network
#   kind: K8sHostProcessHostNetwork
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: 'Set spec.hostNetwork: true on the pod template.'
package k8shostprocesshostnetwork

import data.lib.hostprocess as hp

rule := "hostprocess-host-network"

violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.pod_path(pod), ".hostNetwork"])) if {
	some pod in hp.hostprocess_pods
	not pod.spec.hostNetwork == true
	msg := "a HostProcess pod must set hostNetwork: true"
}
