// Package testcases holds the table-driven cases every engine must pass,
// embedded so that `policygen test` works with no flags.
package testcases

import "embed"

// FS holds the case files, *.yaml.
//
//go:embed *.yaml
var FS embed.FS
