# The parameters of every rule as the rules read them: the value the
# constraint gives when it has the type of the default (for a list of
# strings, the strings of the list given), else the default. A wrong-typed value never weakens a rule
# (Gatekeeper's schema rejects it; conftest data has no schema). Generated
# by policygen from the spec: one rule per parameter (their names are
# unique across rules), so that each read is one lookup.
package lib.hostprocess.parameters

import data.lib.hostprocess.target

# allowedImages, of hostprocess-allowed.
allowedImages := [s | some s in given; is_string(s)] if {
	given := target.parameters.allowedImages
	is_array(given)
} else := []
