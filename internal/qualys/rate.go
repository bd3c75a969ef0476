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
	r, _ := parseRateRemaining(h, now)
	return r
}

// parseRateRemaining is parseRate that also reports whether
// X-RateLimit-Remaining was given.
func parseRateRemaining(h http.Header, now time.Time) (Rate, bool) {
	r := Rate{At: now}
	read := func(dst *int, names ...string) bool {
		for _, name := range names {
			v := strings.TrimSpace(h.Get(name))
			if v == "" {
				continue
			}
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				*dst = n
				r.Seen = true
				return true
			}
		}
		return false
	}
	read(&r.Limit, "X-RateLimit-Limit")
	hasRemaining := read(&r.Remaining, "X-RateLimit-Remaining")
	read(&r.WindowSec, "X-RateLimit-Window-Sec")
	read(&r.ToWaitSec, "X-RateLimit-ToWait-Sec")
	read(&r.ConcurrencyLimit, "X-Concurrency-Limit-Limit", "X-ConcurrencyLimit-Limit")
	read(&r.ConcurrencyRunning, "X-Concurrency-Limit-Running", "X-ConcurrencyLimit-Running")
	return r, hasRemaining
}

// gate keeps the last rate state and holds back calls that the rate limit
// would refuse. It keeps a budget, a lower bound on the calls the window still
// allows. The server computes a response's X-RateLimit-Remaining when it
// admits the call, and may admit calls in another order than they were sent,
// so a response's Remaining may predate any call whose lifetime overlapped
// its own: Remaining less the number of those calls is a lower bound on what
// is left when the response arrives. Each call sent lowers the budget by one,
// and a response raises it only if its bound is higher. With the budget used
// up, a call waits for a call in flight to come back with news or, with none
// in flight, until the latest X-RateLimit-ToWait-Sec has passed; then one
// call goes out to learn the new state.
type gate struct {
	mu         sync.Mutex
	rate       Rate      // the last headers seen
	waitUntil  time.Time // the latest end of a wait the server named
	known      bool      // budget is meaningful: the server reports Remaining
	budget     int
	gen        int64          // bumped on every observation
	refreshGen int64          // the generation a refresh call was let out for
	seq        int64          // last ticket issued
	inFlight   map[int64]*int // calls in flight: how many others overlapped each
	changed    chan struct{}  // closed and replaced when a response or call ends
}

// ticket identifies one call let out by gate.enter.
type ticket struct {
	seq        int64
	refreshGen int64 // >= 0 for a refresh call: the generation it was let out for
}

func newGate() *gate {
	return &gate{changed: make(chan struct{}), refreshGen: -1, inFlight: map[int64]*int{}}
}

// current returns the last observed rate.
func (g *gate) current() Rate {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rate
}

// signalLocked wakes the calls waiting for news.
func (g *gate) signalLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// observe records the rate headers of the response to call t, still in
// flight.
func (g *gate) observe(t ticket, r Rate, hasRemaining bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.rate = r
	g.gen++
	if r.ToWaitSec > 0 {
		if until := r.At.Add(time.Duration(r.ToWaitSec) * time.Second); until.After(g.waitUntil) {
			g.waitUntil = until
		}
	}
	switch {
	case !hasRemaining:
		g.known = false // nothing to count with
	case !g.known:
		g.known = true
		g.budget = r.Remaining - g.overlapLocked(t)
	default:
		g.budget = max(g.budget, r.Remaining-g.overlapLocked(t))
	}
	g.signalLocked()
}

func (g *gate) overlapLocked(t ticket) int {
	if n := g.inFlight[t.seq]; n != nil {
		return *n
	}
	return len(g.inFlight)
}

// leave ends call t. A refresh call that brought no news lets the next one
// out.
func (g *gate) leave(t ticket) {
	g.mu.Lock()
	delete(g.inFlight, t.seq)
	if t.refreshGen >= 0 && g.gen == t.refreshGen {
		g.refreshGen = -1
	}
	g.signalLocked()
	g.mu.Unlock()
}

// letOutLocked issues the ticket of a call about to be sent.
func (g *gate) letOutLocked(refreshGen int64) ticket {
	for _, n := range g.inFlight {
		*n++
	}
	g.seq++
	overlap := len(g.inFlight)
	g.inFlight[g.seq] = &overlap
	return ticket{seq: g.seq, refreshGen: refreshGen}
}

// enter waits until a call may be sent without being refused for the rate
// limit and returns its ticket; the caller must pass it to observe with the
// response's headers, and to leave when the call is over. wait is called,
// without the lock, to sleep until the server's named time; it fails when ctx
// ends or the wait would outlast the deadline.
func (g *gate) enter(ctx context.Context, now func() time.Time, wait func(d time.Duration, r Rate) error) (ticket, error) {
	for {
		g.mu.Lock()
		if !g.known || g.budget > 0 {
			g.budget--
			t := g.letOutLocked(-1)
			g.mu.Unlock()
			return t, nil
		}
		if len(g.inFlight) == 0 {
			if d := g.waitUntil.Sub(now()); d > 0 { // sleep until the window allows a call
				r := g.rate
				g.mu.Unlock()
				if err := wait(d, r); err != nil {
					return ticket{}, err
				}
				continue
			}
			if g.refreshGen != g.gen { // let one call out to learn the new state
				g.refreshGen = g.gen
				t := g.letOutLocked(g.gen)
				g.mu.Unlock()
				return t, nil
			}
		}
		ch := g.changed // news is on its way
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ticket{}, ctx.Err()
		}
	}
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
