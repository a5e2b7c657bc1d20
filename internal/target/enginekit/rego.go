package enginekit

import (
	"encoding/json"
	"fmt"

	"github.com/policygen/policygen/internal/violation"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/util"
)

// ToJSONValue converts a Go value to the plain JSON shapes OPA expects.
func ToJSONValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := util.UnmarshalJSON(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Violations reads a `violation` set from a result set, checking the shape
// Gatekeeper and conftest require: objects with a string msg and details.
func Violations(rs rego.ResultSet) ([]violation.Violation, error) {
	var out []violation.Violation
	for _, r := range rs {
		for _, e := range r.Expressions {
			set, ok := e.Value.([]any)
			if !ok {
				return nil, fmt.Errorf("violation is %T, not a set", e.Value)
			}
			for _, item := range set {
				obj, ok := item.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("violation %v is not an object", item)
				}
				msg, ok := obj["msg"].(string)
				if !ok {
					return nil, fmt.Errorf("violation %v has no string msg", item)
				}
				details, _ := obj["details"].(map[string]any)
				rule, _ := details["rule"].(string)
				field, _ := details["field"].(string)
				out = append(out, violation.Violation{Rule: rule, Field: field, Message: msg})
			}
		}
	}
	return out, nil
}
