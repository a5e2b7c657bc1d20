package celenv

import "strings"

// UnicodeCase is why a CEL engine declines a review: a runAsUserName that
// matches an allowed local group only when Unicode letters are folded
// ("ADMİNİSTRATORS" for administrators). The Rego's lower() folds Unicode
// case; CEL has lowerAscii() only. (Windows' own comparison folds neither
// the dotted capital I nor the Kelvin sign to ASCII.)
const UnicodeCase = "a runAsUserName that matches an allowed local group only in Unicode case (CEL folds ASCII case only)"

// UnicodeCaseOnly reports whether some runAsUserName string in the objects
// equals an allowedLocalGroups entry of the parameters when both are
// lower-cased as Unicode, and not when lower-cased as ASCII.
func UnicodeCaseOnly(params map[string]map[string]any, objects ...map[string]any) bool {
	var groups []string
	for _, p := range params {
		list, _ := p["allowedLocalGroups"].([]any)
		for _, g := range list {
			if s, ok := g.(string); ok {
				groups = append(groups, s)
			}
		}
	}
	if len(groups) == 0 {
		return false
	}
	found := false
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			for k, v := range x {
				if name, ok := v.(string); ok && k == "runAsUserName" {
					// The Rego's lower() is strings.ToLower, which maps more
					// than strings.EqualFold's simple folding (İ to i).
					lower := strings.ToLower(name)
					for _, g := range groups {
						if lg := strings.ToLower(g); lower == lg && asciiLower(name) != asciiLower(g) {
							found = true
						}
					}
				}
				walk(v)
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	for _, o := range objects {
		walk(o)
	}
	return found
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
