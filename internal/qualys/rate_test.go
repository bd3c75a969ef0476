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

func TestRateWaitBefore(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		r    Rate
		now  time.Time
		want time.Duration
	}{
		{Rate{}, at, 0},
		{Rate{Seen: true, Remaining: 0, ToWaitSec: 30, At: at}, at.Add(10 * time.Second), 20 * time.Second},
		{Rate{Seen: true, Remaining: 0, ToWaitSec: 30, At: at}, at.Add(40 * time.Second), -10 * time.Second},
		{Rate{Seen: true, Remaining: 5, ToWaitSec: 30, At: at}, at, 0},
		{Rate{Seen: true, Remaining: 0, ToWaitSec: 0, At: at}, at, 0},
	}
	for _, tt := range tests {
		if got := tt.r.waitBefore(tt.now); got != tt.want && !(tt.want <= 0 && got <= 0) {
			t.Errorf("%+v at %v: %v, want %v", tt.r, tt.now, got, tt.want)
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
