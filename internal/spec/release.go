package spec

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"time"

	"github.com/blang/semver/v4"

	"github.com/policygen/policygen/internal/problem"
)

// Release says where the released versions are recorded and what the
// published listings (gator's catalog, Artifact Hub) say about the source.
type Release struct {
	Lock      string `yaml:"lock"`      // the lock file, relative to the spec: the sha256 of every released template version (policygen lock writes it)
	Changelog string `yaml:"changelog"` // the changelog, relative to the spec: what changed in each version of each template and of the policy set, with its date
	HomeURL   string `yaml:"homeURL"`   // the project's home page
	DistURL   string `yaml:"distURL"`   // where the published dist/ is served, for the install instructions
	License   string `yaml:"license"`   // optional: SPDX identifier of the policies' license
	Provider  string `yaml:"provider"`  // who provides the policies
}

// Lock is the lock file: per template name, per released version, the
// digests of its rendered templates.
type Lock struct {
	File      string                            `yaml:"-"` // its path, for messages
	Templates map[string]map[string]LockedFiles `yaml:"templates"`
}

// LockedFiles are the digests of one released template version.
type LockedFiles struct {
	Template    string `yaml:"template"`              // sha256:… of gatekeeper/<rule>/template.yaml
	CELTemplate string `yaml:"celTemplate,omitempty"` // sha256:… of gatekeeper-cel/<rule>/template.yaml
}

// Changelog is the parsed changelog: per section (the policy set's name or
// a template name), its versions.
type Changelog struct {
	File     string
	Sections map[string]map[string]ChangelogEntry
}

// ChangelogEntry is one version of one section.
type ChangelogEntry struct {
	Date  time.Time // the release date, from the heading
	Notes string    // the text under the heading
	Line  int       // the heading's line
}

// Version is a parsed semantic version.
type Version = semver.Version

// ParseVersion reads a semantic version strictly (MAJOR.MINOR.PATCH, no
// leading "v", no leading zeros).
func ParseVersion(v string) (semver.Version, error) { return semver.Parse(v) }

var (
	sectionHeading = regexp.MustCompile(`^## (\S+)\s*$`)
	versionHeading = regexp.MustCompile(`^### (\S+) \((\d{4}-\d{2}-\d{2})\)\s*$`)
)

// ParseChangelog reads a changelog in which "## NAME" opens the section
// of the policy set or of a template, and "### VERSION (YYYY-MM-DD)" one
// of its versions, followed by what changed. names are the sections it may
// have.
func ParseChangelog(file string, raw []byte, names map[string]bool) (*Changelog, error) {
	c := &Changelog{File: file, Sections: map[string]map[string]ChangelogEntry{}}
	var errs problem.Errors
	fail := func(line int, what, fix string) {
		errs = append(errs, &problem.Error{File: file, Line: line, Problem: what, Fix: fix})
	}
	section, version := "", ""
	var notes bytes.Buffer
	flush := func() {
		if version == "" {
			return
		}
		e := c.Sections[section][version]
		e.Notes = string(bytes.TrimSpace(notes.Bytes()))
		if e.Notes == "" {
			fail(e.Line, fmt.Sprintf("version %s of %s says nothing", version, section), "write what changed under the heading")
		}
		c.Sections[section][version] = e
		version = ""
		notes.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if g := sectionHeading.FindStringSubmatch(line); g != nil {
			flush()
			section = g[1]
			if !names[section] {
				fail(n, fmt.Sprintf("section %q is neither the policy set nor a template of the spec", section), "name the policy set (metadata.name) or a template (a rule's kind in lower case)")
			}
			if c.Sections[section] == nil {
				c.Sections[section] = map[string]ChangelogEntry{}
			}
			continue
		}
		if len(line) >= 4 && line[:4] == "### " {
			flush()
			g := versionHeading.FindStringSubmatch(line)
			if g == nil || section == "" {
				fail(n, fmt.Sprintf("heading %q is not a version of a section", line), `write "### MAJOR.MINOR.PATCH (YYYY-MM-DD)" under a "## NAME" section`)
				continue
			}
			if _, err := ParseVersion(g[1]); err != nil {
				fail(n, fmt.Sprintf("version %q of %s is not a semantic version: %v", g[1], section, err), "write MAJOR.MINOR.PATCH, e.g. 1.0.1")
				continue
			}
			date, err := time.Parse(time.DateOnly, g[2])
			if err != nil {
				fail(n, fmt.Sprintf("date %q of %s %s is not a date: %v", g[2], section, g[1], err), "write the release date as YYYY-MM-DD")
				continue
			}
			if prev, dup := c.Sections[section][g[1]]; dup {
				fail(n, fmt.Sprintf("version %s of %s is listed twice (also line %d)", g[1], section, prev.Line), "keep one entry per version")
				continue
			}
			version = g[1]
			c.Sections[section][version] = ChangelogEntry{Date: date, Line: n}
			continue
		}
		if version != "" {
			notes.WriteString(line + "\n")
		}
	}
	flush()
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// Entry is the changelog entry of a section's version.
func (c *Changelog) Entry(section, version string) (ChangelogEntry, bool) {
	e, ok := c.Sections[section][version]
	return e, ok
}

// readRelease reads the lock file and the changelog the spec names, and
// requires a changelog entry for the policy set's and every template's
// current version.
func (v *validator) readRelease() {
	s := v.spec
	if s.Release.Lock != "" {
		name := path.Join(v.dir, s.Release.Lock)
		raw, err := fs.ReadFile(v.fsys, name)
		if err != nil {
			v.fail(fmt.Sprintf("lock file %q cannot be read: %v", s.Release.Lock, err), "run `policygen lock` to write it, or correct the path (it is relative to the spec)", "release", "lock")
		} else {
			l := &Lock{File: name}
			if len(bytes.TrimSpace(raw)) == 0 {
				s.Lock = l // nothing released yet
			} else if _, err := DecodeYAML(name, raw, l, "the lock file has only templates: NAME: VERSION: {template, celTemplate}; run `policygen lock` to rewrite it"); err != nil {
				v.errs = append(v.errs, err.(problem.Errors)...)
			} else {
				s.Lock = l
			}
		}
	}
	if s.Release.Changelog == "" {
		return
	}
	name := path.Join(v.dir, s.Release.Changelog)
	raw, err := fs.ReadFile(v.fsys, name)
	if err != nil {
		v.fail(fmt.Sprintf("changelog %q cannot be read: %v", s.Release.Changelog, err), "create it or correct the path (it is relative to the spec)", "release", "changelog")
		return
	}
	names := map[string]bool{s.Metadata.Name: true}
	for _, r := range s.Rules {
		names[r.TemplateName()] = true
	}
	c, err := ParseChangelog(name, raw, names)
	if err != nil {
		v.errs = append(v.errs, err.(problem.Errors)...)
		return
	}
	s.Changelog = c
	fix := func(section, version string) string {
		return fmt.Sprintf("add \"### %s (YYYY-MM-DD)\" and what changed under \"## %s\" in %s", version, section, name)
	}
	if _, ok := c.Entry(s.Metadata.Name, s.Metadata.Version); !ok {
		v.fail(fmt.Sprintf("the changelog has no entry for %s %s", s.Metadata.Name, s.Metadata.Version), fix(s.Metadata.Name, s.Metadata.Version), "metadata", "version")
	}
	for i, r := range s.Rules {
		if _, ok := c.Entry(r.TemplateName(), r.Version); !ok {
			v.fail(fmt.Sprintf("the changelog has no entry for template %s %s (rule %s)", r.TemplateName(), r.Version, r.ID), fix(r.TemplateName(), r.Version), "rules", i, "version")
		}
	}
}
