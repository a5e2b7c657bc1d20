// Package templates holds the text templates of what is text by nature:
// the generated defaults lib, the conftest entry module, docs and READMEs.
package templates

import "embed"

// FS holds the *.tmpl files.
//
//go:embed *.tmpl
var FS embed.FS
