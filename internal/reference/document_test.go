package reference

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/violation"
)

// hpPodJSON is a HostProcess Pod that every hardening rule accepts under the
// default parameters, as JSON; %s parts are filled by the cases.
const hpPodJSON = `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"%s}, "spec": {
  "securityContext": {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\LOCAL SERVICE"}},
  "hostNetwork": true, "nodeSelector": {"kubernetes.io/os": "windows"},
  "containers": [{"name": "app", "image": "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0",
    "resources": {"limits": {"cpu": %s, "memory": %s}}}]}}`

func hpPodDoc(meta, cpu, memory string) string {
	return sprintf(hpPodJSON, meta, cpu, memory)
}

func sprintf(format string, args ...any) string {
	// %s only, without fmt's quoting: the parts are JSON.
	for _, a := range args {
		format = strings.Replace(format, "%s", a.(string), 1)
	}
	return format
}

func doc(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
	return m
}

func fields(vs []violation.Violation, skip ...string) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(skip, v.Rule) {
			out = append(out, v.Rule+" "+v.Field)
		}
	}
	slices.Sort(out)
	return out
}

func TestDocumentLimits(t *testing.T) {
	const lim = RuleResourceLimits + " spec.containers[0].resources.limits"
	for _, c := range []struct {
		cpu, memory string
		violates    bool
		why         string
	}{
		{`"1"`, `"1Gi"`, false, ""},
		{`1`, `1073741824`, false, ""},             // JSON numbers
		{`0.5`, `1048576`, false, ""},              // a fraction, exactly 1Mi
		{`"1e3"`, `"1.5Gi"`, false, ""},            // an exponent, a decimal
		{`"+1"`, `"2G"`, false, ""},                // a sign
		{`"1E"`, `"1Ei"`, false, ""},               // the largest suffixes
		{`1e300`, `1e300`, false, ""},              // very large numbers
		{`"100m"`, `"1048576"`, false, ""},         //
		{`"0"`, `"1Gi"`, true, `cpu "0" is zero`},  //
		{`0`, `"1Gi"`, true, `cpu "0" is zero`},    // a JSON zero
		{`"0m"`, `"1Gi"`, true, "zero"},            //
		{`"1"`, `"0Mi"`, true, "zero"},             //
		{`"-1"`, `"1Gi"`, true, "negative"},        //
		{`-0.5`, `"1Gi"`, true, "negative"},        //
		{`"1"`, `1048575`, true, "below 1Mi"},      // one byte short
		{`"1"`, `"512Ki"`, true, "below 1Mi"},      //
		{`"1"`, `"1M"`, true, "below 1Mi"},         // 10^6 < 2^20
		{`"1"`, `"1e-3"`, true, "below 1Mi"},       //
		{`"abc"`, `"1Gi"`, true, "not a quantity"}, //
		{`" 1"`, `"1Gi"`, true, "not a quantity"},  // the typed decoder would trim it
		{`"1 "`, `"1Gi"`, true, "not a quantity"},  //
		{`""`, `"1Gi"`, true, "not a quantity"},    //
		{`"1K"`, `"1Gi"`, true, "not a quantity"},  // K is no suffix
		{`"1"`, `"1GiB"`, true, "not a quantity"},  //
		{`"0x10"`, `"1Gi"`, true, "not a quantity"},
		{`null`, `"1Gi"`, true, "not a quantity"}, // the typed decoder reads null as zero
		{`true`, `"1Gi"`, true, "not a quantity"},
		{`{}`, `"1Gi"`, true, "not a quantity"},
		{`["1"]`, `"1Gi"`, true, "not a quantity"},
	} {
		vs, err := EvaluateDocument(doc(t, hpPodDoc("", c.cpu, c.memory)), DefaultParams())
		if err != nil {
			t.Errorf("cpu %s memory %s: %v", c.cpu, c.memory, err)
			continue
		}
		got := fields(vs, RuleAllowed)
		if c.violates != slices.Equal(got, []string{lim}) || (!c.violates && len(got) > 0) {
			t.Errorf("cpu %s memory %s: got %v, violates %v", c.cpu, c.memory, got, c.violates)
			continue
		}
		for _, v := range vs {
			if v.Rule == RuleResourceLimits && !strings.Contains(v.Message, c.why) {
				t.Errorf("cpu %s memory %s: message %q does not say %q", c.cpu, c.memory, v.Message, c.why)
			}
		}
	}
}

func TestDocumentAnnotation(t *testing.T) {
	const inherit = RuleRunAsUserName + ` metadata.annotations["microsoft.com/hostprocess-inherit-user"]`
	for _, c := range []struct {
		meta     string
		violates bool
	}{
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": "true"}`, true},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": ""}`, true},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": null}`, true}, // a non-string value counts as set
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": false}`, true},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": 0}`, true},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": {}}`, true},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": "False"}`, false},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": "f"}`, false},
		{`, "annotations": {"microsoft.com/hostprocess-inherit-user": " false"}`, true},
		{`, "annotations": {"microsoft.com/HostProcess-Inherit-User": "true"}`, false},
		{`, "annotations": {"other": 5, "microsoft.com/hostprocess-inherit-user": "yes"}`, true},
		{`, "annotations": "microsoft.com/hostprocess-inherit-user"`, false}, // not an object: no annotations
		{`, "annotations": ["microsoft.com/hostprocess-inherit-user"]`, false},
		{`, "annotations": null`, false},
	} {
		vs, err := EvaluateDocument(doc(t, hpPodDoc(c.meta, `"1"`, `"1Gi"`)), DefaultParams())
		if err != nil {
			t.Errorf("%s: %v", c.meta, err)
			continue
		}
		if got := fields(vs, RuleAllowed); !slices.Equal(got, []string{inherit}) == c.violates {
			t.Errorf("%s: got %v, violates %v", c.meta, got, c.violates)
		}
	}
}

func TestDocumentLists(t *testing.T) {
	bad := hpPodDoc("", `"0"`, `"1Gi"`) // one violation of rule 8 beside rule 1's
	untyped := strings.Replace(strings.Replace(bad, `"kind": "Pod", `, "", 1), `"name": "p", "namespace": "ns"`, `"name": "u"`, 1)
	deployment := `{"kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": ` + string(mustJSON(doc(t, bad)["spec"])) + `}}}`
	untypedDeployment := strings.Replace(deployment, `"kind": "Deployment", `, "", 1)
	const hp, lim = "spec.securityContext.windowsOptions.hostProcess", "spec.containers[0].resources.limits"
	const tmpl = "spec.template.spec."
	for _, c := range []struct {
		name, doc string
		want      []string // fields of rules 1 and 8
		messages  []string // prefixes of the messages
	}{
		{"a List of a Pod and a ConfigMap", `{"kind": "List", "items": [` + bad + `, {"kind": "ConfigMap", "metadata": {"name": "c"}}]}`,
			[]string{"items[0]." + hp, "items[0]." + lim}, []string{"items[0] Pod ns/p: "}},
		{"items that are not objects keep their places", `{"kind": "List", "items": [1, null, "x", [], ` + bad + `]}`,
			[]string{"items[4]." + hp, "items[4]." + lim}, nil},
		{"nested lists", `{"kind": "List", "items": [{"kind": "ConfigMap"}, {"kind": "PodList", "items": [{}, {}, ` + bad + `]}]}`,
			[]string{"items[1].items[2]." + hp, "items[1].items[2]." + lim}, []string{"items[1].items[2] Pod ns/p: "}},
		{"an untyped item of a PodList is a Pod", `{"apiVersion": "v1", "kind": "PodList", "items": [` + untyped + `]}`,
			[]string{"items[0]." + hp, "items[0]." + lim}, []string{"items[0] Pod u: "}},
		{"an untyped item of a DeploymentList is a Deployment", `{"kind": "DeploymentList", "items": [` + untypedDeployment + `]}`,
			[]string{"items[0]." + tmpl + "securityContext.windowsOptions.hostProcess", "items[0]." + tmpl + "containers[0].resources.limits"}, []string{"items[0] Deployment d: "}},
		{"an item with a kind of the wrong type is judged as the list's", `{"kind": "PodList", "items": [` + strings.Replace(bad, `"kind": "Pod"`, `"kind": 5`, 1) + `]}`,
			[]string{"items[0]." + hp, "items[0]." + lim}, nil},
		{"a typed item keeps its kind", `{"kind": "DeploymentList", "items": [` + bad + `]}`,
			[]string{"items[0]." + hp, "items[0]." + lim}, nil},
		{"an untyped item of a List has no pod spec", `{"kind": "List", "items": [` + untyped + `]}`, nil, nil},
		{"a list in an untyped item of a List is not expanded", `{"kind": "List", "items": [{"items": [` + bad + `]}]}`, nil, nil},
		{"a List without items", `{"kind": "List"}`, nil, nil},
		{"a List whose items are an object", `{"kind": "List", "items": {"0": ` + bad + `}}`, nil, nil},
		{"a Pod with items is not a list", strings.Replace(bad, `"kind": "Pod", `, `"kind": "Pod", "items": [`+bad+`], `, 1),
			[]string{hp, lim}, nil},
		{"a ConfigMap with items is not a list", `{"kind": "ConfigMap", "items": [` + bad + `]}`, nil, nil},
		{"an item named by its namespace alone", `{"kind": "List", "items": [` + strings.Replace(bad, `"name": "p", `, "", 1) + `]}`,
			[]string{"items[0]." + hp, "items[0]." + lim}, []string{"items[0] Pod ns/: "}},
		{"an item without a name", `{"kind": "List", "items": [` + strings.Replace(bad, `"name": "p", "namespace": "ns"`, `"name": ""`, 1) + `]}`,
			[]string{"items[0]." + hp, "items[0]." + lim}, []string{"items[0] Pod: "}},
	} {
		vs, err := EvaluateDocument(doc(t, c.doc), DefaultParams())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var want []string
		for _, f := range c.want {
			rule := RuleAllowed
			if strings.HasSuffix(f, "limits") {
				rule = RuleResourceLimits
			}
			want = append(want, rule+" "+f)
		}
		slices.Sort(want)
		if got := fields(vs); !slices.Equal(got, want) {
			t.Errorf("%s:\n got  %q\n want %q", c.name, got, want)
		}
		for _, v := range vs {
			for _, m := range c.messages {
				if !strings.HasPrefix(v.Message, m) {
					t.Errorf("%s: message %q does not begin with %q", c.name, v.Message, m)
				}
			}
		}
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func TestDocumentUndecodable(t *testing.T) {
	wrong := strings.Replace(hpPodDoc("", `"1"`, `"1Gi"`), `"hostProcess": true`, `"hostProcess": "true"`, 1)
	_, err := EvaluateDocument(doc(t, `{"kind": "List", "items": [{"kind": "ConfigMap"}, `+wrong+`]}`), DefaultParams())
	var u *UndecodableError
	if !errors.As(err, &u) || u.Item.Path != "items[1]" || u.Item.Kind != "Pod" {
		t.Fatalf("got %v", err)
	}
	for _, s := range []string{
		strings.Replace(hpPodDoc("", `"1"`, `"1Gi"`), `"hostNetwork": true`, `"hostNetwork": true, "volumes": [{"name": "", "hostPath": {"path": "\\\\.\\pipe\\x"}}]`, 1),
		strings.Replace(hpPodDoc("", `"1"`, `"1Gi"`), `"name": "app"`, `"name": "app", "volumeMounts": [{"name": "", "mountPath": "C:\\x"}]`, 1),
	} {
		if _, err := EvaluateDocument(doc(t, s), DefaultParams()); err == nil || !strings.Contains(err.Error(), `name ""`) {
			t.Errorf("an explicit empty name: %v", err)
		}
	}
}

func TestEvaluateReview(t *testing.T) {
	bad := hpPodDoc(`, "labels": {"a": "b"}, "annotations": {"x": "y"}`, `"0"`, `"1Gi"`)
	relabelled := strings.Replace(bad, `"labels": {"a": "b"}`, `"labels": {"a": "c"}, "finalizers": ["f"]`, 1)
	rescaled := strings.Replace(bad, `"kind": "Pod",`, `"kind": "Pod", "status": {"phase": "Running"},`, 1)
	images := strings.Replace(bad, "kube-proxy:v1.30.0", "kube-proxy:v1.31.0", 1)
	annotated := strings.Replace(bad, `"x": "y"`, `"x": "z"`, 1)
	unannotated := strings.Replace(bad, `, "annotations": {"x": "y"}`, "", 1)
	emptyAnnotations := strings.Replace(bad, `"annotations": {"x": "y"}`, `"annotations": {}`, 1)
	reordered := strings.Replace(bad, `"hostNetwork": true, "nodeSelector": {"kubernetes.io/os": "windows"}`, `"nodeSelector": {"kubernetes.io/os": "windows"}, "hostNetwork": true`, 1)
	numbers := strings.Replace(bad, `"memory": "1Gi"`, `"memory": 1073741824`, 1)
	numbersFloat := strings.Replace(bad, `"memory": "1Gi"`, `"memory": 1073741824.0`, 1)
	list := func(items ...string) string { return `{"kind": "List", "items": [` + strings.Join(items, ", ") + `]}` }
	for _, c := range []struct {
		name, object, old, op string
		judged                bool
	}{
		{"a label and finalizer change", relabelled, bad, "UPDATE", false},
		{"a status change", rescaled, bad, "UPDATE", false},
		{"the same object", bad, bad, "UPDATE", false},
		{"keys in another order", reordered, bad, "UPDATE", false},
		{"numbers of another Go type, equal as JSON", numbersFloat, numbers, "UPDATE", false},
		{"a changed image", images, bad, "UPDATE", true},
		{"a changed annotation", annotated, bad, "UPDATE", true},
		{"annotations removed", unannotated, bad, "UPDATE", true},
		{"absent annotations and {} differ", emptyAnnotations, unannotated, "UPDATE", true},
		{"a quantity respelt", numbers, bad, "UPDATE", true},
		{"no oldObject", bad, "", "UPDATE", true},
		{"CREATE with an oldObject", bad, bad, "CREATE", true},
		{"a DELETE", bad, "", "DELETE", false},
		{"a List with the same items", list(relabelled, `{"kind": "ConfigMap"}`), list(bad, `{"kind": "ConfigMap", "data": {"a": "b"}}`), "UPDATE", false},
		{"a List with an item more", list(bad, bad), list(bad), "UPDATE", true},
		{"a Pod that was a List of it", bad, list(bad), "UPDATE", true},
		{"a Pod that was of a kind without a pod spec", bad, strings.Replace(bad, `"kind": "Pod"`, `"kind": "Foo"`, 1), "UPDATE", true},
	} {
		var old map[string]any
		if c.old != "" {
			old = doc(t, c.old)
		}
		vs, err := EvaluateReview(doc(t, c.object), old, c.op, DefaultParams())
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if judged := len(vs) > 0; judged != c.judged {
			t.Errorf("%s: judged %v (%v), want %v", c.name, judged, fields(vs), c.judged)
		}
	}
}
