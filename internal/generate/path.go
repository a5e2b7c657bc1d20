package generate

import (
	"fmt"
	"regexp"
	"strings"
)

// Path is a place in decoded JSON: string keys and int indices.
type Path []any

// identifier keys print as .key, others as ['key'], as the rules' fields do.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// String prints the path the way violation fields are written:
// spec.nodeSelector['kubernetes.io/os'], spec.containers[0].image.
func (p Path) String() string {
	var b strings.Builder
	for _, s := range p {
		switch k := s.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		case string:
			if identifier.MatchString(k) {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(k)
			} else {
				fmt.Fprintf(&b, "['%s']", k)
			}
		}
	}
	return b.String()
}

// join returns p followed by more, in a new slice.
func (p Path) join(more ...any) Path {
	return append(append(Path{}, p...), more...)
}

// Get returns the value at p in v, and whether every step exists.
func (p Path) Get(v any) (any, bool) {
	for _, s := range p {
		switch k := s.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil, false
			}
			v = l[k]
		}
	}
	return v, true
}

// Set puts value at p in v; the parent of p must be a map or a long
// enough list. It reports whether it could.
func (p Path) Set(v any, value any) bool {
	if len(p) == 0 {
		return false
	}
	parent, ok := p[:len(p)-1].Get(v)
	if !ok {
		return false
	}
	switch k := p[len(p)-1].(type) {
	case string:
		if m, ok := parent.(map[string]any); ok {
			m[k] = value
			return true
		}
	case int:
		if l, ok := parent.([]any); ok && k < len(l) {
			l[k] = value
			return true
		}
	}
	return false
}

// Delete removes the map key at p from v; a list element is not removed
// (that would move the others). It reports whether it removed something.
func (p Path) Delete(v any) bool {
	if len(p) == 0 {
		return false
	}
	parent, ok := p[:len(p)-1].Get(v)
	if !ok {
		return false
	}
	m, ok := parent.(map[string]any)
	k, isKey := p[len(p)-1].(string)
	if !ok || !isKey {
		return false
	}
	_, had := m[k]
	delete(m, k)
	return had
}

// pathOf splits a dotted pod spec prefix ("spec.template.spec").
func pathOf(prefix string) Path {
	var p Path
	for _, s := range strings.Split(prefix, ".") {
		p = append(p, s)
	}
	return p
}
