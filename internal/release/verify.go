package release

import (
	"fmt"

	"github.com/policygen/policygen/internal/problem"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// Verify compares every template the spec renders with the lock: a
// template whose bytes changed under a locked version, a version not
// higher than a locked one, and a version not yet locked are problems at
// the rule's version line. A spec without a lock file has nothing to
// verify.
func Verify(s *spec.Spec, a render.Artifacts) error {
	if s.Lock == nil {
		return nil
	}
	var errs problem.Errors
	for i, r := range s.Rules {
		files := Files(r, a)
		switch st, highest := judge(s.Lock, r, files); st {
		case changed:
			errs = append(errs, s.Problem(
				fmt.Sprintf("template %s %s (rule %s) changed, but its version did not: %s records other digests for %s %s",
					r.TemplateName(), r.Version, r.ID, s.Lock.File, r.TemplateName(), r.Version),
				bumpFix(s, r, r.Version), "rules", i, "version"))
		case downgrade:
			errs = append(errs, s.Problem(
				fmt.Sprintf("template %s %s (rule %s) is not locked, and %s is already released", r.TemplateName(), r.Version, r.ID, highest),
				fmt.Sprintf("give it a version higher than %s (e.g. %s) with its changelog entry, then run `policygen lock`", highest, next(highest)),
				"rules", i, "version"))
		case unlocked:
			errs = append(errs, s.Problem(
				fmt.Sprintf("template %s %s (rule %s) is not in %s", r.TemplateName(), r.Version, r.ID, s.Lock.File),
				"run `policygen lock` to record its digests, and commit the lock file with the release", "rules", i, "version"))
		}
	}
	if len(errs) > 0 {
		return &Unreleased{Problems: errs}
	}
	return nil
}
