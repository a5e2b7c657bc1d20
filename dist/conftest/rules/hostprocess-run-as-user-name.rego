# Every HostProcess container runs as an account the node knows: a built-in
# service account or an ephemeral user in an allowed local group.
#
# The runtime starts a service-account logon only when the domain is exactly
# "NT AUTHORITY"; any other spelling makes it try a password-less interactive
# logon, which fails. The account part is compared ignoring ASCII case, with
# one ASCII space or none between its words ("LocalService", "Local service");
# the runtime passes the name verbatim to the logon call, so no other
# spelling is recognised. LOCAL SERVICE and NETWORK SERVICE hold
# SeImpersonatePrivilege, a known route to SYSTEM.
#
# Containers that inherit one pod-level name count once, at the pod-level
# field; so do the containers without a name at either level.

# METADATA
# title: HostProcess containers run as an allowed account
# description: 'Every HostProcess container needs an effective runAsUserName (its own, else the pod''s) that is allowed. NT AUTHORITY\LOCAL SERVICE and NT AUTHORITY\NETWORK SERVICE are always allowed, but both hold SeImpersonatePrivilege, a known route to SYSTEM for code that runs under them: the least privilege a HostProcess container can have is an ephemeral user in an allowed local group. NT AUTHORITY\SYSTEM (LocalSystem) is allowed only with allowSystem, or for a container whose own image is in systemImages. A built-in account is recognised when the name has exactly one backslash, the domain is exactly "NT AUTHORITY" in capitals (the runtime starts a service-account logon only for that spelling: "nt authority" makes the pod fail to start), and the account part is, ignoring ASCII case, SYSTEM, LOCAL SERVICE, LOCALSERVICE, NETWORK SERVICE or NETWORKSERVICE: one ASCII space between the words or none, ASCII letters only (the runtime passes the name verbatim to the logon call, so two spaces, a tab or a no-break space is not recognised, and a Kelvin sign is not a k to Windows). A name without a backslash is a local group, allowed when it is in allowedLocalGroups (compared without regard to case). A name that begins or ends with white space (any Unicode white space, the no-break space too) is never allowed. Anything else (another domain''s user, ContainerUser, an empty string, SYSTEM without a domain) violates. Containers that inherit one disallowed pod-level name give one violation, at the pod-level field, naming them all; so do the HostProcess containers with no name at either level (set it once on the pod); a container''s own disallowed name is a violation of its own. The pod annotation microsoft.com/hostprocess-inherit-user (on the pod metadata; the key is matched exactly) makes the runtime ignore runAsUserName and run every HostProcess container with its own token, LocalSystem on a default install: set to any value but a strconv.ParseBool false spelling (0, f, F, false, FALSE, False; a value that is not a string counts as set), it is one more violation per pod spec, at the annotation''s field, unless allowSystem is true or every HostProcess container''s image is in systemImages.'
# custom:
#   id: hostprocess-run-as-user-name
#   kind: K8sHostProcessRunAsUserName
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: 'Run as an ephemeral user in an allowed local group (runAsUserName: the group''s name, listed in allowedLocalGroups), or as "NT AUTHORITY\LOCAL SERVICE" or "NT AUTHORITY\NETWORK SERVICE" (domain in capitals, one space or none between the words); set it once on the pod (spec.securityContext.windowsOptions.runAsUserName); remove the microsoft.com/hostprocess-inherit-user annotation; give SYSTEM only to the images that need it, with systemImages.'
#   parameters:
#     - name: allowSystem
#       description: Allow NT AUTHORITY\SYSTEM (LocalSystem), the highest privilege on the node.
#       default: false
#     - name: systemImages
#       description: 'Images that may run as NT AUTHORITY\SYSTEM even when allowSystem is false: SYSTEM is allowed for a container whose own image matches an entry exactly, or, when the entry ends in "*", as a prefix. The empty image is never matched. This scopes SYSTEM to the images that need it (a CSI proxy, a CNI agent) instead of to every image in a namespace. The inherit-user annotation is allowed only when every HostProcess container''s image matches.'
#       default: []
#     - name: allowedLocalGroups
#       description: 'Local groups on the node (names without a backslash, compared without regard to case). The runtime runs such a container as a new ephemeral user in that group, so the container gets whatever the group grants: "Administrators" grants administrator rights on the node.'
#       default: []
package k8shostprocessrunasusername

import data.lib.hostprocess as hp
import data.lib.hostprocess.parameters

rule := "hostprocess-run-as-user-name"

local_groups := {lower(group) | some group in parameters.allowedLocalGroups; group != ""; not contains(group, `\`)}

service_accounts := {
	"system": "system",
	"localservice": "localservice", "local service": "localservice",
	"networkservice": "networkservice", "network service": "networkservice",
}

# White space as Unicode defines it (Go's unicode.IsSpace): RE2's \s alone
# misses vertical tab, NEL and the no-break and typographic spaces.
padded(s) if regex.match(`^[\s\v\x{85}\p{Z}]|[\s\v\x{85}\p{Z}]$`, s)

# The built-in service account a name denotes: system, localservice or
# networkservice. ASCII letters and one ASCII space only: lower() folds the
# Kelvin sign or a dotted capital I to ASCII, and Windows' comparison of
# account names does not.
service_account(name) := service_accounts[lower(account)] if {
	parts := split(name, `\`)
	count(parts) == 2
	parts[0] == "NT AUTHORITY"
	account := parts[1]
	regex.match(`^[A-Za-z]+( [A-Za-z]+)?$`, account)
}

# A name allowed for a container: the service accounts; SYSTEM with
# allowSystem or for an image in systemImages; an allowed local group.
allowed(name, _) if allowed_for_any(name)

allowed(name, container) if {
	service_account(name) == "system"
	system_image(container)
}

# A container whose own image is in systemImages.
system_image(container) if hp.image_matches(container.image, parameters.systemImages)

# A name allowed whatever the container's image: no container is read.
allowed_for_any(name) := true if {
	name in {`NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\NETWORK SERVICE`} # the usual spellings, without parsing
} else := true if {
	service_account(name) in {"localservice", "networkservice"}
} else := true if {
	parameters.allowSystem
	service_account(name) == "system"
} else := true if {
	not contains(name, `\`)
	not padded(name)
	lower(name) in local_groups
}

allowed_text := concat("; ", array.concat(
	[concat(", ", array.concat([`NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\NETWORK SERVICE`], system_text))],
	[sprintf("members of the local groups %s", [concat(", ", sort(local_groups))]) | count(local_groups) > 0],
))

system_text := [`NT AUTHORITY\SYSTEM`] if parameters.allowSystem

else := [sprintf(`NT AUTHORITY\SYSTEM for the images %s`, [concat(", ", parameters.systemImages)])] if count(parameters.systemImages) > 0

else := []

# The pod-level field, once per pod: containers without a name at either
# level (setting it once fixes them all), or containers that inherit a
# disallowed pod-level name.
violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.pod_path(pod), ".securityContext.windowsOptions.runAsUserName"])) if {
	some pod in hp.hostprocess_pods
	msg := pod_level_message(pod, object.get(pod.spec, ["securityContext", "windowsOptions", "runAsUserName"], null))
}

pod_level_message(pod, name) := msg if {
	not is_string(name)
	unnamed := [[list, i, entry] |
		some list in ["containers", "initContainers", "ephemeralContainers"]
		entries := pod.spec[list]
		is_array(entries)
		some i, entry in entries
		not hp.own_windows_string(entry, "runAsUserName")
		hp.hostprocess_container(pod, entry)
	]
	count(unnamed) > 0
	msg := sprintf("%s %s without runAsUserName; set securityContext.windowsOptions.runAsUserName on the pod to one of: %s", [hp.entry_labels(unnamed), are_hostprocess(unnamed), allowed_text])
}

pod_level_message(pod, name) := msg if {
	is_string(name)
	not allowed_for_any(name)
	denied := [[list, i, entry] |
		some list in ["containers", "initContainers", "ephemeralContainers"]
		entries := pod.spec[list]
		is_array(entries)
		some i, entry in entries
		not hp.own_windows_string(entry, "runAsUserName")
		hp.hostprocess_container(pod, entry)
		not allowed(name, entry)
	]
	count(denied) > 0
	msg := sprintf("%s %s runAsUserName \"%s\" from the pod: %s; allowed: %s", [hp.entry_labels(denied), hp.inherit(denied), name, reason(name), allowed_text])
}

are_hostprocess(cs) := "is a HostProcess container" if count(cs) == 1

else := "are HostProcess containers"

# A container's own disallowed name: its own violation.
violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.entry_path(pod, list, i), ".securityContext.windowsOptions.runAsUserName"])) if {
	some pod in hp.hostprocess_pods
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	name := entry.securityContext.windowsOptions.runAsUserName
	is_string(name)
	hp.hostprocess_container(pod, entry)
	not allowed(name, entry)
	msg := sprintf("%s runs as \"%s\": %s; allowed: %s", [hp.entry_label(list, i, entry), name, reason(name), allowed_text])
}

# The inherit-user annotation runs every HostProcess container with the
# runtime's own token (LocalSystem on a default install), whatever their
# names say. Set with any value but a strconv.ParseBool false spelling.
violation contains hp.violation(rule, pod.prefix, msg, sprintf(`%s.annotations["%s"]`, [hp.metadata_path(pod), hp.inherit_user_annotation])) if {
	some pod in hp.hostprocess_pods
	annotations := object.get(pod.object, hp.annotations_paths[pod.kind], null)
	is_object(annotations)
	value := annotations[hp.inherit_user_annotation]
	not parameters.allowSystem
	not value in {"0", "f", "F", "false", "FALSE", "False"}
	beyond_parameters.systemImages(pod)
	msg := sprintf("the pod annotation %s: %s runs every HostProcess container as the runtime's own account (LocalSystem on a default install), whatever runAsUserName says; remove it, or allow SYSTEM with allowSystem or systemImages", [hp.inherit_user_annotation, json.marshal(value)])
}

# Some HostProcess container of the pod whose image is not in systemImages.
beyond_parameters.systemImages(pod) if {
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some entry in entries
	hp.hostprocess_container(pod, entry)
	not system_image(entry)
}

reason(name) := "NT AUTHORITY\\SYSTEM (LocalSystem) is allowed only with allowSystem: true or for an image in systemImages" if service_account(name) == "system"

else := "write the domain NT AUTHORITY in capitals, or the runtime cannot log on as the service account" if {
	not padded(name)
	parts := split(name, `\`)
	count(parts) == 2
	lower(parts[0]) == "nt authority"
	parts[0] != "NT AUTHORITY"
}

else := "a name that begins or ends with white space is never recognised" if padded(name)

else := "not a built-in service account or an allowed local group"
