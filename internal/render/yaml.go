package render

import (
	"bytes"
	"slices"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// MarshalYAML renders a Kubernetes object: marshalled with sigs.k8s.io/yaml
// (JSON field rules, sorted keys), then re-emitted so that every multi-line
// string (the Rego) is a literal block a reviewer reads line for line.
func MarshalYAML(headerText string, obj any) ([]byte, error) {
	return encodeYAML(headerText, obj, literalBlocks)
}

// MarshalSuite is MarshalYAML with the keys that say what a test or case
// is (name, template, constraint, object) before its list of cases or
// assertions, as a reader of a suite looks for them.
func MarshalSuite(headerText string, obj any) ([]byte, error) {
	return encodeYAML(headerText, obj, literalBlocks, keysFirst("name", "template", "constraint", "object"))
}

// MarshalOrdered is YAML of a Go struct in its fields' order (yaml tags),
// multi-line strings as literal blocks: for files a person reads top down,
// such as package metadata.
func MarshalOrdered(headerText string, obj any) ([]byte, error) {
	var doc yaml3.Node
	if err := doc.Encode(obj); err != nil {
		return nil, err
	}
	literalBlocks(&doc)
	return writeNode(headerText, &doc)
}

func encodeYAML(headerText string, obj any, edits ...func(*yaml3.Node)) ([]byte, error) {
	plain, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var doc yaml3.Node
	if err := yaml3.Unmarshal(plain, &doc); err != nil {
		return nil, err
	}
	for _, edit := range edits {
		edit(&doc)
	}
	return writeNode(headerText, &doc)
}

// writeNode is the header, then the document indented by two spaces.
func writeNode(headerText string, doc *yaml3.Node) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(headerText)
	enc := yaml3.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func literalBlocks(n *yaml3.Node) {
	if n.Kind == yaml3.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		n.Style = yaml3.LiteralStyle
	}
	for _, c := range n.Content {
		literalBlocks(c)
	}
}

// keysFirst moves the given keys, in that order, to the front of every
// mapping; the others keep their (sorted) order.
func keysFirst(keys ...string) func(*yaml3.Node) {
	var edit func(*yaml3.Node)
	edit = func(n *yaml3.Node) {
		if n.Kind == yaml3.MappingNode {
			var front, rest []*yaml3.Node
			for _, k := range keys {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						front = append(front, n.Content[i], n.Content[i+1])
					}
				}
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if !slices.Contains(keys, n.Content[i].Value) {
					rest = append(rest, n.Content[i], n.Content[i+1])
				}
			}
			n.Content = append(front, rest...)
		}
		for _, c := range n.Content {
			edit(c)
		}
	}
	return edit
}

// Kustomization lists resources in the order given (fifo): a template or a
// policy before what refers to it, so that its kind is served first. The
// name tells kustomizations apart for tools that read every file below a
// directory, such as `gator test -f dist/gatekeeper`.
func Kustomization(name string, resources []string) map[string]any {
	return map[string]any{
		"apiVersion":  "kustomize.config.k8s.io/v1beta1",
		"kind":        "Kustomization",
		"metadata":    map[string]any{"name": name},
		"sortOptions": map[string]any{"order": "fifo"},
		"resources":   resources,
	}
}
