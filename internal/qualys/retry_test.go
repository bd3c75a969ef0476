package qualys

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countHandler serves the count endpoint with fn for the n-th call (from 1).
func countHandler(mux *http.ServeMux, fn func(n int64, w http.ResponseWriter, r *http.Request)) *atomic.Int64 {
	var calls atomic.Int64
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // lets the server notice a client that hangs up
		fn(calls.Add(1), w, r)
	})
	return &calls
}

// hang blocks until the client gives up on r (or 10 s pass).
func hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func writeCount(w http.ResponseWriter) { io.WriteString(w, `{"responseCode":"SUCCESS","count":5}`) }

func TestServerErrorsRetriedUpToMaxRetries(t *testing.T) {
	t.Parallel()
	for _, maxRetries := range []int{-1, 1, 3} {
		c, mux, _ := setup(t, func(o *Options) { o.MaxRetries = maxRetries })
		(&authServer{t: t}).register(mux)
		calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "upstream down")
		})
		_, err := c.CSAM.Count(t.Context(), AssetQuery{})
		wantRetries := max(maxRetries, 0)
		var api *APIError
		if !errors.As(err, &api) || api.StatusCode != 503 {
			t.Fatalf("MaxRetries %d: err = %v, want *APIError 503", maxRetries, err)
		}
		if got := calls.Load(); got != int64(wantRetries+1) {
			t.Errorf("MaxRetries %d: %d calls, want %d", maxRetries, got, wantRetries+1)
		}
		if st := c.Stats(); st.Retries != int64(wantRetries) {
			t.Errorf("MaxRetries %d: Stats.Retries = %d", maxRetries, st.Retries)
		}
		if wantRetries > 0 && !strings.Contains(err.Error(), "gave up after") {
			t.Errorf("error %q does not say it gave up", err)
		}
	}
}

func TestServerErrorThenSuccess(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 2 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		writeCount(w)
	})
	if n, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil || n != 5 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if calls.Load() != 3 || c.Stats().Retries != 2 {
		t.Errorf("%d calls, %d retries", calls.Load(), c.Stats().Retries)
	}
}

func TestClientErrorNotRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"responseCode":"FAILED","responseMessage":"Invalid filter field asset.lastSeen"}`)
	})
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	var api *APIError
	if !errors.As(err, &api) || api.StatusCode != 400 || api.Code != "FAILED" || !strings.Contains(api.Message, "asset.lastSeen") {
		t.Fatalf("err = %#v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("a 400 was retried: %d calls", calls.Load())
	}
}

// hijackReset aborts the connection with a TCP RST.
func hijackReset(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

func TestConnectionResetRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			hijackReset(t, w)
			return
		}
		writeCount(w)
	})
	if n, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil || n != 5 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2", calls.Load())
	}
}

func TestTruncatedPageRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	full := pageJSON([]int64{1, 2, 3}, false)
	var calls atomic.Int64
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 { // promise the whole page, send half, hang up
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Error(err)
				return
			}
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n" + full[:len(full)/2])
			buf.Flush()
			conn.Close()
			return
		}
		io.WriteString(w, full)
	})
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err != nil || len(got) != 3 {
		t.Fatalf("%d assets, %v", len(got), err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2", calls.Load())
	}
}

func TestPerRequestTimeout(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.PageTimeout = 100 * time.Millisecond; o.MaxRetries = 2 })
	(&authServer{t: t}).register(mux)
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n != 2 { // only the second call answers in time
			hang(r) // never answers in time
			return
		}
		writeCount(w)
	})
	// First call slow, second fast: one retry.
	if n, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil || n != 5 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d calls, want 2", calls.Load())
	}
	// Always slow: MaxRetries+1 attempts, then an error that is a timeout
	// but not the caller's deadline.
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	if !errors.Is(err, ErrPageTimeout) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrPageTimeout", err)
	}
	if calls.Load() != 5 {
		t.Errorf("%d calls, want 2 + 3", calls.Load())
	}
}

func TestSlowBodyHitsPerRequestTimeout(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.PageTimeout = 150 * time.Millisecond; o.MaxRetries = -1 })
	(&authServer{t: t}).register(mux)
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[{"assetId":1},`)
		w.(http.Flusher).Flush()
		hang(r) // headers came in time, the body does not
	})
	_, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if !errors.Is(err, ErrPageTimeout) {
		t.Fatalf("err = %v, want ErrPageTimeout", err)
	}
}

func TestCallerCancellationNotRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	ctx, cancel := context.WithCancel(t.Context())
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		cancel()
		hang(r)
	})
	_, err := c.CSAM.Count(ctx, AssetQuery{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls after cancellation, want 1", calls.Load())
	}
}

func TestTooManyRequestsHonoursToWait(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c, mux, _ := setup(t)
	clock.install(c)
	(&authServer{t: t}).register(mux)
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-ToWait-Sec", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeCount(w)
	})
	if n, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil || n != 5 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	sleeps := clock.Sleeps()
	if len(sleeps) != 1 || sleeps[0] < 7*time.Second || sleeps[0] > 7*time.Second+time.Second {
		t.Errorf("slept %v, want one wait of 7 s plus a little jitter", sleeps)
	}
	if calls.Load() != 2 || c.Stats().Throttled != 1 {
		t.Errorf("%d calls, %d throttled", calls.Load(), c.Stats().Throttled)
	}
}

func TestTooManyRequestsWithoutHeadersBacksOff(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c, mux, _ := setup(t, func(o *Options) { o.MaxRetries = 2 })
	clock.install(c)
	(&authServer{t: t}).register(mux)
	countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	})
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	sleeps := clock.Sleeps()
	if len(sleeps) != 2 || sleeps[0] <= 0 || sleeps[0] > 10*time.Millisecond {
		t.Errorf("slept %v, want 2 short backoffs", sleeps)
	}
}

func TestWaitsBeforeSendingWhenWindowUsedUp(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	c, mux, _ := setup(t)
	clock.install(c)
	(&authServer{t: t}).register(mux)
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 { // allowed, but the last of the window
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-ToWait-Sec", "30")
		}
		writeCount(w)
	})
	for range 2 {
		if _, err := c.CSAM.Count(t.Context(), AssetQuery{}); err != nil {
			t.Fatal(err)
		}
	}
	sleeps := clock.Sleeps()
	if len(sleeps) != 1 || sleeps[0] < 30*time.Second || sleeps[0] > 31*time.Second {
		t.Errorf("slept %v, want one wait of 30 s before the second call", sleeps)
	}
	if calls.Load() != 2 || c.Stats().Throttled != 0 {
		t.Errorf("%d calls, %d throttled: a call was refused", calls.Load(), c.Stats().Throttled)
	}

	// A wait that outlasts the caller's deadline fails at once, unsent.
	countBefore := calls.Load()
	c.gate.mu.Lock()
	c.gate.rate = Rate{Seen: true, Remaining: 0, ToWaitSec: 3600, At: clock.Now()}
	c.gate.known, c.gate.budget, c.gate.waitUntil = true, 0, clock.Now().Add(time.Hour)
	c.gate.mu.Unlock()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := c.CSAM.Count(ctx, AssetQuery{})
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Wait != time.Hour || rl.Err != nil {
		t.Fatalf("err = %v, want an unsent *RateLimitError", err)
	}
	if calls.Load() != countBefore {
		t.Error("a call was sent although the window was used up")
	}
}

func TestWaitsStopWhenContextEnds(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.MaxRetries = 5 })
	c.backoffBase, c.backoffMax = time.Hour, time.Hour // real sleeps, but long ones
	(&authServer{t: t}).register(mux)
	countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CSAM.Count(ctx, AssetQuery{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("err = %v after %s", err, time.Since(start))
	}
}
