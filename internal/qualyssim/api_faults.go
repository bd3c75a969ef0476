package qualyssim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Faults are the failures the simulator injects. Probabilities are in [0,1].
// Every decision is a hash of (Seed, fault kind, endpoint, canonical request,
// attempt number of that request), so a run repeats exactly and a retried page
// gets a fresh draw. Faults never apply to /auth or /_sim/*.
type Faults struct {
	// ServerError ("5xx") answers 500, 502 or 503 with a short body.
	ServerError float64
	// Reset ("reset") drops the connection: either before any response or
	// after half of a search page has been sent. The handler aborts with
	// panic(http.ErrAbortHandler), which net/http turns into a closed
	// connection; call ServeHTTP through an http.Server, not a recorder.
	Reset float64
	// NoHasMore ("nohasmore") omits the hasMore key from a 200 search page.
	NoHasMore float64
	// HasMoreString ("hasmorestring") sends hasMore as the string "1" or "0".
	HasMoreString float64
	// Slow ("slow=P:DUR") delays the answer by SlowDelay (cancelled with the request).
	Slow      float64
	SlowDelay time.Duration
	// Malformed ("malformed") is the fraction of assets (chosen per asset, for
	// good) served as a malformed record inside an otherwise valid page.
	Malformed float64
	// Expire ("expire") answers a call holding a valid token with 401 "JWT expired".
	Expire float64
	// Expired ("expired") answers a VMDR call with the SIMPLE_RETURN 2001
	// "This account has expired." served with HTTP 200 and without limit
	// headers, as the real API server does.
	Expired float64
	// StuckHosts ("stuckhost=N", a count, not a probability) is the number of
	// VMDR hosts (chosen from the seed) that never deliver their detections:
	// a host list detection request whose page would include one of them
	// hangs until the client gives up. Truth lists them.
	StuckHosts int
}

// Fault kind names, as used by ParseFaults and as keys of Stats.Faults.
const (
	Fault5xx           = "5xx"
	FaultReset         = "reset"
	FaultNoHasMore     = "nohasmore"
	FaultHasMoreString = "hasmorestring"
	FaultSlow          = "slow"
	FaultMalformed     = "malformed"
	FaultExpire        = "expire"
	FaultExpired       = "expired"
	FaultStuckHost     = "stuckhost"
)

// fields pairs each fault name with its probability, in String order.
func (f *Faults) fields() []struct {
	name string
	p    *float64
} {
	return []struct {
		name string
		p    *float64
	}{
		{Fault5xx, &f.ServerError}, {FaultReset, &f.Reset}, {FaultNoHasMore, &f.NoHasMore},
		{FaultHasMoreString, &f.HasMoreString}, {FaultSlow, &f.Slow}, {FaultMalformed, &f.Malformed}, {FaultExpire, &f.Expire},
		{FaultExpired, &f.Expired},
	}
}

// IsZero reports whether no fault is configured.
func (f Faults) IsZero() bool { return f == Faults{} }

// String renders f in the form ParseFaults accepts; zero probabilities are left out.
func (f Faults) String() string {
	var parts []string
	for _, x := range f.fields() {
		if *x.p == 0 && (x.name != FaultSlow || f.SlowDelay == 0) {
			continue
		}
		v := strconv.FormatFloat(*x.p, 'g', -1, 64)
		if x.name == FaultSlow {
			v += ":" + f.SlowDelay.String()
		}
		parts = append(parts, x.name+"="+v)
	}
	if f.StuckHosts != 0 {
		parts = append(parts, FaultStuckHost+"="+strconv.Itoa(f.StuckHosts))
	}
	return strings.Join(parts, ",")
}

// Validate checks that every probability lies in [0,1] and that a slow fault has a positive delay.
func (f Faults) Validate() error {
	var errs []error
	for _, x := range f.fields() {
		if p := *x.p; math.IsNaN(p) || p < 0 || p > 1 {
			errs = append(errs, fmt.Errorf("fault %s: probability %v not in [0,1]", x.name, p))
		}
	}
	if f.Slow > 0 && f.SlowDelay <= 0 {
		errs = append(errs, fmt.Errorf("fault %s: delay %v must be positive", FaultSlow, f.SlowDelay))
	}
	if f.SlowDelay < 0 {
		errs = append(errs, fmt.Errorf("fault %s: delay %v is negative", FaultSlow, f.SlowDelay))
	}
	if f.StuckHosts < 0 || f.StuckHosts > maxStuckHosts {
		errs = append(errs, fmt.Errorf("fault %s: %d hosts not in 0..%d", FaultStuckHost, f.StuckHosts, maxStuckHosts))
	}
	return errors.Join(errs...)
}

// maxStuckHosts bounds Faults.StuckHosts.
const maxStuckHosts = 10_000

// ParseFaults parses a comma-separated list of KIND=P entries, for example
// "5xx=0.05,reset=0.02,nohasmore=0.02,slow=0.01:10s,malformed=0.01".
// Kinds: 5xx, reset, nohasmore, hasmorestring, slow (P:DURATION), malformed,
// expire, expired, and stuckhost=N (a host count). The empty string means no
// faults. An unknown kind, a repeated kind or a bad value is an error naming it.
func ParseFaults(s string) (Faults, error) {
	var f Faults
	s = strings.TrimSpace(s)
	if s == "" {
		return f, nil
	}
	seen := map[string]bool{}
	for _, entry := range strings.Split(s, ",") {
		entry = strings.TrimSpace(entry)
		name, val, ok := strings.Cut(entry, "=")
		name, val = strings.TrimSpace(name), strings.TrimSpace(val)
		if !ok || name == "" {
			return Faults{}, fmt.Errorf("qualyssim: fault %q: want KIND=PROBABILITY", entry)
		}
		if name == FaultStuckHost {
			if seen[name] {
				return Faults{}, fmt.Errorf("qualyssim: fault %q given twice", name)
			}
			seen[name] = true
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > maxStuckHosts {
				return Faults{}, fmt.Errorf("qualyssim: fault %s=%q: want a host count in 0..%d", name, val, maxStuckHosts)
			}
			f.StuckHosts = n
			continue
		}
		var target *float64
		for _, x := range f.fields() {
			if x.name == name {
				target = x.p
			}
		}
		if target == nil {
			return Faults{}, fmt.Errorf("qualyssim: unknown fault %q (known: 5xx, reset, nohasmore, hasmorestring, slow, malformed, expire, expired, stuckhost)", name)
		}
		if seen[name] {
			return Faults{}, fmt.Errorf("qualyssim: fault %q given twice", name)
		}
		seen[name] = true
		prob := val
		if name == FaultSlow {
			var dur string
			prob, dur, ok = strings.Cut(val, ":")
			if !ok {
				return Faults{}, fmt.Errorf("qualyssim: fault slow=%q: want slow=PROBABILITY:DURATION such as slow=0.01:10s", val)
			}
			d, err := time.ParseDuration(strings.TrimSpace(dur))
			if err != nil || d <= 0 {
				return Faults{}, fmt.Errorf("qualyssim: fault slow=%q: duration %q must be positive, such as 10s", val, dur)
			}
			f.SlowDelay = d
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(prob), 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 1 {
			return Faults{}, fmt.Errorf("qualyssim: fault %s=%q: probability must be a number in [0,1]", name, val)
		}
		*target = p
	}
	return f, nil
}

// faultPlan is what happens to one call.
type faultPlan struct {
	expire        bool
	reset         bool
	truncate      bool // with reset: send half the page first
	status        int  // 5xx status, 0 = none
	slow          time.Duration
	noHasMore     bool
	hasMoreString bool
	expired       bool // VMDR: SIMPLE_RETURN 2001 with HTTP 200
}

// planFaults draws the faults of one call. key identifies the request
// (endpoint and canonical parameters); each call with the same key is a new
// attempt. search marks a data page (a reset may then cut it in half); vmdr
// selects the API-server kinds (expired instead of expire, no hasMore faults).
func (s *Server) planFaults(endpoint, key string, search, vmdr bool) faultPlan {
	f := s.cfg.Faults
	var plan faultPlan
	if f.IsZero() {
		return plan
	}
	s.mu.Lock()
	attempt := s.attempts[endpoint+"\x00"+key]
	s.attempts[endpoint+"\x00"+key] = attempt + 1
	s.mu.Unlock()
	draw := func(kind string, p float64) (bool, uint64) {
		if p <= 0 {
			return false, 0
		}
		h := hashKey(uint64(s.cfg.Seed), kind+"\x00"+endpoint+"\x00"+key, uint64(attempt))
		return unitFloat(h) < p, h
	}
	if ok, _ := draw(FaultSlow, f.Slow); ok {
		plan.slow = f.SlowDelay
	}
	if vmdr {
		if ok, _ := draw(FaultExpired, f.Expired); ok {
			plan.expired = true
			return plan
		}
	} else if ok, _ := draw(FaultExpire, f.Expire); ok {
		plan.expire = true
		return plan
	}
	if ok, h := draw(FaultReset, f.Reset); ok {
		plan.reset, plan.truncate = true, search && h&(1<<40) != 0
	} else if ok, h := draw(Fault5xx, f.ServerError); ok {
		plan.status = [...]int{500, 502, 503}[mix64(h)%3]
	} else if search && !vmdr {
		if ok, _ := draw(FaultNoHasMore, f.NoHasMore); ok {
			plan.noHasMore = true
		} else if ok, _ := draw(FaultHasMoreString, f.HasMoreString); ok {
			plan.hasMoreString = true
		}
	}
	return plan
}

// countFault records one applied fault in Stats.Faults.
func (s *Server) countFault(kind string, n int64) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	s.faults[kind] += n
	s.mu.Unlock()
}

// cutBody sends what bw holds, then drops the connection mid-body: the
// "reset" fault on a response that has started. It never returns.
func (s *Server) cutBody(w http.ResponseWriter, bw *bufio.Writer) {
	s.countFault(FaultReset, 1)
	_ = bw.Flush()
	_ = http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// recordLatency adds the per-record latency to *pending and, once it is worth
// a sleep, flushes bw and sleeps. It reports false when the client has gone.
func (s *Server) recordLatency(ctx context.Context, bw *bufio.Writer, pending *time.Duration) bool {
	if *pending += s.cfg.Latency.PerRecord; *pending < 5*time.Millisecond {
		return true
	}
	_ = bw.Flush()
	ok := sleepCtx(ctx, *pending)
	*pending = 0
	return ok
}
