package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// corpus holds streams that YAML 1.2 decoders, or naive splitters, read
// differently from kubectl.
var corpus = map[string]string{
	"yaml11 booleans": "apiVersion: v1\nkind: Pod\nspec:\n  a: yes\n  b: no\n  c: on\n  d: off\n  e: y\n  f: n\n  g: Yes\n  h: NO\n  securityContext:\n    windowsOptions:\n      hostProcess: yes\n",
	"numbers":         "apiVersion: v1\nkind: X\nnums:\n  octal: 0777\n  leadingzero: 010\n  exp: 1e3\n  hex: 0x10\n  float: 1.5\n  big: 12345678901234\n  str: '0777'\n  dotted: 1.2.3\n",
	"anchors and merge keys": `apiVersion: v1
kind: X
base: &base {hostProcess: true, user: a}
other: *base
merged:
  <<: *base
  user: b
list: [&x 1, *x]
`,
	"duplicate keys":             "apiVersion: v1\nkind: X\nmetadata: {name: first}\nmetadata: {name: second}\nspec: {hostProcess: false, hostProcess: true}\n",
	"multi with empties":         "# header comment\n---\n---\napiVersion: v1\nkind: A\n---\n# only a comment\n---\n\n---\napiVersion: v1\nkind: B\n--- # trailing comment\nnull\n---\n~\n---\napiVersion: v1\nkind: C\n...\n",
	"json":                       "{\"apiVersion\": \"v1\", \"kind\": \"X\", \"spec\": {\"hostProcess\" : true}}\n",
	"json stream":                "{\"apiVersion\": \"v1\", \"kind\": \"A\"}\n{\"apiVersion\": \"v1\", \"kind\": \"B\"}\n\n{\"apiVersion\": \"v1\", \"kind\": \"C\", \"k\": 1, \"k\": 2}\n",
	"json then yaml":             "{\"apiVersion\": \"v1\", \"kind\": \"A\"}\n---\napiVersion: v1\nkind: B\n",
	"json in yaml":               "apiVersion: v1\nkind: A\n---\n{\"apiVersion\": \"v1\", \"kind\": \"B\"}\n",
	"utf8 bom":                   "\ufeffapiVersion: v1\nkind: X\nspec: {hostProcess: on}\n",
	"crlf":                       "apiVersion: v1\r\nkind: X\r\nspec:\r\n  hostProcess: true\r\n---\r\napiVersion: v1\r\nkind: Why\r\n",
	"syntax error in the middle": "apiVersion: v1\nkind: A\n---\napiVersion: v1\nkind: [B\n---\napiVersion: v1\nkind: C\n",
	"tabs":                       "apiVersion: v1\nkind: A\nspec:\n\thostProcess: true\n---\napiVersion: v1\nkind: B\nspec: {a:\tb}\n",
	"non-objects":                "- a\n- b\n---\njust a string\n---\n42\n---\ntrue\n---\nkind: NoVersion\n---\napiVersion: v1\nkind: 5\n---\napiVersion: v1\nkind: Ok\n",
	"block scalars":              "apiVersion: v1\nkind: A\ndata: |\n  ---\n  not a separator? it is, for kubectl\n",
}

// utf16 encodes s as UTF-16 with a BOM.
func utf16(t *testing.T, s string, e unicode.Endianness) string {
	b, _, err := transform.String(unicode.UTF16(e, unicode.UseBOM).NewEncoder(), s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kubectlDocuments decodes a stream as kubectl's StreamVisitor does, with
// util/yaml's YAMLOrJSONDecoder over the BOM-decoded bytes and
// sigs.k8s.io/yaml for each document, but goes on after a YAML error. It
// returns the canonical JSON of each document, or "error".
func kubectlDocuments(t *testing.T, stream string) []string {
	t.Helper()
	r := transform.NewReader(strings.NewReader(stream), unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	d := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []string
	for range 100 {
		var raw json.RawMessage
		err := d.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			out = append(out, "error")
			var js utilyaml.JSONSyntaxError
			if errors.As(err, &js) {
				return out
			}
			continue
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || string(raw) == "null" {
			continue
		}
		var v any
		if err := yaml.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		out = append(out, canonical(t, v))
	}
	t.Fatal("the decoder does not end")
	return nil
}

func canonical(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readAll reads a stream with Reader: each document's canonical JSON (a
// skipped one's too), or "error".
func readAll(t *testing.T, stream string) ([]string, []Document) {
	t.Helper()
	r := NewReader("f.yaml", strings.NewReader(stream))
	var out []string
	var docs []Document
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, docs
		}
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
		if d.Err != nil {
			out = append(out, "error")
			continue
		}
		if d.Object != nil {
			out = append(out, canonical(t, d.Object))
			continue
		}
		// A skipped document: decode it again for the comparison.
		out = append(out, "skip")
	}
}

func TestReaderDecodesAsKubectl(t *testing.T) {
	streams := map[string]string{}
	for k, v := range corpus {
		streams[k] = v
	}
	streams["utf16le with bom"] = utf16(t, corpus["multi with empties"], unicode.LittleEndian)
	streams["utf16be with bom"] = utf16(t, corpus["yaml11 booleans"], unicode.BigEndian)
	for name, stream := range streams {
		t.Run(name, func(t *testing.T) {
			got, docs := readAll(t, stream)
			want := kubectlDocuments(t, stream)
			if len(got) != len(want) {
				t.Fatalf("%d documents, kubectl reads %d:\ngot  %q\nwant %q", len(got), len(want), got, want)
			}
			for i := range got {
				if got[i] == "skip" {
					if want[i] == "error" || docs[i].Skip == "" {
						t.Errorf("document %d skipped (%q), kubectl reads %s", i+1, docs[i].Skip, want[i])
					}
					continue
				}
				if got[i] != want[i] {
					t.Errorf("document %d:\ngot  %s\nwant %s", i+1, got[i], want[i])
				}
			}
		})
	}
}

func TestReaderFacts(t *testing.T) {
	obj := func(stream string, i int) map[string]any {
		_, docs := readAll(t, stream)
		return docs[i].Object
	}
	spec := obj(corpus["yaml11 booleans"], 0)["spec"].(map[string]any)
	if hp := spec["securityContext"].(map[string]any)["windowsOptions"].(map[string]any)["hostProcess"]; hp != true {
		t.Errorf("hostProcess: yes is %#v, want true", hp)
	}
	for k, want := range map[string]any{"a": true, "b": false, "c": true, "d": false, "e": true, "f": false} {
		if spec[k] != want {
			t.Errorf("%s: %#v, want %v", k, spec[k], want)
		}
	}
	n := obj(corpus["numbers"], 0)["nums"].(map[string]any)
	for k, want := range map[string]any{"octal": int64(511), "leadingzero": int64(8), "exp": int64(1000), "hex": int64(16), "float": 1.5, "big": int64(12345678901234), "str": "0777", "dotted": "1.2.3"} {
		if n[k] != want {
			t.Errorf("%s: %#v, want %#v", k, n[k], want)
		}
	}
	dup := obj(corpus["duplicate keys"], 0)
	if dup["metadata"].(map[string]any)["name"] != "second" || dup["spec"].(map[string]any)["hostProcess"] != true {
		t.Errorf("duplicate keys: %v, want the last value of each", dup)
	}
	if obj(corpus["anchors and merge keys"], 0)["merged"].(map[string]any)["hostProcess"] != true {
		t.Error("a merge key was not merged")
	}
}

func TestReaderNamesDocumentsAndLines(t *testing.T) {
	type want struct {
		index, line int
		kind, skip  string
		err         bool
	}
	for name, c := range map[string]struct {
		stream string
		want   []want
	}{
		"multi with empties": {corpus["multi with empties"], []want{{1, 4, "A", "", false}, {2, 11, "B", "", false}, {3, 18, "C", "", false}}},
		"syntax error":       {corpus["syntax error in the middle"], []want{{1, 1, "A", "", false}, {2, 5, "", "", true}, {3, 7, "C", "", false}}},
		"crlf":               {corpus["crlf"], []want{{1, 1, "X", "", false}, {2, 6, "Why", "", false}}},
		"tabs":               {corpus["tabs"], []want{{1, 4, "", "", true}, {2, 6, "B", "", false}}},
		"non-objects": {corpus["non-objects"], []want{{1, 1, "", "not an object but a list", false}, {2, 4, "", "not an object but a string", false},
			{3, 6, "", "not an object but the value 42", false}, {4, 8, "", "not an object but the boolean true", false},
			{5, 10, "", "an object without a string apiVersion", false}, {6, 12, "", "an object without a string kind", false}, {7, 15, "Ok", "", false}}},
		"json stream":   {"\n\n" + corpus["json stream"], []want{{1, 3, "A", "", false}, {2, 0, "B", "", false}, {3, 0, "C", "", false}}},
		"bad separator": {"apiVersion: v1\nkind: A\n--- {x: 1}\napiVersion: v1\nkind: B\n", []want{{1, 3, "", "", true}, {2, 4, "B", "", false}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, docs := readAll(t, c.stream)
			if len(docs) != len(c.want) {
				t.Fatalf("%d documents, want %d: %+v", len(docs), len(c.want), docs)
			}
			for i, w := range c.want {
				d := docs[i]
				kind, _ := d.Object["kind"].(string)
				if d.Index != w.index || d.Line != w.line || kind != w.kind || d.Skip != w.skip || (d.Err != nil) != w.err {
					t.Errorf("document %d: index %d line %d kind %q skip %q err %v; want %+v", i+1, d.Index, d.Line, kind, d.Skip, d.Err, w)
				}
			}
		})
	}
}

func TestSyntaxErrorNamesFileDocumentAndLine(t *testing.T) {
	_, docs := readAll(t, corpus["syntax error in the middle"])
	msg := docs[1].Err.Error()
	if !strings.HasPrefix(msg, "f.yaml:5: document 2 is not valid YAML: ") {
		t.Errorf("error: %s", msg)
	}
}
