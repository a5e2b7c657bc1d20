package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/oci"
)

var pushCmd = func() *command {
	var dist string
	var p pushFlags
	return &command{
		name:    "push",
		args:    "REF",
		summary: "push the OPA bundle, the conftest set and the Gatekeeper directory to an OCI registry",
		help: `Push what --dist holds to the OCI registry REF (HOST[:PORT]/PATH, oci:// allowed),
each artifact a repository below REF, tagged with the spec version from the
bundle's .manifest (or --tag):

  REF/bundle:TAG      dist/bundle.tar.gz (signed if published with --signing-key),
                      for OPA's OCI bundle downloader (services.*.type: oci)
  REF/conftest:TAG    dist/conftest, as conftest push writes it, for conftest pull
  REF/gatekeeper:TAG  dist/gatekeeper, for gator test --image

Credentials come from the docker config ($DOCKER_CONFIG/config.json or
~/.docker/config.json), as docker login or oras login write them. A registry
on localhost or a loopback address is spoken to in plain HTTP unless
--plain-http=false. Nothing under --dist is written.`,
		failed: "the registry could not be reached or refused the push",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			fl.StringVar(&dist, "dist", "dist", "the published directory to push")
			check := p.declare(fl)
			return func(args []string) error {
				if len(args) == 0 {
					return errors.New("REF is required: the registry and path to push to, such as 127.0.0.1:5000/hostprocess")
				}
				if len(args) > 1 {
					return fmt.Errorf("unexpected argument %q: push takes one REF", args[1])
				}
				return check(args[0])
			}
		},
		run: func(e env, _ []string) error { return p.push(e, dist) },
	}
}()

// pushFlags are the flags of push, shared by publish --push.
type pushFlags struct {
	ref       oci.Ref
	tag       string
	plainHTTP bool
}

// declare adds --tag and --plain-http; the check it returns reads REF and
// settles --plain-http for a loopback registry.
func (p *pushFlags) declare(fl *pflag.FlagSet) func(ref string) error {
	fl.StringVar(&p.tag, "tag", "", "the tag of every artifact (default: the version in the bundle's .manifest)")
	fl.BoolVar(&p.plainHTTP, "plain-http", false, "speak plain HTTP to the registry (default: true for localhost and loopback addresses)")
	return func(ref string) error {
		r, err := oci.ParseRef(ref)
		if err != nil {
			return err
		}
		p.ref = r
		if !fl.Changed("plain-http") {
			p.plainHTTP = r.Loopback()
		}
		if p.tag != "" {
			return oci.CheckTag(p.tag)
		}
		return nil
	}
}

// push sends dist to the registry and prints each artifact pushed.
func (p *pushFlags) push(e env, dist string) error {
	pushed, err := oci.Push(context.Background(), dist, p.ref, oci.Options{Tag: p.tag, PlainHTTP: p.plainHTTP})
	for _, a := range pushed {
		layers := "layers"
		if a.Layers == 1 {
			layers = "layer"
		}
		if a.Note != "" {
			layers += "; " + a.Note
		}
		fmt.Fprintf(e.stdout, "pushed %s %s (%d %s)\n", a.Ref, a.Digest, a.Layers, layers)
	}
	return err
}
