package eval

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// progressEvery is the shortest time between two progress lines.
const progressEvery = 200 * time.Millisecond

// progress rewrites one terminal line with the number of documents done
// and the rate; it does nothing when its file is not a terminal.
type progress struct {
	f     *os.File
	n     atomic.Int64
	quit  chan struct{}
	once  sync.Once
	done  sync.WaitGroup
	start time.Time
}

func startProgress(f *os.File) *progress {
	p := &progress{quit: make(chan struct{})}
	if f == nil || !term.IsTerminal(int(f.Fd())) {
		return p
	}
	p.f, p.start = f, time.Now()
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				fmt.Fprint(p.f, "\r\x1b[K") // erase the line
				return
			case now := <-t.C:
				n := p.n.Load()
				rate := float64(n) / now.Sub(p.start).Seconds()
				fmt.Fprintf(p.f, "\r%d objects, %.0f/s\x1b[K", n, rate)
			}
		}
	}()
	return p
}

func (p *progress) count(n int) { p.n.Store(int64(n)) }

// stop erases the line; it may be called more than once.
func (p *progress) stop() {
	p.once.Do(func() {
		close(p.quit)
		p.done.Wait()
	})
}
