# conftest adapter: the document is the input; the parameters a rule is
# given are those of the constraint being applied, which the entry module
# (main.rego) sets at data.hostprocess.applied for each constraint that
# selects the input.
package lib.hostprocess.target

document := input

default parameters(_) := {}

parameters(rule) := data.hostprocess.applied.parameters if data.hostprocess.applied.rule == rule
