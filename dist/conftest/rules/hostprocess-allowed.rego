# HostProcess only where the constraint allows it: the Pod Security Standards
# Baseline rule, with an image allowlist. With no allowedImages, any
# hostProcess: true (pod-level or on a container) violates.
package k8shostprocessallowed

import data.lib.hostprocess as hp

rule := "hostprocess-allowed"

allowed_images := hp.strings(hp.parameters(rule).allowedImages)

# A container is allowed when its image is. (Negate this, not
# image_allowed(c.image): OPA would hoist a missing c.image out of the
# negation and skip the container.)
container_allowed(container) if image_allowed(container.image)

# An entry matches an image exactly, or as a prefix when it ends in "*".
# An empty image is no image: nothing vouches for it, not even "*".
image_allowed(image) if {
	is_string(image)
	image != ""
	some entry in allowed_images
	entry == image
}

image_allowed(image) if {
	is_string(image)
	image != ""
	some entry in allowed_images
	endswith(entry, "*")
	startswith(image, trim_suffix(entry, "*"))
}

# Pod-level hostProcess: true needs every container's image to be allowed,
# and at least one container (with none, no image vouches for the pod).
violation contains hp.violation(rule, msg, sprintf("%s.securityContext.windowsOptions.hostProcess", [pod.path])) if {
	some pod in hp.pods
	hp.pod_level_hostprocess(pod)
	pod_containers := hp.pod_containers[pod.path]
	denied := {c | some c in pod_containers; not container_allowed(c.object)}
	count(denied) + count({1 | count(pod_containers) == 0}) > 0
	msg := pod_message(denied)
}

pod_message(denied) := "the pod sets securityContext.windowsOptions.hostProcess: true and has no containers" if count(denied) == 0

else := sprintf("the pod sets securityContext.windowsOptions.hostProcess: true, but the images of %s are not in allowedImages", [hp.labels(denied)])

violation contains hp.violation(rule, msg, sprintf("%s.securityContext.windowsOptions.hostProcess", [c.path])) if {
	some c in hp.containers
	object.get(c.object, ["securityContext", "windowsOptions", "hostProcess"], null) == true
	not container_allowed(c.object)
	msg := sprintf("%s sets securityContext.windowsOptions.hostProcess: true, but its image %s is not in allowedImages", [c.label, image_text(c.object)])
}

image_text(container) := sprintf("%q", [container.image]) if is_string(container.image)

else := "(none)"
