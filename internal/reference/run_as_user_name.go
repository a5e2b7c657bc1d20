package reference

import (
	"strings"

	"github.com/policygen/policygen/internal/violation"
)

// builtinDomain is the only spelling of the domain for which the Windows
// runtime (hcsshim job containers) starts a service-account logon; any
// other spelling makes it try a password-less interactive logon, which fails.
const builtinDomain = "NT AUTHORITY"

// checkRunAsUserName is rule 4: every HostProcess container runs as an
// allowed account.
func checkRunAsUserName(p *pod, params Params) []violation.Violation {
	var out []violation.Violation
	for _, c := range p.hostProcessContainers() {
		name, from := p.effectiveRunAsUserName(c)
		if name == nil {
			out = append(out, violated(RuleRunAsUserName, from,
				"HostProcess container %s has no runAsUserName; %s", c, allowedNames(params)))
			continue
		}
		if ok, hint := userNameAllowed(*name, params); !ok {
			out = append(out, violated(RuleRunAsUserName, from,
				"HostProcess container %s runs as %q, which is not allowed%s; %s", c, *name, hint, allowedNames(params)))
		}
	}
	return out
}

// userNameAllowed decides one name. hint explains a near miss.
func userNameAllowed(name string, params Params) (ok bool, hint string) {
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
	if startsOrEndsWithSpace(account) {
		return false, " (the account part begins or ends with white space)"
	}
	if strings.Trim(account, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ") != "" {
		return false, "" // Unicode case folding would make the Kelvin sign a k; Windows does not
	}
	switch strings.ToLower(strings.ReplaceAll(account, " ", "")) {
	case "localservice", "networkservice":
		return true, ""
	case "system":
		if params.AllowSystem {
			return true, ""
		}
		return false, " (NT AUTHORITY\\SYSTEM needs allowSystem)"
	}
	return false, ""
}

// localGroupAllowed compares a name without a backslash with the listed
// groups, without regard to case. Entries that are empty or have a
// backslash are not group names and match nothing.
func localGroupAllowed(name string, groups []string) bool {
	for _, g := range groups {
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
	}
	for _, g := range params.AllowedLocalGroups {
		if g != "" && !strings.Contains(g, `\`) {
			allowed = append(allowed, "local group "+g)
		}
	}
	return "allowed: " + strings.Join(allowed, ", ")
}
