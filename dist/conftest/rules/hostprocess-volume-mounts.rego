# Named pipes and Unix domain sockets cannot be mounted into a HostProcess
# container; it reaches them through their host path instead. Only volumes
# that some container mounts reach the runtime.

# METADATA
# title: No sockets or named pipes mounted into HostProcess pods
# description: 'Named pipes and Unix domain sockets cannot be mounted into a HostProcess container; it uses them through their host path (the runtime refuses to start a container with a pipe mount). In a HostProcess pod, each hostPath volume that some container, init container or ephemeral container mounts (a volumeMounts entry names it; a volume no container mounts never reaches the runtime) and that is a socket or a named pipe is one violation. A socket: type Socket, or a path that ends in .sock (case ignored). A named pipe: a path that starts with two separators, a host name, a separator, pipe and a separator, each separator \ or / in any mix and pipe in any case (\\.\pipe\x, //./pipe/x, \\localhost\pipe\x, \\.\PIPE/x: containerd cleans / to \).'
# custom:
#   id: hostprocess-volume-mounts
#   kind: K8sHostProcessVolumeMounts
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: Remove the hostPath volume; the container reaches the pipe or socket through its host path.
package k8shostprocessvolumemounts

import data.lib.hostprocess as hp

rule := "hostprocess-volume-mounts"

violation contains hp.violation(rule, pod.prefix, msg, sprintf("%s.volumes[%d].hostPath", [hp.pod_path(pod), i])) if {
	some pod in hp.hostprocess_pods
	volumes := pod.spec.volumes
	is_array(volumes)
	some i, volume in volumes
	host_path := volume.hostPath
	what := unmountable(host_path)
	name := volume.name
	is_string(name)
	name in mounted(pod.spec)
	msg := sprintf("volumes[%d] %q mounts %s from the host, which a HostProcess container cannot mount; use the host path directly", [i, name, what])
}

# The names of the volumes that some container, init or ephemeral container mounts.
mounted(spec) := {name |
	some list in hp.container_lists
	entries := spec[list]
	is_array(entries)
	some entry in entries
	mounts := entry.volumeMounts
	is_array(mounts)
	some mount in mounts
	name := mount.name
	is_string(name)
}

unmountable(host_path) := "a Unix domain socket (type: Socket)" if host_path.type == "Socket"

else := "a Unix domain socket (a path ending in .sock)" if {
	is_string(host_path.path)
	endswith(lower(host_path.path), ".sock")
} else := "a named pipe" if {
	is_string(host_path.path)
	regex.match(`^[\\/]{2}[^\\/]+[\\/][pP][iI][pP][eE][\\/]`, host_path.path)
}
