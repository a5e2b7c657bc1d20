package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/file"
	"oras.land/oras-go/v2/registry/remote"
	"oras.land/oras-go/v2/registry/remote/auth"
	"oras.land/oras-go/v2/registry/remote/credentials"
	"oras.land/oras-go/v2/registry/remote/retry"

	"github.com/policygen/policygen/internal/problem"
)

// Media types the readers expect.
const (
	// OPA's OCI downloader takes the first layer of this type as the bundle.
	MediaTypeBundleConfig = ocispec.MediaTypeImageConfig
	MediaTypeBundleLayer  = ocispec.MediaTypeImageLayerGzip
	// conftest push: one layer per file, titled with its path.
	MediaTypeConftestConfig = oras.MediaTypeUnknownConfig
	MediaTypeConftestPolicy = "application/vnd.cncf.openpolicyagent.policy.layer.v1+rego"
	MediaTypeConftestData   = "application/vnd.cncf.openpolicyagent.data.layer.v1+json"
	// oras push DIR:application/vnd.oci.image.layer.v1.tar+gzip, as
	// Gatekeeper's documentation bundles policies for gator --image.
	MediaTypeGatekeeperArtifact = "application/vnd.unknown.artifact.v1"
	MediaTypeGatekeeperLayer    = ocispec.MediaTypeImageLayerGzip
)

// The artifacts, by repository name below REF, in the order pushed.
const (
	Bundle     = "bundle"
	Conftest   = "conftest"
	Gatekeeper = "gatekeeper"
)

// Options are how to reach the registry.
type Options struct {
	Tag       string // the tag of every artifact; empty: the version in the bundle's .manifest
	PlainHTTP bool   // http instead of https
}

// Pushed is one artifact in the registry.
type Pushed struct {
	Ref    string // REF/name:tag
	Digest string // of its manifest
	Layers int
	Note   string // what else to know about it, if anything
}

// artifact is one manifest: its config and layers, read from dist/.
type artifact struct {
	name         string
	note         string // for Pushed.Note
	artifactType string
	config       ocispec.Descriptor
	configBytes  []byte
	layers       []layer
}

// layer is one blob of an artifact, titled with its file name.
type layer struct {
	title, mediaType string
	data             []byte
	annotations      map[string]string
}

// Push sends the OPA bundle (dist/bundle.tar.gz), the conftest policy set
// (dist/conftest) and the Gatekeeper directory (dist/gatekeeper) to
// REF/bundle, REF/conftest and REF/gatekeeper, tagged opt.Tag. Everything
// is read from dist before the first request; dist is never written. A
// problem with dist is a *problem.Error; a problem with the registry a
// *RemoteError.
func Push(ctx context.Context, dist string, ref Ref, opt Options) ([]Pushed, error) {
	arts, version, err := read(dist)
	if err != nil {
		return nil, err
	}
	tag := opt.Tag
	if tag == "" {
		tag = version
		if err := CheckTag(tag); err != nil {
			return nil, &problem.Error{File: filepath.Join(dist, bundleFile), Problem: "the version in .manifest: " + err.Error(), Fix: "name the tag with --tag"}
		}
	}
	client, err := dockerClient()
	if err != nil {
		return nil, err
	}
	var pushed []Pushed
	for _, a := range arts {
		target := ref.Repository(a.name, tag)
		repo, err := remote.NewRepository(target)
		if err != nil {
			return pushed, &RemoteError{Ref: target, Err: err, Fix: "check REF"}
		}
		repo.PlainHTTP = opt.PlainHTTP
		repo.Client = client
		desc, err := a.push(ctx, repo, tag, version)
		if err != nil {
			return pushed, remoteError(target, ref, opt.PlainHTTP, err)
		}
		pushed = append(pushed, Pushed{Ref: target, Digest: desc.Digest.String(), Layers: len(a.layers), Note: a.note})
	}
	return pushed, nil
}

// push sends the layers and the config, then the manifest, annotated
// with the spec version, by tag.
func (a *artifact) push(ctx context.Context, repo *remote.Repository, tag, version string) (ocispec.Descriptor, error) {
	blob := func(desc ocispec.Descriptor, data []byte) error {
		ok, err := repo.Exists(ctx, desc)
		if err != nil || ok {
			return err
		}
		return repo.Push(ctx, desc, bytes.NewReader(data))
	}
	m := ocispec.Manifest{
		Versioned:    specs.Versioned{SchemaVersion: 2},
		MediaType:    ocispec.MediaTypeImageManifest,
		ArtifactType: a.artifactType,
		Config:       a.config,
		Annotations:  map[string]string{ocispec.AnnotationVersion: version},
	}
	for _, l := range a.layers {
		desc := content.NewDescriptorFromBytes(l.mediaType, l.data)
		desc.Annotations = map[string]string{ocispec.AnnotationTitle: l.title}
		for k, v := range l.annotations {
			desc.Annotations[k] = v
		}
		if err := blob(desc, l.data); err != nil {
			return ocispec.Descriptor{}, err
		}
		m.Layers = append(m.Layers, desc)
	}
	if err := blob(a.config, a.configBytes); err != nil {
		return ocispec.Descriptor{}, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	desc := content.NewDescriptorFromBytes(ocispec.MediaTypeImageManifest, b)
	return desc, repo.PushReference(ctx, desc, bytes.NewReader(b), tag)
}

const bundleFile = "bundle.tar.gz"

// read gathers the three artifacts from dist and the version of the bundle.
func read(dist string) ([]*artifact, string, error) {
	bundlePath := filepath.Join(dist, bundleFile)
	b, err := os.ReadFile(bundlePath)
	if err != nil {
		return nil, "", &problem.Error{File: bundlePath, Problem: "cannot read the OPA bundle: " + err.Error(), Fix: "run policygen publish first, or name the published directory with --dist"}
	}
	version, signed, err := readBundle(b)
	if err != nil {
		return nil, "", &problem.Error{File: bundlePath, Problem: err.Error(), Fix: "republish it with policygen publish"}
	}
	empty := []byte("{}")
	note := "signed"
	if !signed {
		note = "unsigned: publish with --signing-key to sign it"
	}
	bundle := &artifact{
		name:        Bundle,
		note:        note,
		config:      content.NewDescriptorFromBytes(MediaTypeBundleConfig, empty),
		configBytes: empty,
		layers:      []layer{{title: bundleFile, mediaType: MediaTypeBundleLayer, data: b}},
	}
	conftest := &artifact{
		name:        Conftest,
		config:      content.NewDescriptorFromBytes(MediaTypeConftestConfig, empty),
		configBytes: empty,
	}
	dir := filepath.Join(dist, Conftest)
	files, err := readTree(dir)
	if err != nil {
		return nil, "", err
	}
	for _, f := range files {
		switch path.Ext(f.name) {
		case ".rego":
			conftest.layers = append(conftest.layers, layer{title: f.name, mediaType: MediaTypeConftestPolicy, data: f.data})
		case ".yaml", ".yml", ".json":
			conftest.layers = append(conftest.layers, layer{title: f.name, mediaType: MediaTypeConftestData, data: f.data})
		}
	}
	if !slices.ContainsFunc(conftest.layers, func(l layer) bool { return l.mediaType == MediaTypeConftestPolicy }) {
		return nil, "", &problem.Error{File: dir, Problem: "holds no .rego file", Fix: "run policygen publish first, or name the published directory with --dist"}
	}
	dir = filepath.Join(dist, Gatekeeper)
	files, err = readTree(dir)
	if err != nil {
		return nil, "", err
	}
	gz, tarDigest, err := tarGzip(Gatekeeper, files)
	if err != nil {
		return nil, "", err
	}
	gatekeeper := &artifact{
		name:         Gatekeeper,
		artifactType: MediaTypeGatekeeperArtifact,
		config:       ocispec.DescriptorEmptyJSON,
		configBytes:  empty,
		layers: []layer{{title: Gatekeeper, mediaType: MediaTypeGatekeeperLayer, data: gz, annotations: map[string]string{
			file.AnnotationDigest: tarDigest, // what oras' file store checks on unpacking
			file.AnnotationUnpack: "true",
		}}},
	}
	return []*artifact{bundle, conftest, gatekeeper}, version, nil
}

// readBundle returns metadata.version of the bundle's .manifest and
// whether the bundle holds signatures.
func readBundle(b []byte) (version string, signed bool, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", false, fmt.Errorf("not a gzip file: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", false, fmt.Errorf("not a tar.gz bundle: %v", err)
		}
		switch strings.TrimPrefix(h.Name, "/") {
		case ".signatures.json":
			signed = true
		case ".manifest":
			var m struct {
				Metadata struct {
					Version string `json:"version"`
				} `json:"metadata"`
			}
			if err := json.NewDecoder(tr).Decode(&m); err != nil {
				return "", false, fmt.Errorf(".manifest: %v", err)
			}
			if m.Metadata.Version == "" {
				return "", false, errors.New(".manifest has no metadata.version")
			}
			version = m.Metadata.Version
		}
	}
	if version == "" {
		return "", false, errors.New("the bundle has no .manifest")
	}
	return version, signed, nil
}

// treeFile is a file of a published directory, named by its slash path
// relative to it.
type treeFile struct {
	name string
	data []byte
}

// readTree reads every regular file below dir, in lexical order.
func readTree(dir string) ([]treeFile, error) {
	var files []treeFile
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, treeFile{name: filepath.ToSlash(rel), data: data})
		return nil
	})
	if err != nil {
		return nil, &problem.Error{File: dir, Problem: "cannot read the published directory: " + err.Error(), Fix: "run policygen publish first, or name the published directory with --dist"}
	}
	if len(files) == 0 {
		return nil, &problem.Error{File: dir, Problem: "holds no file", Fix: "run policygen publish first, or name the published directory with --dist"}
	}
	return files, nil
}

// tarGzip packs files below the directory name as oras' file store packs a
// directory (and unpacks it on pull), reproducibly: no times, no owners.
// It returns the gzip and the digest of the uncompressed tar.
func tarGzip(name string, files []treeFile) ([]byte, string, error) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	var raw bytes.Buffer
	tw := tar.NewWriter(io.MultiWriter(zw, &raw))
	dirs := map[string]bool{}
	for _, f := range files {
		// each directory before its first file
		full := path.Join(name, f.name)
		var parents []string
		for d := path.Dir(full); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
			parents = append(parents, d)
		}
		slices.Reverse(parents)
		for _, d := range parents {
			if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, Format: tar.FormatPAX}); err != nil {
				return nil, "", err
			}
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: full, Mode: 0o644, Size: int64(len(f.data)), Format: tar.FormatPAX}); err != nil {
			return nil, "", err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, "", err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, "", err
	}
	if err := zw.Close(); err != nil {
		return nil, "", err
	}
	return gz.Bytes(), content.NewDescriptorFromBytes("", raw.Bytes()).Digest.String(), nil
}

// dockerClient authenticates with the credentials of the docker config
// ($DOCKER_CONFIG/config.json or ~/.docker/config.json), as conftest, gator
// and oras do, and retries on 408, 429 and 5xx.
func dockerClient() (remote.Client, error) {
	store, err := credentials.NewStoreFromDocker(credentials.StoreOptions{})
	if err != nil {
		return nil, &problem.Error{File: "docker config", Problem: "cannot read the registry credentials: " + err.Error(), Fix: "repair $DOCKER_CONFIG/config.json (default ~/.docker/config.json)"}
	}
	c := &auth.Client{
		Client:     &http.Client{Transport: retry.NewTransport(http.DefaultTransport), Timeout: 2 * time.Minute},
		Cache:      auth.NewCache(),
		Credential: credentials.Credential(store),
	}
	c.SetUserAgent("policygen")
	return c, nil
}
