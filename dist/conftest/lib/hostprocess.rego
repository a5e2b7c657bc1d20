# Shared model of the objects under review: pod specs, containers and the
# effective HostProcess settings of each container. Every rule reads these
# sets, so each object is walked once per evaluation, whatever the rule count.
#
# Wrong-typed values (a string "true", a number, an object where a list
# belongs, null) are treated as unset and never make an evaluation error.
package lib.hostprocess

import data.lib.hostprocess.defaults
import data.lib.hostprocess.target

# Where each pod-bearing kind keeps its pod spec. Any other kind has none.
pod_spec_paths := {
	"Pod": ["spec"],
	"PodTemplate": ["template", "spec"],
	"Deployment": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

container_lists := ["containers", "initContainers", "ephemeralContainers"]

# The objects of the document under review, each with the JSON path prefix
# of the object in the document: a List is judged item by item.
default objects := []

objects := [{"path": sprintf("items[%d].", [i]), "object": item} |
	some i, item in target.document.items
] if {
	target.document.kind == "List"
	is_array(target.document.items)
} else := [{"path": "", "object": target.document}] if is_object(target.document)

# Every pod spec under review, with the JSON path of the spec in the document.
pods contains pod if {
	some obj in objects
	is_object(obj.object)
	path := pod_spec_paths[obj.object.kind]
	spec := object.get(obj.object, path, null)
	is_object(spec)
	pod := {
		"path": concat("", [obj.path, concat(".", path)]),
		"spec": spec,
	}
}

# Every container of every HostProcess pod, with its effective values. Each
# rule is about HostProcess pods only, so other pods' containers are never
# built.
containers contains c if {
	some pod in hostprocess_pods
	inherited := {"path": pod.path, "spec": object.filter(pod.spec, ["securityContext"])}
	some order, list in container_lists
	entries := object.get(pod.spec, list, [])
	is_array(entries)
	some i, entry in entries
	own := object_or_empty(entry)
	path := sprintf("%s.%s[%d]", [pod.path, list, i])
	c := {
		"pod": pod.path,
		"order": [order, i],
		"list": list,
		"label": sprintf("%s[%d] %q", [list, i, string_or_empty(object.get(own, "name", ""))]),
		"path": path,
		"object": own,
		"hostProcess": effective(inherited, own, path, ["securityContext", "windowsOptions", "hostProcess"], "boolean"),
		"runAsUserName": effective(inherited, own, path, ["securityContext", "windowsOptions", "runAsUserName"], "string"),
		"runAsNonRoot": effective(inherited, own, path, ["securityContext", "runAsNonRoot"], "boolean"),
	}
}

# The effective value of a security setting for a container: its own value
# when it sets one of the right type, else the pod's, else null. "field" is
# the JSON path the value came from (the container's own path when unset).
# The pod passed in keeps only the securityContext of its spec: OPA caches
# function results by their arguments, and would compare a whole pod spec
# on every call.
effective(pod, own, cpath, rel, type) := {"value": v, "field": field(cpath, rel)} if {
	v := object.get(own, rel, null)
	type_name(v) == type
} else := {"value": v, "field": field(pod.path, rel)} if {
	v := object.get(pod.spec, rel, null)
	type_name(v) == type
} else := {"value": null, "field": field(cpath, rel)}

field(prefix, rel) := concat(".", array.concat([prefix], rel))

# Pod-level hostProcess: true.
pod_level_hostprocess(pod) if object.get(pod.spec, ["securityContext", "windowsOptions", "hostProcess"], null) == true

# Containers whose effective hostProcess is true.
hostprocess_containers contains c if {
	some c in containers
	c.hostProcess.value == true
}

# Pod specs that are HostProcess pods: pod-level true, or any HostProcess
# container. Without pod-level true, a HostProcess container is one that
# sets hostProcess: true itself: checked on the entries as they are, so that
# finding the HostProcess pods builds no containers. Collected by path: a
# set of strings, not of whole pod specs.
hostprocess_pods contains pod if {
	some pod in pods
	pod.path in hostprocess_pod_paths
}

hostprocess_pod_paths contains pod.path if {
	some pod in pods
	pod_level_hostprocess(pod)
}

hostprocess_pod_paths contains pod.path if {
	some pod in pods
	not pod_level_hostprocess(pod)
	some list in container_lists
	entries := object.get(pod.spec, list, [])
	is_array(entries)
	some entry in entries
	is_object(entry)
	object.get(entry, ["securityContext", "windowsOptions", "hostProcess"], null) == true
}

# The containers of each HostProcess pod, by the pod's path. A complete
# rule, so that OPA builds the index of the comprehension on path once: one
# pass over the containers for all pods.
pod_containers := {path: cs |
	some pod in hostprocess_pods
	path := pod.path
	cs := {c | some c in containers; c.pod == path}
}

# Labels of containers in list order, e.g. `containers[0] "app", initContainers[1] "setup"`.
labels(cs) := concat(", ", [c[1] | some c in sort([[c.order, c.label] | some c in cs])])

# A rule's parameters: each one given with the type of its default, else
# the default. A wrong-typed value never weakens a rule (Gatekeeper's schema
# rejects it; conftest data has no schema).
parameters(rule) := {name: value |
	some name, default_value in defaults.parameters[rule]
	value := given_or_default(object.get(given_parameters(rule), name, null), default_value)
}

given_parameters(rule) := p if {
	p := target.parameters(rule)
	is_object(p)
} else := {}

given_or_default(given, default_value) := given if type_name(given) == type_name(default_value)

else := default_value

# A violation as every target reports it.
violation(rule, msg, path) := {"msg": msg, "details": {"rule": rule, "field": path}}

object_or_empty(x) := x if is_object(x)

else := {}

string_or_empty(x) := x if is_string(x)

else := ""

# Strings of a parameter that should be a list of strings; anything else is ignored.
strings(x) := [s | some s in x; is_string(s)] if is_array(x)

else := []
