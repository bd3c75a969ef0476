package cli

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/bench"
)

// qflow bench runs the sync as a child process (this test binary, see
// TestMain), replays its requests for the floor and reports every figure
// the JSON promises, consistent with each other.
func TestBenchCommand(t *testing.T) {
	t.Setenv("QFLOW_TEST_MAIN", "1") // the child is this binary acting as qflow
	t.Setenv(envDatabaseURL, "")
	code, out, stderr := qflow(t, nil, "bench", "--source", "all", "--assets", "30", "--hosts", "30", "--latency", "20ms", "--incremental-after", "20%", "--json")
	if code != 0 {
		t.Fatalf("qflow bench: exit %d\n%s\n%s", code, out, stderr)
	}
	var keys map[string]any
	if err := json.Unmarshal([]byte(out), &keys); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"wall_s", "download_only_s", "download_ratio", "api_bound_s", "bound_ratio", "download_bound_ratio", "assets_per_s", "detections_per_s",
		"api_calls", "peak_rss_mb", "incremental_calls", "incremental_wall_s", "started_at", "machine"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	var r BenchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Assets != 30 || r.Detections == 0 || r.APICalls == 0 || r.PeakRSSMB <= 0 || r.DownloadRequests == 0 || r.DownloadMB <= 0 {
		t.Errorf("figures missing: %+v", r)
	}
	// Every call carries at least 20 ms of simulated service time: the
	// bound and the floor are real, and nothing beats them.
	if r.APIBoundS < 0.02 || r.DownloadOnlyS < r.APIBoundS*0.5 || r.WallS < r.DownloadOnlyS {
		t.Errorf("bound %.3f s, floor %.3f s, sync %.3f s: want 0 < bound ≲ floor ≤ sync", r.APIBoundS, r.DownloadOnlyS, r.WallS)
	}
	if r.DownloadRatio < 1 || r.BoundRatio < 1 {
		t.Errorf("ratios %.2f (floor), %.2f (bound): a sync cannot beat them", r.DownloadRatio, r.BoundRatio)
	}
	if want := r.DownloadOnlyS / r.APIBoundS; math.Abs(r.DownloadBoundRatio-want) > 1e-9 || r.DownloadBoundRatio > r.BoundRatio {
		t.Errorf("download_bound_ratio %.3f, want %.3f (floor %.3f s / bound %.3f s), at most bound_ratio %.3f",
			r.DownloadBoundRatio, want, r.DownloadOnlyS, r.APIBoundS, r.BoundRatio)
	}
	// Each figure names where it was taken and when.
	if r.Machine.CPUs < 1 || r.Machine.OS == "" || r.Machine.Go == "" || r.StartedAt.IsZero() || time.Since(r.StartedAt) > time.Hour {
		t.Errorf("machine %+v, started %v", r.Machine, r.StartedAt)
	}
	if r.IncrementalCalls == 0 || r.IncrementalCalls > r.APICalls || r.IncrementalHosts == 0 || r.IncrementalWallS <= 0 {
		t.Errorf("incremental: %d calls (full %d) after %d hosts changed", r.IncrementalCalls, r.APICalls, r.IncrementalHosts)
	}
}

// The text report leads with the machine and the build, as the JSON does.
func TestPrintBenchNamesTheMachine(t *testing.T) {
	var out strings.Builder
	g := &globals{env: Env{Stdout: &out}}
	printBench(g, &BenchResult{Source: "vmdr", Store: "sqlite", Hosts: 10, Detections: 280, Concurrency: 2, Latency: "0s",
		WallS: 1.5, DownloadOnlyS: 0.5, DownloadRatio: 3, StartedAt: time.Date(2026, 12, 6, 18, 0, 0, 0, time.UTC),
		Machine: bench.Machine{CPU: "Intel(R) Xeon(R) Processor", CPUs: 2, MemoryMB: 24000, OS: "linux/amd64", Go: "go1.26.8", Revision: "9806209"}})
	first, _, _ := strings.Cut(out.String(), "\n")
	want := "machine     Intel(R) Xeon(R) Processor · 2 CPUs · 24000 MB · linux/amd64 · go1.26.8 · qflow 9806209 · 2026-12-06T18:00:00Z"
	if first != want {
		t.Errorf("first line\n%q, want\n%q", first, want)
	}
}
