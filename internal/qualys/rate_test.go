package qualys

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		h    map[string]string
		want Rate
	}{
		{"none", nil, Rate{At: at}},
		{"all (recorded US3 Standard)", map[string]string{
			"x-ratelimit-limit": "300", "x-ratelimit-window-sec": "3600", "x-ratelimit-remaining": "297",
			"x-ratelimit-towait-sec": "0", "x-concurrency-limit-limit": "2", "x-concurrency-limit-running": "1",
		}, Rate{Limit: 300, WindowSec: 3600, Remaining: 297, ConcurrencyLimit: 2, ConcurrencyRunning: 1, Seen: true, At: at}},
		{"exhausted", map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-ToWait-Sec": "23"},
			Rate{ToWaitSec: 23, Seen: true, At: at}},
		{"mobile spelling", map[string]string{"X-ConcurrencyLimit-Limit": "10", "X-ConcurrencyLimit-Running": "3"},
			Rate{ConcurrencyLimit: 10, ConcurrencyRunning: 3, Seen: true, At: at}},
		{"first spelling wins", map[string]string{"X-Concurrency-Limit-Limit": "5", "X-ConcurrencyLimit-Limit": "9"},
			Rate{ConcurrencyLimit: 5, Seen: true, At: at}},
		{"spaces", map[string]string{"X-RateLimit-Limit": " 2000 "}, Rate{Limit: 2000, Seen: true, At: at}},
		{"garbage and negatives ignored", map[string]string{"X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "-1"}, Rate{At: at}},
		{"garbage beside a good one", map[string]string{"X-RateLimit-Limit": "lots", "X-RateLimit-Window-Sec": "86400"},
			Rate{WindowSec: 86400, Seen: true, At: at}},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		if got := parseRate(h, at); got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := newLimiter(3)
	var in, peak atomic.Int64
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			if err := l.acquire(context.Background()); err != nil {
				t.Error(err)
				return
			}
			n := in.Add(1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			time.Sleep(time.Millisecond)
			in.Add(-1)
			l.release()
			if i == 10 {
				l.lower(2)
			}
		})
	}
	wg.Wait()
	if peak.Load() > 3 || l.size() != 2 {
		t.Errorf("peak %d (limit 3), size %d after lower(2)", peak.Load(), l.size())
	}
	l.lower(0) // ignored
	l.lower(5) // only lowers
	if l.size() != 2 {
		t.Errorf("size %d", l.size())
	}

	// A waiter whose context ends gives up and leaves no slot taken.
	l = newLimiter(1)
	if err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := l.acquire(ctx); err == nil {
		t.Fatal("acquired beyond the limit")
	}
	l.release()
	if err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	if l.inUse != 1 || len(l.waiters) != 0 {
		t.Errorf("inUse %d waiters %d", l.inUse, len(l.waiters))
	}
}

func TestGateBudget(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	g := newGate()
	noWait := func(d time.Duration, r Rate) error { t.Errorf("unexpected wait %s", d); return nil }
	rate := func(remaining, toWait int) Rate {
		return Rate{Seen: true, Limit: 300, Remaining: remaining, ToWaitSec: toWait, At: clock.Now()}
	}
	enter := func() ticket {
		t.Helper()
		tk, err := g.enter(t.Context(), clock.Now, noWait)
		if err != nil {
			t.Fatal(err)
		}
		return tk
	}
	blocked := func() bool {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
		defer cancel()
		tk, err := g.enter(ctx, clock.Now, noWait)
		if err == nil {
			g.leave(tk)
		}
		return err != nil
	}
	// Unknown state: calls go.
	a := enter()
	g.observe(a, rate(2, 0), true)
	g.leave(a)
	a, b := enter(), enter() // budget used up, two in flight
	entered := make(chan ticket)
	go func() {
		tk, err := g.enter(t.Context(), clock.Now, noWait)
		if err != nil {
			t.Error(err)
		}
		entered <- tk
	}()
	select {
	case <-entered:
		t.Fatal("a third call went out with Remaining 2 and two in flight")
	case <-time.After(30 * time.Millisecond):
	}
	g.observe(b, rate(5, 0), true) // budget 5 - 1 other in flight
	var c ticket
	select {
	case c = <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("fresh headers did not release the waiting call")
	}
	for _, tk := range []ticket{a, b, c} {
		g.leave(tk)
	}

	// Calls admitted in another order than sent: a response's Remaining may
	// predate the calls that overlapped it.
	g = newGate()
	a = enter()
	g.observe(a, rate(2, 0), true)
	g.leave(a)
	x, y := enter(), enter()
	g.observe(x, rate(0, 30), true) // admitted second, answers first
	g.leave(x)
	g.observe(y, rate(1, 0), true) // admitted first: its 1 was taken by x
	g.leave(y)

	// Window used up, nothing in flight: wait ToWait, then let one call out.
	var waits []time.Duration
	sleep := func(d time.Duration, r Rate) error { waits = append(waits, d); clock.Advance(d); return nil }
	refresh, err := g.enter(t.Context(), clock.Now, sleep)
	if err != nil {
		t.Fatal(err)
	}
	if len(waits) != 1 || waits[0] != 30*time.Second {
		t.Fatalf("waits %v, want [30s]", waits)
	}
	if !blocked() {
		t.Fatal("a second call went out before the refresh call came back")
	}
	// The refresh call fails without headers: the next one may go.
	g.leave(refresh)
	refresh = enter()
	if !blocked() {
		t.Fatal("two refresh calls at once")
	}
	g.observe(refresh, rate(10, 0), true)
	g.leave(refresh)
	g.leave(enter())

	// Headers without Remaining do not hold calls back.
	g = newGate()
	a = enter()
	g.observe(a, Rate{Seen: true, ConcurrencyLimit: 2, At: clock.Now()}, false)
	enter()
	enter()
}
