# conftest adapter: the document is the input; the parameters are those of
# the constraint being applied, which the entry module (main.rego) sets at
# data.hostprocess.applied around the evaluation of that constraint's rule
# alone, for each constraint that selects the input.
package lib.hostprocess.target

document := input

# The object under review (conftest judges every file it reads).
reviewed := input

default parameters := {}

parameters := data.hostprocess.applied.parameters
