package eval

import (
	"os"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Position is a place in a file: 1-based line and column.
type Position struct {
	Line   int
	Column int
}

// locator finds the line and column of a violation's field in the file a
// finding came from. It reads the file again, with the same Reader the
// checker read it with (so that documents are numbered alike), and keeps
// the documents of one file at a time: findings come in input order. Only
// the documents of YAML files are located; standard input cannot be read
// again and a JSON stream has no YAML chunks, so their violations are
// placed at the document's first line.
type locator struct {
	file string
	docs map[int]*located // by Document index
}

type located struct {
	raw   []byte
	first int
	root  *yaml.Node // parsed on first use; nil when raw is not YAML
	done  bool
}

// position returns where field (a violation's JSON path such as
// spec.containers[0].securityContext or
// spec.nodeSelector["kubernetes.io/os"]) is in f's document: the line and
// column of its key, or of its item in a list. When the field is not in the
// file (a rule that reports a missing field, standard input, a JSON
// stream), it is the document's first line, column 1.
func (l *locator) position(f Finding, field string) Position {
	fallback := Position{Line: max(f.Line, 1), Column: 1}
	if f.File == "-" || f.Document == 0 {
		return fallback
	}
	if l.file != f.File {
		l.load(f.File)
	}
	d := l.docs[f.Document]
	if d == nil {
		return fallback
	}
	if !d.done {
		d.done = true
		var n yaml.Node
		if yaml.Unmarshal(d.raw, &n) == nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
			d.root = n.Content[0]
		}
	}
	if d.root == nil {
		return fallback
	}
	steps, ok := parsePath(field)
	if !ok {
		return fallback
	}
	n := find(d.root, steps)
	if n == nil {
		return fallback
	}
	return Position{Line: d.first + n.Line - 1, Column: n.Column}
}

// load reads the YAML documents of file; on any failure it keeps none.
func (l *locator) load(file string) {
	l.file, l.docs = file, map[int]*located{}
	src, err := os.Open(file)
	if err != nil {
		return
	}
	defer src.Close()
	r := NewReader(file, src)
	r.keepRaw = true
	for {
		d, err := r.Next()
		if err != nil {
			return
		}
		if d.raw != nil {
			l.docs[d.Index] = &located{raw: d.raw, first: d.first}
		}
	}
}

// step is one step of a field path: a key, or an index when key is "" and
// index >= 0.
type step struct {
	key   string
	index int
}

// parsePath splits a violation's field path into steps: name, .name,
// [N] and ["key"].
func parsePath(p string) ([]step, bool) {
	var out []step
	for p != "" {
		switch {
		case strings.HasPrefix(p, `["`):
			end := strings.Index(p, `"]`)
			if end < 0 {
				return nil, false
			}
			out = append(out, step{key: p[2:end], index: -1})
			p = p[end+2:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, false
			}
			i, err := strconv.Atoi(p[1:end])
			if err != nil || i < 0 {
				return nil, false
			}
			out = append(out, step{index: i})
			p = p[end+1:]
		default:
			p = strings.TrimPrefix(p, ".")
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			if end == 0 {
				return nil, false
			}
			out = append(out, step{key: p[:end], index: -1})
			p = p[end:]
		}
	}
	return out, len(out) > 0
}

// find walks steps from n and returns the node that names the last step:
// a mapping's key node or a sequence's item. Aliases are followed and
// merge keys (<<) searched; of duplicate keys the last counts, as kubectl
// reads them.
func find(n *yaml.Node, steps []step) *yaml.Node {
	var at *yaml.Node
	for _, s := range steps {
		n = deref(n)
		if n == nil {
			return nil
		}
		if s.key == "" && s.index >= 0 {
			if n.Kind != yaml.SequenceNode || s.index >= len(n.Content) {
				return nil
			}
			at, n = n.Content[s.index], n.Content[s.index]
			continue
		}
		k, v := lookup(n, s.key, 0)
		if k == nil {
			return nil
		}
		at, n = k, v
	}
	return at
}

// lookup finds key in the mapping n, then in what its merge keys merge.
func lookup(n *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > 8 {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		switch kn := n.Content[i]; {
		case kn.Kind == yaml.ScalarNode && kn.Value == key && kn.Tag != "!!merge":
			k, v = kn, n.Content[i+1]
		case kn.Tag == "!!merge":
			merges = append(merges, n.Content[i+1])
		}
	}
	if k != nil {
		return k, v
	}
	for _, m := range merges {
		m = deref(m)
		if m != nil && m.Kind == yaml.SequenceNode {
			for _, item := range m.Content {
				if k, v := lookup(item, key, depth+1); k != nil {
					return k, v
				}
			}
			continue
		}
		if k, v := lookup(m, key, depth+1); k != nil {
			return k, v
		}
	}
	return nil, nil
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}
