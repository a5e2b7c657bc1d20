package eval

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/policygen/policygen/internal/problem"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

// Document is one document of a manifest stream: an object to judge, a
// document read but not judged (Skip), or one that could not be read (Err).
type Document struct {
	File   string         // the file, or "-" for standard input
	Index  int            // 1-based among the file's non-empty documents; 0 for a file that could not be read
	Line   int            // the line of the file the document's content starts on; 0 when unknown (a JSON stream after its first document)
	Object map[string]any // the object as kubectl decodes it (integers as int64); nil when Skip or Err is set
	Skip   string         // why a document that was read is not judged: not an object, no kind or apiVersion
	Err    error          // why the document or file could not be read: a *problem.Error

	raw   []byte // the YAML of the document, when the Reader keeps it
	first int    // the line of the file raw starts on
}

// yamlLine finds "line N" in a go-yaml error, N counted from the start of
// the document.
var yamlLine = regexp.MustCompile(`line (\d+)`)

// decodeYAML converts one document of a YAML stream as kubectl does
// (sigs.k8s.io/yaml.YAMLToJSON, then JSON into an unstructured object).
// first is the line of the file the chunk starts on. It reports a document
// that is empty or null as empty.
func decodeYAML(file string, index, first int, chunk []byte) (Document, bool) {
	line := first + contentOffset(chunk)
	js, err := yaml.YAMLToJSON(chunk)
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
			n, _ := strconv.Atoi(msg[m[2]:m[3]])
			line = first + n - 1
			msg = strings.TrimPrefix(msg[:m[0]]+msg[m[1]:], ": ")
			msg = strings.TrimPrefix(msg, "unmarshal errors:\n  : ")
		}
		return Document{File: file, Index: index, Line: line, Err: &problem.Error{
			File: file, Line: line,
			Problem: fmt.Sprintf("document %d is not valid YAML: %s", index, msg),
			Fix:     "fix the syntax; the other documents were checked",
		}}, false
	}
	js = bytes.TrimSpace(js)
	if len(js) == 0 || bytes.Equal(js, []byte("null")) {
		return Document{}, true
	}
	return decodeJSON(file, index, line, js), false
}

// decodeJSON reads one document's JSON into an object as kubectl's
// unstructured decoder does (util/json: integers as int64, a duplicate key
// keeps its last value).
func decodeJSON(file string, index, line int, js []byte) Document {
	d := Document{File: file, Index: index, Line: line}
	var v any
	if err := utiljson.Unmarshal(js, &v); err != nil {
		d.Err = &problem.Error{File: file, Line: line, Problem: fmt.Sprintf("document %d: %v", index, err), Fix: "write a Kubernetes object"}
		return d
	}
	obj, ok := v.(map[string]any)
	if !ok {
		d.Skip = "not an object but " + describeValue(v)
		return d
	}
	apiVersion, _ := obj["apiVersion"].(string)
	kind, _ := obj["kind"].(string)
	switch {
	case kind == "":
		d.Skip = "an object without a string kind"
	case apiVersion == "":
		d.Skip = "an object without a string apiVersion"
	default:
		d.Object = obj
	}
	return d
}

// contentOffset is the number of lines before the first line of chunk
// that holds more than white space, a comment or a "---" (YAMLReader keeps
// a "---" that starts a stream or follows another).
func contentOffset(chunk []byte) int {
	n := 0
	for len(chunk) > 0 {
		line, rest, _ := bytes.Cut(chunk, []byte("\n"))
		t := bytes.TrimSpace(line)
		if sep, ok := bytes.CutPrefix(t, []byte("---")); ok {
			t = bytes.TrimSpace(sep)
		}
		if len(t) > 0 && t[0] != '#' {
			return n
		}
		n++
		chunk = rest
	}
	return 0
}

func describeValue(v any) string {
	switch v := v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	default:
		return fmt.Sprintf("the value %v", v)
	}
}
