package spec_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
)

// A CEL file of the wrong shape is a problem at its file and line.
func TestCELShapeProblems(t *testing.T) {
	for _, tc := range []struct {
		name, file, text, want string
	}{
		{"unknown key", "cel/rules/hostprocess-host-network.yaml",
			"validations:\n  - expression: \"true\"\n    message: x\n",
			"cel/rules/hostprocess-host-network.yaml:3: field message not found"},
		{"no message expression", "cel/rules/hostprocess-host-network.yaml",
			"validations:\n  - expression: \"true\"\n",
			"cel/rules/hostprocess-host-network.yaml:2: a validation lacks its expression or its messageExpression"},
		{"no validations", "cel/rules/hostprocess-host-network.yaml",
			"variables:\n  - name: x\n    expression: \"1\"\n",
			"cel/rules/hostprocess-host-network.yaml:1: the rule's CEL file has no validations"},
		{"reserved name", "cel/rules/hostprocess-host-network.yaml",
			"variables:\n  - name: x\n    expression: \"1\"\n  - name: params\n    expression: \"1\"\nvalidations:\n  - {expression: \"true\", messageExpression: \"''\"}\n",
			`cel/rules/hostprocess-host-network.yaml:4: variable name "params" is reserved`},
		{"validation in a lib", "cel/lib/hostprocess.yaml",
			"validations:\n  - {expression: \"true\", messageExpression: \"''\"}\n",
			"cel/lib/hostprocess.yaml:1: a CEL lib has validations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := specTree(t)
			fsys[tc.file] = &fstest.MapFile{Data: []byte(tc.text)}
			_, err := spec.Load(fsys, policies.SpecFile)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant a problem %q", err, tc.want)
			}
		})
	}
}

func TestCELFileMissing(t *testing.T) {
	fsys := specTree(t)
	delete(fsys, "cel/rules/hostprocess-allowed.yaml")
	_, err := spec.Load(fsys, policies.SpecFile)
	text := string(fsys[policies.SpecFile].Data)
	line := strings.Count(text[:strings.Index(text, "cel: cel/rules/hostprocess-allowed.yaml")], "\n") + 1
	want := fmt.Sprintf(`hostprocess.yaml:%d: CEL file "cel/rules/hostprocess-allowed.yaml" cannot be read`, line)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant a problem %q", err, want)
	}
}

// A rule's program is the lib's variables, its parameters with their
// defaults, and its own variables and validations, each where it is written.
func TestCELProgram(t *testing.T) {
	s, err := spec.Load(policies.FS, policies.SpecFile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.CELProgram(s.Rules[7])
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range p.Variables {
		names = append(names, v.Name)
	}
	want := "podPath templates states judged spec specPath annotations metadataPath podSecurity podWindows podUserName lists containers podHostProcess hostProcessPod parameters given required limits lacking"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("variables:\n got %s\nwant %s", got, want)
	}
	params := p.Variables[15].Expression
	if !strings.Contains(params, `"requiredLimits": dyn(type(variables.params) == map && type(variables.params[?"requiredLimits"].orValue(null)) == list ? variables.params["requiredLimits"] : ["cpu", "memory"])`) {
		t.Errorf("parameters:\n%s", params)
	}
	if at := p.Validations[0].At; at.File != "cel/rules/hostprocess-resource-limits.yaml" || at.Line != 40 {
		t.Errorf("the validation is at %+v", at)
	}
}

// A rule's variable of the same name as a lib's would make the lib read the
// rule's: a problem at the name.
func TestCELShadowing(t *testing.T) {
	fsys := specTree(t)
	fsys["cel/rules/hostprocess-host-network.yaml"] = &fstest.MapFile{Data: []byte("variables:\n  - name: x\n    expression: \"1\"\n  - name: spec\n    expression: \"1\"\nvalidations:\n  - {expression: \"true\", messageExpression: \"''\"}\n")}
	_, err := spec.Load(fsys, policies.SpecFile)
	want := `cel/rules/hostprocess-host-network.yaml:4: variable "spec" is also a variable of the lib cel/lib/hostprocess.yaml`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
