// Package eval checks a user's manifests against the embedded rules, with
// no other tool installed, and explains each violation.
package eval

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/policygen/policygen/internal/problem"

	yaml "go.yaml.in/yaml/v3"
)

// Document is one object of a manifest file.
type Document struct {
	File   string         // the file, or "-" for standard input
	Index  int            // 1-based position of the document in the file
	Line   int            // the line the document starts on
	Object map[string]any // the object
}

// Read loads every YAML or JSON document from the paths: files,
// directories (every *.yaml, *.yml and *.json below them, sorted) and "-"
// for stdin. A file or document that cannot be judged gives an error naming
// it, and the others are still read.
func Read(paths []string, stdin io.Reader) ([]Document, []error) {
	var docs []Document
	var errs []error
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			errs = append(errs, &problem.Error{File: p, Problem: err.Error(), Fix: "name a readable file or directory, or - for standard input"})
			continue
		}
		for _, f := range files {
			var raw []byte
			if f == "-" {
				raw, err = io.ReadAll(stdin)
			} else {
				raw, err = os.ReadFile(f)
			}
			if err != nil {
				errs = append(errs, &problem.Error{File: f, Problem: err.Error(), Fix: "make the file readable"})
				continue
			}
			d, e := parse(f, raw)
			docs, errs = append(docs, d...), append(errs, e...)
		}
	}
	return docs, errs
}

// expand lists the manifest files a path names.
func expand(p string) ([]string, error) {
	if p == "-" {
		return []string{p}, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch strings.ToLower(filepath.Ext(f)) {
		case ".yaml", ".yml", ".json":
			if !d.IsDir() {
				files = append(files, f)
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// parse splits a file into documents; JSON is YAML.
func parse(file string, raw []byte) ([]Document, []error) {
	var docs []Document
	var errs []error
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for i := 1; ; i++ {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, &problem.Error{File: file, Problem: fmt.Sprintf("document %d is not valid YAML or JSON: %v", i, err), Fix: "fix the syntax; the documents before it were checked"})
			break // the decoder cannot resynchronise after a syntax error
		}
		line := node.Line
		if node.Kind == yaml.DocumentNode && len(node.Content) > 0 {
			line = node.Content[0].Line // the content, not the --- before it
		}
		var v any
		if err := node.Decode(&v); err != nil {
			errs = append(errs, &problem.Error{File: file, Line: line, Problem: fmt.Sprintf("document %d: %v", i, err), Fix: "write a Kubernetes object"})
			continue
		}
		if v == nil {
			continue // an empty document, e.g. after a trailing ---
		}
		obj, ok := v.(map[string]any)
		if !ok {
			errs = append(errs, &problem.Error{File: file, Line: line, Problem: fmt.Sprintf("document %d is not an object but %s", i, describeValue(v)), Fix: "write a Kubernetes object (a mapping with apiVersion and kind)"})
			continue
		}
		docs = append(docs, Document{File: file, Index: i, Line: line, Object: obj})
	}
	return docs, errs
}

func describeValue(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	default:
		return fmt.Sprintf("the value %v", v)
	}
}
