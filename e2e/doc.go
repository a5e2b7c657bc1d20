// Package e2e sends the published policies through the path a cluster uses:
// a real kube-apiserver (with etcd) validates each object, the Gatekeeper
// webhook admits or denies it, and Gatekeeper's audit reports what was
// already stored. Everything runs as local processes on 127.0.0.1, built
// from the module proxy by `make e2e-tools`; the tests carry the build tag
// e2e and run with `make e2e`.
//
// The engines are behind the Enforcer seam of the tests: Gatekeeper's
// webhook with its Rego engine (dist/gatekeeper) and with its CEL engine
// (dist/gatekeeper-cel), dist/vap enforced by the API server alone, and
// the ValidatingAdmissionPolicies Gatekeeper generates from
// dist/gatekeeper-cel, enforced by the API server once Gatekeeper is
// stopped; every case runs through each.
package e2e
