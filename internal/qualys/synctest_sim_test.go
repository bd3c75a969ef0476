package qualys

// The client's timing logic against the simulator on an in-memory network,
// in testing/synctest bubbles: token lifetimes, rate windows, server errors
// with the real (unshortened) backoff, all in fake time. Hours of Qualys
// time take milliseconds, and no deadline depends on how fast this machine
// is.

import (
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
)

// startMemSim serves cfg in memory and returns a client with the default
// retry and backoff settings (no fastRetries: the bubble's clock makes the
// real ones cheap).
func startMemSim(t *testing.T, cfg qualyssim.Config, opts ...func(*Options)) (*qualyssim.Server, *Client) {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := srv.StartMemory(t.Context())
	t.Cleanup(func() { run.Close() })
	tr := &http.Transport{DialContext: run.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	user, pass := srv.Credentials()
	o := Options{GatewayURL: run.URL, APIURL: run.URL, Username: user, Password: secret.New(pass), HTTPClient: &http.Client{Transport: tr}}
	for _, f := range opts {
		f(&o)
	}
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// A CSAM walk that outlives several token lifetimes and a rate limit of 4
// calls a minute: tokens are refreshed before they expire (the gateway never
// answers "JWT expired"), no call is refused, every wait is the one the
// headers name, and every asset arrives once.
func TestSimTokenExpiryAndRateWindowInFakeTime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, c := startMemSim(t, qualyssim.Config{Assets: 40, Seed: 21, TokenTTL: time.Minute,
			RateLimit: 4, RateWindow: time.Minute, Latency: qualyssim.Latency{Base: 5 * time.Second}})
		start := time.Now()
		got := map[int64]int{}
		for a, err := range c.CSAM.Assets(t.Context(), AssetQuery{PageSize: 4, IncludeFields: slimFields}, Range{}) {
			if err != nil {
				t.Fatal(err)
			}
			got[a.ID]++
		}
		elapsed := time.Since(start)
		truth := srv.Truth()
		if len(got) != truth.Assets {
			t.Errorf("%d assets, truth %d", len(got), truth.Assets)
		}
		for id, n := range got {
			if n != 1 {
				t.Errorf("asset %d yielded %d times", id, n)
			}
		}
		st, cs := srv.Stats(), c.Stats()
		pages := st.Calls["POST /rest/2.0/search/am/asset"]
		if st.LimitViolations != 0 || cs.Throttled != 0 {
			t.Errorf("limit violations %d, throttled %d: the client sent calls the headers said would be refused", st.LimitViolations, cs.Throttled)
		}
		// 4 calls a minute: the walk cannot be faster than its windows, and
		// the client waits no more than a window too many.
		if least := time.Duration((pages-1)/4) * time.Minute; elapsed < least || elapsed > least+2*time.Minute {
			t.Errorf("%d pages took %v of fake time, want %v to %v", pages, elapsed, least, least+2*time.Minute)
		}
		// The walk lasts several token lifetimes: the client refreshed each
		// token before it expired, so no call came back 401.
		if auths := st.Calls["POST /auth"]; int64(elapsed/time.Minute) > auths-1 || cs.Retries != 0 {
			t.Errorf("%d tokens and %d retries for a walk of %v with tokens of 1m", auths, cs.Retries, elapsed)
		}
	})
}

// Server errors are retried with the real exponential backoff (1s, 2s, 4s,
// …, jittered), on the fake clock: the walk still equals the truth.
func TestSimServerErrorsRealBackoffInFakeTime(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		faults, err := qualyssim.ParseFaults("5xx=0.3,reset=0.1")
		if err != nil {
			t.Fatal(err)
		}
		srv, c := startMemSim(t, qualyssim.Config{Assets: 60, Seed: 5, Faults: faults}, func(o *Options) { o.MaxRetries = 10 })
		start := time.Now()
		n := 0
		for _, err := range c.CSAM.Assets(t.Context(), AssetQuery{PageSize: 5, IncludeFields: slimFields}, Range{}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if truth := srv.Truth(); n != truth.Assets {
			t.Errorf("%d assets, truth %d", n, truth.Assets)
		}
		st := c.Stats()
		if st.Retries == 0 {
			t.Fatal("no retry: the faults did not fire, the test proves nothing")
		}
		// Each retry waited at least half the first backoff (1s ± 50%).
		if elapsed := time.Since(start); elapsed < time.Duration(st.Retries)*500*time.Millisecond {
			t.Errorf("%d retries in %v of fake time: shorter than the backoff allows", st.Retries, elapsed)
		}
	})
}
