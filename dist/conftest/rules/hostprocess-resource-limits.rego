# HostProcess containers share the host with only job-object limits around
# them; each must set resources.limits for every required resource, to a
# Kubernetes quantity greater than zero (memory: at least 1Mi, which the
# runtime rounds down to whole MiB). Ephemeral containers cannot set
# resources, so they are not checked.

# METADATA
# title: HostProcess containers set resource limits
# description: 'HostProcess containers share the host with nothing but job-object limits around them. Each HostProcess container and init container must set resources.limits for every resource in requiredLimits. A limit counts only when it is a Kubernetes quantity (a string that resource.ParseQuantity accepts, like 500m, 1, 256Mi, 1e3 or 2G, or a JSON number) greater than zero: the kubelet, containerd and hcsshim apply no limit for a zero (0, 0m, 0Mi), so a zero limit is a missing limit; a memory limit below 1Mi is missing too (the runtime rounds it down to whole MiB, to zero); a value that is not a quantity is missing. One violation per container that misses any, naming the missing resources and, for a value that is there, why it does not count. Pod-level spec.resources never stands in for a container''s limits (the API server forbids it on Windows pods). Ephemeral containers are not checked: the API server forbids them to set resources.'
# custom:
#   id: hostprocess-resource-limits
#   kind: K8sHostProcessResourceLimits
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: 'Set resources.limits for every listed resource on each HostProcess container and init container, to a quantity greater than zero (memory: at least 1Mi).'
#   parameters:
#     - name: requiredLimits
#       description: Resource names every HostProcess container must limit.
#       default:
#         - cpu
#         - memory
package k8shostprocessresourcelimits

import data.lib.hostprocess as hp
import data.lib.hostprocess.parameters

rule := "hostprocess-resource-limits"

# requiredLimits without repeats, in the order given, for the message: built
# only for a container that violates. A repeated name gives the same
# violation as its first, so the test of each container reads the names as
# given.
required := [name |
	some i, name in parameters.requiredLimits
	not name in array.slice(parameters.requiredLimits, 0, i)
]

violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.entry_path(pod, list, i), ".resources.limits"])) if {
	some pod in hp.hostprocess_pods
	some list in ["containers", "initContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	limits := limits_of(entry)
	some name in parameters.requiredLimits
	not counts(name, object.get(limits, name, null))
	hp.hostprocess_container(pod, entry)
	missing := [n | some n in required; not counts(n, object.get(limits, n, null))]
	msg := sprintf("%s is a HostProcess container without resources.limits for %s%s", [hp.entry_label(list, i, entry), concat(", ", missing), reasons(limits, missing)])
}

limits_of(entry) := entry.resources.limits if is_object(entry.resources.limits)

else := {}

# Whether a limit's value counts, decided once per distinct value (OPA
# caches a function's result by its arguments, and the containers of a pod
# mostly repeat the same few values). The usual spellings are read without
# parsing: whole digits (no leading zero) with a suffix, whose value is
# positive and, for memory, at least 1Mi. Anything else is parsed as
# Kubernetes parses it.
counts("memory", value) if {
	is_string(value)
	regex.match(`^[1-9][0-9]{0,15}(Mi|Gi|Ti|G|T)$`, value)
}

counts(name, value) if {
	name != "memory"
	is_string(value)
	regex.match(`^[1-9][0-9]{0,15}(m|k|M|G|T|Ki|Mi|Gi|Ti)?$`, value)
}

counts(name, value) if {
	q := hp.quantity(value)
	q.positive
	not too_small(name, q)
}

too_small("memory", q) if not q.mebibyte

# Why each value that is there is not a limit, after the missing names.
reasons(limits, missing) := sprintf(" (%s)", [concat("; ", why)]) if {
	why := [sprintf("%s %s %s", [name, value_text(limits[name]), reason(name, limits[name])]) |
		some name in missing
		limits[name] != null
	]
	count(why) > 0
} else := ""

# A whole number as its digits: engines that decode JSON into floats would
# otherwise write 1048575 as 1.048575e+06.
value_text(value) := format_int(value, 10) if {
	is_number(value)
	value == floor(value)
} else := json.marshal(value)

reason(_, value) := "is not a Kubernetes quantity" if {
	not hp.quantity(value)
} else := "is negative: no limit applies" if {
	hp.quantity(value).negative
} else := "is zero: no limit applies" if {
	not hp.quantity(value).positive
} else := "is below 1Mi: the runtime rounds it down to no limit"
