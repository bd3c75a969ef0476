package qualyssim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var limitHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Window-Sec", "X-RateLimit-Remaining", "X-RateLimit-ToWait-Sec",
	"X-Concurrency-Limit-Limit", "X-Concurrency-Limit-Running"}

// parallelCounts fires n count calls at once and returns their responses.
func parallelCounts(e *testEnv, n int) []*http.Response {
	var wg sync.WaitGroup
	out := make([]*http.Response, n)
	start := make(chan struct{})
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+pathCount, nil)
			req.Header.Set("Authorization", "Bearer "+e.tok)
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				e.t.Error(err)
				return
			}
			var body struct{ ResponseCode, ResponseMessage string }
			_ = json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			resp.Header.Set("X-Test-Code", body.ResponseCode)
			resp.Header.Set("X-Test-Message", body.ResponseMessage)
			out[k] = resp
		}()
	}
	close(start)
	wg.Wait()
	return out
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 20, Seed: 1, Latency: Latency{Base: 400 * time.Millisecond}})
	refused, ok := 0, 0
	for _, resp := range parallelCounts(e, 6) {
		if resp == nil {
			continue
		}
		for _, h := range limitHeaders {
			if resp.Header.Get(h) == "" {
				t.Errorf("status %d: missing %s", resp.StatusCode, h)
			}
		}
		switch resp.StatusCode {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			refused++
			if resp.Header.Get("X-Test-Code") != "FAILED" || !strings.Contains(resp.Header.Get("X-Test-Message"), "concurrency limit of 2") {
				t.Errorf("429 body: %s %s", resp.Header.Get("X-Test-Code"), resp.Header.Get("X-Test-Message"))
			}
			if resp.Header.Get("X-Concurrency-Limit-Limit") != "2" || resp.Header.Get("X-Concurrency-Limit-Running") != "2" {
				t.Errorf("429 headers: limit %s running %s", resp.Header.Get("X-Concurrency-Limit-Limit"), resp.Header.Get("X-Concurrency-Limit-Running"))
			}
		default:
			t.Errorf("unexpected status %d", resp.StatusCode)
		}
	}
	st := e.sim.Stats()
	if refused == 0 || ok < 2 || st.LimitViolations != int64(refused) || st.MaxConcurrency != 2 {
		t.Errorf("ok %d refused %d; stats %+v", ok, refused, st)
	}
}

func TestConcurrencyUnlimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 20, Seed: 1, ConcurrencyLimit: -1, Latency: Latency{Base: 200 * time.Millisecond}})
	for _, resp := range parallelCounts(e, 5) {
		if resp == nil {
			continue
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Concurrency-Limit-Limit") != "1000" || resp.Header.Get("X-RateLimit-Limit") != "1000000" {
			t.Errorf("status %d headers %v", resp.StatusCode, resp.Header)
		}
	}
	if st := e.sim.Stats(); st.LimitViolations != 0 || st.MaxConcurrency < 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC))
	e := newEnv(t, Config{Assets: 20, Seed: 1, RateLimit: 3, RateWindow: time.Hour, Now: clock.Now})
	call := func() (int, http.Header, string) {
		resp, body := e.post(pathSearch+"?pageSize=1", e.tok, "", "")
		return resp.StatusCode, resp.Header, string(body)
	}
	for k, wantRemaining := range []string{"2", "1", "0"} {
		code, h, _ := call()
		if code != 200 || h.Get("X-RateLimit-Remaining") != wantRemaining || h.Get("X-RateLimit-Limit") != "3" || h.Get("X-RateLimit-Window-Sec") != "3600" {
			t.Fatalf("call %d: %d remaining %s", k, code, h.Get("X-RateLimit-Remaining"))
		}
		clock.Advance(time.Minute)
	}
	// Window is full: the first call leaves it 3600s after it was made, 57 minutes from now.
	code, h, body := call()
	if code != http.StatusTooManyRequests || h.Get("X-RateLimit-ToWait-Sec") != "3420" || h.Get("X-RateLimit-Remaining") != "0" ||
		!strings.Contains(body, "3420 seconds") || !strings.Contains(body, `"responseCode":"FAILED"`) {
		t.Fatalf("over the limit: %d towait %s body %s", code, h.Get("X-RateLimit-ToWait-Sec"), body)
	}
	clock.Advance(3420*time.Second - time.Millisecond)
	if code, h, _ := call(); code != http.StatusTooManyRequests || h.Get("X-RateLimit-ToWait-Sec") != "1" {
		t.Fatalf("just before a slot frees: %d towait %s", code, h.Get("X-RateLimit-ToWait-Sec"))
	}
	clock.Advance(time.Millisecond)
	if code, h, _ := call(); code != 200 || h.Get("X-RateLimit-Remaining") != "0" || h.Get("X-RateLimit-ToWait-Sec") != "60" {
		t.Fatalf("after a slot freed: %d remaining %s towait %s", code, h.Get("X-RateLimit-Remaining"), h.Get("X-RateLimit-ToWait-Sec"))
	}
	if st := e.sim.Stats(); st.LimitViolations != 2 {
		t.Errorf("violations %d, want 2", st.LimitViolations)
	}
	// /auth is never limited.
	if tok := e.login(); tok == "" {
		t.Error("login refused")
	}
}

func TestLatencyAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 200, Seed: 1, ConcurrencyLimit: 1, Latency: Latency{Base: 40 * time.Millisecond, PerRecord: time.Millisecond}})
	start := time.Now()
	resp, _ := e.search(url.Values{"pageSize": {"100"}, "includeFields": {"assetId"}}, "")
	if d := time.Since(start); resp.StatusCode != 200 || d < 140*time.Millisecond {
		t.Errorf("status %d after %v, want >= 140ms", resp.StatusCode, d)
	}
	slow := newEnv(t, Config{Assets: 10, Seed: 1, ConcurrencyLimit: 1, Latency: Latency{Base: 5 * time.Second}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, slow.srv.URL+pathCount, nil)
	req.Header.Set("Authorization", "Bearer "+slow.tok)
	if resp, err := slow.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("expected the client timeout to fire")
	}
	// The cancelled call must release its concurrency slot promptly.
	deadline := time.Now().Add(2 * time.Second)
	for {
		slow.sim.lim.mu.Lock()
		running := slow.sim.lim.running
		slow.sim.lim.mu.Unlock()
		if running == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cancelled call still holds its slot")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLimiterRollingWindow(t *testing.T) {
	t.Parallel()
	l := newLimiter(0, 3, time.Hour)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := range 3 {
		if _, ref := l.acquire(t0.Add(time.Duration(k) * 10 * time.Minute)); ref != nil {
			t.Fatalf("call %d refused", k)
		}
		l.release(time.Now())
	}
	ls, ref := l.acquire(t0.Add(30 * time.Minute))
	if ref == nil || ref.concurrency || ls.toWait != 1800 {
		t.Fatalf("4th call: refusal %+v state %+v", ref, ls)
	}
	if _, ref := l.acquire(t0.Add(60 * time.Minute)); ref != nil {
		t.Fatalf("slot should have freed at +60m: %+v", ref)
	}
	if ls, ref := l.acquire(t0.Add(61 * time.Minute)); ref == nil || ls.toWait != 540 {
		t.Fatalf("+61m: refusal %+v state %+v", ref, ls)
	}
}
