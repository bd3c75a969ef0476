package qualys

// VMDR and KnowledgeBase against the simulator (internal/qualyssim).

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/testscale"
)

// startVMSim serves a simulator and returns it with a client whose gateway
// and API server URLs both point at it.
func startVMSim(t testing.TB, cfg qualyssim.Config, opts ...func(*Options)) (*qualyssim.Server, *Client) {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	user, pass := srv.Credentials()
	o := Options{GatewayURL: hs.URL, APIURL: hs.URL, Username: user, Password: secret.New(pass), MaxRetries: 10, PageTimeout: 30 * time.Second}
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

// startMemVMSim is startVMSim on an in-memory network, for tests run in a
// testing/synctest bubble: page timeouts, latency and the loop body's waits
// then run on the bubble's fake clock.
func startMemVMSim(t *testing.T, cfg qualyssim.Config, opts ...func(*Options)) (*qualyssim.Server, *Client) {
	t.Helper()
	return startMemSim(t, cfg, append([]func(*Options){func(o *Options) { o.MaxRetries, o.PageTimeout = 10, 30*time.Second }}, opts...)...)
}

// hostIDs collects HostIDs.
func hostIDs(t testing.TB, c *Client, q HostQuery) []int64 {
	t.Helper()
	var out []int64
	for id, err := range c.VMDR.HostIDs(t.Context(), q) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// splitHostIDs cuts sorted ids into n ranges of about equal counts that
// together cover every ID (the first starts at 0, the last is open).
func splitHostIDs(ids []int64, n int) []IDRange {
	if len(ids) == 0 || n <= 1 {
		return []IDRange{{}}
	}
	n = min(n, len(ids))
	out := make([]IDRange, 0, n)
	lo := int64(0)
	for k := 1; k < n; k++ {
		hi := ids[len(ids)*k/n] - 1
		out = append(out, IDRange{Min: lo, Max: hi})
		lo = hi + 1
	}
	return append(out, IDRange{Min: lo})
}

// detectionTally sums what a walk delivered.
type detectionTally struct {
	hosts    map[int64]int
	total    int
	byStatus map[string]int
	byType   map[string]int
	ignored  int
	disabled int
	hostErrs []*HostError
}

func newTally() *detectionTally {
	return &detectionTally{hosts: map[int64]int{}, byStatus: map[string]int{}, byType: map[string]int{}}
}

func (d *detectionTally) add(h Host) {
	d.hosts[h.ID]++
	for _, det := range h.Detections {
		d.total++
		d.byType[det.Type]++
		if det.Status != "" {
			d.byStatus[det.Status]++
		}
		if det.IsIgnored.Value == 1 {
			d.ignored++
		}
		if det.IsDisabled.Value == 1 {
			d.disabled++
		}
	}
}

// walkDetections pulls every detection of q over n ranges of ids, parallel
// at a time, and tallies them; *HostError is collected, other errors fail.
func walkDetections(t testing.TB, c *Client, q DetectionQuery, ids []int64, n, parallel int) *detectionTally {
	t.Helper()
	ranges := splitHostIDs(ids, n)
	d := newTally()
	for rh, err := range c.VMDR.DetectionsParallel(t.Context(), q, ranges, parallel) {
		if err != nil {
			var he *HostError
			if !errors.As(err, &he) {
				t.Fatal(err)
			}
			d.hostErrs = append(d.hostErrs, he)
			continue
		}
		if r := ranges[rh.Range]; rh.Host.ID < r.Min || (r.Max > 0 && rh.Host.ID > r.Max) {
			t.Errorf("host %d outside its range %+v", rh.Host.ID, r)
		}
		d.add(rh.Host)
	}
	return d
}

// checkDetections compares a tally with the ground truth.
func checkDetections(t testing.TB, d *detectionTally, truth qualyssim.Truth) {
	t.Helper()
	want := truth.Detections
	if d.total != want.Total || d.ignored != want.Ignored || d.disabled != want.Disabled {
		t.Errorf("detections %d (ignored %d, disabled %d), want %d (%d, %d)", d.total, d.ignored, d.disabled, want.Total, want.Ignored, want.Disabled)
	}
	for k, v := range want.ByStatus {
		if d.byStatus[k] != v {
			t.Errorf("status %s: %d detections, want %d", k, d.byStatus[k], v)
		}
	}
	for k, v := range want.ByType {
		if d.byType[k] != v {
			t.Errorf("type %s: %d detections, want %d", k, d.byType[k], v)
		}
	}
	for id, n := range d.hosts {
		if n != 1 {
			t.Errorf("host %d yielded %d times", id, n)
		}
		if _, ok := slices.BinarySearch(truth.HostIDs, id); !ok {
			t.Errorf("host %d is not in the truth", id)
		}
	}
}

func checkVMLimits(t testing.TB, srv *qualyssim.Server) {
	t.Helper()
	st := srv.Stats()
	if v := st.LimitViolationsByAPI["vm"]; v != 0 {
		t.Errorf("simulator refused %d VMDR calls for the limits", v)
	}
	t.Logf("simulator: calls %v, VMDR max concurrency %d, faults %v", st.Calls, st.VMMaxConcurrency, st.Faults)
}

func TestSimVMDRAllDetections(t *testing.T) {
	t.Parallel()
	faults, err := qualyssim.ParseFaults("5xx=0.1,reset=0.15")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		cfg          qualyssim.Config
		pageSize     int
		concurrency  int  // the client's; the simulator allows 2
		wantThrottle bool // the client starts above the subscription's limit
	}{
		// The small sizes keep the pages per range of the 6 ranges, so the
		// calls (and the faults drawn per call) stay as many.
		{"clean", qualyssim.Config{Assets: testscale.N(t, 36, 120), Seed: 7}, testscale.N(t, 4, 15), 2, false},
		{"faults: 5xx, resets and truncated bodies", qualyssim.Config{Assets: testscale.N(t, 60, 150), Seed: 3, Faults: faults}, testscale.N(t, 4, 10), 2, false},
		{"client allows more than the subscription: 409 1960", qualyssim.Config{Assets: testscale.N(t, 32, 80), Seed: 5,
			Latency: qualyssim.Latency{Base: 5 * time.Millisecond}}, testscale.N(t, 4, 10), 6, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.wantThrottle {
				// In fake time the walkers' first calls are all in flight at
				// once, so the subscription's limit is overrun every run,
				// not only when the scheduler happens to overlap them.
				synctest.Test(t, func(t *testing.T) {
					srv, c := startMemVMSim(t, tt.cfg, func(o *Options) { o.Concurrency = tt.concurrency })
					checkAllDetections(t, tt.cfg, tt.pageSize, tt.concurrency, tt.wantThrottle, srv, c)
				})
				return
			}
			srv, c := startVMSim(t, tt.cfg, func(o *Options) { o.Concurrency = tt.concurrency })
			checkAllDetections(t, tt.cfg, tt.pageSize, tt.concurrency, tt.wantThrottle, srv, c)
		})
	}
}

// checkAllDetections walks every detection of srv in 6 ranges with c and
// checks them against the truth, the limits and the faults of cfg.
func checkAllDetections(t *testing.T, cfg qualyssim.Config, pageSize, concurrency int, wantThrottle bool, srv *qualyssim.Server, c *Client) {
	t.Helper()
	q := AllDetections()
	q.TruncationLimit = pageSize
	q.ShowResults = cfg.Faults.IsZero() && !wantThrottle // RESULTS are big: decode them once
	truth := srv.Truth()
	ids := truth.HostIDs // without a first call, the client does not know the limits yet
	if !wantThrottle {
		ids = hostIDs(t, c, HostQuery{})
	}
	d := walkDetections(t, c, q, ids, 6, 6)
	checkDetections(t, d, truth)
	if len(d.hostErrs) > 0 {
		t.Errorf("host errors: %v", d.hostErrs)
	}
	st := c.Stats()
	switch {
	case wantThrottle:
		if st.Throttled == 0 || srv.Stats().LimitViolationsByAPI["vm"] == 0 {
			t.Errorf("no 409 refusal (client %d, simulator %d): the test proves nothing", st.Throttled, srv.Stats().LimitViolationsByAPI["vm"])
		}
		if c.VMDRConcurrency() != 2 {
			t.Errorf("API server concurrency %d, want the subscription's 2", c.VMDRConcurrency())
		}
	default:
		checkVMLimits(t, srv)
	}
	if c.Concurrency() != concurrency {
		t.Errorf("gateway concurrency changed to %d by API-server responses", c.Concurrency())
	}
	if !cfg.Faults.IsZero() {
		fired := srv.Stats().Faults
		for _, kind := range []string{qualyssim.Fault5xx, qualyssim.FaultReset} {
			if fired[kind] == 0 {
				t.Errorf("fault %s never fired: the test proves nothing about it", kind)
			}
		}
	} else if !wantThrottle && st.Retries != 0 {
		t.Errorf("%d retries without faults", st.Retries)
	}
	t.Logf("client: %+v", st)
}

func TestSimVMDRHostIDs(t *testing.T) {
	t.Parallel()
	srv, c := startVMSim(t, qualyssim.Config{Assets: 400, Seed: 11})
	var dt time.Time
	got := hostIDs(t, c, HostQuery{TruncationLimit: 37, OnDateTime: func(t time.Time) { dt = t }})
	truth := srv.Truth()
	if !slices.Equal(got, truth.HostIDs) {
		t.Errorf("%d host IDs, want %d (equal: %v)", len(got), len(truth.HostIDs), slices.Equal(got, truth.HostIDs))
	}
	if dt.Format(time.RFC3339) != truth.DateTime {
		t.Errorf("OnDateTime got %v, want %s", dt, truth.DateTime)
	}
	// A range.
	lo, hi := truth.HostIDs[10], truth.HostIDs[50]
	got = hostIDs(t, c, HostQuery{Range: IDRange{lo, hi}, TruncationLimit: 7})
	if !slices.Equal(got, truth.HostIDs[10:51]) {
		t.Errorf("range %d-%d: %d IDs, want 41", lo, hi, len(got))
	}
	// Hosts with details.
	n := 0
	for h, err := range c.VMDR.Hosts(t.Context(), HostQuery{Range: IDRange{lo, hi}, TruncationLimit: 9, ShowAssetID: true, ShowTags: true, ShowTruRisk: true, HostMetadata: "all", ShowCloudTags: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if h.ID != truth.HostIDs[10+n] || h.LastVulnScanDateTime == "" || h.Owner == "" || h.TruRiskScore.IsZero() {
			t.Errorf("host %d: %+v", truth.HostIDs[10+n], h)
		}
		n++
	}
	if n != 41 {
		t.Errorf("Hosts yielded %d, want 41", n)
	}
	checkVMLimits(t, srv)
}

func TestSimVMDRRateLimitNeverRefused(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	// Either size is 8 pages over the 4 ranges: more calls than the limit.
	srv, c := startVMSim(t, qualyssim.Config{Assets: testscale.N(t, 32, 80), Seed: 9, RateLimit: 5, RateWindow: time.Minute, Now: clock.Now})
	clock.install(c)
	q := AllDetections()
	q.TruncationLimit = testscale.N(t, 4, 10)
	q.ShowResults = false
	d := walkDetections(t, c, q, hostIDs(t, c, HostQuery{}), 4, 2)
	checkDetections(t, d, srv.Truth())
	checkVMLimits(t, srv)
	if st := c.Stats(); st.Throttled != 0 {
		t.Errorf("%d calls refused", st.Throttled)
	}
	if len(clock.Sleeps()) == 0 {
		t.Error("never waited for the rate window: the test proves nothing")
	}
}

func TestSimVMDR409(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		conc, rate int // the simulator's limits
		code       string
	}{
		{"too many running: 1960", 2, 0, "1960"},
		{"rate: 1965", -1, 2, "1965"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// In fake time the first four calls are all in flight at once,
			// every run, however busy the machine is.
			synctest.Test(t, func(t *testing.T) { testSimVMDR409(t, tt.conc, tt.rate, tt.code) })
		})
	}
}

func testSimVMDR409(t *testing.T, conc, rate int, code string) {
	clock := newFakeClock()
	var logs syncBuffer
	cfg := qualyssim.Config{Assets: testscale.N(t, 24, 60), Seed: 2, ConcurrencyLimit: conc, Now: clock.Now,
		Latency: qualyssim.Latency{Base: 20 * time.Millisecond}}
	if rate > 0 {
		cfg.RateLimit, cfg.RateWindow = rate, time.Minute
	}
	// Four calls at once before the client knows the limits: the
	// first burst is refused in part, then the client keeps within them.
	srv, c := startMemVMSim(t, cfg, func(o *Options) {
		o.Concurrency = 4
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	clock.install(c)
	q := AllDetections()
	q.ShowResults = false
	truth := srv.Truth()
	d := walkDetections(t, c, q, truth.HostIDs, 4, 4)
	checkDetections(t, d, truth)
	if st := c.Stats(); st.Throttled == 0 || !strings.Contains(logs.String(), "HTTP 409 "+code+": ") {
		t.Errorf("no %s refusal: the test proves nothing; log:\n%s", code, logs.String())
	}
	if rate > 0 && len(clock.Sleeps()) == 0 {
		t.Error("never waited for the rate window")
	}
	t.Logf("client %+v, simulator %+v", c.Stats(), srv.Stats())
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A host whose detections never arrive: its pages time out, the walk halves
// the truncation limit down to that one host, reports it and goes on. The
// timeouts and the real backoff run on synctest's fake clock.
func TestSimVMDRStuckHost(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testSimVMDRStuckHost)
}

func testSimVMDRStuckHost(t *testing.T) {
	srv, c := startMemVMSim(t, qualyssim.Config{Assets: testscale.N(t, 32, 80), Seed: 4, Faults: qualyssim.Faults{StuckHosts: 1},
		Latency: qualyssim.Latency{Base: time.Millisecond}}, func(o *Options) { o.PageTimeout = 300 * time.Millisecond })
	truth := srv.Truth()
	if len(truth.StuckHosts) != 1 {
		t.Fatalf("stuck hosts %v", truth.StuckHosts)
	}
	q := AllDetections()
	q.TruncationLimit = testscale.N(t, 4, 8) // halved down to 1 around the stuck host
	q.ShowResults = false
	d := walkDetections(t, c, q, hostIDs(t, c, HostQuery{}), 2, 2)
	checkDetections(t, d, truth)
	if len(d.hostErrs) != 1 || d.hostErrs[0].HostID != truth.StuckHosts[0] || !errors.Is(d.hostErrs[0], ErrHostUnavailable) {
		t.Errorf("host errors %v, want one for host %d", d.hostErrs, truth.StuckHosts[0])
	}
	if d.hosts[truth.StuckHosts[0]] != 0 {
		t.Errorf("stuck host %d yielded", truth.StuckHosts[0])
	}
	t.Logf("client %+v", c.Stats())
}

func TestSimVMDRIncremental(t *testing.T) {
	t.Parallel()
	srv, c := startVMSim(t, qualyssim.Config{Assets: testscale.N(t, 50, 150), Seed: 8})
	t0, err := c.VMDR.ServerTime(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := t0.Format(time.RFC3339); got != srv.Truth().DateTime {
		t.Fatalf("ServerTime %s, want %s", got, srv.Truth().DateTime)
	}
	for range 2 {
		if _, err := srv.Advance(); err != nil {
			t.Fatal(err)
		}
		truth := srv.Truth()
		got := hostIDs(t, c, HostQuery{VMProcessedAfter: t0, TruncationLimit: testscale.N(t, 7, 20)})
		if len(truth.ChangedHostIDs) == 0 || !slices.Equal(got, truth.ChangedHostIDs) {
			t.Errorf("epoch %d: %d changed host IDs, want %d", truth.Epoch, len(got), len(truth.ChangedHostIDs))
		}
		// Detections since t0 come from changed hosts only.
		q := AllDetections()
		q.VMProcessedAfter = t0
		q.ShowResults = false
		for h, err := range c.VMDR.Detections(t.Context(), q, IDRange{}) {
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := slices.BinarySearch(truth.ChangedHostIDs, h.ID); !ok {
				t.Errorf("host %d has detections processed after %v but did not change", h.ID, t0)
			}
		}
		if t0, err = c.VMDR.ServerTime(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := t0.Format(time.RFC3339); got != truth.DateTime {
			t.Errorf("ServerTime %s, want %s", got, truth.DateTime)
		}
	}
}

func TestSimKBVulns(t *testing.T) {
	t.Parallel()
	faults, err := qualyssim.ParseFaults("reset=0.5,5xx=0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv, c := startVMSim(t, qualyssim.Config{Assets: 100, Seed: 16, Faults: faults})
	truth := srv.Truth()
	// Two walks at once: KnowledgeBase calls are serialized, never refused.
	var wg sync.WaitGroup
	results := make([][]int64, 2)
	errs := make([]error, 2)
	for i := range results {
		wg.Go(func() {
			for v, err := range c.KB.Vulns(t.Context(), KBQuery{}) {
				if err != nil {
					errs[i] = err
					return
				}
				results[i] = append(results[i], v.QID)
			}
		})
	}
	wg.Wait()
	want := make([]int64, len(truth.KBQIDs))
	for i, q := range truth.KBQIDs {
		want[i] = int64(q)
	}
	for i := range results {
		if errs[i] != nil || !slices.Equal(results[i], want) {
			t.Errorf("walk %d: %d QIDs (%v), want %d", i, len(results[i]), errs[i], len(want))
		}
	}
	if v := srv.Stats().LimitViolationsByAPI["vm"]; v != 0 {
		t.Errorf("%d KnowledgeBase calls refused", v)
	}
	if srv.Stats().Faults[qualyssim.FaultReset] == 0 {
		t.Errorf("no reset fired: the test proves nothing: %+v %+v", srv.Stats(), c.Stats())
	}
	// Selected IDs, a range and Basic details.
	ids := []int64{want[3], want[1], want[2], want[40], want[3], 999999999}
	var got []int64
	for v, err := range c.KB.Vulns(t.Context(), KBQuery{IDs: ids, Details: "Basic"}) {
		if err != nil {
			t.Fatal(err)
		}
		if v.CVSS != nil {
			t.Errorf("QID %d: CVSS with Basic details", v.QID)
		}
		got = append(got, v.QID)
	}
	if !slices.Equal(got, []int64{want[1], want[2], want[3], want[40]}) {
		t.Errorf("by IDs: %v", got)
	}
	got = got[:0]
	for v, err := range c.KB.Vulns(t.Context(), KBQuery{IDMin: want[10], IDMax: want[19]}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v.QID)
	}
	if !slices.Equal(got, want[10:20]) {
		t.Errorf("by range: %v", got)
	}
}

func TestSimVMDRAccountExpired(t *testing.T) {
	t.Parallel()
	srv, c := startVMSim(t, qualyssim.Config{Assets: 20, Seed: 1, Faults: qualyssim.Faults{Expired: 1}})
	var err error
	for _, err = range c.VMDR.Detections(t.Context(), AllDetections(), IDRange{}) {
		break
	}
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Code != "2001" || ae.StatusCode != 200 || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("err = %v, want *AuthError 2001 on HTTP 200", err)
	}
	if st := c.Stats(); st.Retries != 0 || st.Calls != 1 {
		t.Errorf("2001 retried: %+v", st)
	}
	_, err = c.VMDR.ServerTime(t.Context())
	if !errors.As(err, &ae) || ae.Code != "2001" {
		t.Errorf("ServerTime: %v", err)
	}
	if srv.Stats().Faults[qualyssim.FaultExpired] != 2 {
		t.Errorf("faults %v", srv.Stats().Faults)
	}
}

func TestSimVMDRWrongPassword(t *testing.T) {
	t.Parallel()
	const wrong = "definitely-wrong-pw"
	_, c := startVMSim(t, qualyssim.Config{Assets: 10, Seed: 1}, func(o *Options) { o.Password = secret.New(wrong) })
	var err error
	for _, err = range c.VMDR.HostIDs(t.Context(), HostQuery{}) {
		break
	}
	var ae *AuthError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || !strings.Contains(err.Error(), "QUALYS_PASSWORD") {
		t.Fatalf("err = %v, want *AuthError 401", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error leaks the password: %v", err)
	}
	if st := c.Stats(); st.Calls != 1 {
		t.Errorf("401 retried: %+v", st)
	}
}
