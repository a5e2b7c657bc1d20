# Gatekeeper adapter: the document is input.review.object; the parameters
# are the constraint's, over the spec's defaults. On DELETE Gatekeeper
# copies oldObject into object; a deletion is never judged.
package lib.hostprocess.target

import data.lib.hostprocess.defaults

document := input.review.object if not input.review.operation == "DELETE"

parameters(rule) := object.union(defaults.parameters[rule], input.parameters) if is_object(input.parameters)

else := defaults.parameters[rule]
