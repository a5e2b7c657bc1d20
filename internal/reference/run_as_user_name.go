package reference

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/policygen/policygen/internal/violation"
)

// builtinDomain is the only spelling of the domain for which the Windows
// runtime (hcsshim job containers) starts a service-account logon; any
// other spelling makes it try a password-less interactive logon, which fails.
const builtinDomain = "NT AUTHORITY"

// InheritUserAnnotation makes the runtime ignore runAsUserName and run every
// HostProcess container with containerd's own token (LocalSystem).
const InheritUserAnnotation = "microsoft.com/hostprocess-inherit-user"

// checkRunAsUserName is rule 4: every HostProcess container runs as an
// allowed account. Containers whose offending value comes from the pod
// level count once, at the pod-level field; so do the HostProcess
// containers without any name. A container's own name is its own.
func checkRunAsUserName(p *pod, params Params) []violation.Violation {
	var out []violation.Violation
	podField := p.field("securityContext.windowsOptions.runAsUserName")
	var podName *string
	if w := p.podWindows(); w != nil {
		podName = w.RunAsUserName
	}
	var inherit, missing []string
	var inheritHint string
	for _, c := range p.hostProcessContainers() {
		var own *string
		if w := containerWindows(c); w != nil {
			own = w.RunAsUserName
		}
		switch {
		case own != nil:
			if ok, hint := userNameAllowed(*own, c.c.Image, params); !ok {
				out = append(out, violated(RuleRunAsUserName, c.path+".securityContext.windowsOptions.runAsUserName",
					"HostProcess container %s runs as %s, which is not allowed%s; %s", c, quoteName(*own), hint, allowedNames(params)))
			}
		case podName != nil:
			if ok, hint := userNameAllowed(*podName, c.c.Image, params); !ok {
				inherit, inheritHint = append(inherit, c.String()), hint
			}
		default:
			missing = append(missing, c.String())
		}
	}
	if len(inherit) > 0 {
		out = append(out, violated(RuleRunAsUserName, podField,
			"%s inherit runAsUserName %s from the pod, which is not allowed%s; %s", strings.Join(inherit, ", "), quoteName(*podName), inheritHint, allowedNames(params)))
	}
	if len(missing) > 0 {
		out = append(out, violated(RuleRunAsUserName, podField,
			"%s have no runAsUserName: set it once at the pod level or on each; %s", strings.Join(missing, ", "), allowedNames(params)))
	}
	if p.isHostProcessPod() && p.inheritsUser() && !params.AllowSystem && !p.allSystemImages(params) {
		out = append(out, violated(RuleRunAsUserName, p.annotationField(InheritUserAnnotation),
			"the pod annotation %s makes the runtime ignore runAsUserName and run every HostProcess container as containerd's own account (LocalSystem); it needs allowSystem, or systemImages matching every HostProcess container's image", InheritUserAnnotation))
	}
	return out
}

// inheritsUser: the pod metadata carries the inherit-user annotation with a
// value other than a strconv.ParseBool false spelling.
func (p *pod) inheritsUser() bool {
	v, ok := p.annotations[InheritUserAnnotation]
	if !ok {
		return false
	}
	switch v {
	case "0", "f", "F", "false", "FALSE", "False":
		return false
	}
	return true
}

// annotationField is the path of an annotation of the pod metadata.
func (p *pod) annotationField(key string) string {
	return fmt.Sprintf("%s.annotations[%q]", p.metaPrefix, key)
}

// allSystemImages: every HostProcess container's own image is in
// systemImages (true when there is none: no container runs as anyone).
func (p *pod) allSystemImages(params Params) bool {
	for _, c := range p.hostProcessContainers() {
		if !imageAllowed(c.c.Image, params.SystemImages) {
			return false
		}
	}
	return true
}

// builtinAccounts are the account parts of the built-in service accounts,
// in ASCII lower case: one ASCII space between the words or none.
var builtinAccounts = map[string]string{
	"system":          "system",
	"local service":   "local",
	"localservice":    "local",
	"network service": "network",
	"networkservice":  "network",
}

// userNameAllowed decides one name for a container with image. hint
// explains a near miss.
func userNameAllowed(name, image string, params Params) (ok bool, hint string) {
	if startsOrEndsWithSpace(name) {
		return false, " (it begins or ends with white space)"
	}
	domain, account, hasDomain := strings.Cut(name, `\`)
	if !hasDomain {
		return localGroupAllowed(name, params.AllowedLocalGroups), ""
	}
	if strings.Contains(account, `\`) {
		return false, ""
	}
	if domain != builtinDomain {
		if strings.EqualFold(domain, builtinDomain) {
			return false, " (write NT AUTHORITY in capitals: the runtime recognises no other spelling)"
		}
		return false, ""
	}
	switch builtinAccounts[asciiLower(account)] {
	case "local", "network":
		return true, ""
	case "system":
		if params.AllowSystem || imageAllowed(image, params.SystemImages) {
			return true, ""
		}
		return false, " (NT AUTHORITY\\SYSTEM needs allowSystem, or the container's image in systemImages)"
	}
	return false, " (not a built-in account spelling: one ASCII space between the words or none)"
}

// quoteName quotes an account name as the rules page writes it, its
// backslash as it is, escaping only what cannot be read (white space other
// than a blank, control characters).
func quoteName(name string) string {
	if q := strconv.Quote(name); q != `"`+strings.ReplaceAll(strings.ReplaceAll(name, `\`, `\\`), `"`, `\"`)+`"` {
		return q
	}
	return `"` + name + `"`
}

// asciiLower lowers ASCII letters only: Unicode case folding would make
// the Kelvin sign a k, and Windows does not.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// localGroupAllowed compares a name without a backslash with the listed
// groups, without regard to case. Entries that are empty or have a
// backslash are not group names and match nothing.
func localGroupAllowed(name string, groups []string) bool {
	for _, g := range groups {
		//lint:ignore SA6005 the Rego compares lower(a) == lower(b), which is this; EqualFold folds more (ſ is s to it)
		if g != "" && !strings.Contains(g, `\`) && strings.ToLower(g) == strings.ToLower(name) {
			return true
		}
	}
	return false
}

// startsOrEndsWithSpace uses Unicode's white space: a no-break space or a
// vertical tab at either end is as much padding as a blank.
func startsOrEndsWithSpace(s string) bool {
	return strings.TrimSpace(s) != s
}

// allowedNames says what the parameters allow, for messages.
func allowedNames(params Params) string {
	allowed := []string{`NT AUTHORITY\LOCAL SERVICE`, `NT AUTHORITY\NETWORK SERVICE`}
	if params.AllowSystem {
		allowed = append(allowed, `NT AUTHORITY\SYSTEM`)
	} else if len(params.SystemImages) > 0 {
		allowed = append(allowed, `NT AUTHORITY\SYSTEM for images in systemImages`)
	}
	for _, g := range params.AllowedLocalGroups {
		if g != "" && !strings.Contains(g, `\`) {
			allowed = append(allowed, "local group "+g)
		}
	}
	return "allowed: " + strings.Join(allowed, ", ")
}
