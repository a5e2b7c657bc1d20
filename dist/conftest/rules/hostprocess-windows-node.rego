# A HostProcess pod must be scheduled onto Windows nodes, and must not name
# another operating system anywhere. The scheduler ignores os.name: only a
# nodeSelector or a required node affinity places the pod.

# METADATA
# title: HostProcess pods are scheduled onto Windows nodes
# description: 'A HostProcess pod must be scheduled onto Windows nodes, and name no other OS. The scheduler ignores spec.os.name: a pod with only os.name: windows is placed on any node, and on a Linux node the kubelet rejects it, so a DaemonSet keeps creating failing pods. The pod is placed on Windows by nodeSelector kubernetes.io/os: windows or beta.kubernetes.io/os: windows; by nodeSelector node.kubernetes.io/windows-build with a non-empty value (a label only Windows nodes carry); or by a required node affinity whose every nodeSelectorTerms entry (at least one) has a matchExpressions entry that restricts the node to Windows: key kubernetes.io/os or beta.kubernetes.io/os with operator In and values exactly ["windows"], or operator NotIn with values that include linux; or key node.kubernetes.io/windows-build with operator Exists, or In with at least one value. Values are compared exactly ("Windows" is not "windows"). A pod whose os.name, kubernetes.io/os or beta.kubernetes.io/os nodeSelector names another OS violates even when another place says windows; a required affinity for another OS is not such a place (it only fails to place the pod). With requireOSName, the pod must also set spec.os.name: windows, so that the API server applies its Windows-only validation and a Linux kubelet rejects it. One violation per pod spec, for the first of: os.name names another OS (field os.name); the kubernetes.io/os, then the beta.kubernetes.io/os nodeSelector names another OS; the pod is not placed on Windows (field nodeSelector["kubernetes.io/os"]; with os.name: windows alone the message says that it does not place the pod and to add the nodeSelector); os.name: windows is missing under requireOSName (field os.name). A RuntimeClass''s scheduling.nodeSelector is not visible in the object: set the pod''s own nodeSelector too.'
# custom:
#   id: hostprocess-windows-node
#   kind: K8sHostProcessWindowsNode
#   version: 1.0.0
#   bundle: hardening
#   severity: error
#   remedy: 'Set nodeSelector kubernetes.io/os: windows on the pod template (also when a RuntimeClass selects Windows nodes), set spec.os.name: windows, and remove any other OS.'
#   parameters:
#     - name: requireOSName
#       description: 'Also require spec.os.name: windows, so that the API server applies its Windows-only validation to the pod and a Linux kubelet rejects it.'
#       default: false
package k8shostprocesswindowsnode

import data.lib.hostprocess as hp
import data.lib.hostprocess.parameters

rule := "hostprocess-windows-node"

os_labels := ["kubernetes.io/os", "beta.kubernetes.io/os"]

build_label := "node.kubernetes.io/windows-build"

violation contains hp.violation(rule, pod.prefix, problem.msg, concat("", [hp.pod_path(pod), problem.field])) if {
	some pod in hp.hostprocess_pods
	not placed_on_windows(pod.spec)
	problem := placement_problem(pod.spec)
}

# The usual placement, decided without a string built or a function called:
# os.name: windows and nodeSelector kubernetes.io/os: windows, and no beta
# label. placement_problem has nothing to say of such a pod.
placed_on_windows(spec) if {
	spec.os.name == "windows"
	spec.nodeSelector["kubernetes.io/os"] == "windows"
	not spec.nodeSelector["beta.kubernetes.io/os"]
}

# At most one problem per pod spec, the first that applies.
placement_problem(spec) := {
	"msg": sprintf("a HostProcess pod must run on Windows, but os.name is %q", [spec.os.name]),
	"field": ".os.name",
} if {
	is_string(spec.os.name)
	spec.os.name != "windows"
} else := {
	"msg": sprintf("a HostProcess pod must run on Windows, but nodeSelector %s is %q", [os_labels[0], spec.nodeSelector[os_labels[0]]]),
	"field": sprintf(`.nodeSelector["%s"]`, [os_labels[0]]),
} if {
	is_string(spec.nodeSelector["kubernetes.io/os"])
	spec.nodeSelector["kubernetes.io/os"] != "windows"
} else := {
	"msg": sprintf("a HostProcess pod must run on Windows, but nodeSelector %s is %q", [os_labels[1], spec.nodeSelector[os_labels[1]]]),
	"field": sprintf(`.nodeSelector["%s"]`, [os_labels[1]]),
} if {
	is_string(spec.nodeSelector["beta.kubernetes.io/os"])
	spec.nodeSelector["beta.kubernetes.io/os"] != "windows"
} else := {
	"msg": unplaced_message(spec),
	"field": sprintf(`.nodeSelector["%s"]`, [os_labels[0]]),
} if {
	not windows_placed(spec)
} else := {
	"msg": "requireOSName: a HostProcess pod must set os.name: windows, so that the API server applies its Windows validation and a Linux kubelet rejects it",
	"field": ".os.name",
} if {
	not spec.os.name == "windows"
	parameters.requireOSName
}

placement_advice := sprintf("set nodeSelector %s: windows (a RuntimeClass's scheduling.nodeSelector is not visible here: set the pod's own too), or a required node affinity that restricts every term to Windows", [os_labels[0]])

unplaced_message(spec) := sprintf("a HostProcess pod must be scheduled onto Windows nodes, but os.name: windows does not place the pod (the scheduler ignores it); add the nodeSelector: %s", [placement_advice]) if {
	spec.os.name == "windows"
} else := sprintf("a HostProcess pod must be scheduled onto Windows nodes, and os.name: windows is missing (requireOSName); %s, and set os.name: windows", [placement_advice]) if {
	parameters.requireOSName
} else := sprintf("a HostProcess pod must be scheduled onto Windows nodes: %s", [placement_advice])

windows_placed(spec) if spec.nodeSelector["kubernetes.io/os"] == "windows"

windows_placed(spec) if spec.nodeSelector["beta.kubernetes.io/os"] == "windows"

windows_placed(spec) if {
	value := spec.nodeSelector[build_label]
	is_string(value)
	value != ""
}

# A required node affinity whose every term (at least one) restricts the
# node to Windows.
windows_placed(spec) if {
	terms := spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms
	is_array(terms)
	count(terms) > 0
	every term in terms {
		windows_term(term)
	}
}

windows_term(term) if {
	expressions := term.matchExpressions
	is_array(expressions)
	some expression in expressions
	windows_expression(expression)
}

windows_expression(e) if {
	e.key in os_labels
	e.operator == "In"
	e.values == ["windows"]
}

windows_expression(e) if {
	e.key in os_labels
	e.operator == "NotIn"
	is_array(e.values)
	"linux" in e.values
}

windows_expression(e) if {
	e.key == build_label
	e.operator == "Exists"
}

windows_expression(e) if {
	e.key == build_label
	e.operator == "In"
	is_array(e.values)
	count(e.values) > 0
}
