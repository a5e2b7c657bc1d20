# conftest adapter: the object is the input document (a List is judged item
# by item), the parameters are data.hostprocess.parameters[rule] from
# `conftest --data`, over the spec's defaults.
package lib.hostprocess.target

import data.lib.hostprocess.defaults

default objects := []

objects := [{"path": sprintf("items[%d].", [i]), "object": item} |
	some i, item in input.items
] if {
	input.kind == "List"
	is_array(input.items)
} else := [{"path": "", "object": input}] if is_object(input)

parameters(rule) := object.union(defaults.parameters[rule], data.hostprocess.parameters[rule]) if is_object(data.hostprocess.parameters[rule])

else := defaults.parameters[rule]
