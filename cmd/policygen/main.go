// Command policygen renders the policy spec into Gatekeeper
// ConstraintTemplates, a conftest policy set and an OPA bundle, and
// publishes them only after every case has passed in every engine.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/policygen/policygen/internal/problem"

	"golang.org/x/term"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/publish"
	"github.com/policygen/policygen/internal/release"
)

// Exit codes of every command.
const (
	exitFailed  = 1 // cases failed, manifests violate, dist/ is stale, a template changed without a version bump, a signature is invalid
	exitInvalid = 2 // bad flags or input: nothing was done, or what could not be read is named
)

// exitCodes is the exit code paragraph of every command's help.
const exitCodes = `Exit codes:
  0  success
  1  %s
  2  bad flags or input; the message names the file, the line and the fix
`

// commands, in the order policygen --help lists them.
var commands = []*command{buildCmd, testCmd, publishCmd, pushCmd, checkCmd, lockCmd, evalCmd, verifyCmd, versionCmd}

func main() {
	os.Exit(run(env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, terminal: term.IsTerminal(int(os.Stderr.Fd()))}, os.Args[1:]))
}

// env is what a command reads and writes besides its flags.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	terminal       bool // stderr is a terminal: show progress there
}

// progress is where progress lines go: stderr on a terminal, else nowhere.
func (e env) progress() io.Writer {
	if e.terminal {
		return e.stderr
	}
	return nil
}

func run(e env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(e.stdout, usage())
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.main(e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "policygen: unknown command %q\n\n%s", args[0], usage())
	return exitInvalid
}

func usage() string {
	var b strings.Builder
	b.WriteString("policygen renders, tests and publishes the policy bundles of one spec.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  policygen %-8s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun `policygen COMMAND --help` for a command's flags and exit codes.\n")
	return b.String()
}

// report prints an error and chooses the exit code: 2 for input problems,
// 1 for everything else.
func report(name string, err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var failed *pipeline.Failed
	var stale *publish.Stale
	var violated *violations
	var unread *unreadable
	var refused *publish.Refused
	var unreleased *release.Unreleased
	switch {
	case errors.As(err, &unreleased):
		fmt.Fprintf(stderr, "policygen %s: a template's version does not match the lock\n%v\n", name, err)
		return exitFailed
	case errors.As(err, &refused):
		fmt.Fprintln(stderr, err)
		return exitInvalid
	case errors.As(err, &unread):
		fmt.Fprintf(stderr, "policygen %s: %v\n", name, err)
		return exitInvalid
	case errors.As(err, &violated):
		return exitFailed // the findings said it
	case errors.As(err, &failed), errors.As(err, &stale):
		fmt.Fprintf(stderr, "policygen %s: %v\n", name, err)
		return exitFailed
	case problem.IsInvalid(err):
		fmt.Fprintln(stderr, err)
		return exitInvalid
	default:
		fmt.Fprintf(stderr, "policygen %s: %v\n", name, err)
		return exitFailed
	}
}
