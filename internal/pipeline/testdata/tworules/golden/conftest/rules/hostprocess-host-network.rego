# A HostProcess container always runs in the host's network namespace; the
# pod must say so with hostNetwork: true, as the API server requires.
package k8shostprocesshostnetwork

import data.lib.hostprocess as hp

rule := "hostprocess-host-network"

violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.pod_path(pod), ".hostNetwork"])) if {
	some pod in hp.hostprocess_pods
	not pod.spec.hostNetwork == true
	msg := "a HostProcess pod must set hostNetwork: true"
}
