package generate

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/policygen/policygen/internal/reference"
)

// Change is one wrong-typed value that Corrupt put into an unstructured
// object.
type Change struct {
	Path  Path // where the value is, from the object's root
	Value any  // the wrong-typed value; nil is JSON null
	Unset Path // the field the typed twin leaves unset (Path, or its parent when the parent holds nothing else)
}

func (c Change) String() string {
	v, _ := json.Marshal(c.Value)
	return fmt.Sprintf("%s = %s (twin: %s unset)", c.Path, v, c.Unset)
}

// site is a field Corrupt can put a wrong-typed value into.
type site struct {
	rel    Path                    // the field, under the pod spec
	values []any                   // wrong-typed values to choose from
	unset  Path                    // under the pod spec; nil: rel
	twin   func(s *corev1.PodSpec) // unsets the field in the typed twin
}

// Corrupt returns the unstructured form of obj with one to three fields of
// its pod spec replaced by values of the wrong type or null, the typed twin
// the rules page says is equivalent (those fields unset: wrong-typed values
// are judged as if unset, and nothing else is skipped), and the changes.
// An object without a pod spec comes back unchanged.
func Corrupt(obj runtime.Object, r *rand.Rand) (map[string]any, runtime.Object, []Change) {
	u := Unstructured(obj)
	twin := obj.DeepCopyObject()
	spec, prefix, ok := reference.PodSpecOf(twin)
	if !ok {
		return u, twin, nil
	}
	root := pathOf(prefix)
	specMap, _ := root.Get(u)
	var changes []Change
	for range 1 + r.IntN(3) {
		sites := sitesOf(specMap)
		if len(sites) == 0 {
			break
		}
		s := pick(r, sites)
		value := reference.CopyJSON(pick(r, s.values))
		s.rel.Set(specMap, value)
		s.twin(spec)
		unset := s.unset
		if unset == nil {
			unset = s.rel
		}
		changes = append(changes, Change{Path: root.join(s.rel...), Value: value, Unset: root.join(unset...)})
	}
	return u, twin, changes
}

// The wrong-typed values, by what the field should hold.
var (
	notABool   = []any{"true", int64(1), "false", nil, []any{true}}
	notAString = []any{int64(5), true, nil, []any{`NT AUTHORITY\SYSTEM`}}
	notAMap    = []any{"windows", nil, []any{}, int64(1)}
	notAList   = []any{nil, "app", map[string]any{}, int64(1)}
)

// sitesOf lists the fields of a pod spec (decoded JSON) that Corrupt can
// change now. A field is listed only while its parent is still a map, so no
// change lands inside an earlier one, and in a fixed order, so that a seed
// gives the same changes.
func sitesOf(spec any) []site {
	l := &siteList{spec: spec}
	l.podSites()
	l.affinitySites()
	l.volumeSites()
	for _, list := range containerLists {
		for i := range l.list(list) {
			l.containerSites(list, i)
		}
	}
	return l.out
}

var containerLists = []string{"containers", "initContainers", "ephemeralContainers"}

// siteList collects the sites of one pod spec.
type siteList struct {
	spec any
	out  []site
}

// add lists rel when its parent is a map.
func (l *siteList) add(rel Path, values []any, unset Path, twin func(*corev1.PodSpec)) {
	if l.isMap(rel[:len(rel)-1]...) {
		l.out = append(l.out, site{rel: rel, values: values, unset: unset, twin: twin})
	}
}

func (l *siteList) isMap(rel ...any) bool {
	v, _ := Path(rel).Get(l.spec)
	_, ok := v.(map[string]any)
	return ok
}

func (l *siteList) list(rel ...any) []any {
	v, _ := Path(rel).Get(l.spec)
	list, _ := v.([]any)
	return list
}

// podSites: the pod-level fields.
func (l *siteList) podSites() {
	for _, list := range containerLists {
		l.add(Path{list}, notAList, nil, func(s *corev1.PodSpec) { clearList(s, list) })
	}
	l.add(Path{"volumes"}, notAList, nil, func(s *corev1.PodSpec) { s.Volumes = nil })
	l.add(Path{"hostNetwork"}, []any{"true", int64(1), nil}, nil, func(s *corev1.PodSpec) { s.HostNetwork = false })
	l.add(Path{"nodeSelector"}, []any{[]any{"kubernetes.io/os=windows"}, "windows", nil}, nil, func(s *corev1.PodSpec) { s.NodeSelector = nil })
	if _, ok := (Path{"nodeSelector", "kubernetes.io/os"}).Get(l.spec); ok {
		l.add(Path{"nodeSelector", "kubernetes.io/os"}, []any{int64(1), nil, true, []any{"windows"}}, nil,
			func(s *corev1.PodSpec) { delete(s.NodeSelector, "kubernetes.io/os") })
	}
	l.add(Path{"os"}, []any{"windows", []any{"windows"}, nil}, nil, func(s *corev1.PodSpec) { s.OS = nil })
	// os has no other field, so a wrong-typed name leaves it empty, which the
	// typed form can only say by leaving os out.
	l.add(Path{"os", "name"}, []any{int64(5), true, []any{"windows"}, nil}, Path{"os"}, func(s *corev1.PodSpec) { s.OS = nil })
	l.add(Path{"securityContext"}, notAMap, nil, func(s *corev1.PodSpec) { s.SecurityContext = nil })
	sc := func(s *corev1.PodSpec) *corev1.PodSecurityContext { return s.SecurityContext }
	l.add(Path{"securityContext", "runAsNonRoot"}, []any{"yes", int64(1), nil}, nil, func(s *corev1.PodSpec) { sc(s).RunAsNonRoot = nil })
	l.add(Path{"securityContext", "windowsOptions"}, notAMap, nil, func(s *corev1.PodSpec) { sc(s).WindowsOptions = nil })
	l.windowsOptionsSites(Path{"securityContext", "windowsOptions"}, func(s *corev1.PodSpec) *corev1.WindowsSecurityContextOptions {
		return sc(s).WindowsOptions
	})
}

// windowsOptionsSites: hostProcess and runAsUserName, at pod or container level.
func (l *siteList) windowsOptionsSites(wo Path, at func(*corev1.PodSpec) *corev1.WindowsSecurityContextOptions) {
	l.add(wo.join("hostProcess"), notABool, nil, func(s *corev1.PodSpec) { at(s).HostProcess = nil })
	l.add(wo.join("runAsUserName"), notAString, nil, func(s *corev1.PodSpec) { at(s).RunAsUserName = nil })
}

// affinitySites: the required node affinity, down to each expression.
func (l *siteList) affinitySites() {
	l.add(Path{"affinity"}, notAMap, nil, func(s *corev1.PodSpec) { s.Affinity = nil })
	l.add(Path{"affinity", "nodeAffinity"}, notAMap, nil, func(s *corev1.PodSpec) { s.Affinity.NodeAffinity = nil })
	req := Path{"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"}
	na := func(s *corev1.PodSpec) *corev1.NodeAffinity { return s.Affinity.NodeAffinity }
	l.add(req, notAMap, nil, func(s *corev1.PodSpec) { na(s).RequiredDuringSchedulingIgnoredDuringExecution = nil })
	selector := func(s *corev1.PodSpec) *corev1.NodeSelector {
		return na(s).RequiredDuringSchedulingIgnoredDuringExecution
	}
	l.add(req.join("nodeSelectorTerms"), notAList, nil, func(s *corev1.PodSpec) { selector(s).NodeSelectorTerms = nil })
	for j := range l.list(req.join("nodeSelectorTerms")...) {
		term := req.join("nodeSelectorTerms", j)
		l.add(term.join("matchExpressions"), notAList, nil, func(s *corev1.PodSpec) { selector(s).NodeSelectorTerms[j].MatchExpressions = nil })
		for k := range l.list(term.join("matchExpressions")...) {
			expr := term.join("matchExpressions", k)
			at := func(s *corev1.PodSpec) *corev1.NodeSelectorRequirement {
				return &selector(s).NodeSelectorTerms[j].MatchExpressions[k]
			}
			l.add(expr.join("key"), notAString, nil, func(s *corev1.PodSpec) { at(s).Key = "" })
			l.add(expr.join("operator"), notAString, nil, func(s *corev1.PodSpec) { at(s).Operator = "" })
			l.add(expr.join("values"), []any{"windows", nil, map[string]any{"0": "windows"}}, nil, func(s *corev1.PodSpec) { at(s).Values = nil })
		}
	}
}

// volumeSites: each volume's hostPath, and its type and path.
func (l *siteList) volumeSites() {
	for i := range l.list("volumes") {
		hp := Path{"volumes", i, "hostPath"}
		at := func(s *corev1.PodSpec) *corev1.HostPathVolumeSource { return s.Volumes[i].HostPath }
		if _, ok := hp.Get(l.spec); ok {
			l.add(hp, []any{`\\.\pipe\x`, int64(1), nil}, nil, func(s *corev1.PodSpec) { s.Volumes[i].HostPath = nil })
		}
		l.add(hp.join("type"), []any{int64(1), []any{"Socket"}, nil}, nil, func(s *corev1.PodSpec) { at(s).Type = nil })
		l.add(hp.join("path"), []any{int64(5), []any{`\\.\pipe\x`}, nil}, nil, func(s *corev1.PodSpec) { at(s).Path = "" })
	}
}

// containerSites: one container's image, security context and limits.
func (l *siteList) containerSites(list string, i int) {
	c := Path{list, i}
	at := func(s *corev1.PodSpec) *corev1.Container { return containerAt(s, list, i) }
	l.add(c.join("image"), notAString, nil, func(s *corev1.PodSpec) { at(s).Image = "" })
	l.add(c.join("securityContext"), notAMap, nil, func(s *corev1.PodSpec) { at(s).SecurityContext = nil })
	l.add(c.join("securityContext", "runAsNonRoot"), []any{"yes", int64(1), nil}, nil, func(s *corev1.PodSpec) { at(s).SecurityContext.RunAsNonRoot = nil })
	l.add(c.join("securityContext", "windowsOptions"), notAMap, nil, func(s *corev1.PodSpec) { at(s).SecurityContext.WindowsOptions = nil })
	l.windowsOptionsSites(c.join("securityContext", "windowsOptions"), func(s *corev1.PodSpec) *corev1.WindowsSecurityContextOptions {
		return at(s).SecurityContext.WindowsOptions
	})
	l.add(c.join("resources"), notAMap, nil, func(s *corev1.PodSpec) { at(s).Resources = corev1.ResourceRequirements{} })
	l.add(c.join("resources", "limits"), []any{[]any{"cpu", "memory"}, "cpu", nil}, nil, func(s *corev1.PodSpec) { at(s).Resources.Limits = nil })
	limits, _ := c.join("resources", "limits").Get(l.spec)
	if m, ok := limits.(map[string]any); ok {
		// A null limit is no limit.
		for _, name := range slices.Sorted(maps.Keys(m)) {
			l.add(c.join("resources", "limits", name), []any{nil}, nil, func(s *corev1.PodSpec) { delete(at(s).Resources.Limits, corev1.ResourceName(name)) })
		}
	}
}

// containerAt is the container at list[i] of s, an ephemeral one viewed
// through its common part.
func containerAt(s *corev1.PodSpec, list string, i int) *corev1.Container {
	switch list {
	case "containers":
		return &s.Containers[i]
	case "initContainers":
		return &s.InitContainers[i]
	}
	return (*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon)
}

func clearList(s *corev1.PodSpec, list string) {
	switch list {
	case "containers":
		s.Containers = nil
	case "initContainers":
		s.InitContainers = nil
	case "ephemeralContainers":
		s.EphemeralContainers = nil
	}
}
