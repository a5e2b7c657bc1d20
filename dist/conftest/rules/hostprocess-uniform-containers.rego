# In a HostProcess pod every container must be a HostProcess container: the
# Windows runtime cannot mix them, and the API server rejects such pods. It
# also rejects a container whose own hostProcess differs from an explicit
# pod-level value. One violation per container, never two.
package k8shostprocessuniformcontainers

import data.lib.hostprocess as hp

rule := "hostprocess-uniform-containers"

violation contains hp.violation(rule, hp.prefix(c.pod), msg, concat("", [hp.container_path(c), ".securityContext.windowsOptions.hostProcess"])) if {
	some c in hp.containers
	msg := problem(c)
}

problem(c) := sprintf("%s is not a HostProcess container in a HostProcess pod; set securityContext.windowsOptions.hostProcess: true on it or on the pod", [hp.label(c)]) if {
	not c.hostProcess.value == true
} else := sprintf("%s sets hostProcess: true but the pod sets hostProcess: false; the pod-level and container values must be identical", [hp.label(c)]) if {
	hp.pod_at[c.pod].spec.securityContext.windowsOptions.hostProcess == false
}
