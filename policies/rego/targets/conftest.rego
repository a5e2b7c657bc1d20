# conftest adapter: the document is the input; the parameters a rule is
# given are data.hostprocess.parameters[rule], from `conftest --data`.
package lib.hostprocess.target

document := input

default parameters(_) := {}

parameters(rule) := data.hostprocess.parameters[rule]
