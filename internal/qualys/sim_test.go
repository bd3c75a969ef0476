package qualys

// Integration tests against the simulator (internal/qualyssim), served over
// loopback HTTP. The simulator never imports this package.

import (
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/testscale"
)

// slimFields keeps simulator payloads small.
var slimFields = []string{"assetName", "operatingSystem"}

// startSim serves a simulator and returns it with a client using its
// credentials; opts adjust the client options.
func startSim(t *testing.T, cfg qualyssim.Config, opts ...func(*Options)) (*qualyssim.Server, *Client) {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	user, pass := srv.Credentials()
	o := Options{GatewayURL: hs.URL, Username: user, Password: secret.New(pass), MaxRetries: 10, PageTimeout: 30 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	fastRetries(c)
	return srv, c
}

// walkAll splits the asset space into n ranges and walks them with parallel
// cursors, returning every asset yielded.
func walkAll(t *testing.T, c *Client, q AssetQuery, n, parallel int) []Asset {
	t.Helper()
	ranges, err := c.CSAM.SplitRanges(t.Context(), q, n)
	if err != nil {
		t.Fatal(err)
	}
	var out []Asset
	for a, err := range c.CSAM.AssetsParallel(t.Context(), q, ranges, parallel) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a.Asset)
	}
	return out
}

// checkTruth compares a full walk with the simulator's ground truth.
func checkTruth(t *testing.T, got []Asset, truth qualyssim.Truth) {
	t.Helper()
	if want := len(truth.AssetIDs) + len(truth.MalformedAssetIDs); len(got) != want {
		t.Errorf("%d assets yielded, want %d well-formed + %d malformed", len(got), len(truth.AssetIDs), len(truth.MalformedAssetIDs))
	}
	seen := map[int64]int{}
	unparsed := 0
	for _, a := range got {
		if len(a.Raw) == 0 || a.Raw[0] != '{' {
			t.Fatalf("asset %d: Raw %.40q", a.ID, a.Raw)
		}
		if a.ID == 0 {
			unparsed++
			continue
		}
		seen[a.ID]++
	}
	for _, id := range truth.AssetIDs {
		if seen[id] != 1 {
			t.Errorf("asset %d seen %d times", id, seen[id])
		}
		delete(seen, id)
	}
	for _, id := range truth.MalformedAssetIDs {
		delete(seen, id)
	}
	if len(seen) > 0 {
		t.Errorf("%d ids not in the truth", len(seen))
	}
	if unparsed > len(truth.MalformedAssetIDs) {
		t.Errorf("%d assets without a parsable id, only %d malformed", unparsed, len(truth.MalformedAssetIDs))
	}
}

func checkLimits(t *testing.T, srv *qualyssim.Server, limit int) {
	t.Helper()
	st := srv.Stats()
	if st.LimitViolations != 0 || st.MaxConcurrency > limit {
		t.Errorf("simulator saw %d limit violations and %d calls at once (limit %d)", st.LimitViolations, st.MaxConcurrency, limit)
	}
	t.Logf("simulator: calls %v, max concurrency %d, faults %v", st.Calls, st.MaxConcurrency, st.Faults)
}

func TestSimFullWalk(t *testing.T) {
	t.Parallel()
	faults, err := qualyssim.ParseFaults("5xx=0.1,reset=0.05,nohasmore=0.1,hasmorestring=0.2,expire=0.05,malformed=0.02")
	if err != nil {
		t.Fatal(err)
	}
	// The small sizes shrink the records, not the paths: ranges of the 8
	// still take more than one page, and the faulty walk makes about as
	// many calls (55 searches, 59 in full), so every fault fires.
	tests := []struct {
		name        string
		cfg         qualyssim.Config
		slim        bool // ask for a few sections only (the race detector is slow on big payloads)
		pageSize    int
		concurrency int // client's; the simulator's limit is 2
	}{
		{"clean", qualyssim.Config{Assets: testscale.N(t, 24, 400), Seed: 7}, false, testscale.N(t, 3, 50), 2},
		{"faults", qualyssim.Config{Assets: testscale.N(t, 240, 800), Seed: 3, Faults: faults}, true, testscale.N(t, 6, 20), 2},
		{"client allows more than the subscription", qualyssim.Config{Assets: testscale.N(t, 120, 600), Seed: 5,
			Latency: qualyssim.Latency{Base: 2 * time.Millisecond}}, true, testscale.N(t, 10, 50), 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, c := startSim(t, tt.cfg, func(o *Options) { o.Concurrency = tt.concurrency })
			q := AssetQuery{PageSize: tt.pageSize}
			if tt.slim {
				q.IncludeFields = slimFields
			}
			got := walkAll(t, c, q, 8, 4)
			truth := srv.Truth()
			checkTruth(t, got, truth)
			checkLimits(t, srv, 2)
			if tt.cfg.Faults.IsZero() {
				if st := c.Stats(); st.Retries != 0 {
					t.Errorf("%d retries without faults", st.Retries)
				}
			}
			if !tt.cfg.Faults.IsZero() {
				fired := srv.Stats().Faults
				for _, kind := range []string{qualyssim.Fault5xx, qualyssim.FaultReset, qualyssim.FaultNoHasMore,
					qualyssim.FaultHasMoreString, qualyssim.FaultExpire, qualyssim.FaultMalformed} {
					if fired[kind] == 0 {
						t.Errorf("fault %s never fired: the test proves nothing about it", kind)
					}
				}
			}
			if c.Concurrency() != 2 {
				t.Errorf("client concurrency %d, want the subscription's 2", c.Concurrency())
			}
			t.Logf("client: %+v", c.Stats())
		})
	}
}

func TestSimRateLimitNeverRefused(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, c := startSim(t, qualyssim.Config{Assets: 500, Seed: 9, RateLimit: 6, RateWindow: time.Minute, Now: clock.Now})
	clock.install(c)
	got := walkAll(t, c, AssetQuery{PageSize: 40, IncludeFields: slimFields}, 4, 2)
	checkTruth(t, got, srv.Truth())
	checkLimits(t, srv, 2)
	if st := c.Stats(); st.Throttled != 0 {
		t.Errorf("%d calls refused", st.Throttled)
	}
	if len(clock.Sleeps()) == 0 {
		t.Error("never waited for the rate window: the test proves nothing")
	}
}

func TestSimCountMatchesFilteredWalk(t *testing.T) {
	t.Parallel()
	srv, c := startSim(t, qualyssim.Config{Assets: 400, Seed: 4})
	q := AssetQuery{Filters: []Filter{{Field: "operatingSystem.category1", Operator: OpEquals, Value: "Linux"}}, PageSize: 30, IncludeFields: slimFields}
	n, err := c.CSAM.Count(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	got := walkAll(t, c, q, 4, 2)
	if int64(len(got)) != n || n == 0 || n >= int64(srv.Truth().Assets) {
		t.Errorf("count %d, walk %d, of %d assets", n, len(got), srv.Truth().Assets)
	}
	for _, a := range got {
		if !strings.Contains(string(a.Raw), `"category1":"Linux"`) {
			t.Fatalf("asset %d is not Linux", a.ID)
		}
	}
	// A single cursor yields ascending ids.
	all, err := collect(c.CSAM.Assets(t.Context(), q, Range{}))
	if err != nil || len(all) != len(got) || !slices.IsSortedFunc(all, func(a, b Asset) int { return int(a.ID - b.ID) }) {
		t.Errorf("single cursor: %d assets (%v), sorted %v", len(all), err, slices.IsSortedFunc(all, func(a, b Asset) int { return int(a.ID - b.ID) }))
	}
	// An incremental pull from the future is empty.
	future, err := c.CSAM.Count(t.Context(), AssetQuery{UpdatedSince: time.Now().Add(24 * time.Hour)})
	if err != nil || future != 0 {
		t.Errorf("count since tomorrow = %d, %v", future, err)
	}
}

func TestSimWrongPassword(t *testing.T) {
	t.Parallel()
	const wrong = "definitely-wrong-pw"
	_, c := startSim(t, qualyssim.Config{Assets: 10, Seed: 1}, func(o *Options) { o.Password = secret.New(wrong) })
	_, err := c.CSAM.Count(t.Context(), AssetQuery{})
	var ae *AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || !strings.Contains(err.Error(), "/auth") {
		t.Fatalf("err = %v, want *AuthError 401", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error leaks the password: %v", err)
	}
}
