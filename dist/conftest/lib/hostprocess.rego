# Shared model of the objects under review: the objects of a document (a
# list's items, recursively), their pod specs, and the HostProcess pods among
# them with their containers' effective settings. Every rule reads these, so
# each object is walked once per evaluation, whatever the rule count.
#
# A pod that is not HostProcess costs a few lookups: no container record,
# path or message is built for it. Paths and labels are built only for what
# violates.
#
# Wrong-typed values (a string "true", a number, an object where a list
# belongs, null) are treated as unset and never make an evaluation error.
package lib.hostprocess

import data.lib.hostprocess.defaults
import data.lib.hostprocess.target

# Where each pod-bearing kind keeps its pod spec and its pod metadata. Any
# other kind has none.
pod_spec_paths := {
	"Pod": ["spec"],
	"PodTemplate": ["template", "spec"],
	"Deployment": ["spec", "template", "spec"],
	"DaemonSet": ["spec", "template", "spec"],
	"StatefulSet": ["spec", "template", "spec"],
	"ReplicaSet": ["spec", "template", "spec"],
	"ReplicationController": ["spec", "template", "spec"],
	"Job": ["spec", "template", "spec"],
	"CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}

# The pod metadata sits beside the pod spec.
pod_metadata_path(kind) := array.concat(array.slice(pod_spec_paths[kind], 0, count(pod_spec_paths[kind]) - 1), ["metadata"])

container_lists := ["containers", "initContainers", "ephemeralContainers"]

inherit_user_annotation := "microsoft.com/hostprocess-inherit-user"

# The objects of the document under review.
default objects := []

objects := document_objects(target.document)

# The objects of a document, each with the JSON path prefix of the object
# ("" or "items[0].items[2]."), the kind it is judged as, and the prefix of
# its messages ("" or "items[0].items[2] Pod ns/name: "). A document that is
# not a list is one object; a list is judged item by item, to any depth.
document_objects(doc) := [{"path": "", "prefix": "", "kind": object.get(doc, "kind", null), "object": doc}] if {
	is_object(doc)
	not is_list(doc)
} else := [o |
	is_list(doc)
	lists := {list_path: list.kind | walk(doc, [list_path, list]); is_list(list)}
	walk(doc.items, [p, item])
	path := array.concat(["items"], p)
	is_object(item)
	k := count(path) / 2
	k == floor(k)
	every j in numbers.range(0, k - 1) {
		path[2 * j] == "items"
		is_number(path[(2 * j) + 1])
		lists[array.slice(path, 0, 2 * j)]
	}
	kind := item_kind(item, lists[array.slice(path, 0, count(path) - 2)])
	item_path := concat(".", [sprintf("items[%d]", [path[(2 * j) + 1]]) | some j in numbers.range(0, k - 1)])
	o := {
		"path": concat("", [item_path, "."]),
		"prefix": sprintf("%s %s%s: ", [item_path, kind_text(kind), name_text(item)]),
		"kind": kind,
		"object": item,
	}
]

# A list: kind List or a kind ending in List, with an array of items.
is_list(x) if {
	is_string(x.kind)
	endswith(x.kind, "List")
	is_array(x.items)
}

# An item with a string kind is that kind; an untyped item of an XList is
# an X (kubectl fills the kind in); an untyped item of a List has none.
item_kind(item, list_kind) := item.kind if is_string(item.kind)

else := trim_suffix(list_kind, "List") if list_kind != "List"

else := null

kind_text(kind) := kind if is_string(kind)

else := "(no kind)"

name_text(item) := sprintf(" %s/%s", [item.metadata.namespace, item.metadata.name]) if {
	non_empty_string(item.metadata.namespace)
	non_empty_string(item.metadata.name)
} else := sprintf(" %s/", [item.metadata.namespace]) if {
	non_empty_string(item.metadata.namespace)
} else := sprintf(" %s", [item.metadata.name]) if {
	non_empty_string(item.metadata.name)
} else := ""

non_empty_string(x) if {
	is_string(x)
	x != ""
}

# What the rules read of a document: per pod spec (lists expanded), its
# path, the spec and the pod metadata's annotations, null when missing. Two
# documents with equal states are judged alike.
pod_state(doc) := [[concat("", [obj.path, concat(".", path)]), spec, annotations] |
	some obj in document_objects(doc)
	path := pod_spec_paths[obj.kind]
	spec := object.get(obj.object, path, null)
	annotations := object.get(obj.object, array.concat(pod_metadata_path(obj.kind), ["annotations"]), null)
]

# Every pod spec under review, with the JSON paths of the spec and of its
# metadata in the document, and the prefix of its messages.
pods contains pod if {
	some obj in objects
	path := pod_spec_paths[obj.kind]
	spec := object.get(obj.object, path, null)
	is_object(spec)
	meta_path := pod_metadata_path(obj.kind)
	pod := {
		"path": concat("", [obj.path, concat(".", path)]),
		"metadata": concat("", [obj.path, concat(".", meta_path)]),
		"annotations": object.get(obj.object, array.concat(meta_path, ["annotations"]), null),
		"prefix": obj.prefix,
		"spec": spec,
	}
}

# Pod-level hostProcess: true.
pod_level_hostprocess(pod) if pod.spec.securityContext.windowsOptions.hostProcess == true

# Pod specs that are HostProcess pods: pod-level true, or any container that
# sets hostProcess: true itself (checked on the entries as they are, so that
# finding the HostProcess pods builds no containers). Collected by path: a
# set of strings, not of whole pod specs.
hostprocess_pod_paths contains pod.path if {
	some pod in pods
	pod_level_hostprocess(pod)
}

hostprocess_pod_paths contains pod.path if {
	some pod in pods
	not pod_level_hostprocess(pod)
	some list in container_lists
	entries := pod.spec[list]
	is_array(entries)
	some entry in entries
	entry.securityContext.windowsOptions.hostProcess == true
}

hostprocess_pods contains pod if {
	some pod in pods
	pod.path in hostprocess_pod_paths
}

# The HostProcess pods by path.
pod_at := {pod.path: pod | some pod in hostprocess_pods}

# Every container of every HostProcess pod, with its effective values:
# {"value": v, "own": true} when the container sets v itself, "own": false
# when it comes from the pod (or is unset, value null).
containers contains c if {
	some pod in hostprocess_pods
	pod_context := object.get(pod.spec, "securityContext", null)
	some order, list in container_lists
	entries := pod.spec[list]
	is_array(entries)
	some i, entry in entries
	own := object_or_empty(entry)
	c := {
		"pod": pod.path,
		"order": [order, i],
		"list": list,
		"index": i,
		"object": own,
		"hostProcess": effective(pod_context, own, ["windowsOptions", "hostProcess"], "boolean"),
		"runAsUserName": effective(pod_context, own, ["windowsOptions", "runAsUserName"], "string"),
		"runAsNonRoot": effective(pod_context, own, ["runAsNonRoot"], "boolean"),
	}
}

# The effective value of a security setting for a container: its own value
# when it sets one of the right type, else the pod's, else null.
effective(pod_context, own, rel, type) := {"value": v, "own": true} if {
	v := object.get(own, array.concat(["securityContext"], rel), null)
	type_name(v) == type
} else := {"value": v, "own": false} if {
	v := object.get(object_or_empty(pod_context), rel, null)
	type_name(v) == type
} else := {"value": null, "own": false}

# Containers whose effective hostProcess is true.
hostprocess_containers contains c if {
	some c in containers
	c.hostProcess.value == true
}

# The JSON path of a container, e.g. spec.template.spec.initContainers[0].
container_path(c) := sprintf("%s.%s[%d]", [c.pod, c.list, c.index])

# How messages name a container: `initContainers[0] "setup"`.
label(c) := sprintf("%s[%d] %q", [c.list, c.index, string_or_empty(object.get(c.object, "name", ""))])

# Labels of containers in list order, e.g. `containers[0] "app", initContainers[1] "setup"`.
labels(cs) := concat(", ", [label(c[1]) | some c in sort([[c.order, c] | some c in cs])])

# The verb after labels(cs).
inherit(cs) := "inherits" if count(cs) == 1

else := "inherit"

# The prefix of the messages about a pod: its item in a list, or nothing.
prefix(pod_path) := pod_at[pod_path].prefix

# An entry of an image list matches an image exactly, or as a prefix when it
# ends in "*". An empty image is no image: nothing vouches for it, not even "*".
image_matches(image, entries) if {
	non_empty_string(image)
	some entry in entries
	entry == image
}

image_matches(image, entries) if {
	non_empty_string(image)
	some entry in entries
	endswith(entry, "*")
	startswith(image, trim_suffix(entry, "*"))
}

# A rule's parameters: each one given with the type of its default, else
# the default. A wrong-typed value never weakens a rule (Gatekeeper's schema
# rejects it; conftest data has no schema).
parameters(rule) := {name: value |
	some name, default_value in defaults.parameters[rule]
	value := given_or_default(object.get(given_parameters(rule), name, null), default_value)
}

given_parameters(rule) := p if {
	p := target.parameters(rule)
	is_object(p)
} else := {}

given_or_default(given, default_value) := given if type_name(given) == type_name(default_value)

else := default_value

# A violation as every target reports it; the message begins with the
# prefix of the list item it is about.
violation(rule, prefix, msg, field) := {"msg": concat("", [prefix, msg]), "details": {"rule": rule, "field": field}}

object_or_empty(x) := x if is_object(x)

else := {}

string_or_empty(x) := x if is_string(x)

else := ""

# Strings of a parameter that should be a list of strings; anything else is ignored.
strings(x) := [s | some s in x; is_string(s)] if is_array(x)

else := []

# Resource quantities, read as Kubernetes reads them
# (k8s.io/apimachinery resource.ParseQuantity): a sign, digits with an
# optional decimal point, and a suffix: decimal SI, binary SI or an
# exponent. quantity(x) is {"positive", "negative", "mebibyte"} (the value
# is > 0, < 0, >= 1Mi), undefined when x is not a quantity. A JSON number is
# its own value.
quantity_pattern := `^([+-]?)([0-9]*)(?:\.([0-9]*))?(|[numkMGTPE]|[KMGTPE]i|[eE]([+-]?)([0-9]+))$`

decimal_exponents := {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

binary_exponents := {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}

quantity(x) := {"positive": x > 0, "negative": x < 0, "mebibyte": x >= 1048576} if is_number(x)

quantity(x) := value if {
	is_string(x)
	x != ""
	[[_, sign, whole, fraction, suffix, exponent_sign, exponent_digits]] := regex.find_all_string_submatch_n(quantity_pattern, x, 1)
	scale := quantity_scale(suffix, exponent_sign, exponent_digits)
	mantissa := concat("", [whole, fraction])

	# Without a digit, ParseQuantity takes its exact path only for small
	# scales, and that path fails on a number without digits.
	not no_digits_rejected(mantissa, scale)
	value := quantity_value(sign, trim_left(mantissa, "0"), count(fraction), scale)
}

quantity_value(sign, digits, fraction, scale) := {"positive": false, "negative": false, "mebibyte": false} if digits == ""

else := {"positive": false, "negative": true, "mebibyte": false} if sign == "-"

else := {"positive": true, "negative": false, "mebibyte": at_least_mebibyte(digits, fraction, scale)}

# The scale of a suffix: {"ten": power of ten, "two": power of two}. An
# exponent is read as a 64-bit integer and then, as ParseQuantity does,
# truncated to 32 bits.
quantity_scale(suffix, sign, digits) := {"ten": 0, "two": binary_exponents[suffix]} if binary_exponents[suffix]

else := {"ten": decimal_exponents[suffix], "two": 0} if decimal_exponents[suffix] != null

else := {"ten": int32_exponent(sign, trim_left(digits, "0")), "two": 0} if {
	int64_digits(sign, trim_left(digits, "0"))
}

int64_digits(_, digits) if count(digits) < 19

int64_digits(sign, digits) if {
	count(digits) == 19
	digits <= {true: "9223372036854775808", false: "9223372036854775807"}[sign == "-"]
}

int32_exponent(sign, digits) := w if {
	magnitude := to_number(concat("", ["0", digits])) % 4294967296
	r := {true: (4294967296 - magnitude) % 4294967296, false: magnitude}[sign == "-"]
	w := {true: r - 4294967296, false: r}[r >= 2147483648]
}

no_digits_rejected("", scale) if scale.ten < -9

no_digits_rejected("", scale) if scale.two >= 50

# ParseQuantity rounds a value up to a whole nano, so a value counts as
# 1Mi once value * 10^9 > 2^20 * 10^9 - 1, i.e. digits > (2^20 * 10^9 - 1) *
# 5^two * 10^(fraction - 9 - ten - two): compared as digit strings, exactly,
# whatever their length.
mebibyte_bound := {
	0: "1048575999999999",
	10: "10239999999999990234375",
	20: "99999999999999904632568359375",
	30: "976562499999999068677425384521484375",
	40: "9536743164062490905052982270717620849609375",
	50: "93132257461547762744658029987476766109466552734375",
	60: "909494701772927370553301074096452794037759304046630859375",
}

at_least_mebibyte(digits, fraction, scale) := true if {
	exceeds(digits, mebibyte_bound[scale.two], ((fraction - 9) - scale.ten) - scale.two)
} else := false

# exceeds(d, s, q): the integer d > floor(s * 10^q); d and s have no
# leading zeros.
exceeds(d, s, q) if {
	q >= 0
	count(d) > count(s) + q
}

exceeds(d, s, q) if {
	q >= 0
	count(d) == count(s) + q
	d > concat("", array.concat([s], ["0" | some _ in numbers.range(1, q); q > 0]))
}

exceeds(d, s, q) if {
	q < 0
	count(s) + q <= 0
	d != ""
}

exceeds(d, s, q) if {
	q < 0
	n := count(s) + q
	n > 0
	t := substring(s, 0, n)
	greater_digits(d, t)
}

greater_digits(a, b) if count(a) > count(b)

greater_digits(a, b) if {
	count(a) == count(b)
	a > b
}
