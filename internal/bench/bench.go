// Package bench measures a sync against the bounds no client can beat, in
// the same run (design.md §12): the download-only floor (the same pages
// fetched with the same concurrency and written to disk, nothing parsed)
// and the API bound (the simulator's busy time per concurrency slot).
//
// The floor is taken by recording every successful request the sync made
// (Recorder, in front of the simulator) and replaying them (Replay) with a
// plain HTTP client: same URLs, same bodies, same number in flight per API,
// in the order the sync issued them, each response body streamed to a
// file. So the pages are the sync's own pages, not an estimate of them.
package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// Request is one recorded request.
type Request struct {
	Method string
	// URI is the path and query.
	URI    string
	Header http.Header
	Body   []byte
}

// Recorder is an http.Handler in front of another that records each
// request answered with a 2xx status (refused, faulted and /_sim/ calls
// are not part of the data), in the order the requests arrived: the
// order the client issued them, which a replay must keep. (The order
// they were answered in would put a long call, such as a host list
// asked for first and answered last, later in the replay, where nothing
// runs beside its tail: a slower floor than the client's own.)
type Recorder struct {
	h    http.Handler
	mu   gosync.Mutex
	next int // arrival number of the next request
	rs   []arrived
}

// arrived is a recorded request with its arrival number.
type arrived struct {
	n int
	r Request
}

// NewRecorder returns a Recorder in front of h.
func NewRecorder(h http.Handler) *Recorder { return &Recorder{h: h} }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// ServeHTTP implements http.Handler.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sim/") {
		rec.h.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec.mu.Lock()
	n := rec.next
	rec.next++
	rec.mu.Unlock()
	sw := &statusWriter{ResponseWriter: w}
	rec.h.ServeHTTP(sw, r)
	if sw.status >= 200 && sw.status < 300 {
		h := http.Header{}
		for _, k := range []string{"Authorization", "Content-Type", "X-Requested-With", "Accept"} {
			if v := r.Header.Values(k); len(v) > 0 {
				h[k] = v
			}
		}
		rec.mu.Lock()
		rec.rs = append(rec.rs, arrived{n, Request{Method: r.Method, URI: r.URL.RequestURI(), Header: h, Body: body}})
		rec.mu.Unlock()
	}
}

// Take returns the requests answered so far, in the order they arrived,
// and starts a new record. Requests still being answered are not in it.
func (rec *Recorder) Take() []Request {
	rec.mu.Lock()
	as := rec.rs
	rec.rs = nil
	rec.mu.Unlock()
	slices.SortFunc(as, func(a, b arrived) int { return cmp.Compare(a.n, b.n) })
	rs := make([]Request, len(as))
	for i, a := range as {
		rs[i] = a.r
	}
	return rs
}

// APIOf names the API a request URI goes to: "api" for the API server
// (VMDR, the KnowledgeBase: /api/...), "gateway" for the rest (CSAM).
func APIOf(uri string) string {
	if strings.HasPrefix(uri, "/api/") {
		return "api"
	}
	return "gateway"
}

// Floor is what a replay measured.
type Floor struct {
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"`
	Bytes    int64   `json:"bytes"`
}

// Replay sends reqs to base (scheme://host) with at most concurrency in
// flight per API (the gateway, the API server: each has its own limit),
// the two side by side as the sync uses them, each in the order recorded,
// and writes each response body to a file under dir. It fails on any
// status other than 2xx: the floor is only honest if every page came back.
func Replay(ctx context.Context, client *http.Client, base string, reqs []Request, concurrency int, dir string) (Floor, error) {
	if concurrency < 1 {
		concurrency = 1
	}
	var bytesRead atomic.Int64
	start := time.Now()
	// fetch sends request i and writes its body to its file.
	fetch := func(ctx context.Context, i int, r Request) error {
		req, err := http.NewRequestWithContext(ctx, r.Method, base+r.URI, bytes.NewReader(r.Body))
		if err != nil {
			return err
		}
		for k, v := range r.Header {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("download %s %s: %w", r.Method, r.URI, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			return fmt.Errorf("download %s %s: status %d (was the simulator's concurrency limit lower than the replay's?)", r.Method, r.URI, resp.StatusCode)
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("page-%06d", i)))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(f, 256<<10)
		n, err := io.Copy(w, resp.Body)
		if err == nil {
			err = w.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		bytesRead.Add(n)
		if err != nil {
			return fmt.Errorf("download %s %s: %w", r.Method, r.URI, err)
		}
		return nil
	}
	// The requests of each API, in the order recorded (i numbers the files).
	type indexed struct {
		i int
		r Request
	}
	byAPI := map[string][]indexed{}
	for i, r := range reqs {
		byAPI[APIOf(r.URI)] = append(byAPI[APIOf(r.URI)], indexed{i, r})
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, rs := range byAPI {
		g.Go(func() error {
			ag, ctx := errgroup.WithContext(ctx)
			ag.SetLimit(concurrency)
			for _, ir := range rs {
				ag.Go(func() error { return fetch(ctx, ir.i, ir.r) })
			}
			return ag.Wait()
		})
	}
	if err := g.Wait(); err != nil {
		return Floor{}, err
	}
	return Floor{Seconds: time.Since(start).Seconds(), Requests: len(reqs), Bytes: bytesRead.Load()}, nil
}
