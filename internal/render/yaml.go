package render

import (
	"bytes"
	"strings"

	yaml3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// marshalYAML renders a Kubernetes object: marshalled with sigs.k8s.io/yaml
// (JSON field rules, sorted keys), then re-emitted so that every multi-line
// string (the Rego) is a literal block a reviewer reads line for line.
func marshalYAML(headerText string, obj any) ([]byte, error) {
	plain, err := yaml.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var doc yaml3.Node
	if err := yaml3.Unmarshal(plain, &doc); err != nil {
		return nil, err
	}
	literalBlocks(&doc)
	var buf bytes.Buffer
	buf.WriteString(headerText)
	enc := yaml3.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
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
