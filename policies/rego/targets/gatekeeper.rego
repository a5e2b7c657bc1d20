# Gatekeeper adapter: the document is input.review.object; the parameters
# a rule is given are the constraint's. On DELETE Gatekeeper copies
# oldObject into object; a deletion is never judged.
package lib.hostprocess.target

document := input.review.object if not input.review.operation == "DELETE"

default parameters(_) := {}

parameters(_) := input.parameters
