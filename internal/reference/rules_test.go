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

func systemImages(images ...any) map[string]map[string]any {
	return map[string]map[string]any{RuleRunAsUserName: {"systemImages": images}}
}

func requireOSName() map[string]map[string]any {
	return map[string]map[string]any{RuleWindowsNode: {"requireOSName": true}}
}

func requireLimits(names ...any) map[string]map[string]any {
	return map[string]map[string]any{RuleResourceLimits: {"requiredLimits": names}}
}

const (
	podHP      = "spec.securityContext.windowsOptions.hostProcess"
	podUserF   = "spec.securityContext.windowsOptions.runAsUserName"
	podNonRoot = "spec.securityContext.runAsNonRoot"
	app0HP     = "spec.containers[0].securityContext.windowsOptions.hostProcess"
	app1HP     = "spec.containers[1].securityContext.windowsOptions.hostProcess"
	app0User   = "spec.containers[0].securityContext.windowsOptions.runAsUserName"
	app1User   = "spec.containers[1].securityContext.windowsOptions.runAsUserName"
	osNameF    = "spec.os.name"
	selectorF  = `spec.nodeSelector["kubernetes.io/os"]`
	betaF      = `spec.nodeSelector["beta.kubernetes.io/os"]`
	app0Limits = "spec.containers[0].resources.limits"
	inheritF   = `metadata.annotations["microsoft.com/hostprocess-inherit-user"]`
	busybox    = "docker.io/library/busybox:1.36"
)

var (
	in    = corev1.NodeSelectorOpIn
	notIn = corev1.NodeSelectorOpNotIn
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
	{name: "v2: pod false with a container's own true: the two must be identical", rule: RuleUniformContainers,
		obj: hpPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(yes)))), want: []string{app0HP}},
	{name: "v2: pod false, one container true, one inheriting false: one each", rule: RuleUniformContainers,
		obj: hpPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(yes)), ctr("b"))), want: []string{app0HP, app1HP}},
	{name: "v2: pod false, an init container true, a container false: one each", rule: RuleUniformContainers,
		obj:  hpPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(no))), inits(ctr("i", ctrHostProcess(yes)))),
		want: []string{app0HP, "spec.initContainers[0].securityContext.windowsOptions.hostProcess"}},
	{name: "pod unset, a container true: no contradiction, the other is not HostProcess", rule: RuleUniformContainers,
		obj: hpPod(podHostProcess(nil), containers(ctr("a", ctrHostProcess(yes)), ctr("b"))), want: []string{app1HP}},
	{name: "pod and containers true: identical", rule: RuleUniformContainers,
		obj: hpPod(containers(ctr("a", ctrHostProcess(yes)), ctr("b", ctrHostProcess(yes))))},
	{name: "pod-level true, no containers", rule: RuleUniformContainers, obj: hpPod(containers())},
	{name: "all inherit", rule: RuleUniformContainers, obj: hpPod(containers(ctr("a"), ctr("b")), inits(ctr("i")))},
	{name: "no HostProcess at all", rule: RuleUniformContainers, obj: plainPod(inits(ctr("i", ctrHostProcess(no))))},
	{name: "pod false, containers false: no HostProcess pod", rule: RuleUniformContainers,
		obj: plainPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(no))))},

	// 4. hostprocess-run-as-user-name
	{name: "LOCAL SERVICE", rule: RuleRunAsUserName, obj: hpPod()},
	{name: "NetworkService", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\NetworkService`))},
	{name: "LOCALSERVICE", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\LOCALSERVICE`))},
	{name: "network service in lower case", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\network service`))},
	{name: "v2: Local  service with two spaces", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\Local  service`)), want: []string{podUserF}},
	{name: "v2: spaces between every letter", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\N E T W O R K S E R V I C E`)), want: []string{podUserF}},
	{name: "v2: S YSTEM with allowSystem", rule: RuleRunAsUserName, obj: hpPod(podUserName(`NT AUTHORITY\S YSTEM`)), params: userParams(true), want: []string{podUserF}},
	{name: "v2: a no-break space between the words", rule: RuleRunAsUserName, obj: hpPod(podUserName("NT AUTHORITY\\Local\u00a0Service")), want: []string{podUserF}},
	{name: "v2: the Kelvin sign is no k", rule: RuleRunAsUserName, obj: hpPod(podUserName("NT AUTHORITY\\Networ\u212Aservice")), want: []string{podUserF}},
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
	{name: "v2: missing name: the pod-level field", rule: RuleRunAsUserName, obj: hpPod(podUser(nil)), want: []string{podUserF}},
	{name: "v2: three containers without a name: one violation", rule: RuleRunAsUserName,
		obj: hpPod(podUser(nil), containers(ctr("a"), ctr("b")), inits(ctr("i"))), want: []string{podUserF}},
	{name: "container's own name overrides the pod's", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a", ctrUserName(`NT AUTHORITY\LocalService`))))},
	{name: "container's own bad name", rule: RuleRunAsUserName,
		obj: hpPod(containers(ctr("a", ctrUserName(`ContainerAdministrator`)))), want: []string{app0User}},
	{name: "v2: two containers inherit a bad name: one violation at the pod's field", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a"), ctr("b"))), want: []string{podUserF}},
	{name: "v2: one inherits a bad name, one sets it itself", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a"), ctr("b", ctrUserName(`NT AUTHORITY\SYSTEM`)))), want: []string{podUserF, app1User}},
	{name: "v2: one without a name, one with its own bad name", rule: RuleRunAsUserName,
		obj: hpPod(podUser(nil), containers(ctr("a"), ctr("b", ctrUserName(`ContainerUser`)))), want: []string{podUserF, app1User}},
	{name: "ordinary container in a HostProcess pod is not checked", rule: RuleRunAsUserName,
		obj: hpPod(containers(ctr("a"), ctr("b", ctrHostProcess(no), ctrUserName(`ContainerUser`))))},
	{name: "v2: init container true on its own, without a name: the pod-level field", rule: RuleRunAsUserName,
		obj: hpPod(podHostProcess(no), podUser(nil), containers(), inits(ctr("i", ctrHostProcess(yes)))), want: []string{podUserF}},
	{name: "v2: systemImages allows SYSTEM for a matching image", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`)), params: systemImages("mcr.microsoft.com/oss/kubernetes/*")},
	{name: "v2: systemImages exact entry", rule: RuleRunAsUserName,
		obj: hpPod(containers(ctr("a", ctrUserName(`NT AUTHORITY\system`)))), params: systemImages(kubeProxy)},
	{name: "v2: systemImages: only the inheriting container whose image does not match", rule: RuleRunAsUserName,
		obj:    hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a"), ctr("b", image(busybox)))),
		params: systemImages("mcr.microsoft.com/*"), want: []string{podUserF}},
	{name: "v2: systemImages: a container's own SYSTEM with an image that does not match", rule: RuleRunAsUserName,
		obj:    hpPod(containers(ctr("a"), ctr("b", image(busybox), ctrUserName(`NT AUTHORITY\SYSTEM`)))),
		params: systemImages("mcr.microsoft.com/*"), want: []string{app1User}},
	{name: "v2: systemImages never matches the empty image", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a", image("")))), params: systemImages("*", ""), want: []string{podUserF}},
	{name: "v2: systemImages does not allow another account", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`ContainerUser`)), params: systemImages("*"), want: []string{podUserF}},
	{name: "v2: systemImages does not allow a wrongly cased domain", rule: RuleRunAsUserName,
		obj: hpPod(podUserName(`nt authority\system`)), params: systemImages("*"), want: []string{podUserF}},
	{name: "v2: inherit-user annotation true", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), InheritUserAnnotation, "true"), want: []string{inheritF}},
	{name: "v2: inherit-user annotation with an empty value", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), InheritUserAnnotation, ""), want: []string{inheritF}},
	{name: "v2: inherit-user annotation no", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), InheritUserAnnotation, "no"), want: []string{inheritF}},
	{name: "v2: inherit-user annotation TRUE", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), InheritUserAnnotation, "TRUE"), want: []string{inheritF}},
	{name: "v2: inherit-user annotation fAlse is no ParseBool spelling", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), InheritUserAnnotation, "fAlse"), want: []string{inheritF}},
	{name: "v2: inherit-user annotation false", rule: RuleRunAsUserName, obj: annotated(hpPod(), InheritUserAnnotation, "false")},
	{name: "v2: inherit-user annotation 0", rule: RuleRunAsUserName, obj: annotated(hpPod(), InheritUserAnnotation, "0")},
	{name: "v2: inherit-user annotation F", rule: RuleRunAsUserName, obj: annotated(hpPod(), InheritUserAnnotation, "F")},
	{name: "v2: inherit-user annotation FALSE", rule: RuleRunAsUserName, obj: annotated(hpPod(), InheritUserAnnotation, "FALSE")},
	{name: "v2: inherit-user annotation key in another case", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), "Microsoft.com/hostprocess-inherit-user", "true")},
	{name: "v2: inherit-user annotation with allowSystem", rule: RuleRunAsUserName,
		obj: annotated(hpPod(), InheritUserAnnotation, "true"), params: userParams(true)},
	{name: "v2: inherit-user annotation, every HostProcess image in systemImages", rule: RuleRunAsUserName,
		obj: annotated(hpPod(containers(ctr("a"), ctr("b", image(busybox), ctrHostProcess(no)))), InheritUserAnnotation, "true"), params: systemImages(kubeProxy)},
	{name: "v2: inherit-user annotation, one HostProcess image not in systemImages", rule: RuleRunAsUserName,
		obj: annotated(hpPod(containers(ctr("a"), ctr("b", image(busybox)))), InheritUserAnnotation, "true"), params: systemImages(kubeProxy), want: []string{inheritF}},
	{name: "v2: inherit-user annotation beside an inherited SYSTEM", rule: RuleRunAsUserName,
		obj: annotated(hpPod(podUserName(`NT AUTHORITY\SYSTEM`)), InheritUserAnnotation, "1"), want: []string{podUserF, inheritF}},
	{name: "v2: inherit-user annotation on a pod that is no HostProcess pod", rule: RuleRunAsUserName,
		obj: annotated(plainPod(), InheritUserAnnotation, "true")},
	{name: "v2: inherit-user annotation on a Deployment's template", rule: RuleRunAsUserName,
		obj: &appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{
			ObjectMeta: annotated(hpPod(), InheritUserAnnotation, "true").ObjectMeta, Spec: hpPod().Spec}}},
		want: []string{`spec.template.metadata.annotations["microsoft.com/hostprocess-inherit-user"]`}},

	// 5. hostprocess-run-as-non-root
	{name: "v2: pod-level runAsNonRoot reaches every HostProcess container: one violation", rule: RuleRunAsNonRoot,
		obj: hpPod(podRunAsNonRoot(yes), containers(ctr("a"), ctr("b"))), want: []string{podNonRoot}},
	{name: "v2: one inherits, one sets its own", rule: RuleRunAsNonRoot,
		obj: hpPod(podRunAsNonRoot(yes), containers(ctr("a"), ctr("b", ctrRunAsNonRoot(yes)))), want: []string{podNonRoot, "spec.containers[1].securityContext.runAsNonRoot"}},
	{name: "container false overrides pod true", rule: RuleRunAsNonRoot, obj: hpPod(podRunAsNonRoot(yes), containers(ctr("a", ctrRunAsNonRoot(no))))},
	{name: "container's own true", rule: RuleRunAsNonRoot,
		obj: hpPod(containers(ctr("a", ctrRunAsNonRoot(yes)))), want: []string{"spec.containers[0].securityContext.runAsNonRoot"}},
	{name: "ordinary container is not checked", rule: RuleRunAsNonRoot,
		obj: hpPod(containers(ctr("a"), ctr("b", ctrHostProcess(no), ctrRunAsNonRoot(yes))))},
	{name: "an ordinary container inheriting true is not named", rule: RuleRunAsNonRoot,
		obj: hpPod(podRunAsNonRoot(yes), containers(ctr("a", ctrRunAsNonRoot(no)), ctr("b", ctrHostProcess(no))))},
	{name: "false is fine", rule: RuleRunAsNonRoot, obj: hpPod(podRunAsNonRoot(no))},

	// 6. hostprocess-windows-node
	{name: "os windows and nodeSelector windows", rule: RuleWindowsNode, obj: hpPod()},
	{name: "v2: os.name windows alone does not place the pod", rule: RuleWindowsNode, obj: hpPod(noSelector()), want: []string{selectorF}},
	{name: "nowhere placed", rule: RuleWindowsNode, obj: hpPod(noOS(), noSelector()), want: []string{selectorF}},
	{name: "os linux beats nodeSelector windows", rule: RuleWindowsNode, obj: hpPod(osName("linux")), want: []string{osNameF}},
	{name: "empty os name", rule: RuleWindowsNode, obj: hpPod(osName("")), want: []string{osNameF}},
	{name: "nodeSelector Windows is not windows", rule: RuleWindowsNode, obj: hpPod(noOS(), nodeSelector("Windows")), want: []string{selectorF}},
	{name: "nodeSelector linux beats os windows", rule: RuleWindowsNode, obj: hpPod(nodeSelector("linux")), want: []string{selectorF}},
	{name: "nodeSelector windows alone", rule: RuleWindowsNode, obj: hpPod(noOS(), nodeSelector("windows"))},
	{name: "v2: beta nodeSelector windows alone", rule: RuleWindowsNode, obj: hpPod(noOS(), selector("beta.kubernetes.io/os", "windows"))},
	{name: "v2: beta nodeSelector linux beside the os nodeSelector windows", rule: RuleWindowsNode,
		obj: hpPod(selector("kubernetes.io/os", "windows", "beta.kubernetes.io/os", "linux")), want: []string{betaF}},
	{name: "v2: os nodeSelector linux comes before beta linux", rule: RuleWindowsNode,
		obj: hpPod(selector("kubernetes.io/os", "linux", "beta.kubernetes.io/os", "linux")), want: []string{selectorF}},
	{name: "v2: os.name linux comes before the nodeSelector", rule: RuleWindowsNode,
		obj: hpPod(osName("linux"), selector("kubernetes.io/os", "linux")), want: []string{osNameF}},
	{name: "v2: windows-build nodeSelector", rule: RuleWindowsNode, obj: hpPod(noOS(), selector("node.kubernetes.io/windows-build", "10.0.20348"))},
	{name: "v2: empty windows-build nodeSelector", rule: RuleWindowsNode, obj: hpPod(noOS(), selector("node.kubernetes.io/windows-build", "")), want: []string{selectorF}},
	{name: "affinity, one right term", rule: RuleWindowsNode, obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", in, "windows"))))},
	{name: "v2: affinity on the beta label", rule: RuleWindowsNode, obj: hpPod(noOS(), noSelector(), affinity(term(expr("beta.kubernetes.io/os", in, "windows"))))},
	{name: "affinity, the right expression among others", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("agentpool", in, "win"), expr("kubernetes.io/os", in, "windows"))))},
	{name: "affinity, one term of two without windows", rule: RuleWindowsNode,
		obj:  hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", in, "windows")), term(expr("agentpool", in, "win")))),
		want: []string{selectorF}},
	{name: "affinity without terms", rule: RuleWindowsNode, obj: hpPod(noOS(), noSelector(), affinity()), want: []string{selectorF}},
	{name: "affinity values windows and linux", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", in, "windows", "linux")))), want: []string{selectorF}},
	{name: "v2: affinity NotIn linux", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", notIn, "linux"))))},
	{name: "v2: affinity NotIn darwin and linux", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", notIn, "darwin", "linux"))))},
	{name: "v2: affinity NotIn darwin", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", notIn, "darwin")))), want: []string{selectorF}},
	{name: "v2: affinity NotIn Linux", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", notIn, "Linux")))), want: []string{selectorF}},
	{name: "v2: affinity windows-build Exists", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("node.kubernetes.io/windows-build", corev1.NodeSelectorOpExists))))},
	{name: "v2: affinity windows-build In a build", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("node.kubernetes.io/windows-build", in, "10.0.17763"))))},
	{name: "v2: affinity windows-build In nothing", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("node.kubernetes.io/windows-build", in)))), want: []string{selectorF}},
	{name: "v2: affinity windows-build DoesNotExist", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("node.kubernetes.io/windows-build", corev1.NodeSelectorOpDoesNotExist)))), want: []string{selectorF}},
	{name: "v2: affinity kubernetes.io/os Exists", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", corev1.NodeSelectorOpExists)))), want: []string{selectorF}},
	{name: "affinity value Windows", rule: RuleWindowsNode,
		obj: hpPod(noOS(), noSelector(), affinity(term(expr("kubernetes.io/os", in, "Windows")))), want: []string{selectorF}},
	{name: "affinity windows, os linux", rule: RuleWindowsNode,
		obj: hpPod(osName("linux"), noSelector(), affinity(term(expr("kubernetes.io/os", in, "windows")))), want: []string{osNameF}},
	{name: "a required affinity for linux does not name another OS", rule: RuleWindowsNode,
		obj: hpPod(noSelector(), affinity(term(expr("kubernetes.io/os", in, "linux")))), want: []string{selectorF}},
	{name: "v2: requireOSName, placed, no os.name", rule: RuleWindowsNode, obj: hpPod(noOS()), params: requireOSName(), want: []string{osNameF}},
	{name: "v2: requireOSName, placed, os.name windows", rule: RuleWindowsNode, obj: hpPod(), params: requireOSName()},
	{name: "v2: requireOSName, not placed, no os.name", rule: RuleWindowsNode, obj: hpPod(noOS(), noSelector()), params: requireOSName(), want: []string{selectorF}},
	{name: "v2: requireOSName, os.name alone", rule: RuleWindowsNode, obj: hpPod(noSelector()), params: requireOSName(), want: []string{selectorF}},
	{name: "v2: requireOSName, os.name linux", rule: RuleWindowsNode, obj: hpPod(osName("linux")), params: requireOSName(), want: []string{osNameF}},
	{name: "v2: requireOSName on a pod that is no HostProcess pod", rule: RuleWindowsNode, obj: plainPod(), params: requireOSName()},
	{name: "not a HostProcess pod on linux", rule: RuleWindowsNode, obj: plainPod()},

	// 7. hostprocess-volume-mounts
	{name: "Socket type, and a pipe in upper case", rule: RuleVolumeMounts,
		obj:  hpPod(mountedVolumes(hostPathVolume("s", "/var/run/x", ptr(corev1.HostPathSocket)), hostPathVolume("p", `\\.\PIPE\docker_engine`, ptr(corev1.HostPathDirectory)))),
		want: []string{"spec.volumes[0].hostPath", "spec.volumes[1].hostPath"}},
	{name: "forward-slash pipe", rule: RuleVolumeMounts, obj: hpPod(mountedVolumes(hostPathVolume("p", `//./pipe/containerd`, nil))), want: []string{"spec.volumes[0].hostPath"}},
	{name: "v2: an unmounted pipe and socket are not counted", rule: RuleVolumeMounts,
		obj: hpPod(volumes(hostPathVolume("p", `\\.\pipe\x`, nil), hostPathVolume("s", `/run/x.sock`, ptr(corev1.HostPathSocket))))},
	{name: "v2: mounted by an init container", rule: RuleVolumeMounts,
		obj: hpPod(volumes(hostPathVolume("p", `\\.\pipe\x`, nil)), inits(ctr("i", mounts("p")))), want: []string{"spec.volumes[0].hostPath"}},
	{name: "v2: mounted by an ephemeral container", rule: RuleVolumeMounts,
		obj: hpPod(volumes(hostPathVolume("p", `\\.\pipe\x`, nil)), ephemerals(ctr("d", mounts("p")))), want: []string{"spec.volumes[0].hostPath"}},
	{name: "v2: mounted by an ordinary container of a HostProcess pod", rule: RuleVolumeMounts,
		obj: hpPod(volumes(hostPathVolume("p", `\\.\pipe\x`, nil)), containers(ctr("a"), ctr("b", ctrHostProcess(no), mounts("p")))), want: []string{"spec.volumes[0].hostPath"}},
	{name: "v2: a mount of another name", rule: RuleVolumeMounts,
		obj: hpPod(volumes(hostPathVolume("p", `\\.\pipe\x`, nil)), containers(ctr("a", mounts("P"))))},
	{name: "v2: .sock paths in any case, any type", rule: RuleVolumeMounts,
		obj:  hpPod(mountedVolumes(hostPathVolume("a", `/var/run/docker.sock`, nil), hostPathVolume("b", `C:\run\X.SOCK`, ptr(corev1.HostPathFile)))),
		want: []string{"spec.volumes[0].hostPath", "spec.volumes[1].hostPath"}},
	{name: "v2: pipes on any host with mixed separators", rule: RuleVolumeMounts,
		obj: hpPod(mountedVolumes(hostPathVolume("a", `\\localhost\pipe\x`, nil), hostPathVolume("b", `\\.\PIPE/x`, nil),
			hostPathVolume("c", `/\.\pipe\x`, nil), hostPathVolume("d", `\\?\pipe\x`, nil), hostPathVolume("e", `//server/Pipe/x`, nil))),
		want: []string{"spec.volumes[0].hostPath", "spec.volumes[1].hostPath", "spec.volumes[2].hostPath", "spec.volumes[3].hostPath", "spec.volumes[4].hostPath"}},
	{name: "near misses", rule: RuleVolumeMounts,
		obj: hpPod(mountedVolumes(hostPathVolume("a", `\\.\pipe`, nil), hostPathVolume("b", `C:\var`, ptr(corev1.HostPathType("socket"))),
			hostPathVolume("c", `\\.\pipes\x`, nil), hostPathVolume("d", `\\\.\pipe\x`, nil), hostPathVolume("e", ` \\.\pipe\x`, nil),
			hostPathVolume("f", `/run/x.sock/`, nil), hostPathVolume("g", `/run/x.socket`, nil), hostPathVolume("h", `\\.\pipe\x`, nil),
			corev1.Volume{Name: "i", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})),
		want: []string{"spec.volumes[7].hostPath"}},
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
	{name: "v2: cpu 0", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("cpu", "0")))), want: []string{app0Limits}},
	{name: "v2: cpu 0m", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("cpu", "0m")))), want: []string{app0Limits}},
	{name: "v2: memory 0Mi", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("memory", "0Mi")))), want: []string{app0Limits}},
	{name: "v2: negative cpu", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("cpu", "-1")))), want: []string{app0Limits}},
	{name: "v2: cpu 1m", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("cpu", "1m"))))},
	{name: "v2: cpu 1n", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("cpu", "1n"))))},
	{name: "v2: memory 512Ki is below 1Mi", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("memory", "512Ki")))), want: []string{app0Limits}},
	{name: "v2: memory 1048575 is below 1Mi", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("memory", "1048575")))), want: []string{app0Limits}},
	{name: "v2: memory 1Mi", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("memory", "1Mi"))))},
	{name: "v2: memory 1.1e6", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("memory", "1.1e6"))))},
	{name: "v2: memory 1M is below 1Mi", rule: RuleResourceLimits, obj: hpPod(containers(ctr("a", limit("memory", "1M")))), want: []string{app0Limits}},
	{name: "v2: a small ephemeral-storage limit counts", rule: RuleResourceLimits,
		obj: hpPod(containers(ctr("a", limit("ephemeral-storage", "1")))), params: requireLimits("ephemeral-storage")},
	{name: "v2: zero limits on an ordinary container", rule: RuleResourceLimits,
		obj: hpPod(containers(ctr("a"), ctr("b", ctrHostProcess(no), limit("cpu", "0"))))},
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
	for _, c := range []struct {
		name   string
		obj    runtime.Object
		params map[string]map[string]any
		rule   string
		says   []string
		not    []string
	}{
		{"a container's limits", hpPod(inits(ctr("setup", noLimits()))), nil, RuleResourceLimits, []string{`initContainers[0] "setup"`}, nil},
		{"a wrongly cased domain", hpPod(podUserName(`nt authority\system`)), nil, RuleRunAsUserName, []string{"NT AUTHORITY in capitals"}, nil},
		{"containers inheriting a name", hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("node")), inits(ctr("install"))), nil, RuleRunAsUserName,
			[]string{`containers[0] "node", initContainers[0] "install" inherit runAsUserName "NT AUTHORITY\SYSTEM" from the pod`}, nil},
		{"systemImages leave out the matching containers", hpPod(podUserName(`NT AUTHORITY\SYSTEM`), containers(ctr("a"), ctr("b", image(busybox)))), systemImages(kubeProxy), RuleRunAsUserName,
			[]string{`containers[1] "b"`}, []string{`containers[0] "a"`}},
		{"containers without a name", hpPod(podUser(nil), containers(ctr("a"), ctr("b"))), nil, RuleRunAsUserName, []string{`containers[0] "a", containers[1] "b"`}, nil},
		{"containers inheriting runAsNonRoot", hpPod(podRunAsNonRoot(yes), containers(ctr("a"), ctr("b"))), nil, RuleRunAsNonRoot, []string{`containers[0] "a", containers[1] "b"`}, nil},
		{"the contradiction", hpPod(podHostProcess(no), containers(ctr("a", ctrHostProcess(yes)))), nil, RuleUniformContainers, []string{`containers[0] "a"`, "identical"}, nil},
		{"os.name alone", hpPod(noSelector()), nil, RuleWindowsNode, []string{"does not place", "nodeSelector"}, nil},
		{"os.name missing under requireOSName", hpPod(noOS(), noSelector()), requireOSName(), RuleWindowsNode, []string{"os.name", "missing"}, nil},
		{"a zero limit", hpPod(containers(ctr("a", limit("memory", "0")))), nil, RuleResourceLimits, []string{`memory "0" is zero`}, nil},
		{"a small memory limit", hpPod(containers(ctr("a", limit("memory", "512Ki")))), nil, RuleResourceLimits, []string{`memory "512Ki" is below 1Mi`}, nil},
	} {
		found := false
		for _, v := range Evaluate(c.obj, ParamsFrom(c.params)) {
			if v.Rule != c.rule {
				continue
			}
			found = true
			for _, s := range c.says {
				if !strings.Contains(v.Message, s) {
					t.Errorf("%s: message %q does not say %q", c.name, v.Message, s)
				}
			}
			for _, s := range c.not {
				if strings.Contains(v.Message, s) {
					t.Errorf("%s: message %q says %q", c.name, v.Message, s)
				}
			}
		}
		if !found {
			t.Errorf("%s: no violation of %s", c.name, c.rule)
		}
	}
}

func TestParamsFrom(t *testing.T) {
	if p := ParamsFrom(nil); !slices.Equal(p.RequiredLimits, []string{"cpu", "memory"}) || p.AllowSystem || p.AllowedImages != nil {
		t.Errorf("defaults: %+v", p)
	}
	p := ParamsFrom(map[string]map[string]any{
		RuleAllowed:        {"allowedImages": []string{"a*"}},
		RuleRunAsUserName:  {"allowSystem": "yes", "allowedLocalGroups": []any{"g", 5}, "systemImages": []any{"s", true}},
		RuleWindowsNode:    {"requireOSName": true},
		RuleResourceLimits: {"requiredLimits": []any{}},
	})
	if !slices.Equal(p.SystemImages, []string{"s"}) || !p.RequireOSName {
		t.Errorf("v2 parameters: %+v", p)
	}
	if p := ParamsFrom(map[string]map[string]any{RuleWindowsNode: {"requireOSName": "true"}}); p.RequireOSName || p.SystemImages != nil {
		t.Errorf("wrong-typed v2 parameters must keep the defaults: %+v", p)
	}
	if !slices.Equal(p.AllowedImages, []string{"a*"}) || p.AllowSystem || !slices.Equal(p.AllowedLocalGroups, []string{"g"}) || len(p.RequiredLimits) != 0 || p.RequiredLimits == nil {
		t.Errorf("got %+v", p)
	}
	if p := ParamsFrom(map[string]map[string]any{RuleResourceLimits: {"requiredLimits": "cpu"}}); len(p.RequiredLimits) != 2 {
		t.Errorf("a wrong-typed value must keep the default: %+v", p)
	}
}
