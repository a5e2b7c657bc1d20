# conftest adapter: the document is the input; the parameters are those of
# the constraints that select the input: of the one constraint being
# applied, which the entry module (main.rego) sets at
# data.hostprocess.applied around its rule's evaluation when several
# constraints of that rule apply, else of every rule's only constraint.
package lib.hostprocess.target

import data.lib.hostprocess.constraints

document := input

# The object under review (conftest judges every file it reads).
reviewed := input

default parameters := {}

parameters := data.hostprocess.applied.parameters

parameters := constraints.sole_parameters if not data.hostprocess.applied
