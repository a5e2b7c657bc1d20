# HostProcess only where the constraint allows it: the Pod Security Standards
# Baseline rule, with an image allowlist. With no allowedImages, any
# hostProcess: true (pod-level or on a container) violates.

# METADATA
# title: HostProcess only where allowed
# description: 'Forbids hostProcess: true, at pod level or on any container (containers, initContainers, ephemeralContainers), unless every image it applies to is in allowedImages. Pod-level hostProcess: true gives one violation when any container''s image is not allowed, or when the pod has no containers at all; each container that sets hostProcess: true on itself with an image that is not allowed gives one more. With the default parameters this is exactly the Pod Security Standards Baseline check windowsHostProcess: any hostProcess: true violates.'
# custom:
#   id: hostprocess-allowed
#   kind: K8sHostProcessAllowed
#   version: 1.0.0
#   bundle: guard
#   severity: error
#   remedy: 'Remove hostProcess: true, run the pod in a namespace the constraint does not match, or add its images to allowedImages.'
#   parameters:
#     - name: allowedImages
#       description: Images that may run as HostProcess. An entry matches an image exactly, or, when it ends in "*", as a prefix ("mcr.microsoft.com/oss/kubernetes/*"). A container without an image, or with the empty image "", is never allowed, not even by "*".
#       default: []
package k8shostprocessallowed

import data.lib.hostprocess as hp
import data.lib.hostprocess.parameters

rule := "hostprocess-allowed"

# A container is allowed when its image is. (Negate this, not
# image_allowed(c.image): OPA would hoist a missing c.image out of the
# negation and skip the container.)
container_allowed(container) if image_allowed(container.image)

# Whether an image is allowed, as hp.image_matches decides, decided once per
# distinct image (OPA caches a function's result by its arguments, and the
# containers of a pod mostly share a few images).
image_allowed(image) if {
	image in parameters.allowedImages
	image != ""
}

image_allowed(image) if {
	is_string(image)
	image != ""
	some entry in parameters.allowedImages
	endswith(entry, "*")
	startswith(image, trim_suffix(entry, "*"))
}

# Pod-level hostProcess: true needs every container's image to be allowed,
# and at least one container (with none, no image vouches for the pod). The
# message is built only for a pod that violates; one violation for a pod,
# never two.
violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.pod_path(pod), ".securityContext.windowsOptions.hostProcess"])) if {
	some pod in hp.hostprocess_pods
	pod.spec.securityContext.windowsOptions.hostProcess == true
	pod_denied(pod.spec)
	msg := pod_message(pod.spec, denied(pod.spec))
}

# Some container's image is not allowed, or there is no container.
pod_denied(spec) if {
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := spec[list]
	is_array(entries)
	some entry in entries
	not container_allowed(entry)
}

pod_denied(spec) if {
	not spec.containers[0] # a quick test that fails for nearly every pod
	not hp.has_containers(spec)
}

# The denied containers as [list, index, entry], in list order.
denied(spec) := [[list, i, entry] |
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := spec[list]
	is_array(entries)
	some i, entry in entries
	not container_allowed(entry)
]

pod_message(spec, cs) := sprintf("the pod sets securityContext.windowsOptions.hostProcess: true, but the images of %s are not in allowedImages", [hp.entry_labels(cs)]) if {
	count(cs) > 0
} else := "the pod sets securityContext.windowsOptions.hostProcess: true and has no containers" if {
	hp.no_containers(spec)
}

violation contains hp.violation(rule, pod.prefix, msg, concat("", [hp.entry_path(pod, list, i), ".securityContext.windowsOptions.hostProcess"])) if {
	some pod in hp.hostprocess_pods
	some list in ["containers", "initContainers", "ephemeralContainers"]
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	entry.securityContext.windowsOptions.hostProcess == true
	not container_allowed(entry)
	msg := sprintf("%s sets securityContext.windowsOptions.hostProcess: true, but its image %s is not in allowedImages", [hp.entry_label(list, i, entry), image_text(entry)])
}

image_text(container) := sprintf("%q", [container.image]) if is_string(container.image)

else := "(none)"
