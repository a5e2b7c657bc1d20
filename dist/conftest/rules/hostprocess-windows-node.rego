# A HostProcess pod must be placed on Windows nodes, and must not name
# another operating system anywhere.
package k8shostprocesswindowsnode

import data.lib.hostprocess as hp

rule := "hostprocess-windows-node"

os_label := "kubernetes.io/os"

violation contains hp.violation(rule, problem.msg, problem.field) if {
	some pod in hp.hostprocess_pods
	problem := placement_problem(pod)
}

placement_problem(pod) := {
	"msg": sprintf("a HostProcess pod must run on Windows, but os.name is %q", [name]),
	"field": sprintf("%s.os.name", [pod.path]),
} if {
	name := os_name(pod.spec)
	name != "windows"
} else := {
	"msg": sprintf("a HostProcess pod must run on Windows, but nodeSelector %s is %q", [os_label, value]),
	"field": sprintf("%s.nodeSelector['%s']", [pod.path, os_label]),
} if {
	value := selector_os(pod.spec)
	value != "windows"
} else := {
	"msg": sprintf("a HostProcess pod must be placed on Windows nodes: set os.name: windows, nodeSelector %s: windows, or a required node affinity on %s In [windows]", [os_label, os_label]),
	"field": sprintf("%s.os.name", [pod.path]),
} if {
	not windows_placed(pod.spec)
}

os_name(spec) := name if {
	name := object.get(spec, ["os", "name"], null)
	is_string(name)
}

selector_os(spec) := value if {
	value := object.get(spec, ["nodeSelector", os_label], null)
	is_string(value)
}

windows_placed(spec) if os_name(spec) == "windows"

windows_placed(spec) if selector_os(spec) == "windows"

# Every required node selector term pins the node to Windows.
windows_placed(spec) if {
	terms := object.get(spec, ["affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"], null)
	is_array(terms)
	count(terms) > 0
	every term in terms {
		windows_term(term)
	}
}

windows_term(term) if {
	expressions := object.get(hp.object_or_empty(term), "matchExpressions", null)
	is_array(expressions)
	some expression in expressions
	is_object(expression)
	expression.key == os_label
	expression.operator == "In"
	expression.values == ["windows"]
}
