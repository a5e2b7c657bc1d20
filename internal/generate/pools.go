package generate

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The pools below are the values the generator draws from. Each holds the
// ordinary values and the corners the rules page decides, so that both
// come up often.

var namespaces = []string{"default", "kube-system", "hpc", ""}

// images: matched or not by the allowedImages of ParameterSets, exactly, by
// prefix, by a near miss of either, and missing.
var images = []string{
	"mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0",
	"mcr.microsoft.com/oss/kubernetes/csi-proxy:v1.1.3",
	"mcr.microsoft.com/oss/kubernetes-csi/livenessprobe:v2.12.0", // shares a prefix without the "/"
	"mcr.microsoft.com/oss/kubernetes/",                          // the prefix itself
	"MCR.microsoft.com/oss/kubernetes/kube-proxy:v1.30.0",        // case differs
	"mcr.microsoft.com/windows/nanoserver:ltsc2022",              // an exact entry
	"mcr.microsoft.com/windows/nanoserver:ltsc2022-amd64",        // exact entry plus a suffix
	"mcr.microsoft.com/windows/nanoserver",                       // exact entry minus its tag
	"docker.io/library/busybox:1.36",
	"registry.example.com/hpc/agent*", // an image that ends in "*" itself
	"",                                // missing
}

// accountNames: every spelling of the built-in accounts, the near misses the
// rules page rejects, other domains, local groups, white space, empty.
var accountNames = []string{
	`NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\Local Service`, `NT AUTHORITY\LocalService`,
	`NT AUTHORITY\localservice`, `NT AUTHORITY\Local service`, `NT AUTHORITY\Local  Service`,
	`NT AUTHORITY\L O C A L S E R V I C E`,
	`NT AUTHORITY\NETWORK SERVICE`, `NT AUTHORITY\NetworkService`, `NT AUTHORITY\Network service`,
	`NT AUTHORITY\SYSTEM`, `NT AUTHORITY\system`, `NT AUTHORITY\System`, `NT AUTHORITY\S YSTEM`,
	`nt authority\local service`, `Nt Authority\SYSTEM`, `NT Authority\NetworkService`,
	`NT AUTHORITY \SYSTEM`, `NT  AUTHORITY\LocalService`, `NTAUTHORITY\SYSTEM`,
	`NT AUTHORITY\ SYSTEM`, `NT AUTHORITY\LocalService `, ` NT AUTHORITY\LocalService`,
	"\tNT AUTHORITY\\NetworkService", "NT AUTHORITY\\LocalService\n", "NT AUTHORITY\\Local\tService",
	"NT AUTHORITY\\Local\u00a0Service", "\u00a0NT AUTHORITY\\LocalService", "NT AUTHORITY\\LocalService\v",
	`NT AUTHORITY\\SYSTEM`, `NT AUTHORITY\SYSTEM\x`, `NT AUTHORITY/SYSTEM`, `NT AUTHORITY\`, `\SYSTEM`,
	"NT AUTHORITY\\Networ\u212Aservice", "NT AUTHORITY\\LOCAL SERV\u0130CE", `NT AUTHORITY\LocalSystem`, `NT AUTHORITY\Authenticated Users`,
	`SYSTEM`, `LocalService`, `ContainerUser`, `ContainerAdministrator`,
	`CONTOSO\svc-hpc`, `BUILTIN\Administrators`, `.\Administrators`,
	`Administrators`, `administrators`, `ADMINISTRATORS`, `Administrators `, ` Administrators`,
	"\vAdministrators", "Administrators\u00a0", `hpc-operators`, `HPC-Operators`, `Users`, ``,
}

// hostPathTypes: every type, unset, empty, and a wrongly cased Socket.
var hostPathTypes = []*corev1.HostPathType{
	nil, ptr(corev1.HostPathUnset), ptr(corev1.HostPathDirectoryOrCreate), ptr(corev1.HostPathDirectory),
	ptr(corev1.HostPathFileOrCreate), ptr(corev1.HostPathFile), ptr(corev1.HostPathSocket),
	ptr(corev1.HostPathCharDev), ptr(corev1.HostPathBlockDev), ptr(corev1.HostPathType("socket")),
}

// hostPaths: named pipes in both spellings and any case, near misses, and
// ordinary paths.
var hostPaths = []string{
	`\\.\pipe\containerd-containerd`, `\\.\PIPE\docker_engine`, `\\.\Pipe\csi-proxy-v1`,
	`//./pipe/containerd-containerd`, `//./PIPE/x`, `\\.\pipe`, `\\.\pipe\`, `//./pipe`,
	`\\?\pipe\x`, `\\.\pipes\x`, `\\\\.\\pipe\\x`, `\\./pipe/x`, ` \\.\pipe\x`,
	`C:\var\log`, `C:\etc\kubernetes`, `/var/run/docker.sock`, `/var/lib/kubelet`, ``,
}

// osNames: windows, its near misses, another OS.
var osNames = []corev1.OSName{"windows", "windows", "Windows", "linux", ""}

// osSelectorValues for nodeSelector kubernetes.io/os.
var osSelectorValues = []string{"windows", "windows", "Windows", "linux", "WINDOWS", ""}

// limitSets: the resource limits a container may set.
var limitSets = []corev1.ResourceList{
	nil,
	{},
	{corev1.ResourceCPU: resource.MustParse("500m")},
	{corev1.ResourceMemory: resource.MustParse("256Mi")},
	{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")},
	{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourceEphemeralStorage: resource.MustParse("2Gi")},
	{corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourceEphemeralStorage: resource.MustParse("2Gi")},
	{"example.com/gpu": resource.MustParse("1")},
}
