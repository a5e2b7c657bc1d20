// Package policies holds the default spec and the Rego sources it names,
// embedded so that policygen works with no flags.
package policies

import "embed"

// FS is the default spec tree: hostprocess.yaml, constraints.yaml, the
// release lock and changelog, rego/ and cel/.
//
//go:embed hostprocess.yaml constraints.yaml versions.lock CHANGELOG.md rego cel
var FS embed.FS

// SpecFile is the name of the spec inside FS.
const SpecFile = "hostprocess.yaml"
