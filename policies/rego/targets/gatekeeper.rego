# Gatekeeper adapter: the document is input.review.object; the parameters
# a rule is given are the constraint's. On DELETE Gatekeeper copies
# oldObject into object; a deletion is never judged. Neither is an UPDATE
# that changes nothing the rules read: the same pod specs and pod
# annotations as the old object (a label change, a finalizer removal, a
# scale change of an object admitted before the policy was installed).
package lib.hostprocess.target

import data.lib.hostprocess as hp

# The object under review, whatever the operation: the rules decide from it
# alone that an object is not a HostProcess pod, before they read anything
# else.
reviewed := input.review.object

document := input.review.object if {
	input.review.operation == "CREATE" # the usual case, decided first
} else := input.review.object if {
	not input.review.operation == "DELETE"
	not unchanged_update
}

unchanged_update if {
	input.review.operation == "UPDATE"
	old := input.review.oldObject
	is_object(old)
	hp.pod_state(old) == hp.pod_state(input.review.object)
}

# The parameters of the constraint being applied.
default parameters := {}

parameters := input.parameters
