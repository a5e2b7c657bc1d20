// Package oci pushes what policygen publishes to an OCI registry, each
// artifact in the layout the tool that reads it expects: the OPA bundle as
// OPA's OCI downloader reads it, the conftest policy set as `conftest push`
// writes it, the Gatekeeper directory as `gator test --image` reads it.
package oci

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"oras.land/oras-go/v2/registry"
)

// Ref is where the artifacts go: a registry and a repository path below
// which each artifact is a repository of its own (REF/bundle, REF/conftest,
// REF/gatekeeper).
type Ref struct {
	Registry string // host[:port]
	Path     string // repository path below the registry, without tag
}

func (r Ref) String() string { return r.Registry + "/" + r.Path }

// Repository is the reference of one artifact: REF/name:tag.
func (r Ref) Repository(name, tag string) string {
	return r.String() + "/" + name + ":" + tag
}

// ParseRef reads HOST[:PORT]/PATH, optionally prefixed with oci://. It
// names no tag or digest: each artifact is tagged with the version.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimPrefix(s, "oci://")
	if strings.Contains(s, "://") {
		return Ref{}, fmt.Errorf("reference %q has a scheme\n  fix: write HOST[:PORT]/PATH, such as 127.0.0.1:5000/hostprocess (oci:// is allowed)", s)
	}
	host, path, ok := strings.Cut(s, "/")
	if !ok || host == "" || path == "" {
		return Ref{}, fmt.Errorf("reference %q names no repository path\n  fix: write HOST[:PORT]/PATH, such as 127.0.0.1:5000/hostprocess", s)
	}
	if last := path[strings.LastIndex(path, "/")+1:]; strings.ContainsAny(last, ":@") {
		return Ref{}, fmt.Errorf("reference %q names a tag or digest\n  fix: drop it; each artifact is tagged with the version (--tag)", s)
	}
	r, err := registry.ParseReference(s)
	if err != nil {
		return Ref{}, fmt.Errorf("reference %q: %v\n  fix: write HOST[:PORT]/PATH with a lowercase path of letters, digits, '.', '_', '-' and '/'", s, err)
	}
	return Ref{Registry: r.Registry, Path: r.Repository}, nil
}

// Loopback reports whether the registry is on this machine (localhost or a
// loopback address), where registries commonly serve plain HTTP.
func (r Ref) Loopback() bool {
	host, _, err := net.SplitHostPort(r.Registry)
	if err != nil {
		host = r.Registry
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "localhost" {
		return true
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.IsLoopback()
}

// CheckTag checks that tag is a valid OCI tag.
func CheckTag(tag string) error {
	if _, err := registry.ParseReference("localhost/x:" + tag); err != nil {
		return fmt.Errorf("tag %q is not a valid OCI tag (letters, digits, '_', '.', '-'; at most 128)", tag)
	}
	return nil
}
