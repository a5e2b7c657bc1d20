package eval

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchDaemonSet is a csi-proxy-like DaemonSet of about 780 bytes; with
// hostProcess it breaks several rules (SYSTEM account, no limits, a
// hostPath volume, an unlisted image), without it no rule applies.
const benchDaemonSet = `---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent-%d
  namespace: ns-%d
  labels: {app: agent, tier: node}
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      nodeSelector: {kubernetes.io/os: windows}
      securityContext:
        windowsOptions:
          hostProcess: %t
          runAsUserName: "NT AUTHORITY\\SYSTEM"
      hostNetwork: %t
      containers:
      - name: agent
        image: example.com/agent:v1.2.3
        args: ["--v=2", "--node=$(NODE_NAME)"]
        env: [{name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]
        volumeMounts: [{name: host, mountPath: /host}]
      volumes:
      - name: host
        hostPath: {path: 'C:\var\log', type: Directory}
`

// writeManifest writes n DaemonSets, every other one HostProcess, and
// returns the file's name and size.
func writeManifest(b *testing.B, n int) (string, int64) {
	b.Helper()
	name := filepath.Join(b.TempDir(), "manifest.yaml")
	f, err := os.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		hp := i%2 == 0
		fmt.Fprintf(w, benchDaemonSet, i, i%50, hp, hp)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	return name, st.Size()
}

// countingPrinter counts findings and violations and throws them away.
type countingPrinter struct{ findings, violations int }

func (p *countingPrinter) Finding(f Finding) error {
	p.findings++
	p.violations += len(f.Violations)
	return nil
}
func (p *countingPrinter) End(Summary) error { return nil }

// peakMemory samples the heap in use and the memory obtained from the OS
// until stop is called.
func peakMemory() (stop func() (heapInuse, sys uint64)) {
	var heap, sys atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > heap.Load() {
				heap.Store(m.HeapInuse)
			}
			sys.Store(max(sys.Load(), m.Sys))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() (uint64, uint64) {
		close(done)
		wg.Wait()
		return heap.Load(), sys.Load()
	}
}

// BenchmarkRun50MB judges a manifest of 87,000 DaemonSets (about 68 MB)
// (half HostProcess, with violations) through the conftest engine on
// runtime.NumCPU() workers, and reports objects per second and the peak
// heap in use and memory obtained from the OS. Run it with -benchtime=1x;
// -short uses a tenth of the manifest.
func BenchmarkRun50MB(b *testing.B) {
	n := 87000
	if testing.Short() {
		n = 8700
	}
	name, size := writeManifest(b, n)
	s, newEngine := conftest(b)
	workers := runtime.NumCPU()
	engine, err := newEngine()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	runtime.GC()
	stop := peakMemory()
	start := time.Now()
	for b.Loop() {
		p := &countingPrinter{}
		sum, err := NewChecker(s.Rules, nil).WithWorkers(workers).
			Run(context.Background(), engine, []string{name}, nil, p)
		if err != nil {
			b.Fatal(err)
		}
		if sum.Objects != n || p.findings != n || sum.Failed != n/2 {
			b.Fatalf("judged %+v, want %d objects, %d failed", sum, n, n/2)
		}
	}
	elapsed := time.Since(start)
	heap, sys := stop()
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "objects/s")
	b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(sys)/(1<<20), "peak-sys-MB")
}
