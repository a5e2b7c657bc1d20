# HostProcess only where the constraint allows it: the Pod Security Standards
# Baseline rule, with an image allowlist. With no allowedImages, any
# hostProcess: true (pod-level or on a container) violates.
package k8shostprocessallowed

import data.lib.hostprocess as hp

rule := "hostprocess-allowed"

allowed_images := hp.strings(hp.parameters(rule).allowedImages)

# A container is allowed when its image is. (Negate this, not
# hp.image_matches(c.image, ...): OPA would hoist a missing c.image out of
# the negation and skip the container.)
container_allowed(container) if hp.image_matches(container.image, allowed_images)

# Pod-level hostProcess: true needs every container's image to be allowed,
# and at least one container (with none, no image vouches for the pod).
violation contains hp.violation(rule, pod.prefix, msg, concat("", [pod.path, ".securityContext.windowsOptions.hostProcess"])) if {
	some pod in hp.hostprocess_pods
	hp.pod_level_hostprocess(pod)
	pod_containers := {c | some c in hp.containers; c.pod == pod.path}
	denied := {c | some c in pod_containers; not container_allowed(c.object)}
	count(denied) + count({1 | count(pod_containers) == 0}) > 0
	msg := pod_message(denied)
}

pod_message(denied) := "the pod sets securityContext.windowsOptions.hostProcess: true and has no containers" if count(denied) == 0

else := sprintf("the pod sets securityContext.windowsOptions.hostProcess: true, but the images of %s are not in allowedImages", [hp.labels(denied)])

violation contains hp.violation(rule, hp.prefix(c.pod), msg, concat("", [hp.container_path(c), ".securityContext.windowsOptions.hostProcess"])) if {
	some c in hp.containers
	c.hostProcess.own
	c.hostProcess.value == true
	not container_allowed(c.object)
	msg := sprintf("%s sets securityContext.windowsOptions.hostProcess: true, but its image %s is not in allowedImages", [hp.label(c), image_text(c.object)])
}

image_text(container) := sprintf("%q", [container.image]) if is_string(container.image)

else := "(none)"
