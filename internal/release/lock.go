package release

import (
	"fmt"
	"maps"

	"github.com/policygen/policygen/internal/render"
	"github.com/policygen/policygen/internal/spec"
)

// LockHeader opens the lock file.
const LockHeader = `# The released versions of every template: the sha256 of its rendered
# ConstraintTemplate (dist/gatekeeper/<rule>/template.yaml) and of its CEL
# tree's (dist/gatekeeper-cel/<rule>/template.yaml). Written by
# ` + "`policygen lock`" + `; ` + "`policygen check`" + ` fails when a template changes under
# a version recorded here. Never edit or remove an entry: a released
# version's bytes are final.
`

// Lock adds the current version of every template that the lock does not
// hold yet, and returns the new lock and what it added ("name version").
// It refuses, naming each, a template that changed under a locked version
// or whose version is not higher than a locked one.
func Lock(s *spec.Spec, a render.Artifacts) (*spec.Lock, []string, error) {
	if s.Lock == nil {
		return nil, nil, s.Problem("the spec names no lock file", "add release.lock: versions.lock (relative to the spec)", "release")
	}
	out := &spec.Lock{File: s.Lock.File, Templates: map[string]map[string]spec.LockedFiles{}}
	for name, versions := range s.Lock.Templates {
		out.Templates[name] = maps.Clone(versions)
	}
	var added []string
	for _, r := range s.Rules {
		files := Files(r, a)
		if st, _ := judge(s.Lock, r, files); st != unlocked {
			continue
		}
		if out.Templates[r.TemplateName()] == nil {
			out.Templates[r.TemplateName()] = map[string]spec.LockedFiles{}
		}
		out.Templates[r.TemplateName()][r.Version] = files
		added = append(added, r.TemplateName()+" "+r.Version)
	}
	// What is left is a template changed under a locked version, or a
	// version not higher than a locked one.
	if err := Verify(withLock(s, out), a); err != nil {
		return nil, nil, err
	}
	return out, added, nil
}

// withLock is s judged against another lock.
func withLock(s *spec.Spec, l *spec.Lock) *spec.Spec {
	c := *s
	c.Lock = l
	return &c
}

// Marshal is the lock file's text.
func Marshal(s *spec.Spec, l *spec.Lock) ([]byte, error) {
	b, err := render.MarshalOrdered(LockHeader, l)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.File, err)
	}
	return b, nil
}
