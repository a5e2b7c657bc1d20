# In a HostProcess pod every container must be a HostProcess container: the
# Windows runtime cannot mix them, and the API server rejects such pods.
package k8shostprocessuniformcontainers

import data.lib.hostprocess as hp

rule := "hostprocess-uniform-containers"

violation contains hp.violation(rule, msg, sprintf("%s.securityContext.windowsOptions.hostProcess", [c.path])) if {
	some c in hp.containers
	c.pod in hp.hostprocess_pod_paths
	not c.hostProcess.value == true
	msg := sprintf("%s is not a HostProcess container in a HostProcess pod; set securityContext.windowsOptions.hostProcess: true on it or on the pod", [c.label])
}
