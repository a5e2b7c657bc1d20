# Named pipes and Unix domain sockets cannot be mounted into a HostProcess
# container; it reaches them through their host path instead.
package k8shostprocessvolumemounts

import data.lib.hostprocess as hp

rule := "hostprocess-volume-mounts"

violation contains hp.violation(rule, msg, sprintf("%s.volumes[%d].hostPath", [pod.path, i])) if {
	some pod in hp.hostprocess_pods
	volumes := object.get(pod.spec, "volumes", null)
	is_array(volumes)
	some i, volume in volumes
	host_path := object.get(hp.object_or_empty(volume), "hostPath", null)
	is_object(host_path)
	what := unmountable(host_path)
	name := hp.string_or_empty(object.get(volume, "name", ""))
	msg := sprintf("volumes[%d] %q mounts %s from the host, which a HostProcess container cannot mount; use the host path directly", [i, name, what])
}

unmountable(host_path) := "a Unix domain socket (type: Socket)" if host_path.type == "Socket"

else := "a named pipe" if {
	is_string(host_path.path)
	path := lower(host_path.path)
	some prefix in [`\\.\pipe\`, `//./pipe/`]
	startswith(path, prefix)
}
