# HostProcess containers share the host with only job-object limits around
# them; each must set resources.limits for every required resource.
# Ephemeral containers cannot set resources, so they are not checked.
package k8shostprocessresourcelimits

import data.lib.hostprocess as hp

rule := "hostprocess-resource-limits"

# requiredLimits without repeats, in the order given: once per evaluation,
# not once per container.
required := [name |
	some i, name in given
	not name in array.slice(given, 0, i)
]

given := hp.strings(hp.parameters(rule).requiredLimits)

violation contains hp.violation(rule, msg, sprintf("%s.resources.limits", [c.path])) if {
	some c in hp.hostprocess_containers
	c.list != "ephemeralContainers"
	limits := object.get(c.object, ["resources", "limits"], null)
	missing := [name | some name in required; not has_limit(limits, name)]
	count(missing) > 0
	msg := sprintf("%s is a HostProcess container without resources.limits for %s", [c.label, concat(", ", missing)])
}

has_limit(limits, name) if {
	is_object(limits)
	value := limits[name]
	value != null
}
