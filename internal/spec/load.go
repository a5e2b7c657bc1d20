package spec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"sort"
	"strconv"

	"github.com/policygen/policygen/internal/problem"

	yaml "go.yaml.in/yaml/v3"
)

// Load reads the spec file from fsys, reads every Rego file it names, and
// validates the whole. problem.Errors are problem.Errors, each naming a file, a line and a fix.
func Load(fsys fs.FS, file string) (*Spec, error) {
	raw, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, &problem.Error{File: file, Problem: fmt.Sprintf("cannot read the spec: %v", err),
			Fix: "point --spec at a directory that holds " + path.Base(file)}
	}
	var s Spec
	root, err := DecodeYAML(file, raw, &s, "use only the fields of the spec format ("+APIVersion+"); see policies/hostprocess.yaml")
	if err != nil {
		return nil, err
	}
	s.File = file
	s.root = root
	s.Sources = map[string]string{}
	v := &validator{spec: &s, root: root, fsys: fsys, dir: path.Dir(file)}
	v.readSources()
	v.readCEL()
	if len(v.errs) == 0 {
		v.validate()
	}
	if len(v.errs) > 0 {
		return nil, v.errs
	}
	s.raw = raw
	if s.ConstraintsFile == "" {
		return nil, s.Problem("the spec names no constraints file", "add constraints: constraints.yaml (relative to the spec) and write the constraints there", "constraints")
	}
	cs, err := LoadConstraints(fsys, path.Join(path.Dir(file), s.ConstraintsFile), &s)
	if err != nil {
		return nil, err
	}
	s.UseConstraints(cs)
	return &s, nil
}

// UseConstraints makes cs the spec's constraints (a file given instead of
// the spec's own), and the spec's hash covers them.
func (s *Spec) UseConstraints(cs *ConstraintSet) {
	s.Constraints = cs
	sources := maps.Clone(s.Sources)
	sources["\x00constraints"] = string(cs.Raw)
	for i, c := range s.celRaw {
		sources[fmt.Sprintf("\x00cel%d", i)] = c
	}
	s.Hash = hashOf(s.raw, sources)
}

// hashOf is the sha256 of the spec text and every Rego source, by name.
func hashOf(raw []byte, sources map[string]string) string {
	h := sha256.New()
	h.Write(raw)
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s\x00%s", n, sources[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a YAML decoding error into problem.Errors with line numbers.
func yamlError(file string, err error, fix string) error {
	var te *yaml.TypeError
	var msgs []string
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var out problem.Errors
	for _, m := range msgs {
		e := &problem.Error{File: file, Problem: m, Fix: fix}
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			e.Line, _ = strconv.Atoi(g[1])
			e.Problem = g[2]
		}
		out = append(out, e)
	}
	return out
}

// DecodeYAML decodes raw strictly (unknown fields are errors) into v and
// returns its node tree, for the lines of later errors. problem.Errors are problem.Errors
// naming file and line; fix says what to do about an unknown field.
func DecodeYAML(file string, raw []byte, v any, fix string) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, syntaxError(file, raw, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return nil, yamlError(file, err, fix)
	}
	return &root, nil
}

// syntaxError reports a YAML syntax error at the first line where the text
// stops parsing: yaml.v3 reports the line where the enclosing construct
// starts, which can be far from the mistake.
func syntaxError(file string, raw []byte, err error) error {
	e := yamlError(file, err, "write valid YAML").(problem.Errors)[0]
	lines := bytes.SplitAfter(raw, []byte("\n"))
	for n := 1; n <= len(lines); n++ {
		var probe yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:n], nil), &probe) != nil {
			e.Line = n
			break
		}
	}
	return problem.Errors{e}
}

// lineOf finds the line of the node at a path of map keys and list indexes
// in a YAML document; it returns the deepest line it reaches.
func lineOf(root *yaml.Node, keys ...any) int {
	_, line := walkYAML(root, keys...)
	return line
}

// walkYAML follows a path of map keys and list indexes from root: the value
// node at its end (nil when the path leaves the tree) and the line of the
// deepest key or entry found on the way.
func walkYAML(root *yaml.Node, keys ...any) (*yaml.Node, int) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, k := range keys {
		var next *yaml.Node
		switch k := k.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						line = n.Content[i].Line
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
				line = next.Line
			}
		}
		if next == nil {
			return nil, line
		}
		n = next
	}
	return n, line
}
