package conftest

import (
	"encoding/json"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Paths of the conftest README and its parameters example.
const (
	conftestReadme  = "conftest/README.md"
	conftestExample = "conftest/examples/constraints.yaml"
)

// conftestDocs renders the README and a data file with the constraints
// conftest applies by default, ready to copy and edit.
func conftestDocs(s *spec.Spec) (readme, example []byte, err error) {
	type row struct{ Rule, Name, Default, Description string }
	var rows []row
	for _, r := range s.Rules {
		if len(r.Parameters) == 0 {
			continue
		}
		for _, p := range r.Parameters {
			d, err := json.Marshal(p.Schema["default"])
			if err != nil {
				return nil, nil, err
			}
			rows = append(rows, row{r.ID, p.Name, string(d), strings.ReplaceAll(p.Description, "\n", " ")})
		}
	}
	body, err := yaml.Marshal(map[string]any{DataKey(s): map[string]any{"namespace": "default", "constraints": CIConstraints(s, nil)}})
	if err != nil {
		return nil, nil, err
	}
	example = append([]byte(render.Header(s, "#")), body...)
	readme, err = render.Execute("conftest-README.md.tmpl", map[string]any{
		"Spec":       s,
		"HeaderText": strings.TrimSpace(strings.TrimPrefix(render.Header(s, "#"), "#")),
		"Example":    string(body),
		"Params":     rows,
	})
	return readme, example, err
}
