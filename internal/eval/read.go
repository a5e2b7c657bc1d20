// Package eval checks a user's manifests against the embedded rules, with
// no other tool installed, and explains each violation. It reads manifests
// as kubectl does, one document at a time, judges them on several workers
// and prints the findings in input order as they complete.
//
// The files follow the flow: read.go (files and streams), document.go
// (one document as kubectl decodes it), check.go (judging on workers),
// pool.go (engines for the workers), finding.go (the result type),
// printer.go (text and JSON), sarif.go (SARIF and GitHub annotations),
// locate.go (a violation's field in the YAML of its file), progress.go (the
// terminal progress line).
package eval

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/policygen/policygen/internal/problem"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// Extensions are the file name extensions read below a directory, as
// kubectl's --filename reads them. A file named explicitly is read
// whatever its name.
var Extensions = []string{".json", ".yaml", ".yml"}

// Documents reads every document of the paths in order and calls fn with
// each: files, directories (every file with one of Extensions below them,
// in lexical order) and "-" for stdin. A path or file that cannot be read
// is given to fn as a Document with Err set and Index 0; the other files
// are still read. Documents holds one document at a time. It stops at the
// first error fn returns, or when ctx is done, and returns that error.
func Documents(ctx context.Context, paths []string, stdin io.Reader, fn func(Document) error) error {
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			if err := fn(Document{File: p, Err: &problem.Error{File: p, Problem: err.Error(), Fix: "name a readable file or directory, or - for standard input"}}); err != nil {
				return err
			}
			continue
		}
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := readFile(ctx, f, stdin, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// readFile gives fn every document of one file.
func readFile(ctx context.Context, file string, stdin io.Reader, fn func(Document) error) error {
	var src io.Reader = stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return fn(Document{File: file, Err: &problem.Error{File: file, Problem: err.Error(), Fix: "make the file readable"}})
		}
		defer f.Close()
		src = f
	}
	r := NewReader(file, src)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fn(Document{File: file, Err: &problem.Error{File: file, Problem: "reading stopped: " + err.Error(), Fix: "make the file readable"}})
		}
		if err := fn(d); err != nil {
			return err
		}
	}
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
		ext := strings.ToLower(filepath.Ext(f))
		for _, e := range Extensions {
			if ext == e && !d.IsDir() {
				files = append(files, f)
			}
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Reader reads the documents of one YAML or JSON stream one at a time, as
// kubectl's file visitor does (k8s.io/cli-runtime/pkg/resource):
//
//   - the bytes are decoded with unicode.BOMOverride: a UTF-8 BOM is
//     dropped, UTF-16 LE or BE with a BOM is decoded, anything else is read
//     as UTF-8;
//   - a stream whose first 4096 bytes start, after white space, with "{" is
//     a JSON stream, read with util/yaml's YAMLOrJSONDecoder (which falls
//     back to YAML when its second document is not JSON);
//   - any other stream is split into documents by util/yaml's YAMLReader
//     (a line starting with "---" ends a document; CRLF line ends are
//     read as LF), and each document is converted with sigs.k8s.io/yaml:
//     YAML 1.1 (yes/no/on/off/y/n are booleans, 0777 is octal, 0x10 is
//     hex), anchors, aliases and merge keys. A duplicate key keeps its
//     last value, with no error: kubectl's client decodes non-strictly,
//     in YAML and in JSON alike;
//   - a document that is empty, holds only comments, or is null is not a
//     document: it is neither counted nor returned, as kubectl skips it.
//
// Unlike kubectl, which stops at the first bad document, a YAML syntax
// error is returned as a Document with Err and the next documents are
// still read; in a JSON stream the decoder cannot resynchronise, so the
// bad document is the last one returned.
type Reader struct {
	file  string
	src   *bufio.Reader
	feed  *lineFeeder
	yaml  *utilyaml.YAMLReader
	json  *utilyaml.YAMLOrJSONDecoder
	line  int // JSON: the line of the first document
	index int // documents returned so far
	end   int // YAML: the last line consumed
	done  bool
	// keepRaw makes Next set Document.raw and Document.first, for the
	// printers that locate fields in the source.
	keepRaw bool
}

// NewReader returns a Reader of the stream r, naming file in documents and
// errors.
func NewReader(file string, r io.Reader) *Reader {
	decoded := transform.NewReader(r, unicode.BOMOverride(unicode.UTF8.NewDecoder()))
	return &Reader{file: file, src: bufio.NewReaderSize(decoded, 64<<10)}
}

// Next returns the next document, or io.EOF after the last. A document
// that cannot be read has Err set (a *problem.Error naming the file, the
// document and, where the parser gives one, the line); an error returned
// by Next itself is a failure to read the stream, after which the Reader
// is done.
func (r *Reader) Next() (Document, error) {
	if r.done {
		return Document{}, io.EOF
	}
	if r.yaml == nil && r.json == nil {
		head, err := r.src.Peek(4096)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			r.done = true
			return Document{}, err
		}
		if utilyaml.IsJSONBuffer(head) {
			r.json = utilyaml.NewYAMLOrJSONDecoder(r.src, 4096)
			r.line = 1 + bytes.Count(head[:len(head)-len(bytes.TrimLeft(head, " \t\r\n\v\f"))], []byte("\n"))
		} else {
			r.feed = &lineFeeder{src: r.src}
			r.yaml = utilyaml.NewYAMLReader(bufio.NewReader(r.feed))
		}
	}
	if r.json != nil {
		return r.nextJSON()
	}
	return r.nextYAML()
}

func (r *Reader) nextYAML() (Document, error) {
	for {
		chunk, err := r.yaml.Read()
		start := r.end + 1
		end := r.feed.consumed()
		r.end = end
		if errors.Is(err, io.EOF) {
			r.done = true
			return Document{}, io.EOF
		}
		if err != nil {
			var syntax utilyaml.YAMLSyntaxError
			if !errors.As(err, &syntax) {
				r.done = true
				return Document{}, err
			}
			// A "---" line followed by something other than a comment.
			r.index++
			return Document{File: r.file, Index: r.index, Line: end, Err: &problem.Error{
				File: r.file, Line: end,
				Problem: fmt.Sprintf("document %d: %v", r.index, err),
				Fix:     "put nothing but a comment after ---; the other documents were checked",
			}}, nil
		}
		// The chunk ends on the line before the "---" that ended it, or at
		// the end of the stream; its first line is as many lines before.
		last := end
		if r.feed.lastWasSeparator {
			last--
		}
		first := max(last-bytes.Count(chunk, []byte("\n"))+1, start)
		d, empty := decodeYAML(r.file, r.index+1, first, chunk)
		if empty {
			continue
		}
		if r.keepRaw {
			d.raw, d.first = chunk, first
		}
		r.index++
		return d, nil
	}
}

func (r *Reader) nextJSON() (Document, error) {
	for {
		var raw rawDocument
		err := r.json.Decode(&raw)
		if errors.Is(err, io.EOF) {
			r.done = true
			return Document{}, io.EOF
		}
		if err != nil {
			r.done = true
			r.index++
			what := fmt.Sprintf("document %d is not valid JSON or YAML: %v", r.index, err)
			var js utilyaml.JSONSyntaxError
			if errors.As(err, &js) {
				what = fmt.Sprintf("document %d is not valid JSON: %v (at byte %d of the stream)", r.index, js.Err, js.Offset)
			}
			return Document{File: r.file, Index: r.index, Err: &problem.Error{
				File: r.file, Problem: what + "; the documents after it were not read",
				Fix: "fix the syntax; the documents before it were checked",
			}}, nil
		}
		js := bytes.TrimSpace(raw)
		if len(js) == 0 || bytes.Equal(js, []byte("null")) {
			continue
		}
		r.index++
		line := 0
		if r.index == 1 {
			line = r.line
		}
		return decodeJSON(r.file, r.index, line, js), nil
	}
}

// rawDocument keeps a document's JSON as the decoder gives it, as kubectl's
// runtime.RawExtension does.
type rawDocument []byte

func (d *rawDocument) UnmarshalJSON(b []byte) error {
	*d = append((*d)[:0], b...)
	return nil
}

// lineFeeder hands its source to YAMLReader's bufio.Reader at most one
// line per Read, so that after each document nothing is read ahead and
// the lines consumed are known exactly.
type lineFeeder struct {
	src              *bufio.Reader
	pending          []byte // the rest of the current line
	lines            int    // newlines handed over
	partial          bool   // bytes handed over since the last newline
	lineStart        []byte // up to 3 bytes of the current line
	lastWasSeparator bool   // the last line handed over started with "---"
}

func (f *lineFeeder) Read(p []byte) (int, error) {
	if len(f.pending) == 0 {
		line, err := f.src.ReadSlice('\n')
		if len(line) == 0 {
			if err == nil || errors.Is(err, bufio.ErrBufferFull) {
				err = io.ErrNoProgress
			}
			return 0, err
		}
		f.pending = line
	}
	n := copy(p, f.pending)
	for _, c := range f.pending[:n] {
		if len(f.lineStart) < 3 {
			f.lineStart = append(f.lineStart, c)
		}
		if c == '\n' {
			f.lines++
			f.lastWasSeparator = string(f.lineStart) == "---"
			f.lineStart = f.lineStart[:0]
			f.partial = false
		} else {
			f.partial = true
		}
	}
	f.pending = f.pending[n:]
	return n, nil
}

// consumed is the number of lines handed over, counting an unterminated
// last line.
func (f *lineFeeder) consumed() int {
	if f.partial {
		f.lastWasSeparator = string(f.lineStart) == "---"
		return f.lines + 1
	}
	return f.lines
}
