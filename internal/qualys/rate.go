package qualys

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rate is the rate and concurrency state Qualys reported in the headers of a
// response.
type Rate struct {
	Limit              int       // X-RateLimit-Limit: calls allowed per window
	Remaining          int       // X-RateLimit-Remaining: calls left in the window
	WindowSec          int       // X-RateLimit-Window-Sec: window length in seconds
	ToWaitSec          int       // X-RateLimit-ToWait-Sec: seconds before the next call is allowed
	ConcurrencyLimit   int       // X-Concurrency-Limit-Limit: calls allowed in parallel
	ConcurrencyRunning int       // X-Concurrency-Limit-Running: calls running, this one included
	Seen               bool      // at least one of the headers was present
	At                 time.Time // when the response carrying them was received
}

// parseRate reads the rate and concurrency headers of a response received at
// now. Values that are absent, negative or not integers are left at zero;
// Seen is false when no header could be read. http.Header.Get canonicalizes
// names, so the server's case does not matter; the concurrency pair has two
// spellings in the wild.
func parseRate(h http.Header, now time.Time) Rate {
	r := Rate{At: now}
	read := func(dst *int, names ...string) {
		for _, name := range names {
			v := strings.TrimSpace(h.Get(name))
			if v == "" {
				continue
			}
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				*dst = n
				r.Seen = true
				return
			}
		}
	}
	read(&r.Limit, "X-RateLimit-Limit")
	read(&r.Remaining, "X-RateLimit-Remaining")
	read(&r.WindowSec, "X-RateLimit-Window-Sec")
	read(&r.ToWaitSec, "X-RateLimit-ToWait-Sec")
	read(&r.ConcurrencyLimit, "X-Concurrency-Limit-Limit", "X-ConcurrencyLimit-Limit")
	read(&r.ConcurrencyRunning, "X-Concurrency-Limit-Running", "X-ConcurrencyLimit-Running")
	return r
}

// waitBefore reports how long to wait at now before sending a call that r
// says would be refused: the window is used up and the server named a wait.
func (r Rate) waitBefore(now time.Time) time.Duration {
	if !r.Seen || r.Remaining > 0 || r.ToWaitSec <= 0 {
		return 0
	}
	return r.At.Add(time.Duration(r.ToWaitSec) * time.Second).Sub(now)
}

// limiter bounds the calls in flight. Unlike a fixed semaphore its limit can
// be lowered while in use, when a response reports a lower concurrency limit
// for the subscription; calls already running finish, new ones wait. Waiters
// are served in FIFO order.
type limiter struct {
	mu      sync.Mutex
	limit   int
	inUse   int
	waiters []chan struct{}
}

func newLimiter(n int) *limiter { return &limiter{limit: max(n, 1)} }

// acquire takes a slot, waiting until one is free or ctx is done.
func (l *limiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	if l.inUse < l.limit && len(l.waiters) == 0 {
		l.inUse++
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		for i, w := range l.waiters {
			if w == ch {
				l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
				l.mu.Unlock()
				return ctx.Err()
			}
		}
		l.mu.Unlock()
		l.release() // granted while giving up: hand the slot on
		return ctx.Err()
	}
}

// release frees a slot taken by acquire.
func (l *limiter) release() {
	l.mu.Lock()
	l.inUse--
	for len(l.waiters) > 0 && l.inUse < l.limit {
		ch := l.waiters[0]
		l.waiters = l.waiters[1:]
		l.inUse++
		close(ch)
	}
	l.mu.Unlock()
}

// lower reduces the limit to n if n is positive and below it.
func (l *limiter) lower(n int) {
	l.mu.Lock()
	if n >= 1 && n < l.limit {
		l.limit = n
	}
	l.mu.Unlock()
}

// size returns the current limit.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}
