package oci

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"

	"oras.land/oras-go/v2/registry/remote/errcode"
)

// RemoteError is a push the registry did not take: unreachable, refused,
// or answered with an error.
type RemoteError struct {
	Ref     string // REF/name:tag being pushed
	Problem string // what went wrong, in words
	Err     error  // the cause
	Fix     string // what to do about it
}

func (e *RemoteError) Error() string {
	msg := "pushing " + e.Ref + ": "
	if e.Problem != "" {
		msg += e.Problem + ": "
	}
	msg += e.Err.Error()
	if e.Fix != "" {
		msg += "\n  fix: " + e.Fix
	}
	return msg
}

func (e *RemoteError) Unwrap() error { return e.Err }

// remoteError says, for what a push of target returned, what went wrong
// and how to fix it.
func remoteError(target string, ref Ref, plainHTTP bool, err error) *RemoteError {
	e := &RemoteError{Ref: target, Err: err}
	var resp *errcode.ErrorResponse
	var dns *net.DNSError
	var op *net.OpError
	var record tls.RecordHeaderError
	switch {
	case errors.As(err, &resp) && resp.StatusCode == http.StatusUnauthorized:
		e.Problem = "the registry wants credentials (401 Unauthorized)"
		e.Fix = "log in to " + ref.Registry + " (docker login or oras login write the docker config policygen reads), or push to a registry you may write to"
	case errors.As(err, &resp) && resp.StatusCode == http.StatusForbidden:
		e.Problem = "the registry refused the push (403 Forbidden)"
		e.Fix = "use credentials that may push to " + ref.String() + " (docker login " + ref.Registry + "), or another REF"
	case errors.As(err, &resp):
		e.Problem = fmt.Sprintf("the registry answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		e.Fix = "check that " + ref.Registry + " is an OCI registry that accepts artifacts and that you may push to " + ref.String()
		if plainHTTP && resp.StatusCode == http.StatusBadRequest {
			e.Fix = "drop --plain-http if the registry speaks HTTPS (pass --plain-http=false for a loopback registry); else " + e.Fix
		}
	case errors.Is(err, http.ErrSchemeMismatch):
		e.Problem = "the registry speaks plain HTTP"
		e.Fix = "pass --plain-http"
	case errors.As(err, &record):
		e.Problem = "the registry does not speak TLS"
		e.Fix = "pass --plain-http if you trust the network to " + ref.Registry
	case errors.As(err, &dns):
		e.Problem = "cannot resolve the registry's host"
		e.Fix = "check the host name in REF (" + ref.Registry + ")"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &op):
		e.Problem = "cannot reach the registry"
		e.Fix = "check that a registry listens on " + ref.Registry + " and that this machine can reach it"
	default:
		e.Fix = "check that " + ref.Registry + " is an OCI registry you may push to"
	}
	return e
}
