# Shared model of the objects under review: the objects of a document (a
# list's items, recursively), their pod specs, and the HostProcess pods among
# them. Every template runs on its own in Gatekeeper, so what each one pays
# is kept small:
#
# - An object that is not a list and is not a HostProcess pod ends at
#   hostprocess_pods: OPA's rule index rules it out on the object as it
#   came (the generated pods lib, in the same package, on the adapter's
#   document root): no rule body, no record, no string.
# - No container record is built: rules read the entries of the container
#   lists in place, each only for what it judges (hostprocess_container),
#   and build paths and labels only for what violates. Rules that judge the
#   pod spec read no container. Each rule reads only its own parameters.
#
# Wrong-typed values (a string "true", a number, an object where a list
# belongs, null) are treated as unset and never make an evaluation error.
package lib.hostprocess

import data.lib.hostprocess.defaults
import data.lib.hostprocess.target

# The pod metadata sits beside the pod spec (pod_spec_paths and
# annotations_paths: the generated pods lib).
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
	some list_path, list in lists_of(doc)
	some i, item in list.items
	is_object(item)
	path := array.concat(list_path, ["items", i])
	kind := item_kind(item, list.kind)
	item_path := concat(".", [sprintf("items[%d]", [path[j]]) | some j in numbers.range(1, count(path) - 1); j % 2 == 1])
	o := {
		"path": concat("", [item_path, "."]),
		"prefix": sprintf("%s %s%s: ", [item_path, kind_text(kind), name_text(item)]),
		"kind": kind,
		"object": item,
	}
]

# The lists of a list document by path: the document itself and every list
# that is an item of one of them, to any depth. One walk finds the lists
# (a cheap test per value); the items are then read from each list, not
# found by walking every value again.
lists_of(doc) := {path: list |
	some path, list in found
	count(path) % 2 == 0
	every j, segment in path {
		list_segment(j, segment, path, found)
	}
} if found := {path: list | walk(doc, [path, list]); is_list(list)}

# A path of lists alternates "items" and an index, and each list on the
# way is a list.
list_segment(j, segment, path, lists) if {
	j % 2 == 0
	segment == "items"
	lists[array.slice(path, 0, j)]
}

list_segment(j, segment, _, _) if {
	j % 2 == 1
	is_number(segment)
}

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

# The HostProcess pod specs of the object under review, as records: the
# JSON path prefix of its object in the document ("" or "items[0]."), the
# prefix of its messages, its kind, its object and its pod spec (pod_path
# gives the spec's path). The generated pods lib decides an object that is
# not a list through OPA's rule index and writes its record in the rule
# heads; a list is walked here, only when the object under review is one.
list_hostprocess_pods contains pod if {
	is_list(target.reviewed)
	some obj in objects
	spec := object.get(obj.object, pod_spec_paths[obj.kind], null)
	hostprocess_spec(spec)
	pod := {"list_path": obj.path, "prefix": obj.prefix, "kind": obj.kind, "object": obj.object, "spec": spec}
}

# A HostProcess pod spec: pod-level hostProcess: true, or an entry of a
# container list that sets hostProcess: true itself.
hostprocess_spec(spec) if spec.securityContext.windowsOptions.hostProcess == true

hostprocess_spec(spec) if {
	some list in container_lists
	entries := spec[list]
	is_array(entries)
	entries[_].securityContext.windowsOptions.hostProcess == true
}

# The JSON path of a pod's spec in the document, e.g. spec.template.spec or
# items[1].spec; built only for what violates.
pod_path(pod) := concat("", [pod.list_path, concat(".", pod_spec_paths[pod.kind])])

# The JSON path of a pod's metadata in the document.
metadata_path(pod) := concat("", [pod.list_path, concat(".", pod_metadata_path(pod.kind))])

# Pod-level hostProcess: true.
pod_level_hostprocess(pod) if pod.spec.securityContext.windowsOptions.hostProcess == true

# Whether a pod spec has no container at all.
no_containers(spec) if not has_containers(spec)

has_containers(spec) if {
	is_array(spec.containers)
	count(spec.containers) > 0
}

has_containers(spec) if {
	is_array(spec.initContainers)
	count(spec.initContainers) > 0
}

has_containers(spec) if {
	is_array(spec.ephemeralContainers)
	count(spec.ephemeralContainers) > 0
}

# A container (an entry of a container list, as it is) whose effective
# hostProcess is true: its own boolean, else the pod's. Rules iterate the
# entries themselves and build paths and labels only for what violates.
hostprocess_container(_, entry) if entry.securityContext.windowsOptions.hostProcess == true

hostprocess_container(pod, entry) if {
	not own_windows_boolean(entry, "hostProcess")
	pod.spec.securityContext.windowsOptions.hostProcess == true
}

# Whether a container sets a value of the right type itself (a helper to
# negate: OPA hoists a missing reference out of a negated call's arguments).
own_windows_boolean(entry, key) if is_boolean(entry.securityContext.windowsOptions[key])

own_windows_string(entry, key) if is_string(entry.securityContext.windowsOptions[key])

own_boolean(entry, key) if is_boolean(entry.securityContext[key])

# Whether a pod spec sets a windowsOptions string itself.
pod_windows_string(spec, key) if is_string(spec.securityContext.windowsOptions[key])

# The JSON path of a container entry, e.g. spec.template.spec.initContainers[0].
entry_path(pod, list, i) := sprintf("%s.%s[%d]", [pod_path(pod), list, i])

# How messages name a container entry: `initContainers[0] "setup"`.
entry_label(list, i, entry) := sprintf("%s[%d] %q", [list, i, entry_name(entry)])

entry_name(entry) := entry.name if is_string(entry.name)

else := ""

# Labels of [list, index, entry] triples in list order, e.g.
# `containers[0] "app", initContainers[1] "setup"`.
entry_labels(cs) := concat(", ", [entry_label(c[0], c[1], c[2]) | some c in cs])

# The verb after entry_labels(cs).
inherit(cs) := "inherits" if count(cs) == 1

else := "inherit"

# An entry of an image list matches an image exactly, or as a prefix when it
# ends in "*". An empty image is no image: nothing vouches for it, not even "*".
image_matches(image, entries) if {
	image in entries
	image != ""
}

image_matches(image, entries) if {
	is_string(image)
	image != ""
	some entry in entries
	endswith(entry, "*")
	startswith(image, trim_suffix(entry, "*"))
}

# A violation as every target reports it; the message begins with the
# prefix of the list item it is about; details carry the rule's remedy.
violation(rule, prefix, msg, field) := {"msg": concat("", [prefix, msg]), "details": {"rule": rule, "field": field, "remedy": object.get(defaults.remedies, rule, "")}}

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
