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
	`NT AUTHORITY\LOCALSERVICE`, `NT AUTHORITY\network service`, `NT AUTHORITY\NETWORK  SERVICE`, `NT AUTHORITY\SYS TEM`,
	"NT AUTHORITY\\Network\tService", "NT AUTHORITY\\Network\u00a0Service", "NT AUTHORITY\\Local\u00a0\u00a0Service", "NT AUTHORITY\\SYSTEM\u00a0",
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
	`\\localhost\pipe\csi-proxy`, `\\.\PIPE/x`, `/\.\pipe\x`, `//server/Pipe/csi`, `\\host\pIpE\x`, `\\.\pipe/`,
	`/run/containerd/containerd.sock`, `C:\var\run\X.SOCK`, `C:\run\csi.Sock`, `/run/x.sock/`, `/run/x.socket`, `/run/sock`,
}

// osNames: windows, its near misses, another OS.
var osNames = []corev1.OSName{"windows", "windows", "Windows", "linux", ""}

// osSelectorValues for nodeSelector kubernetes.io/os.
var osSelectorValues = []string{"windows", "windows", "Windows", "linux", "WINDOWS", ""}

// quantities: the values a limit may have: zero in every spelling, tiny
// and boundary memory, negative, every suffix, exponents, decimals, signs.
var quantities = []string{
	"0", "0m", "0Mi", "0.0", "0e3", "-1", "-500m", "1n", "1u", "1m", "1", "100m", "0.5", "+1", "1e3", "1E3", "1e-3",
	"1Ki", "512Ki", "1023Ki", "1024Ki", "1048575", "1048576", "1M", "1e6", "1.1e6", "1Mi", "2G", "1.5Gi", "1Ti", "1P", "1Pi", "1E", "1Ei", "1e18",
}

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

// osValues for nodeSelector beta.kubernetes.io/os.
var betaSelectorValues = []string{"windows", "windows", "linux", "Windows", ""}

// windowsBuilds for nodeSelector node.kubernetes.io/windows-build: a build,
// and the empty value, which places nothing.
var windowsBuilds = []string{"10.0.17763", "10.0.20348", ""}

// inheritUserValues: the values of the inherit-user annotation, the
// strconv.ParseBool false spellings and near misses of them.
var inheritUserValues = []string{
	"true", "True", "TRUE", "1", "t", "T", "yes", "", " ", "no", "off",
	"false", "False", "FALSE", "0", "f", "F", "fAlse", " false", "false ", "0.0",
}

// annotationKeys: the inherit-user key, spelt right and near it.
var annotationKeys = []string{
	"microsoft.com/hostprocess-inherit-user", "microsoft.com/hostprocess-inherit-user", "microsoft.com/hostprocess-inherit-user",
	"Microsoft.com/hostprocess-inherit-user", "microsoft.com/hostprocess-inherit-user ", "hostprocess-inherit-user",
}
