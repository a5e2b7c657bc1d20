//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"
)

// The binaries `make e2e-tools` builds, passed by `make e2e`.
const (
	envEtcd       = "POLICYGEN_E2E_ETCD"
	envAPIServer  = "POLICYGEN_E2E_APISERVER"
	envGatekeeper = "POLICYGEN_E2E_GATEKEEPER"
	envGKVersion  = "POLICYGEN_E2E_GATEKEEPER_VERSION"
	envKustomize  = "POLICYGEN_KUSTOMIZE"
)

// gatekeeperNamespace is where Gatekeeper keeps its status objects; the
// webhook never judges it.
const gatekeeperNamespace = "gatekeeper-system"

func init() { ctrllog.SetLogger(logr.Discard()) }

func need(t testing.TB, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		t.Fatalf("%s is not set: run the end-to-end tests with `make e2e`", env)
	}
	return v
}

// root is the repository's top directory (the tests run in e2e/).
func root(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Cluster is etcd and kube-apiserver, started by envtest from the built
// binaries, with clients for an administrator.
type Cluster struct {
	t          testing.TB
	Dir        string // files of this cluster: kubeconfig, Gatekeeper's certificates and cache
	Config     *rest.Config
	Kube       kubernetes.Interface
	Dyn        dynamic.Interface
	Kubeconfig string
	GKDir      string // the Gatekeeper module's source, for its CRDs and webhook configuration
	Warnings   *Warnings

	mapper *restmapper.DeferredDiscoveryRESTMapper
	times  []string
}

// Warnings collects the warnings the API server returns (among them those
// of a webhook), in order, for the client that carries it.
type Warnings struct {
	mu   sync.Mutex
	msgs []string
}

// HandleWarningHeader is client-go's warning handler.
func (w *Warnings) HandleWarningHeader(code int, agent, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.msgs = append(w.msgs, text)
}

// Take returns the warnings seen since the last call and forgets them.
func (w *Warnings) Take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.msgs
	w.msgs = nil
	return out
}

// StartCluster starts etcd and kube-apiserver; the test's cleanup stops them.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	start := time.Now()
	c := &Cluster{t: t, Dir: t.TempDir(), Warnings: &Warnings{}}
	c.GKDir = gatekeeperSource(t)
	env := &envtest.Environment{
		ControlPlane: envtest.ControlPlane{
			APIServer: &envtest.APIServer{Path: need(t, envAPIServer)},
			Etcd:      &envtest.Etcd{Path: need(t, envEtcd)},
		},
		CRDDirectoryPaths:     []string{filepath.Join(c.GKDir, "charts", "gatekeeper", "crds")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting etcd and kube-apiserver: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping etcd and kube-apiserver: %v", err)
		}
	})
	c.Config = rest.CopyConfig(cfg)
	c.Config.QPS, c.Config.Burst = 500, 1000
	c.Config.WarningHandler = c.Warnings
	c.Kube = kubernetes.NewForConfigOrDie(c.Config)
	c.Dyn = dynamic.NewForConfigOrDie(c.Config)
	dc := discovery.NewDiscoveryClientForConfigOrDie(c.Config)
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := os.WriteFile(c.Kubeconfig, env.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	c.Time("etcd, kube-apiserver and Gatekeeper's CRDs ready", start)
	return c
}

// gatekeeperSource is the directory of the Gatekeeper module of the
// version that runs, in the module cache.
func gatekeeperSource(t testing.TB) string {
	t.Helper()
	mod := "github.com/open-policy-agent/gatekeeper/v3@" + need(t, envGKVersion)
	out, err := exec.Command("go", "mod", "download", "-json", mod).Output()
	if err != nil {
		t.Fatalf("go mod download %s: %v", mod, err)
	}
	var info struct{ Dir string }
	if err := yaml.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s: no directory in %s", mod, out)
	}
	return info.Dir
}

// Time records and prints how long something took since start.
func (c *Cluster) Time(what string, start time.Time) time.Duration {
	d := time.Since(start)
	line := fmt.Sprintf("%-60s %8.2fs", what, d.Seconds())
	c.times = append(c.times, line)
	c.t.Log("time: " + line)
	return d
}

// CreateWhenServed creates u (cluster-scoped) once the API server serves
// its kind, a CRD just established or a constraint kind Gatekeeper is still
// generating, trying every interval for up to a minute.
func (c *Cluster) CreateWhenServed(ctx context.Context, u *unstructured.Unstructured, interval time.Duration) error {
	return Eventually(60*time.Second, interval, func() (bool, error) {
		r, ok, err := c.Resource(u.GroupVersionKind(), "")
		if !ok || err != nil {
			return false, fmt.Errorf("kind %s not served yet (%v)", u.GetKind(), err)
		}
		_, err = r.Create(ctx, u, metav1.CreateOptions{})
		return err == nil, err
	})
}

// Resource is the client of a kind's resource in namespace ns (ignored for
// a cluster-scoped kind); ok is false when the API server serves no such
// kind.
func (c *Cluster) Resource(gvk schema.GroupVersionKind, ns string) (dynamic.ResourceInterface, bool, error) {
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if meta.IsNoMatchError(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.Dyn.Resource(m.Resource).Namespace(ns), true, nil
	}
	return c.Dyn.Resource(m.Resource), true, nil
}

// Client is Resource for an object, in its own namespace.
func (c *Cluster) Client(u *unstructured.Unstructured) dynamic.ResourceInterface {
	c.t.Helper()
	r, ok, err := c.Resource(u.GroupVersionKind(), u.GetNamespace())
	if err != nil || !ok {
		c.t.Fatalf("no resource for %s: %v", u.GroupVersionKind(), err)
	}
	return r
}

// Namespace creates namespace ns unless it exists.
func (c *Cluster) Namespace(ns string) {
	c.t.Helper()
	_, err := c.Kube.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		c.t.Fatalf("namespace %s: %v", ns, err)
	}
}

// Eventually polls cond every interval until it holds or timeout passes.
func Eventually(timeout, interval time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		if err != nil {
			last = err
		}
		if time.Now().After(deadline) {
			if last != nil {
				return fmt.Errorf("not after %s: %w", timeout, last)
			}
			return fmt.Errorf("not after %s", timeout)
		}
		time.Sleep(interval)
	}
}

// freePort is a TCP port free on 127.0.0.1 when asked.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Gatekeeper is Gatekeeper's manager as a local process: webhook, audit,
// status and generate operations, serving on 127.0.0.1 with a certificate
// from a CA the test makes.
type Gatekeeper struct {
	c                      *Cluster
	bin, certDir, cacheDir string
	Port, health, prom     int
	CA                     []byte
	AuditInterval          int      // seconds
	Args                   []string // more flags

	cmd    *exec.Cmd
	done   chan struct{}
	log    *os.File
	starts int
}

// NewGatekeeper prepares Gatekeeper for c: its namespace, the placeholder
// pod it reads as its own, its serving certificate and ports.
func NewGatekeeper(c *Cluster) *Gatekeeper {
	t := c.t
	t.Helper()
	g := &Gatekeeper{c: c, bin: need(t, envGatekeeper), AuditInterval: 5,
		certDir: filepath.Join(c.Dir, "gatekeeper-certs"), cacheDir: filepath.Join(c.Dir, "gatekeeper-api-cache")}
	for _, d := range []string{g.certDir, g.cacheDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if g.CA, err = servingCert(g.certDir); err != nil {
		t.Fatal(err)
	}
	g.Port, g.health, g.prom = freePort(t), freePort(t), freePort(t)
	c.Namespace(gatekeeperNamespace)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "gatekeeper-e2e", Namespace: gatekeeperNamespace},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "gatekeeper:local"}}},
	}
	if _, err := c.Kube.CoreV1().Pods(gatekeeperNamespace).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("placeholder pod: %v", err)
	}
	t.Cleanup(g.Stop)
	return g
}

// StartGatekeeper starts Gatekeeper for c, with more flags args, and
// registers its webhook with policy: Ignore is Gatekeeper's default; Fail
// keeps a webhook that cannot answer from passing for an admission.
func StartGatekeeper(c *Cluster, policy admissionregistrationv1.FailurePolicyType, args ...string) *Gatekeeper {
	g := NewGatekeeper(c)
	g.Args = args
	g.Start()
	g.Webhook(policy)
	return g
}

// Start starts the process and waits until it is ready and serves TLS.
func (g *Gatekeeper) Start() {
	t := g.c.t
	t.Helper()
	start := time.Now()
	g.starts++
	logPath := filepath.Join(g.c.Dir, fmt.Sprintf("gatekeeper-%d.log", g.starts))
	var err error
	if g.log, err = os.Create(logPath); err != nil {
		t.Fatal(err)
	}
	g.cmd = exec.Command(g.bin,
		"--kubeconfig="+g.c.Kubeconfig,
		"--host=127.0.0.1", fmt.Sprintf("--port=%d", g.Port),
		"--cert-dir="+g.certDir, "--disable-cert-rotation",
		fmt.Sprintf("--health-addr=127.0.0.1:%d", g.health),
		"--metrics-addr=0", fmt.Sprintf("--prometheus-port=%d", g.prom),
		"--operation=webhook", "--operation=audit", "--operation=status", "--operation=generate",
		"--exempt-namespace="+gatekeeperNamespace,
		"--disable-opa-builtin={http.send}",
		fmt.Sprintf("--audit-interval=%d", g.AuditInterval),
		"--api-cache-dir="+g.cacheDir,
	)
	g.cmd.Args = append(g.cmd.Args, g.Args...)
	g.cmd.Env = append(os.Environ(), "POD_NAMESPACE="+gatekeeperNamespace, "POD_NAME=gatekeeper-e2e")
	g.cmd.Stdout, g.cmd.Stderr = g.log, g.log
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := g.cmd.Start(); err != nil {
		t.Fatalf("starting gatekeeper: %v", err)
	}
	done := make(chan struct{})
	g.done = done
	go func() { _ = g.cmd.Wait(); close(done) }()
	err = Eventually(90*time.Second, 200*time.Millisecond, func() (bool, error) {
		select {
		case <-done:
			return false, errors.New("gatekeeper exited")
		default:
		}
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", g.health))
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return false, fmt.Errorf("readyz: %s", resp.Status)
		}
		conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", g.Port), &tls.Config{RootCAs: g.pool()})
		if err != nil {
			return false, err
		}
		return true, conn.Close()
	})
	if err != nil {
		t.Fatalf("gatekeeper not ready: %v\n%s", err, g.Log())
	}
	g.c.Time(fmt.Sprintf("gatekeeper start %d: ready and serving", g.starts), start)
}

func (g *Gatekeeper) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(g.CA)
	return p
}

// Stop ends the process group: SIGTERM, then SIGKILL after 10 s.
func (g *Gatekeeper) Stop() { g.end(syscall.SIGTERM) }

// Kill ends the process group at once, as a crash or an evicted pod does.
func (g *Gatekeeper) Kill() { g.end(syscall.SIGKILL) }

func (g *Gatekeeper) end(sig syscall.Signal) {
	if g.cmd == nil || g.cmd.Process == nil {
		return
	}
	select {
	case <-g.done:
	default:
		_ = syscall.Kill(-g.cmd.Process.Pid, sig)
		select {
		case <-g.done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-g.cmd.Process.Pid, syscall.SIGKILL)
			<-g.done
		}
	}
	g.cmd = nil
	if g.log != nil {
		g.log.Close()
	}
}

// Log is the end of the current process's log.
func (g *Gatekeeper) Log() string {
	if g.log == nil {
		return ""
	}
	b, _ := os.ReadFile(g.log.Name())
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// Webhook registers Gatekeeper's validating webhook as its release
// manifest declares it (rules, namespace selector, timeout), pointing at
// the local process, with failurePolicy policy and DELETE operations
// (Gatekeeper's enableDeleteOperations) so that deletions reach the rules.
func (g *Gatekeeper) Webhook(policy admissionregistrationv1.FailurePolicyType) {
	t := g.c.t
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(g.c.GKDir, "deploy", "gatekeeper.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var vwc *admissionregistrationv1.ValidatingWebhookConfiguration
	for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
		if !bytes.Contains(doc, []byte("kind: ValidatingWebhookConfiguration")) {
			continue
		}
		vwc = &admissionregistrationv1.ValidatingWebhookConfiguration{}
		if err := yaml.UnmarshalStrict(doc, vwc); err != nil {
			t.Fatal(err)
		}
	}
	if vwc == nil {
		t.Fatal("no ValidatingWebhookConfiguration in Gatekeeper's manifest")
	}
	var hooks []admissionregistrationv1.ValidatingWebhook
	for _, h := range vwc.Webhooks {
		if h.Name != "validation.gatekeeper.sh" {
			continue
		}
		url := fmt.Sprintf("https://127.0.0.1:%d%s", g.Port, *h.ClientConfig.Service.Path)
		h.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: g.CA}
		h.FailurePolicy = &policy
		for i := range h.Rules {
			h.Rules[i].Operations = append(h.Rules[i].Operations, admissionregistrationv1.Delete)
		}
		hooks = append(hooks, h)
	}
	vwc.Webhooks = hooks
	ctx := context.Background()
	client := g.c.Kube.AdmissionregistrationV1().ValidatingWebhookConfigurations()
	old, err := client.Get(ctx, vwc.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = client.Create(ctx, vwc, metav1.CreateOptions{})
	case err == nil:
		vwc.ResourceVersion = old.ResourceVersion
		_, err = client.Update(ctx, vwc, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatalf("webhook configuration: %v", err)
	}
}

// servingCert writes a CA and a certificate for 127.0.0.1 signed by it
// (tls.crt, tls.key, ca.crt) to dir; it returns the CA in PEM.
func servingCert(dir string) ([]byte, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "policygen e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gatekeeper-webhook-service.gatekeeper-system.svc"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	files := map[string][]byte{
		"ca.crt":  caPEM,
		"tls.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		"tls.key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return nil, err
		}
	}
	return caPEM, nil
}

// Kustomize builds a kustomization with the pinned kustomize, as a user
// does, and returns its objects in order.
func Kustomize(t testing.TB, dir string) []*unstructured.Unstructured {
	t.Helper()
	out, err := exec.Command(need(t, envKustomize), "build", dir).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("kustomize build %s: %v\n%s", dir, err, ee.Stderr)
		}
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	var objs []*unstructured.Unstructured
	for _, doc := range strings.Split(string(out), "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			t.Fatalf("kustomize build %s: %v", dir, err)
		}
		objs = append(objs, u)
	}
	return objs
}
