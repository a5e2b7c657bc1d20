# Every HostProcess container runs as an account the node knows: a built-in
# service account or an ephemeral user in an allowed local group.
#
# The runtime starts a service-account logon only when the domain is exactly
# "NT AUTHORITY"; any other spelling makes it try a password-less interactive
# logon, which fails. Account names are compared ignoring case and the spaces
# between words ("LocalService", "Local service"); a name that begins or ends
# with white space is never recognised.
package k8shostprocessrunasusername

import data.lib.hostprocess as hp

rule := "hostprocess-run-as-user-name"

params := hp.parameters(rule)

allow_system := params.allowSystem == true

local_groups := {lower(group) | some group in hp.strings(params.allowedLocalGroups); group != ""; not contains(group, `\`)}

service_accounts := {"system": "SYSTEM", "localservice": "LOCAL SERVICE", "networkservice": "NETWORK SERVICE"}

# White space as Unicode defines it (Go's unicode.IsSpace): RE2's \s alone
# misses vertical tab, NEL and the no-break and typographic spaces.
padded(s) if regex.match(`^[\s\v\x{85}\p{Z}]|[\s\v\x{85}\p{Z}]$`, s)

# The built-in service account a name denotes: system, localservice or networkservice.
service_account(name) := account if {
	not padded(name)
	parts := split(name, `\`)
	count(parts) == 2
	parts[0] == "NT AUTHORITY"
	not padded(parts[1])

	# Letters and spaces only: lower() folds the Kelvin sign or a dotted
	# capital I to ASCII, and Windows' comparison of account names does not.
	regex.match(`^[A-Za-z ]+$`, parts[1])
	account := lower(replace(parts[1], " ", ""))
	service_accounts[account]
}

allowed(name) if service_account(name) in {"localservice", "networkservice"}

allowed(name) if {
	service_account(name) == "system"
	allow_system
}

allowed(name) if {
	not contains(name, `\`)
	not padded(name)
	lower(name) in local_groups
}

allowed_text := concat("; ", array.concat(
	[concat(", ", array.concat([`NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\NETWORK SERVICE`], [`NT AUTHORITY\SYSTEM` | allow_system]))],
	[sprintf("members of the local groups %s", [concat(", ", sort(local_groups))]) | count(local_groups) > 0],
))

violation contains hp.violation(rule, msg, c.runAsUserName.field) if {
	some c in hp.hostprocess_containers
	c.runAsUserName.value == null
	msg := sprintf("%s is a HostProcess container without runAsUserName; set securityContext.windowsOptions.runAsUserName to one of: %s", [c.label, allowed_text])
}

violation contains hp.violation(rule, msg, c.runAsUserName.field) if {
	some c in hp.hostprocess_containers
	name := c.runAsUserName.value
	is_string(name)
	not allowed(name)
	msg := sprintf("%s runs as \"%s\": %s; allowed: %s", [c.label, name, reason(name), allowed_text])
}

reason(name) := "NT AUTHORITY\\SYSTEM (LocalSystem) is allowed only with allowSystem: true" if service_account(name) == "system"

else := "write the domain NT AUTHORITY in capitals, or the runtime cannot log on as the service account" if {
	not padded(name)
	parts := split(name, `\`)
	count(parts) == 2
	lower(parts[0]) == "nt authority"
	parts[0] != "NT AUTHORITY"
}

else := "a name that begins or ends with white space is never recognised" if padded(name)

else := "not a built-in service account or an allowed local group"
