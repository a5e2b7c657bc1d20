package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/spec"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3"); else the
// module version or VCS revision that the Go toolchain stamped is used.
var version = ""

var versionCmd = func() *command {
	var in pipeline.Inputs
	return &command{
		name:    "version",
		summary: "print the versions of policygen, the spec and the engines",
		help:    `Print policygen's version, the spec's name, version and sha256, and the versions of the engines policygen embeds.`,
		failed:  "never",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			inputFlags(fl, &in, false)
			return noArgs
		},
		run: func(e env, _ []string) error {
			s, err := pipeline.LoadSpec(in)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "policygen %s\nspec %s %s sha256:%s\n", toolVersion(), s.Metadata.Name, s.Metadata.Version, s.Hash)
			for _, m := range []struct{ name, path string }{
				{"gatekeeper", "github.com/open-policy-agent/gatekeeper/v3"},
				{"constraint framework", "github.com/open-policy-agent/frameworks/constraint"},
				{"opa", "github.com/open-policy-agent/opa"},
			} {
				fmt.Fprintf(e.stdout, "%s %s\n", m.name, depVersion(m.path))
			}
			fmt.Fprintf(e.stdout, "rego checked against the capabilities of OPA %s (Gatekeeper's)\n", spec.GatekeeperOPAVersion)
			return nil
		},
	}
}()

// toolVersion is the link-time version, else the module version, else the
// VCS revision, else "devel".
func toolVersion() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}

// depVersion is the version of a module linked into policygen.
func depVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}
