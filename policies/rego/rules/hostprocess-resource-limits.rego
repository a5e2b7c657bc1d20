# HostProcess containers share the host with only job-object limits around
# them; each must set resources.limits for every required resource.
# Ephemeral containers cannot set resources, so they are not checked.
package k8shostprocessresourcelimits

import data.lib.hostprocess as hp

rule := "hostprocess-resource-limits"

required := hp.strings(hp.parameters(rule).requiredLimits)

violation contains hp.violation(rule, msg, sprintf("%s.resources.limits", [c.path])) if {
	some c in hp.hostprocess_containers
	c.list != "ephemeralContainers"
	limits := object.get(c.object, ["resources", "limits"], null)
	missing := [name | some i, name in required; not has_limit(limits, name); not name in array.slice(required, 0, i)]
	count(missing) > 0
	msg := sprintf("%s is a HostProcess container without resources.limits for %s", [c.label, concat(", ", missing)])
}

has_limit(limits, name) if {
	is_object(limits)
	value := limits[name]
	value != null
}
