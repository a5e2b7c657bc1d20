package generate

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/policygen/policygen/internal/reference"
)

// Mutate returns a copy of the unstructured object u with the edits that
// program encodes. Every five bytes are one edit: what to do, a place in
// the object (two bytes, modulo the places there are) and two arguments.
// A fuzzer that mutates program thus changes a valid object deep inside,
// structurally, instead of breaking its JSON. Any program is valid; edits
// stop after maxEdits, or when the object grows past maxNodes.
func Mutate(u map[string]any, program []byte) map[string]any {
	out := reference.CopyJSON(u).(map[string]any)
	program = program[:min(len(program), maxEdits*editSize)]
	for len(program) >= editSize {
		e := program[:editSize]
		program = program[editSize:]
		if countNodes(out) > maxNodes {
			break
		}
		edit(out, e[0], int(e[1])<<8|int(e[2]), int(e[3]), int(e[4]))
	}
	return out
}

const (
	editSize = 5
	maxEdits = 64
	maxNodes = 4000
)

// edit applies one edit to root.
func edit(root map[string]any, op byte, place, a, b int) {
	all := places(root)
	at := all[place%len(all)]
	if len(at) == 0 && op%6 != 2 && op%6 != 4 {
		return // only keys and list entries can change
	}
	switch op % 6 {
	case 0: // set a value
		at.Set(root, reference.CopyJSON(mutationValues[a%len(mutationValues)]))
	case 1: // delete a key or a list entry
		removeAt(root, at)
	case 2: // add a key to a map
		maps := placesOf[map[string]any](root, all) // the root is one
		m, _ := maps[place%len(maps)].Get(root)
		m.(map[string]any)[mutationKeys[a%len(mutationKeys)]] = reference.CopyJSON(mutationValues[b%len(mutationValues)])
	case 3: // copy a value over another place (a container's settings to the pod, ...)
		from, _ := at.Get(root)
		all[(a<<8|b)%len(all)].Set(root, reference.CopyJSON(from))
	case 4: // append to a list: a copy of one of its entries, or a value
		lists := placesOf[[]any](root, all)
		if len(lists) == 0 {
			return
		}
		lp := lists[place%len(lists)]
		v, _ := lp.Get(root)
		l := v.([]any)
		add := reference.CopyJSON(mutationValues[b%len(mutationValues)])
		if len(l) > 0 && a%2 == 0 {
			add = reference.CopyJSON(l[b%len(l)])
		}
		lp.Set(root, append(l, add))
	case 5: // the same value spelt differently or of another type
		v, _ := at.Get(root)
		at.Set(root, respell(v, a))
	}
}

// places lists every place in v (map keys and list entries, the root's own
// keys included), in a fixed order, with the root itself first.
func places(v any) []Path {
	out := []Path{{}}
	var walk func(v any, at Path)
	walk = func(v any, at Path) {
		switch t := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				out = append(out, at.join(k))
				walk(t[k], at.join(k))
			}
		case []any:
			for i, e := range t {
				out = append(out, at.join(i))
				walk(e, at.join(i))
			}
		}
	}
	walk(v, nil)
	return out
}

// placesOf are the places whose value is a T.
func placesOf[T any](root map[string]any, all []Path) []Path {
	var out []Path
	for _, p := range all {
		if v, ok := p.Get(root); ok {
			if _, is := v.(T); is {
				out = append(out, p)
			}
		}
	}
	return out
}

func countNodes(v any) int {
	n := 1
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			n += countNodes(e)
		}
	case []any:
		for _, e := range t {
			n += countNodes(e)
		}
	}
	return n
}

// respell returns v changed in spelling or type: a bool as a string or
// negated, a string in another case or with white space around it, a
// number as a string, a map or list wrapped or unwrapped.
func respell(v any, how int) any {
	switch t := v.(type) {
	case bool:
		return []any{!t, jsonText(t), int64(1)}[how%3]
	case string:
		return []any{strings.ToUpper(t), strings.ToLower(t), " " + t, t + "\t", "", []any{t}, t + t}[how%7]
	case int64, float64:
		return []any{jsonText(t), int64(0), -1.5}[how%3]
	case map[string]any:
		return []any{[]any{t}, map[string]any{}, jsonText(t)}[how%3]
	case []any:
		if len(t) > 0 && how%2 == 0 {
			return t[0]
		}
		return map[string]any{"0": t}
	}
	return []any{true, "", map[string]any{}}[how%3] // null
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// mutationKeys are the keys edits add: the fields the rules read, their
// neighbours and near misses.
var mutationKeys = []string{
	"apiVersion", "kind", "metadata", "spec", "template", "jobTemplate", "items",
	"securityContext", "windowsOptions", "hostProcess", "runAsUserName", "runAsNonRoot", "HostProcess",
	"hostNetwork", "os", "name", "nodeSelector", "kubernetes.io/os",
	"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms",
	"matchExpressions", "key", "operator", "values",
	"volumes", "hostPath", "type", "path",
	"containers", "initContainers", "ephemeralContainers", "image", "resources", "limits", "requests",
	"cpu", "memory", "ephemeral-storage",
	"annotations", "microsoft.com/hostprocess-inherit-user", "volumeMounts", "beta.kubernetes.io/os",
	"node.kubernetes.io/windows-build", "labels", "finalizers", "replicas",
}

// hpContainer is a HostProcess container that every hardening rule accepts.
var hpContainer = map[string]any{
	"name": "hp", "image": "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0",
	"securityContext": map[string]any{"windowsOptions": map[string]any{"hostProcess": true, "runAsUserName": `NT AUTHORITY\LOCAL SERVICE`}},
	"resources":       map[string]any{"limits": map[string]any{"cpu": "1", "memory": "1Gi"}},
}

// mutationValues are the values edits put in: the right types and the
// wrong ones, the corners of each rule, and whole parts of a pod.
var mutationValues = []any{
	true, false, "true", "false", "True", int64(1), int64(0), int64(-1), 1.5, 1e300, nil,
	map[string]any{}, []any{}, []any{nil}, []any{true}, "", " ",
	"windows", "Windows", "linux", "WINDOWS", "windows ",
	`NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\NetworkService`, `NT AUTHORITY\SYSTEM`, `nt authority\system`,
	`NT AUTHORITY\ SYSTEM`, `NT AUTHORITY\Local  Service`, `NT AUTHORITY\\SYSTEM`, `NT AUTHORITY`, `\`,
	"Administrators", "administrators", "ContainerUser", "NT AUTHORITY\\NetworkService\n",
	"Socket", "socket", `\\.\pipe\containerd-containerd`, "//./PIPE/x", `\\.\pipe`, `C:\var\log`,
	"cpu", "memory", "500m", "1Gi", "In", "NotIn", "kubernetes.io/os",
	"mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0", "docker.io/library/busybox:1.36", "*",
	"Pod", "PodTemplate", "ReplicationController", "Deployment", "DaemonSet", "StatefulSet",
	"ReplicaSet", "Job", "CronJob", "List", "ConfigMap", "v1", "apps/v1", "batch/v1",
	[]any{"windows"}, []any{"windows", "linux"}, []any{"cpu", "memory"}, []any{"containers"},
	map[string]any{"windowsOptions": map[string]any{"hostProcess": true}},
	map[string]any{"hostProcess": true, "runAsUserName": `NT AUTHORITY\LOCAL SERVICE`},
	map[string]any{"runAsNonRoot": true},
	map[string]any{"kubernetes.io/os": "windows"},
	map[string]any{"name": "windows"},
	map[string]any{"cpu": "1", "memory": "1Gi"},
	map[string]any{"limits": map[string]any{"cpu": nil}},
	map[string]any{"name": "pipe", "hostPath": map[string]any{"path": `\\.\pipe\docker_engine`}},
	map[string]any{"name": "sock", "hostPath": map[string]any{"path": "/run/x.sock", "type": "Socket"}},
	map[string]any{"key": "kubernetes.io/os", "operator": "In", "values": []any{"windows"}},
	map[string]any{"nodeAffinity": map[string]any{"requiredDuringSchedulingIgnoredDuringExecution": map[string]any{
		"nodeSelectorTerms": []any{map[string]any{"matchExpressions": []any{
			map[string]any{"key": "kubernetes.io/os", "operator": "In", "values": []any{"windows"}},
		}}},
	}}},
	hpContainer,
	[]any{hpContainer},
	map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "item"}, "spec": map[string]any{
		"securityContext": map[string]any{"windowsOptions": map[string]any{"hostProcess": true}},
		"containers":      []any{hpContainer},
	}},
	// v2: quantities, the inherit-user annotation, placements, pipes and
	// sockets, mounts, lists.
	"0", "0m", "0Mi", "-1", "512Ki", "1048575", "1Mi", "1e3", "+1", " 1", "abc", "1K", int64(1048576), 0.5,
	"f", "FALSE", "no", map[string]any{"microsoft.com/hostprocess-inherit-user": "true"},
	"beta.kubernetes.io/os", "node.kubernetes.io/windows-build", "Exists", "10.0.20348", []any{"linux"},
	map[string]any{"node.kubernetes.io/windows-build": "10.0.20348"},
	map[string]any{"key": "kubernetes.io/os", "operator": "NotIn", "values": []any{"linux"}},
	map[string]any{"key": "node.kubernetes.io/windows-build", "operator": "Exists"},
	"/run/containerd/containerd.sock", `\\localhost\pipe\x`, `\\.\PIPE/x`, "//server/Pipe/x",
	[]any{map[string]any{"name": "pipe", "mountPath": `C:\p`}}, map[string]any{"name": "sock", "mountPath": `C:\s`},
	"PodList", "DeploymentList", "NT AUTHORITY\\Local  Service", "NT AUTHORITY\\LOCALSERVICE",
	map[string]any{"kind": "PodList", "items": []any{map[string]any{"metadata": map[string]any{"name": "untyped"}, "spec": map[string]any{
		"securityContext": map[string]any{"windowsOptions": map[string]any{"hostProcess": true}},
		"containers":      []any{hpContainer},
	}}}},
}
