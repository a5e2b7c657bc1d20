# A HostProcess container runs as the account its runAsUserName names; the
# runtime cannot honour runAsNonRoot: true for it.
package k8shostprocessrunasnonroot

import data.lib.hostprocess as hp

rule := "hostprocess-run-as-non-root"

violation contains hp.violation(rule, msg, c.runAsNonRoot.field) if {
	some c in hp.hostprocess_containers
	c.runAsNonRoot.value == true
	msg := sprintf("%s is a HostProcess container with runAsNonRoot: true, which the runtime cannot honour; remove it and choose the account with runAsUserName", [c.label])
}
