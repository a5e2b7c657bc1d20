package main

import (
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/policygen/policygen/internal/oci/ocitest"
)

// push and publish --push: REF/bundle, REF/conftest and REF/gatekeeper,
// each line naming the artifact, its digest and its layers; a REF that
// cannot be pushed to is a flag problem, exit 2, before any work.
func TestPushCommand(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	v := embeddedVersion(t)
	host := ocitest.Start(t)
	before := snapshot(t, "../../dist")
	code, out, stderr := runCLI(t, "push", "--dist", "../../dist", "oci://"+host+"/hostprocess")
	line := regexp.MustCompile(`^pushed ` + regexp.QuoteMeta(host) + `/hostprocess/(bundle|conftest|gatekeeper):` + regexp.QuoteMeta(v) + ` sha256:[0-9a-f]{64} \((\d+) layers?(; [^)]+)?\)$`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 {
		t.Fatalf("push: exit %d\n%s%s", code, out, stderr)
	}
	for i, want := range []string{"bundle", "conftest", "gatekeeper"} {
		if m := line.FindStringSubmatch(lines[i]); m == nil || m[1] != want {
			t.Errorf("line %d: %q, want the %s artifact", i+1, lines[i], want)
		}
	}
	if want := " (1 layer; unsigned: publish with --signing-key to sign it)"; !strings.HasSuffix(lines[0], want) {
		t.Errorf("the bundle of the committed dist/: %q, want it to end %q", lines[0], want)
	}
	if !equalTrees(snapshot(t, "../../dist"), before) {
		t.Error("push changed dist/")
	}

	dist := filepath.Join(t.TempDir(), "dist")
	code, out, stderr = runCLI(t, "publish", "--cases", oneCase(t, 1), "--dist", dist, "--push", host+"/published", "--tag", "candidate")
	if code != 0 || !strings.Contains(out, "published ") || !strings.Contains(out, "pushed "+host+"/published/gatekeeper:candidate sha256:") {
		t.Errorf("publish --push: exit %d\n%s%s", code, out, stderr)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"push"}, "policygen push: REF is required"},
		{[]string{"push", host + "/a", host + "/b"}, `policygen push: unexpected argument "` + host + `/b"`},
		{[]string{"push", host + "/a:v1"}, `policygen push: reference "` + host + `/a:v1" names a tag or digest` + "\n  fix: drop it"},
		{[]string{"push", "http://" + host + "/a"}, "has a scheme\n  fix: write HOST[:PORT]/PATH"},
		{[]string{"push", "--tag", "v1+build", host + "/a"}, `policygen push: tag "v1+build" is not a valid OCI tag`},
		{[]string{"publish", "--tag", "v1"}, "policygen publish: --tag and --plain-http need --push REF"},
		{[]string{"publish", "--push", "Registry/A"}, `policygen publish: reference "Registry/A": invalid reference`},
	} {
		code, out, stderr := runCLI(t, tc.args...)
		if code != exitInvalid || out != "" || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "usage: policygen "+tc.args[0]) {
			t.Errorf("%v: exit %d\n%s%s\nwant %q and the usage", tc.args, code, out, stderr, tc.want)
		}
	}
}

// A registry that cannot be reached or refuses the push: exit 1, the
// command, what happened and the fix; a dist/ without the bundle: exit 2.
func TestPushFailures(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	v := embeddedVersion(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	readOnly := ocitest.Start(t, ocitest.ReadOnly(http.StatusForbidden))
	for _, tc := range []struct {
		ref, want, fix string
	}{
		{closed + "/hostprocess", "policygen push: pushing " + closed + "/hostprocess/bundle:" + v + ": cannot reach the registry: ", "fix: check that a registry listens on " + closed},
		{readOnly + "/hostprocess", "policygen push: pushing " + readOnly + "/hostprocess/bundle:" + v + ": the registry refused the push (403 Forbidden): ", "fix: use credentials that may push to " + readOnly + "/hostprocess"},
	} {
		code, out, stderr := runCLI(t, "push", "--dist", "../../dist", tc.ref)
		if code != exitFailed || out != "" || !strings.HasPrefix(stderr, tc.want) || !strings.Contains(stderr, "\n  "+tc.fix) {
			t.Errorf("push %s: exit %d\n%s%s\nwant %q and %q", tc.ref, code, out, stderr, tc.want, tc.fix)
		}
	}
	empty := t.TempDir()
	code, _, stderr := runCLI(t, "push", "--dist", empty, ocitest.Start(t)+"/hostprocess")
	if want := filepath.Join(empty, "bundle.tar.gz") + ": cannot read the OPA bundle"; code != exitInvalid || !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "fix: run policygen publish first") {
		t.Errorf("push of an empty --dist: exit %d\n%s\nwant %q", code, stderr, want)
	}
}

func embeddedVersion(t *testing.T) string {
	t.Helper()
	code, out, stderr := runCLI(t, "version")
	m := regexp.MustCompile(`(?m)^spec hostprocess (\S+) `).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("version: exit %d\n%s%s", code, out, stderr)
	}
	return m[1]
}
