package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/release"
)

var lockCmd = func() *command {
	in := pipeline.Inputs{Spec: "policies"}
	return &command{
		name:    "lock",
		summary: "record the digests of new template versions in the lock file",
		help: `Render the templates of the spec on disk (--spec, default policies/) and add
the digests of every template version the lock file (release.lock) does not
hold yet. Released versions are final: a template whose content changed
under a version the lock holds, or whose version is not higher than a
locked one, is refused, naming the template and the fix, and the lock file
is left as it was. Run it after bumping a template's version and writing
its changelog entry; commit the lock file with the release.`,
		failed: "a template changed under a locked version; the lock file was not written",
		flags: func(fl *pflag.FlagSet) func([]string) error {
			fl.StringVar(&in.Spec, "spec", in.Spec, "the spec directory or file whose lock file is written")
			return noArgs
		},
		run: func(e env, _ []string) error {
			s, err := pipeline.LoadSpec(in)
			if err != nil {
				return err
			}
			a, err := pipeline.Render(s, nil, pipeline.Signing{})
			if err != nil {
				return err
			}
			l, added, err := release.Lock(s, a)
			if err != nil {
				return pipeline.Locate(in, err)
			}
			if len(added) == 0 {
				fmt.Fprintf(e.stdout, "%s already holds every template version (%d templates)\n", l.File, len(s.Rules))
				return nil
			}
			b, err := release.Marshal(s, l)
			if err != nil {
				return err
			}
			if err := os.WriteFile(l.File, b, 0o644); err != nil {
				return fmt.Errorf("writing the lock file: %w", err)
			}
			fmt.Fprintf(e.stdout, "locked in %s: %s\n", l.File, strings.Join(added, ", "))
			return nil
		},
	}
}()
