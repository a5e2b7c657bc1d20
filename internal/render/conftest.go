package render

import (
	"bytes"
	"path"
	"text/template"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/templates"
)

// Conftest paths, relative to dist/. The rule modules and shared libs are
// byte-identical to those inside the ConstraintTemplates; only the adapter
// and the entry module differ.
const (
	ConftestDir      = "conftest"
	conftestMain     = "conftest/main.rego"
	conftestAdapter  = "conftest/lib/target.rego"
	conftestDefaults = "conftest/lib/defaults.rego"
)

// Conftest renders dist/conftest, a policy directory for
// `conftest test -p dist/conftest`.
func Conftest(s *spec.Spec) (Artifacts, error) {
	out := Artifacts{}
	for _, r := range s.Rules {
		out[ConftestRulePath(r)] = []byte(s.Sources[r.Rego])
	}
	for i, l := range s.LibSources() {
		out[conftestLibPath(s, i)] = []byte(l)
	}
	out[conftestAdapter] = []byte(s.Sources[s.Targets.Conftest])
	defaults, err := spec.DefaultsModule(s)
	if err != nil {
		return nil, err
	}
	out[conftestDefaults] = []byte(defaults)
	main, err := Execute("conftest-main.rego.tmpl", map[string]any{"Spec": s, "Header": Header(s, "#")})
	if err != nil {
		return nil, err
	}
	out[conftestMain] = main
	if out[conftestReadme], out[conftestExample], err = conftestDocs(s); err != nil {
		return nil, err
	}
	return out, nil
}

// ConftestRulePath is where a rule's module is published for conftest.
func ConftestRulePath(r spec.Rule) string { return "conftest/rules/" + r.ID + ".rego" }

func conftestLibPath(s *spec.Spec, i int) string {
	return "conftest/lib/" + path.Base(s.Libs[i])
}

// Execute runs one of the embedded text templates.
func Execute(name string, data any) ([]byte, error) {
	t, err := template.ParseFS(templates.FS, name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
