package oci

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/file"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/policygen/policygen/internal/oci/ocitest"
	"github.com/policygen/policygen/internal/pipeline"
	"github.com/policygen/policygen/internal/problem"
)

const dist = "../../dist"

// tree is every file below dir by slash path, as push reads it.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := readTree(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		out[f.name] = string(f.data)
	}
	return out
}

// pull copies REF into a memory store and returns its manifest.
func pull(t *testing.T, ref string) (*memory.Store, ocispec.Manifest) {
	t.Helper()
	repo, err := remote.NewRepository(ref)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	store := memory.New()
	desc, err := oras.Copy(context.Background(), repo, ref[strings.LastIndex(ref, ":")+1:], store, "", oras.DefaultCopyOptions)
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	b, err := content.FetchAll(context.Background(), store, desc)
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return store, m
}

func fetch(t *testing.T, store *memory.Store, d ocispec.Descriptor) string {
	t.Helper()
	b, err := content.FetchAll(context.Background(), store, d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func noDockerConfig(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
}

// The three artifacts land in their readers' layouts, tagged with the spec
// version, each byte as published; pushing again changes no digest.
func TestPush(t *testing.T) {
	noDockerConfig(t)
	before := tree(t, dist)
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	ref := Ref{Registry: ocitest.Start(t), Path: "policies/hostprocess"}
	pushed, err := Push(context.Background(), dist, ref, Options{PlainHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, p := range pushed {
		refs = append(refs, p.Ref)
	}
	v := s.Metadata.Version
	if want := []string{ref.String() + "/bundle:" + v, ref.String() + "/conftest:" + v, ref.String() + "/gatekeeper:" + v}; !slices.Equal(refs, want) {
		t.Fatalf("pushed %v, want %v", refs, want)
	}

	// OPA's downloader: the image config type, the bundle as the tar+gzip layer.
	store, m := pull(t, pushed[0].Ref)
	if m.Config.MediaType != "application/vnd.oci.image.config.v1+json" || len(m.Layers) != 1 ||
		m.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("bundle manifest: config %s, layers %v", m.Config.MediaType, m.Layers)
	} else if fetch(t, store, m.Layers[0]) != before["bundle.tar.gz"] {
		t.Error("the bundle layer is not dist/bundle.tar.gz")
	}

	// conftest push: unknown config, one titled layer per Rego or data file.
	store, m = pull(t, pushed[1].Ref)
	if m.Config.MediaType != "application/vnd.unknown.config.v1+json" || fetch(t, store, m.Config) != "{}" {
		t.Errorf("conftest config: %s", m.Config.MediaType)
	}
	got := map[string]string{}
	for _, l := range m.Layers {
		title := l.Annotations[ocispec.AnnotationTitle]
		got[title] = l.MediaType
		if fetch(t, store, l) != before["conftest/"+title] {
			t.Errorf("conftest layer %s differs from dist/conftest/%s", title, title)
		}
	}
	want := map[string]string{}
	for name := range before {
		rel, ok := strings.CutPrefix(name, "conftest/")
		switch {
		case ok && strings.HasSuffix(rel, ".rego"):
			want[rel] = "application/vnd.cncf.openpolicyagent.policy.layer.v1+rego"
		case ok && (strings.HasSuffix(rel, ".yaml") || strings.HasSuffix(rel, ".yml")): // examples, the Artifact Hub package
			want[rel] = "application/vnd.cncf.openpolicyagent.data.layer.v1+json"
		}
	}
	if !maps.Equal(got, want) || len(want) < 9 {
		t.Errorf("conftest layers %v, want %v", got, want)
	}

	// gator --image unpacks the one directory layer with oras' file store.
	dir := t.TempDir()
	repo, _ := remote.NewRepository(pushed[2].Ref)
	repo.PlainHTTP = true
	fstore, err := file.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer fstore.Close()
	if _, err := oras.Copy(context.Background(), repo, s.Metadata.Version, fstore, "", oras.DefaultCopyOptions); err != nil {
		t.Fatalf("pull gatekeeper into a file store: %v", err)
	}
	wantTree := map[string]string{}
	for name, b := range before {
		if rel, ok := strings.CutPrefix(name, "gatekeeper/"); ok {
			wantTree[rel] = b
		}
	}
	if gotTree := tree(t, filepath.Join(dir, "gatekeeper")); !maps.Equal(gotTree, wantTree) {
		t.Errorf("gatekeeper unpacks to %d files, want dist/gatekeeper's %d", len(gotTree), len(wantTree))
	}

	again, err := Push(context.Background(), dist, ref, Options{PlainHTTP: true, Tag: "again"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range again {
		if again[i].Digest != pushed[i].Digest {
			t.Errorf("%s: digest %s, then %s", pushed[i].Ref, pushed[i].Digest, again[i].Digest)
		}
	}
	if !maps.Equal(tree(t, dist), before) {
		t.Error("push changed dist/")
	}
}

func TestParseRef(t *testing.T) {
	for _, tc := range []struct {
		in, registry, path string
		loopback           bool
	}{
		{"oci://127.0.0.1:5000/hostprocess", "127.0.0.1:5000", "hostprocess", true},
		{"localhost:5000/a/b", "localhost:5000", "a/b", true},
		{"[::1]:5000/p", "[::1]:5000", "p", true},
		{"ghcr.io/org/policies", "ghcr.io", "org/policies", false},
		{"10.0.0.1:5000/p", "10.0.0.1:5000", "p", false},
	} {
		r, err := ParseRef(tc.in)
		if err != nil || r.Registry != tc.registry || r.Path != tc.path || r.Loopback() != tc.loopback {
			t.Errorf("ParseRef(%q) = %+v (loopback %v), %v", tc.in, r, r.Loopback(), err)
		}
	}
	for in, msg := range map[string]string{
		"":                             "names no repository path",
		"127.0.0.1:5000":               "names no repository path",
		"https://ghcr.io/org/p":        "has a scheme",
		"127.0.0.1:5000/HostProcess":   "invalid repository",
		"127.0.0.1:5000/p:v1":          "names a tag or digest",
		"127.0.0.1:5000/p@sha256:abcd": "names a tag or digest",
		"127.0.0.1:5000/a b":           "invalid reference",
	} {
		if _, err := ParseRef(in); err == nil || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), "\n  fix: ") {
			t.Errorf("ParseRef(%q): %v, want %q and a fix", in, err, msg)
		}
	}
}

// An unreachable registry, a refused push, the wrong scheme: a
// RemoteError that says which and how to fix it; a missing dist/ file is
// a problem naming it. Nothing is written to dist.
func TestPushErrors(t *testing.T) {
	noDockerConfig(t)
	before := tree(t, dist)
	s, err := pipeline.LoadSpec(pipeline.Inputs{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	for _, tc := range []struct {
		name      string
		registry  string
		plainHTTP bool
		problem   string
		fix       string
	}{
		{"unreachable", closed, true, "cannot reach the registry", "check that a registry listens on " + closed},
		{"forbidden", ocitest.Start(t, ocitest.ReadOnly(http.StatusForbidden)), true, "the registry refused the push (403 Forbidden)", "use credentials that may push to"},
		{"unauthorized", ocitest.Start(t, ocitest.ReadOnly(http.StatusUnauthorized)), true, "the registry wants credentials (401 Unauthorized)", "docker login or oras login"},
		{"https to a plain registry", ocitest.Start(t), false, "the registry speaks plain HTTP", "pass --plain-http"},
		{"http to a TLS registry", strings.TrimPrefix(tlsSrv.URL, "https://"), true, "the registry answered 400 Bad Request", "drop --plain-http"},
	} {
		ref := Ref{Registry: tc.registry, Path: "hostprocess"}
		pushed, err := Push(context.Background(), dist, ref, Options{PlainHTTP: tc.plainHTTP})
		var re *RemoteError
		if !errors.As(err, &re) || re.Problem != tc.problem || !strings.Contains(re.Fix, tc.fix) || len(pushed) != 0 {
			t.Errorf("%s: pushed %v, error %v; want %q, fix %q", tc.name, pushed, err, tc.problem, tc.fix)
			continue
		}
		if want := "pushing " + ref.Repository("bundle", s.Metadata.Version) + ": " + tc.problem + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %q, want it to start %q", tc.name, err, want)
		}
	}

	empty := t.TempDir()
	_, err = Push(context.Background(), empty, Ref{Registry: ocitest.Start(t), Path: "p"}, Options{PlainHTTP: true})
	var pe *problem.Error
	if !errors.As(err, &pe) || pe.File != filepath.Join(empty, "bundle.tar.gz") || !strings.Contains(pe.Fix, "policygen publish") {
		t.Errorf("push of an empty directory: %v", err)
	}
	if !maps.Equal(tree(t, dist), before) {
		t.Error("a failed push changed dist/")
	}
}
