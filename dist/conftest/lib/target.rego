# conftest adapter: the document is the input; the parameters are
# data.hostprocess.parameters[rule] from `conftest --data`, over the spec's
# defaults.
package lib.hostprocess.target

import data.lib.hostprocess.defaults

document := input

parameters(rule) := object.union(defaults.parameters[rule], data.hostprocess.parameters[rule]) if is_object(data.hostprocess.parameters[rule])

else := defaults.parameters[rule]
