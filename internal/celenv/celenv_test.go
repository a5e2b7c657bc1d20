package celenv_test

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/policygen/policygen/internal/celenv"
	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/spec"
)

func TestSpecCELCompiles(t *testing.T) {
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	if err := celenv.Check(s); err != nil {
		t.Fatal(err)
	}
}

// A compile error is a problem at the line of the source where it is.
func TestCompileErrorLine(t *testing.T) {
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Rules[1]
	prog, err := s.CELProgram(r)
	if err != nil {
		t.Fatal(err)
	}
	prog.Validations[0].Expression = "true &&\n  variables.noSuchVariable"
	prog.Validations[0].At = spec.Origin{File: "cel/rules/x.yaml", Line: 10}
	for _, env := range []celenv.Env{celenv.Gatekeeper(), celenv.VAP()} {
		_, err = celenv.Compile(env, r, prog)
		want := "cel/rules/x.yaml:11: validation does not compile in " + env.Name + ": column 12: undefined field 'noSuchVariable'"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %v\nwant %s", err, want)
		}
	}
}

// Two-variable comprehensions came with Kubernetes 1.32: the rules' CEL
// does not compile for 1.31, which is why 1.32 is the oldest supported.
func TestOldestKubernetes(t *testing.T) {
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := s.CELProgram(s.Rules[0])
	if err != nil {
		t.Fatal(err)
	}
	older := celenv.VAP()
	older.Version = version.MajorMinor(1, 31)
	if _, err := celenv.Compile(older, s.Rules[0], prog); err == nil || !strings.Contains(err.Error(), "transformList") {
		t.Fatalf("compiles for Kubernetes 1.31: %v", err)
	}
}
