// Package release keeps the released template versions honest: the lock
// file records the digest of every released template version, and a
// template whose rendered bytes changed under a version the lock holds is
// refused (verify.go); `policygen lock` records the new versions (lock.go).
package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/policygen/policygen/internal/problem"
	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
	"github.com/policygen/policygen/internal/target/gatekeeper"
	"github.com/policygen/policygen/internal/target/gatekeepercel"
)

// Files are the digests of a rule's rendered templates, as the lock
// records them.
func Files(r spec.Rule, a render.Artifacts) spec.LockedFiles {
	f := spec.LockedFiles{Template: Digest(a[gatekeeper.TemplatePath(r)])}
	if b, ok := a[gatekeepercel.Root+"/"+r.ID+"/template.yaml"]; ok {
		f.CELTemplate = Digest(b)
	}
	return f
}

// Digest is a file's digest as the lock writes it.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Unreleased is the error of templates whose versions do not match the
// lock: exit code 1, like a stale dist/.
type Unreleased struct {
	Problems problem.Errors
}

func (u *Unreleased) Error() string { return u.Problems.Error() }

// Unwrap gives the problems, so that their files can be located.
func (u *Unreleased) Unwrap() error { return u.Problems }

// state is what the lock says of one rule's current version.
type state int

const (
	locked    state = iota // the lock holds this version with these digests
	unlocked               // a new version, higher than every locked one
	changed                // the lock holds this version with other digests
	downgrade              // a new version not higher than a locked one
)

// judge compares a rule's rendered templates with the lock, and returns
// the highest locked version for the messages.
func judge(l *spec.Lock, r spec.Rule, files spec.LockedFiles) (state, string) {
	versions := l.Templates[r.TemplateName()]
	if got, ok := versions[r.Version]; ok {
		if got == files {
			return locked, ""
		}
		return changed, ""
	}
	cur, _ := spec.ParseVersion(r.Version)
	highest := ""
	for v := range versions {
		pv, err := spec.ParseVersion(v)
		if err != nil {
			continue
		}
		if highest == "" || pv.GT(mustParse(highest)) {
			highest = v
		}
	}
	if highest != "" && !cur.GT(mustParse(highest)) {
		return downgrade, highest
	}
	return unlocked, highest
}

func mustParse(v string) spec.Version {
	pv, _ := spec.ParseVersion(v)
	return pv
}

// next is the patch release after v, for the messages.
func next(v string) string {
	pv, err := spec.ParseVersion(v)
	if err != nil {
		return "a higher version"
	}
	pv.Pre, pv.Build = nil, nil
	pv.Patch++
	return pv.String()
}

func bumpFix(s *spec.Spec, r spec.Rule, after string) string {
	changelog := s.Release.Changelog
	if s.Changelog != nil {
		changelog = s.Changelog.File
	}
	return fmt.Sprintf("bump the rule's version (e.g. version: %s), add \"### %s (YYYY-MM-DD)\" and what changed under \"## %s\" in %s, then run `policygen lock`",
		next(after), next(after), r.TemplateName(), changelog)
}
