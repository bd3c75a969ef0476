package qualyssim

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Header values reported when a limit is switched off.
const (
	unlimitedConcurrency = 1000
	unlimitedRate        = 1_000_000
	unlimitedWindow      = time.Hour
)

// limiter enforces one API's concurrency limit and rolling rate window.
// CSAM count and search share one limiter: the limits are per subscription.
type limiter struct {
	conc   int // <= 0: unlimited
	rate   int // 0: unlimited
	window time.Duration

	mu      sync.Mutex
	running int
	maxRun  int
	stamps  []time.Time   // start times of admitted calls still inside the window, oldest first
	busy    time.Duration // summed service time of admitted calls (real time)
}

func newLimiter(conc, rate int, window time.Duration) *limiter {
	return &limiter{conc: conc, rate: rate, window: window}
}

// limitState is what the limit headers of one response report.
type limitState struct {
	rateLimit, windowSec, remaining, toWait int
	concLimit, running                      int
}

// set writes the X-RateLimit-* and X-Concurrency-Limit-* headers.
func (ls limitState) set(h http.Header) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(ls.rateLimit))
	h.Set("X-RateLimit-Window-Sec", strconv.Itoa(ls.windowSec))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(ls.remaining))
	h.Set("X-RateLimit-ToWait-Sec", strconv.Itoa(ls.toWait))
	h.Set("X-Concurrency-Limit-Limit", strconv.Itoa(ls.concLimit))
	h.Set("X-Concurrency-Limit-Running", strconv.Itoa(ls.running))
}

// refusal explains why a call was not admitted.
type refusal struct {
	concurrency bool
	msg         string
}

// acquire admits a call at now or refuses it. An admitted call must be released.
func (l *limiter) acquire(now time.Time) (limitState, *refusal) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	ls := l.stateLocked(now)
	if l.conc > 0 && l.running >= l.conc {
		ls.running = l.running
		return ls, &refusal{concurrency: true, msg: fmt.Sprintf(
			"The API concurrency limit of %d has been reached: %d calls are running. Retry when one has finished.", l.conc, l.running)}
	}
	if l.rate > 0 && len(l.stamps) >= l.rate {
		return ls, &refusal{msg: fmt.Sprintf(
			"The API rate limit of %d calls per %d seconds has been reached. This API cannot be run again for another %d seconds.",
			l.rate, ls.windowSec, ls.toWait)}
	}
	l.running++
	l.maxRun = max(l.maxRun, l.running)
	if l.rate > 0 {
		l.stamps = append(l.stamps, now)
	}
	ls = l.stateLocked(now)
	ls.running = l.running
	return ls, nil
}

// release ends a call admitted at start (real time, for the busy total).
func (l *limiter) release(start time.Time) {
	d := time.Since(start)
	l.mu.Lock()
	l.running--
	l.busy += d
	l.mu.Unlock()
}

// busyTime is the summed service time of the calls released so far.
func (l *limiter) busyTime() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.busy
}

func (l *limiter) maxRunning() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxRun
}

// prune drops calls that have left the window.
func (l *limiter) prune(now time.Time) {
	cut := 0
	for cut < len(l.stamps) && !l.stamps[cut].Add(l.window).After(now) {
		cut++
	}
	if cut > 0 {
		l.stamps = append(l.stamps[:0], l.stamps[cut:]...)
	}
}

// stateLocked reports the rate headers as of now (excluding running, set by the caller).
func (l *limiter) stateLocked(now time.Time) limitState {
	ls := limitState{concLimit: l.conc, running: l.running}
	if l.conc <= 0 {
		ls.concLimit = unlimitedConcurrency
	}
	if l.rate == 0 {
		ls.rateLimit, ls.windowSec, ls.remaining = unlimitedRate, int(unlimitedWindow/time.Second), unlimitedRate
		return ls
	}
	ls.rateLimit, ls.windowSec = l.rate, int(l.window/time.Second)
	ls.remaining = max(0, l.rate-len(l.stamps))
	if ls.remaining == 0 && len(l.stamps) > 0 {
		wait := l.stamps[0].Add(l.window).Sub(now)
		ls.toWait = int((wait + time.Second - 1) / time.Second)
		ls.toWait = max(ls.toWait, 1)
	}
	return ls
}

// peek reports the limit headers as of now without admitting a call.
func (l *limiter) peek(now time.Time) limitState {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	return l.stateLocked(now)
}
