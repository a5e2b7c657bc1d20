package conftest

import (
	"path"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Conftest paths, relative to dist/. The rule modules and shared libs are
// byte-identical to those inside the ConstraintTemplates; only the adapter
// and the entry module differ.
const (
	Dir                 = "conftest"
	conftestMain        = "conftest/main.rego"
	conftestAdapter     = "conftest/lib/target.rego"
	conftestConstraints = "conftest/lib/constraints.rego"
)

// Render renders dist/conftest, a policy directory for
// `conftest test -p dist/conftest`.
func Render(s *spec.Spec) (render.Artifacts, error) {
	out := render.Artifacts{}
	for _, r := range s.Rules {
		mod, err := s.RuleModule(r)
		if err != nil {
			return nil, err
		}
		out[RulePath(r)] = []byte(mod)
	}
	for i, l := range s.LibSources() {
		out[conftestLibPath(s, i)] = []byte(l)
	}
	out[conftestAdapter] = []byte(s.Sources[s.Targets["conftest"]])
	generated, err := spec.GeneratedLibs(s, s.Targets["conftest"])
	if err != nil {
		return nil, err
	}
	for _, g := range generated {
		out["conftest/lib/"+path.Base(g.File)] = []byte(g.Source)
	}
	lit, err := regoLiteral(CIConstraints(s, nil))
	if err != nil {
		return nil, err
	}
	cons, err := render.Execute("conftest-constraints.rego.tmpl", map[string]any{"Header": render.Header(s, "#"), "Key": DataKey(s), "Constraints": lit})
	if err != nil {
		return nil, err
	}
	out[conftestConstraints] = cons
	main, err := render.Execute("conftest-main.rego.tmpl", map[string]any{"Spec": s, "Header": render.Header(s, "#")})
	if err != nil {
		return nil, err
	}
	out[conftestMain] = main
	if out[conftestReadme], out[conftestExample], err = conftestDocs(s); err != nil {
		return nil, err
	}
	return out, nil
}

// RulePath is where a rule's module is published for conftest.
func RulePath(r spec.Rule) string { return "conftest/rules/" + r.ID + ".rego" }

func conftestLibPath(s *spec.Spec, i int) string {
	return "conftest/lib/" + path.Base(s.Libs[i])
}
