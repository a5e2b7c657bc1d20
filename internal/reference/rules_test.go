package reference

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ruleCase is one object judged for one rule, with the exact fields of the
// violations it must give (in any order, with repeats).
type ruleCase struct {
	name   string
	rule   string
	obj    runtime.Object
	params map[string]map[string]any
	want   []string
}

func allowImages(images ...any) map[string]map[string]any {
	return map[string]map[string]any{RuleAllowed: {"allowedImages": images}}
}

func userParams(allowSystem bool, groups ...any) map[string]map[string]any {
	return map[string]map[string]any{RuleRunAsUserName: {"allowSystem": allowSystem, "allowedLocalGroups": groups}}
}

func requireLimits(names ...any) map[string]map[string]any {
	return map[string]map[string]any{RuleResourceLimits: {"requiredLimits": names}}
}

const (
	podHP      = "spec.securityContext.windowsOptions.hostProcess"
	podUserF   = "spec.securityContext.windowsOptions.runAsUserName"
	app0HP     = "spec.containers[0].securityContext.windowsOptions.hostProcess"
	app1HP     = "spec.containers[1].securityContext.windowsOptions.hostProcess"
	app0User   = "spec.containers[0].securityContext.windowsOptions.runAsUserName"
	osNameF    = "spec.os.name"
	selectorF  = "spec.nodeSelector['kubernetes.io/os']"
	app0Limits = "spec.containers[0].resources.limits"
)

var ruleCases = []ruleCase{
	// 1. hostprocess-allowed
	{name: "pod-level true, default parameters", rule: RuleAllowed, obj: hpPod(), want: []string{podHP}},
	{name: "pod-level true, image allowed exactly", rule: RuleAllowed, obj: hpPod(), params: allowImages(kubeProxy)},
	{name: "pod-level true, image allowed by prefix", rule: RuleAllowed, obj: hpPod(), params: allowImages("mcr.microsoft.com/oss/kubernetes/*")},
	{name: "prefix without its star is exact", rule: RuleAllowed, obj: hpPod(), params: allowImages("mcr.microsoft.com/oss/kubernetes/"), want: []string{podHP}},
	{name: "pod-level true, one image of two not allowed: one violation", rule: RuleAllowed,
		obj:    hpPod(containers(ctr("a"), ctr("b", image("busybox")))),
		params: allowImages(kubeProxy), want: []string{podHP}},
	{name: "pod-level true, image of an ephemeral container not allowed", rule: RuleAllowed,
		obj:    hpPod(ephemerals(ctr("debug", image("busybox")))),
		params: allowImages(kubeProxy), want: []string{podHP}},
	{name: "pod-level true, no containers at all, every image allowed", rule: RuleAllowed,
		obj: hpPod(containers()), params: allowImages("*"), want: []string{podHP}},
	{name: "container's own true, pod unset", rule: RuleAllowed,
		obj: hpPod(podHostProcess(nil), containers(ctr("a", ctrHostProcess(yes)))), want: []string{app0HP}},
	{name: "pod and container both true: two violations", rule: RuleAllowed,
		obj: hpPod(containers(ctr("a", ctrHostProcess(yes)))), want: []string{podHP, app0HP}},
	{name: "inheriting container gives no violation of its own", rule: RuleAllowed,
		obj: hpPod(containers(ctr("a"), ctr("b"))), want: []string{podHP}},
	{name: "init allowed by prefix, ephemeral not allowed", rule: RuleAllowed,
		obj:    hpPod(podHostProcess(nil), inits(ctr("i", ctrHostProcess(yes))), ephemerals(ctr("d", image("busybox"), ctrHostProcess(yes)))),
		params: allowImages("mcr.microsoft.com/*"), want: []string{"spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess"}},
	{name: "missing image is never allowed", rule: RuleAllowed,
		obj: hpPod(podHostProcess(nil), containers(ctr("a", image(""), ctrHostProcess(yes)))), params: allowImages("*"), want: []string{app0HP}},
	{name: "only the final star is a wildcard", rule: RuleAllowed,
		obj:    hpPod(podHostProcess(nil), containers(ctr("a", image("reg/a*b"), ctrHostProcess(yes)), ctr("b", image("reg/ab"), ctrHostProcess(yes)))),
		params: allowImages("reg/a**"), want: []string{app1HP}},
	{name: "image compared with case", rule: RuleAllowed,
		obj: hpPod(containers(ctr("a", image(strings.ToUpper(kubeProxy))))), params: allowImages(kubeProxy), want: []string{podHP}},
	{name: "false everywhere", rule: RuleAllowed, obj: hpPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(no))))},
	{name: "Deployment path", rule: RuleAllowed,
		obj:  &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: hpPod().Spec}}},
		want: []string{"spec.template.spec.securityContext.windowsOptions.hostProcess"}},
	{name: "CronJob path", rule: RuleAllowed,
		obj: &batchv1.CronJob{Spec: batchv1.CronJobSpec{JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
			Template: corev1.PodTemplateSpec{Spec: hpPod(podHostProcess(nil), containers(ctr("a", ctrHostProcess(yes)))).Spec}}}}},
		want: []string{"spec.jobTemplate.spec.template.spec.containers[0].securityContext.windowsOptions.hostProcess"}},
	{name: "PodTemplate path", rule: RuleAllowed,
		obj:  &corev1.PodTemplate{Template: corev1.PodTemplateSpec{Spec: hpPod().Spec}},
		want: []string{"template.spec.securityContext.windowsOptions.hostProcess"}},
	{name: "ReplicationController without a template", rule: RuleAllowed, obj: &corev1.ReplicationController{}},
	{name: "a kind without a pod spec", rule: RuleAllowed, obj: &corev1.ConfigMap{}},

	// 2. hostprocess-host-network
	{name: "HostProcess pod without hostNetwork", rule: RuleHostNetwork, obj: hpPod(hostNetwork(false)), want: []string{"spec.hostNetwork"}},
	{name: "HostProcess through a container only", rule: RuleHostNetwork,
		obj: hpPod(podHostProcess(nil), hostNetwork(false), containers(ctr("a"), ctr("b", ctrHostProcess(yes)))), want: []string{"spec.hostNetwork"}},
	{name: "HostProcess through an ephemeral container only", rule: RuleHostNetwork,
		obj: hpPod(podHostProcess(nil), hostNetwork(false), ephemerals(ctr("d", ctrHostProcess(yes)))), want: []string{"spec.hostNetwork"}},
	{name: "pod-level true with every container false is still a HostProcess pod", rule: RuleHostNetwork,
		obj: hpPod(hostNetwork(false), containers(ctr("a", ctrHostProcess(no)))), want: []string{"spec.hostNetwork"}},
	{name: "pod-level true without containers", rule: RuleHostNetwork, obj: hpPod(hostNetwork(false), containers()), want: []string{"spec.hostNetwork"}},
	{name: "not a HostProcess pod", rule: RuleHostNetwork, obj: plainPod(podHostProcess(no))},
	{name: "with hostNetwork", rule: RuleHostNetwork, obj: hpPod()},

	// 3. hostprocess-uniform-containers
	{name: "a container overrides with false", rule: RuleUniformContainers,
		obj: hpPod(containers(ctr("a"), ctr("b", ctrHostProcess(no)))), want: []string{app1HP}},
	{name: "unset init and false ephemeral beside a true container", rule: RuleUniformContainers,
		obj:  hpPod(podHostProcess(nil), containers(ctr("a", ctrHostProcess(yes))), inits(ctr("i")), ephemerals(ctr("d", ctrHostProcess(no)))),
		want: []string{"spec.initContainers[0].securityContext.windowsOptions.hostProcess", "spec.ephemeralContainers[0].securityContext.windowsOptions.hostProcess"}},
	{name: "pod false, one container true, one inheriting false", rule: RuleUniformContainers,
		obj: hpPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(yes)), ctr("b"))), want: []string{app1HP}},
	{name: "pod-level true, no containers", rule: RuleUniformContainers, obj: hpPod(containers())},
	{name: "all inherit", rule: RuleUniformContainers, obj: hpPod(containers(ctr("a"), ctr("b")), inits(ctr("i")))},
	{name: "no HostProcess at all", rule: RuleUniformContainers, obj: plainPod(inits(ctr("i", ctrHostProcess(no))))},

	// 4. hostprocess-run-as-user-name
	{name: "LOCAL SERVICE", rule: RuleRunAsUserName, obj: hpPod()},
	{name: "NetworkService", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\NetworkService`))},
	{name: "Local  service with two spaces", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\Local  service`))},
	{name: "spaces between every letter", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\N E T W O R K S E R V I C E`))},
	{name: "SYSTEM without allowSystem", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`)), want: []string{podUserF}},
	{name: "system with allowSystem", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\system`)), params: userParams(true)},
	{name: "lower-case domain", rule: RuleRunAsUserName, obj: hpPod(podUserName(`nt authority\local service`)), want: []string{podUserF}},
	{name: "space after the backslash", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\ LocalService`)), want: []string{podUserF}},
	{name: "leading space", rule: RuleRunAsUserName, obj: hpPod(podUserName(` NT AUTHORITY\LocalService`)), want: []string{podUserF}},
	{name: "trailing newline", rule: RuleRunAsUserName, obj: hpPod(podUserName("NT AUTHORITY\\LocalService\n")), want: []string{podUserF}},
	{name: "tab between the words is not a space", rule: RuleRunAsUserName, obj: hpPod(podUserName("NT AUTHORITY\\Local\tService")), want: []string{podUserF}},
	{name: "domain with a trailing space", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY \SYSTEM`)), params: userParams(true), want: []string{podUserF}},
	{name: "two backslashes", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\\SYSTEM`)), params: userParams(true), want: []string{podUserF}},
	{name: "LocalSystem is not a recognised spelling", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\LocalSystem`)), params: userParams(true), want: []string{podUserF}},
	{name: "SYSTEM without a domain", rule: RuleRunAsUserName, obj: hpPod(podUserName(`SYSTEM`)), params: userParams(true), want: []string{podUserF}},
	{name: "another domain's user", rule: RuleRunAsUserName, obj: hpPod(podUserName(`CONTOSO\svc`)), want: []string{podUserF}},
	{name: "ContainerUser", rule: RuleRunAsUserName, obj: hpPod(podUserName(`ContainerUser`)), want: []string{podUserF}},
	{name: "listed group, other case", rule: RuleRunAsUserName, obj: hpPod(podUserName(`Administrators`)), params: userParams(false, "administrators")},
	{name: "group not listed", rule: RuleRunAsUserName, obj: hpPod(podUserName(`Administrators`)), params: userParams(false, "Admins"), want: []string{podUserF}},
	{name: "a group entry with a backslash matches nothing", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`BUILTIN\Administrators`)), params: userParams(false, `BUILTIN\Administrators`), want: []string{podUserF}},
	{name: "empty name, empty group entry", rule: RuleRunAsUserName, obj: hpPod(podUserName(``)), params: userParams(true, ""), want: []string{podUserF}},
	{name: "group with a trailing space", rule: RuleRunAsUserName, obj: hpPod(podUserName(`Administrators `)), params: userParams(false, "Administrators"), want: []string{podUserF}},
	{name: "a listed group led by a vertical tab is padded", rule: RuleRunAsUserName, obj: hpPod(podUserName("\vAdministrators")), params: userParams(false, "\vadministrators"), want: []string{podUserF}},
	{name: "a listed group ending in a no-break space is padded", rule: RuleRunAsUserName, obj: hpPod(podUserName("Administrators\u00a0")), params: userParams(false, "Administrators\u00a0"), want: []string{podUserF}},
	{name: "missing name: the container's path", rule: RuleRunAsUserName, obj: hpPod(podUser(nil)), want: []string{"spec.containers[0].securityContext.windowsOptions.runAsUserName"}},
	{name: "container's own name overrides the pod's", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a", ctrUserName(`NT AUTHORITY\LocalService`))))},
	{name: "container's own bad name", rule: RuleRunAsUserName,
		obj: hpPod(containers(ctr("a", ctrUserName(`ContainerAdministrator`)))), want: []string{app0User}},
	{name: "two containers inherit a bad name: two violations at the pod's field", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a"), ctr("b"))), want: []string{podUserF, podUserF}},
	{name: "ordinary container in a HostProcess pod is not checked", rule: RuleRunAsUserName,
		obj: hpPod(containers(ctr("a"), ctr("b", ctrHostProcess(no), ctrUserName(`ContainerUser`))))},
	{name: "init container true on its own, without a name", rule: RuleRunAsUserName,
		obj: hpPod(podHostProcess(no), podUser(nil), containers(), inits(ctr("i", ctrHostProcess(yes)))), want: []string{"spec.initContainers[0].securityContext.windowsOptions.runAsUserName"}},

	// 5. hostprocess-run-as-non-root
	{name: "pod-level runAsNonRoot reaches every HostProcess container", rule: RuleRunAsNonRoot,
		obj: hpPod(podRunAsNonRoot(yes), containers(ctr("a"), ctr("b"))), want: []string{"spec.securityContext.runAsNonRoot", "spec.securityContext.runAsNonRoot"}},
	{name: "container false overrides pod true", rule: RuleRunAsNonRoot, obj: hpPod(podRunAsNonRoot(yes), containers(ctr("a", ctrRunAsNonRoot(no))))},
	{name: "container's own true", rule: RuleRunAsNonRoot,
		obj: hpPod(containers(ctr("a", ctrRunAsNonRoot(yes)))), want: []string{"spec.containers[0].securityContext.runAsNonRoot"}},
	{name: "ordinary container is not checked", rule: RuleRunAsNonRoot,
		obj: hpPod(containers(ctr("a"), ctr("b", ctrHostProcess(no), ctrRunAsNonRoot(yes))))},
	{name: "false is fine", rule: RuleRunAsNonRoot, obj: hpPod(podRunAsNonRoot(no))},

	// 6. hostprocess-windows-node
	{name: "os windows", rule: RuleWindowsNode, obj: hpPod()},
	{name: "nowhere placed", rule: RuleWindowsNode, obj: hpPod(noOS()), want: []string{osNameF}},
	{name: "os linux beats nodeSelector windows", rule: RuleWindowsNode, obj: hpPod(osName("linux"), nodeSelector("windows")), want: []string{osNameF}},
	{name: "empty os name", rule: RuleWindowsNode, obj: hpPod(osName("")), want: []string{osNameF}},
	{name: "nodeSelector Windows is not windows", rule: RuleWindowsNode, obj: hpPod(noOS(), nodeSelector("Windows")), want: []string{selectorF}},
	{name: "nodeSelector linux beats os windows", rule: RuleWindowsNode, obj: hpPod(nodeSelector("linux")), want: []string{selectorF}},
	{name: "nodeSelector windows", rule: RuleWindowsNode, obj: hpPod(noOS(), nodeSelector("windows"))},
	{name: "affinity, one right term", rule: RuleWindowsNode, obj: hpPod(noOS(), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows"))))},
	{name: "affinity, the right expression among others", rule: RuleWindowsNode,
		obj: hpPod(noOS(), affinity(term(expr("agentpool", corev1.NodeSelectorOpIn, "win"), expr("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows"))))},
	{name: "affinity, one term of two without windows", rule: RuleWindowsNode,
		obj:  hpPod(noOS(), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows")), term(expr("agentpool", corev1.NodeSelectorOpIn, "win")))),
		want: []string{osNameF}},
	{name: "affinity without terms", rule: RuleWindowsNode, obj: hpPod(noOS(), affinity()), want: []string{osNameF}},
	{name: "affinity values windows and linux", rule: RuleWindowsNode,
		obj: hpPod(noOS(), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows", "linux")))), want: []string{osNameF}},
	{name: "affinity NotIn linux", rule: RuleWindowsNode,
		obj: hpPod(noOS(), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpNotIn, "linux")))), want: []string{osNameF}},
	{name: "affinity value Windows", rule: RuleWindowsNode,
		obj: hpPod(noOS(), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpIn, "Windows")))), want: []string{osNameF}},
	{name: "affinity windows, os linux", rule: RuleWindowsNode,
		obj: hpPod(osName("linux"), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpIn, "windows")))), want: []string{osNameF}},
	{name: "not a HostProcess pod on linux", rule: RuleWindowsNode, obj: plainPod()},

	// 7. hostprocess-volume-mounts
	{name: "Socket type, and a pipe in upper case", rule: RuleVolumeMounts,
		obj:  hpPod(volumes(hostPathVolume("s", "/var/run/x.sock", ptr(corev1.HostPathSocket)), hostPathVolume("p", `\\.\PIPE\docker_engine`, ptr(corev1.HostPathDirectory)))),
		want: []string{"spec.volumes[0].hostPath", "spec.volumes[1].hostPath"}},
	{name: "forward-slash pipe", rule: RuleVolumeMounts, obj: hpPod(volumes(hostPathVolume("p", `//./pipe/containerd`, nil))), want: []string{"spec.volumes[0].hostPath"}},
	{name: "near misses", rule: RuleVolumeMounts,
		obj: hpPod(volumes(hostPathVolume("a", `\\.\pipe`, nil), hostPathVolume("b", `C:\var`, ptr(corev1.HostPathType("socket"))),
			hostPathVolume("c", `\\?\pipe\x`, nil), corev1.Volume{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}))},
	{name: "not a HostProcess pod", rule: RuleVolumeMounts, obj: plainPod(volumes(hostPathVolume("s", `\\.\pipe\x`, ptr(corev1.HostPathSocket))))},

	// 8. hostprocess-resource-limits
	{name: "no limits", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", noLimits()))), want: []string{app0Limits}},
	{name: "cpu only", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limits(corev1.ResourceCPU)))), want: []string{app0Limits}},
	{name: "custom requiredLimits met", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limits(corev1.ResourceMemory)))), params: requireLimits("memory")},
	{name: "custom requiredLimits missed", rule: RuleResourceLimits,
		obj: hpPod(), params: requireLimits("memory", "ephemeral-storage"), want: []string{app0Limits}},
	{name: "empty requiredLimits", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", noLimits()))), params: requireLimits()},
	{name: "ephemeral containers are not checked", rule: RuleResourceLimits, obj: hpPod(ephemerals(ctr("d", noLimits())))},
	{name: "init container", rule: RuleResourceLimits, obj: hpPod(inits(ctr("i", noLimits()))), want: []string{"spec.initContainers[0].resources.limits"}},
	{name: "ordinary container in a HostProcess pod", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a"), ctr("b", noLimits(), ctrHostProcess(no))))},
}

func TestRules(t *testing.T) {
	for _, tc := range ruleCases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			var got []string
			for _, v := range Evaluate(tc.obj, ParamsFrom(tc.params)) {
				if v.Rule == tc.rule {
					got = append(got, v.Field)
				}
				if v.Message == "" {
					t.Errorf("%s %s: empty message", v.Rule, v.Field)
				}
			}
			want := append([]string{}, tc.want...)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("fields:\n got  %q\n want %q", got, want)
			}
		})
	}
}

// TestCompliantPod: the baseline HostProcess pod breaks no hardening rule,
// so every row above changes exactly what it names.
func TestCompliantPod(t *testing.T) {
	got := Evaluate(hpPod(), DefaultParams())
	if len(got) != 1 || got[0].Rule != RuleAllowed {
		t.Fatalf("want only %s, got %+v", RuleAllowed, got)
	}
	if got := Evaluate(plainPod(), DefaultParams()); len(got) != 0 {
		t.Fatalf("a Linux pod violates: %+v", got)
	}
}

func TestMessagesNameTheContainer(t *testing.T) {
	got := Evaluate(hpPod(inits(ctr("setup", noLimits()))), DefaultParams())
	for _, v := range got {
		if v.Rule == RuleResourceLimits && !strings.Contains(v.Message, `initContainers[0] "setup"`) {
			t.Errorf("message %q does not name the container", v.Message)
		}
	}
	got = Evaluate(hpPod(podUserName(`nt authority\system`)), DefaultParams())
	for _, v := range got {
		if v.Rule == RuleRunAsUserName && !strings.Contains(v.Message, "NT AUTHORITY in capitals") {
			t.Errorf("message %q does not say to write NT AUTHORITY in capitals", v.Message)
		}
	}
}

func TestParamsFrom(t *testing.T) {
	if p := ParamsFrom(nil); !slices.Equal(p.RequiredLimits, []string{"cpu", "memory"}) || p.AllowSystem || p.AllowedImages != nil {
		t.Errorf("defaults: %+v", p)
	}
	p := ParamsFrom(map[string]map[string]any{
		RuleAllowed:        {"allowedImages": []string{"a*"}},
		RuleRunAsUserName:  {"allowSystem": "yes", "allowedLocalGroups": []any{"g", 5}},
		RuleResourceLimits: {"requiredLimits": []any{}},
	})
	if !slices.Equal(p.AllowedImages, []string{"a*"}) || p.AllowSystem || !slices.Equal(p.AllowedLocalGroups, []string{"g"}) || len(p.RequiredLimits) != 0 || p.RequiredLimits == nil {
		t.Errorf("got %+v", p)
	}
	if p := ParamsFrom(map[string]map[string]any{RuleResourceLimits: {"requiredLimits": "cpu"}}); len(p.RequiredLimits) != 2 {
		t.Errorf("a wrong-typed value must keep the default: %+v", p)
	}
}
