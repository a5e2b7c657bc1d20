// Command policygen renders the HostProcess policy spec into Gatekeeper
// ConstraintTemplates, a conftest policy set and an OPA bundle, and
// publishes them only after every case has passed in every engine.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/bundle"
	"github.com/policygen/policygen/internal/cases"
	"github.com/policygen/policygen/internal/docs"
	"github.com/policygen/policygen/internal/harness"
	"github.com/policygen/policygen/internal/publish"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/policies"
	"github.com/policygen/policygen/testcases"
)

// Exit codes: 1 when cases fail or dist/ is stale, 2 for bad input.
const (
	exitFailed  = 1
	exitInvalid = 2
)

const usage = `policygen renders and tests the HostProcess policy bundles.

Usage:
  policygen build   --out DIR    render every artifact into DIR (no tests)
  policygen test                 run every case through every engine
  policygen publish              render, test, then write dist/ atomically
  policygen check                exit 1 when dist/ is not what the spec renders to
  policygen version              print the versions
  policygen verify --bundle FILE --public-key FILE [--signing-alg A] [--key-id ID]
                                 check a signed bundle's signature
  policygen eval [--bundle B] [--param rule.name=value] FILE|DIR|-...
                                 check manifests against the embedded rules

Flags common to build, test, publish and check:
  --spec DIR     the spec directory (default: the embedded policies/)
  --cases DIR    the cases directory (default: the embedded testcases/)
  --dist DIR     where dist/ is (default: dist)
  --tools DIR    (test, publish) also run the conftest and gator binaries in DIR
  --format F     (test, publish) report as text, json or junit
  --coverage     (test, publish) print Rego line coverage; fail under 100% for rule modules
  --signing-key FILE, --signing-alg RS256|ES256|HS256, --key-id ID
                 (publish, check, build) sign bundle.tar.gz
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the flags every command shares.
type options struct {
	spec, cases, dist, out, tools, format string
	coverage                              bool
	signingKey, signingAlg, keyID         string // sign the bundle (publish, check, build)
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd := args[0]
	switch cmd { // commands with flags of their own
	case "eval":
		return evalCmd(args[1:], os.Stdin, stdout, stderr)
	case "verify":
		return verifyCmd(args[1:], stdout, stderr)
	}
	fl := pflag.NewFlagSet("policygen "+cmd, pflag.ContinueOnError)
	fl.SetOutput(stderr)
	var o options
	fl.StringVar(&o.spec, "spec", "", "spec directory (default: embedded)")
	fl.StringVar(&o.cases, "cases", "", "cases directory (default: embedded)")
	fl.StringVar(&o.dist, "dist", "dist", "published bundles directory")
	o.format = "text"
	if cmd == "build" {
		fl.StringVar(&o.out, "out", "", "directory to render into")
	}
	if cmd == "publish" || cmd == "check" || cmd == "build" {
		fl.StringVar(&o.signingKey, "signing-key", "", "sign bundle.tar.gz with this private key (PEM) or HS256 secret file")
		fl.StringVar(&o.signingAlg, "signing-alg", "RS256", "RS256, ES256 or HS256")
		fl.StringVar(&o.keyID, "key-id", bundle.DefaultKeyID, "the key id in .signatures.json")
	}
	if cmd == "test" || cmd == "publish" {
		fl.StringVar(&o.tools, "tools", "", "directory with conftest and gator binaries to run as engines too")
		fl.StringVar(&o.format, "format", "text", "report format: "+strings.Join(harness.Formats, ", "))
		fl.BoolVar(&o.coverage, "coverage", false, "print Rego line coverage per module; fail under 100% for rule modules")
	}
	if err := fl.Parse(args[1:]); err != nil {
		return exitInvalid
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "policygen %s: unexpected argument %q\n", cmd, fl.Arg(0))
		return exitInvalid
	}
	var err error
	switch cmd {
	case "build":
		err = build(o, stdout)
	case "test":
		err = test(o, stdout)
	case "publish":
		err = publishCmd(o, stdout)
	case "check":
		err = check(o, stdout)
	case "version":
		err = version(o, stdout)
	default:
		fmt.Fprintf(stderr, "policygen: unknown command %q\n\n%s", cmd, usage)
		return exitInvalid
	}
	return report(err, stderr)
}

// report prints an error and chooses the exit code.
func report(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var failed *testsFailed
	var stale *publish.Stale
	switch {
	case errors.As(err, &failed), errors.As(err, &stale):
		fmt.Fprintln(stderr, "policygen:", err)
		return exitFailed
	case spec.IsInvalid(err):
		fmt.Fprintln(stderr, err)
		return exitInvalid
	default:
		fmt.Fprintln(stderr, "policygen:", err)
		return exitFailed
	}
}

// loadSpec reads the spec from --spec, or the embedded one; errors name
// files as the user sees them.
func loadSpec(o options) (*spec.Spec, error) {
	fsys, dir, file := fs.FS(policies.FS), "policies", policies.SpecFile
	if o.spec != "" {
		dir = o.spec
		if st, err := os.Stat(o.spec); err == nil && !st.IsDir() {
			dir, file = filepath.Dir(o.spec), filepath.Base(o.spec)
		}
		fsys = os.DirFS(dir)
	}
	s, err := spec.Load(fsys, file)
	return s, located(err, dir)
}

// located prefixes the files named by input errors with their directory.
func located(err error, dir string) error {
	var es spec.Errors
	var e *spec.Error
	switch {
	case errors.As(err, &es):
		for _, x := range es {
			x.File = filepath.Join(dir, x.File)
		}
	case errors.As(err, &e):
		e.File = filepath.Join(dir, e.File)
	}
	return err
}

// load reads the spec and the cases.
func load(o options) (*spec.Spec, []cases.Case, error) {
	s, err := loadSpec(o)
	if err != nil {
		return nil, nil, err
	}
	all, err := loadCases(o, s)
	return s, all, err
}

func loadCases(o options, s *spec.Spec) ([]cases.Case, error) {
	fsys, dir := fs.FS(testcases.FS), "testcases"
	if o.cases != "" {
		fsys, dir = os.DirFS(o.cases), o.cases
	}
	cs, err := cases.Load(fsys, s)
	return cs, located(err, dir)
}

func build(o options, stdout io.Writer) error {
	if o.out == "" {
		return &spec.Error{File: "policygen build", Problem: "--out is required", Fix: "name the directory to render into, e.g. --out /tmp/dist"}
	}
	a, _, err := pipeline(o, io.Discard)
	if err != nil {
		return err
	}
	if err := publish.Write(o.out, a); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rendered %d files into %s\n", len(a), o.out)
	return nil
}

type testsFailed struct {
	failed, total int
	reason        string // set when the cases passed but something else did not
}

func (t *testsFailed) Error() string {
	if t.reason != "" {
		return t.reason + "; nothing was published"
	}
	return fmt.Sprintf("%d of %d cases failed; nothing was published", t.failed, t.total)
}

// pipeline renders the artifacts, runs every case through every engine
// over them (writing the report to w), then adds the docs, which quote the
// results, and the checksums. It fails on input errors only: the caller
// decides what failed cases mean.
func pipeline(o options, w io.Writer) (render.Artifacts, harness.Report, error) {
	var rep harness.Report
	s, all, err := load(o)
	if err != nil {
		return nil, rep, err
	}
	a, err := render.All(s, all)
	if err != nil {
		return nil, rep, err
	}
	if a[render.BundlePath], err = bundle.Build(s, a.Under(render.ConftestDir)); err != nil {
		return nil, rep, err
	}
	if o.signingKey != "" {
		if err := signBundle(o, a); err != nil {
			return nil, rep, err
		}
	}
	engines, covered, err := harness.Engines(s, a, o.coverage)
	if err != nil {
		return nil, rep, err
	}
	embedded := len(engines)
	if o.tools != "" {
		// The real tools read files: give them the rendered tree.
		work, err := os.MkdirTemp("", "policygen-test-")
		if err != nil {
			return nil, rep, err
		}
		defer os.RemoveAll(work)
		tree := filepath.Join(work, "dist")
		if err := publish.Write(tree, a); err != nil {
			return nil, rep, err
		}
		engines = append(engines, harness.NewToolEngines(s, o.tools, tree, work)...)
	}
	rep = harness.Run(context.Background(), all, engines)
	if err := harness.Print(w, o.format, rep); err != nil {
		return nil, rep, &spec.Error{File: "--format", Problem: err.Error(), Fix: "use one of " + strings.Join(harness.Formats, ", ")}
	}
	if o.coverage && rep.Failed() == 0 {
		cov, err := covered.Coverage()
		if err != nil {
			return nil, rep, err
		}
		harness.PrintCoverage(w, cov)
		for _, m := range cov {
			if strings.HasPrefix(m.File, "rules/") && m.Percent < 100 {
				return nil, rep, &testsFailed{total: len(rep.Cases), reason: fmt.Sprintf("%s is %.2f%% covered; rule modules must be covered fully", m.File, m.Percent)}
			}
		}
	}
	pages, err := docs.Render(s, all, a, rep, rep.Engines[:embedded])
	if err != nil {
		return nil, rep, err
	}
	for p, b := range pages {
		a[p] = b
	}
	publish.Seal(a)
	return a, rep, nil
}

// tested runs the pipeline and fails when any case failed.
func tested(o options, w io.Writer) (render.Artifacts, error) {
	a, rep, err := pipeline(o, w)
	if err != nil {
		return nil, err
	}
	if rep.Failed() > 0 {
		return nil, &testsFailed{failed: rep.Failed(), total: len(rep.Cases)}
	}
	return a, nil
}

func test(o options, stdout io.Writer) error {
	_, err := tested(o, stdout)
	return err
}

func publishCmd(o options, stdout io.Writer) error {
	a, err := tested(o, stdout)
	if err != nil {
		return err
	}
	if err := publish.Write(o.dist, a); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "published %d files to %s\n", len(a), o.dist)
	return nil
}

// check renders what publish would write (running the cases, whose results
// the docs quote) and compares it with dist/.
func check(o options, stdout io.Writer) error {
	a, err := tested(o, io.Discard)
	if err != nil {
		return err
	}
	diffs, err := publish.Check(o.dist, a)
	if err != nil {
		return err
	}
	if len(diffs) > 0 {
		fmt.Fprintln(stdout, strings.Join(diffs, "\n"))
		return &publish.Stale{Dir: o.dist, Diffs: diffs}
	}
	fmt.Fprintf(stdout, "%s is up to date (%d files)\n", o.dist, len(a))
	return nil
}

func version(o options, stdout io.Writer) error {
	s, err := loadSpec(o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "policygen %s\nspec %s %s sha256:%s\nGatekeeper OPA capabilities %s\n",
		toolVersion(), s.Metadata.Name, s.Metadata.Version, s.Hash, spec.GatekeeperOPAVersion)
	return nil
}
