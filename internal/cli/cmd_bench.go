package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/bench"
	"github.com/qflow/qflow/internal/qualyssim"
)

// BenchResult is what `qflow bench --json` prints.
type BenchResult struct {
	Source      string `json:"source"`
	Store       string `json:"store"`
	Assets      int    `json:"assets"`
	Hosts       int    `json:"hosts"`
	Detections  int    `json:"detections"`
	Installs    int    `json:"software_installs"`
	Concurrency int    `json:"concurrency"`
	Latency     string `json:"latency"`

	// WallS is the full sync's wall time (the qflow sync process).
	WallS float64 `json:"wall_s"`
	// DownloadOnlyS is the floor: the same successful requests replayed by
	// a plain HTTP client with the same concurrency, bodies written to
	// disk, nothing parsed; DownloadRatio is WallS / DownloadOnlyS.
	DownloadOnlyS    float64 `json:"download_only_s"`
	DownloadRatio    float64 `json:"download_ratio"`
	DownloadRequests int     `json:"download_requests"`
	DownloadMB       float64 `json:"download_mb"`
	APIBoundS        float64 `json:"api_bound_s"`
	BoundRatio       float64 `json:"bound_ratio"`
	// DownloadBoundRatio is DownloadOnlyS / APIBoundS: how close the
	// download-only client itself came to the API bound on this machine,
	// the best bound_ratio a client making the sync's calls could show.
	DownloadBoundRatio float64 `json:"download_bound_ratio"`
	AssetsPerS         float64 `json:"assets_per_s"`
	DetectionsPerS     float64 `json:"detections_per_s"`
	APICalls           int64   `json:"api_calls"`
	PeakRSSMB          float64 `json:"peak_rss_mb"`
	IncrementalCalls   int64   `json:"incremental_calls,omitempty"`
	IncrementalWallS   float64 `json:"incremental_wall_s,omitempty"`
	IncrementalHosts   int     `json:"incremental_changed_hosts,omitempty"`
	IncrementalCallsP  float64 `json:"incremental_calls_ratio,omitempty"`
	IncrementalWallP   float64 `json:"incremental_wall_ratio,omitempty"`

	// StartedAt is when the bench began (UTC); Machine where it ran and the
	// build it measured, so that a figure carries both with it.
	StartedAt time.Time     `json:"started_at"`
	Machine   bench.Machine `json:"machine"`
}

func newBenchCmd(g *globals) *cobra.Command {
	var (
		source      string
		assets      int
		hosts       int
		seed        int64
		latency     string
		concurrency int
		db          dbFlags
		cpuProfile  string
		incAfter    string
		asJSON      bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure a full sync against the download-only floor and the API bound, in one run",
		Long: `Starts the simulator in-process with the given data size, latency and
concurrency limit, runs a full qflow sync as a child process (so its peak RSS
is its own) into a fresh database, and measures in the same run:

  download_only_s  the floor: every successful request the sync made, replayed
                   by a plain HTTP client with the same concurrency, bodies
                   written to disk, nothing parsed (same pages, same order)
  api_bound_s      the simulator's busy time per concurrency slot while it
                   serves those pages: the least wall time any client needs
  wall_s           the sync; download_ratio and bound_ratio divide by them

download_bound_ratio is the floor's own ratio to the API bound: the best
bound_ratio a client making the sync's calls could show on this machine
(above 1 where the machine cannot serve every slot at once, or where one
call outlasts the bound).

With --incremental-after P the simulator then moves on a day in which P
percent of the VMDR hosts are rescanned (their detections change), and an
incremental sync is measured too (the simulator's CSAM assets do not change
from one day to the next). docs/benchmarks.md has
the targets and the figures measured on the project's machine.`,
		Example: `  qflow bench --source vmdr --hosts 10000 --json
  qflow bench --source csam --assets 10000 --latency 1s+2ms --concurrency 2 --json
  qflow bench --source vmdr --hosts 10000 --incremental-after 1% --json
  qflow bench --source all --assets 2000 --incremental-after 20% --database-url postgres://postgres@127.0.0.1:5432/qflow_bench`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch source {
			case "csam", "vmdr", "kb", "all":
			default:
				return fmt.Errorf("--source %q: want csam, vmdr, kb or all", source)
			}
			lat, err := qualyssim.ParseLatency(latency)
			if err != nil {
				return fmt.Errorf("--latency: %w", err)
			}
			if concurrency < 1 {
				return fmt.Errorf("--concurrency %d: want at least 1", concurrency)
			}
			var rescan float64
			if incAfter != "" {
				pct, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(incAfter), "%")), 64)
				if err != nil || !(pct > 0 && pct <= 100) {
					return fmt.Errorf("--incremental-after %q: want a percentage of the hosts in (0, 100], e.g. 1%%", incAfter)
				}
				rescan = pct / 100
			}
			res, err := runBench(cmd.Context(), g, benchParams{source: source, assets: assets, hosts: hosts, seed: seed, latency: lat,
				concurrency: concurrency, db: db, cpuProfile: cpuProfile, rescan: rescan})
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, res)
			}
			printBench(g, res)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&source, "source", "all", "what to sync: csam, vmdr, kb or all")
	fl.IntVar(&assets, "assets", 2000, "simulated CSAM assets")
	fl.IntVar(&hosts, "hosts", 0, "simulated VMDR hosts (0: the simulator's default, about one per asset)")
	fl.Int64Var(&seed, "seed", 1, "seed of the simulated data")
	fl.StringVar(&latency, "latency", "0s", "simulated service time of a data call: BASE or BASE+PER_RECORD (e.g. 300ms+2ms)")
	fl.IntVar(&concurrency, "concurrency", 2, "the simulator's concurrency limit, and qflow's --parallel")
	db.register(fl, "to sync into (default: a fresh file in a temporary folder, removed afterwards)")
	fl.StringVar(&cpuProfile, "cpuprofile", "", "write the sync's CPU profile to this file (the incremental sync's to FILE.incremental)")
	fl.StringVar(&incAfter, "incremental-after", "", "then move the simulator on a day with this share of the hosts rescanned (e.g. 1%) and measure an incremental sync too")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

type benchParams struct {
	source      string
	assets      int
	hosts       int
	seed        int64
	latency     qualyssim.Latency
	concurrency int
	db          dbFlags
	cpuProfile  string
	rescan      float64 // share of the hosts rescanned before the incremental sync (0: none measured)
}

// childSync is one `qflow sync` run as a child process.
type childSync struct {
	sum    Summary
	wall   time.Duration
	rssMB  float64
	stderr string
}

func runBench(ctx context.Context, g *globals, p benchParams) (*BenchResult, error) {
	started := time.Now().UTC().Truncate(time.Second)
	srv, err := qualyssim.New(qualyssim.Config{Assets: p.assets, Hosts: p.hosts, Seed: p.seed, Latency: p.latency, ConcurrencyLimit: p.concurrency, Rescan: p.rescan})
	if err != nil {
		return nil, err
	}
	rec := bench.NewRecorder(srv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench: listen: %w", err)
	}
	hs := &http.Server{Handler: rec, ReadHeaderTimeout: time.Minute}
	go hs.Serve(ln) //nolint:errcheck // ends with Close
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	tmp, err := os.MkdirTemp("", "qflow-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	where := []string{"--db", filepath.Join(tmp, "bench.db")}
	storeName := "sqlite"
	given := p.db.URL != "" || (p.db.fl != nil && p.db.fl.Changed("db")) || (g.env.Getenv != nil && g.env.Getenv(envDatabaseURL) != "")
	if given {
		drv, u, err := p.db.target(g)
		if err != nil {
			return nil, err
		}
		storeName = drv
		where = []string{"--database-url", u}
		if drv == "sqlite" {
			where[1] = "sqlite:" + u
		}
	}
	user, pass := srv.Credentials()
	run := func(mode string, extra ...string) (childSync, error) {
		args := append([]string{"sync", "--gateway-url", base, "--api-url", base, "--source", p.source, mode,
			"--parallel", strconv.Itoa(p.concurrency), "--json", "--log-level", "warn"}, where...)
		args = append(args, extra...)
		return runChild(ctx, args, []string{"QUALYS_USERNAME=" + user, "QUALYS_PASSWORD=" + pass})
	}
	var extra []string
	if p.cpuProfile != "" {
		extra = []string{"--cpuprofile", p.cpuProfile}
	}
	full, err := run("--full", extra...)
	if err != nil {
		return nil, err
	}
	truth := srv.Truth()
	res := &BenchResult{Source: p.source, Store: storeName, Concurrency: p.concurrency, Latency: p.latency.String(),
		WallS: full.wall.Seconds(), APICalls: full.sum.APICalls, PeakRSSMB: full.rssMB,
		StartedAt: started, Machine: bench.ThisMachine()}
	if p.source == "csam" || p.source == "all" {
		res.Assets, res.Installs = truth.Assets, truth.SoftwareInstalls
		res.AssetsPerS = float64(full.sum.Assets.Seen) / runSeconds(full.sum, "csam")
	}
	if p.source == "vmdr" || p.source == "all" {
		res.Hosts, res.Detections = truth.Hosts, truth.Detections.Total
		res.DetectionsPerS = float64(full.sum.Findings.Seen) / runSeconds(full.sum, "vmdr")
	}
	// The floor: the same requests, replayed.
	reqs := rec.Take()
	dir := filepath.Join(tmp, "pages")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: p.concurrency, DisableCompression: true}}
	before := srv.Stats()
	floor, err := bench.Replay(ctx, client, base, reqs, p.concurrency, dir)
	if err != nil {
		return nil, fmt.Errorf("bench: download-only pass: %w", err)
	}
	after := srv.Stats()
	// The API bound: the simulator's busy time per slot while serving
	// those pages to a client that reads as fast as it can (a slow reader
	// keeps the server busy longer), each API with its own limit. The
	// sync uses the two APIs side by side (CSAM on the gateway, the
	// KnowledgeBase and VMDR on the API server), so the bound is the
	// busier one.
	for _, api := range []string{"csam", "vm"} {
		res.APIBoundS = max(res.APIBoundS, (after.BusySeconds[api]-before.BusySeconds[api])/float64(after.ConcurrencyLimit))
	}
	res.DownloadOnlyS, res.DownloadRequests, res.DownloadMB = floor.Seconds, floor.Requests, float64(floor.Bytes)/(1<<20)
	res.DownloadRatio = ratio(res.WallS, res.DownloadOnlyS)
	res.BoundRatio = ratio(res.WallS, res.APIBoundS)
	res.DownloadBoundRatio = ratio(res.DownloadOnlyS, res.APIBoundS)
	if p.rescan > 0 {
		if _, err := srv.Advance(); err != nil {
			return nil, err
		}
		var extra []string
		if p.cpuProfile != "" {
			extra = []string{"--cpuprofile", p.cpuProfile + ".incremental"}
		}
		inc, err := run("--incremental", extra...)
		if err != nil {
			return nil, err
		}
		res.IncrementalCalls, res.IncrementalWallS = inc.sum.APICalls, inc.wall.Seconds()
		res.IncrementalHosts = len(srv.Truth().ChangedHostIDs)
		res.IncrementalCallsP = ratio(float64(res.IncrementalCalls), float64(res.APICalls))
		res.IncrementalWallP = ratio(res.IncrementalWallS, res.WallS)
	}
	return res, nil
}

// runSeconds is the duration of a source's run in a summary.
func runSeconds(s Summary, source string) float64 {
	for _, r := range s.Runs {
		if r.Source == source {
			return max(float64(r.DurationMS)/1000, 1e-3)
		}
	}
	return max(float64(s.DurationMS)/1000, 1e-3)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// runChild runs this binary as `qflow args…` and measures it.
func runChild(ctx context.Context, args, env []string) (childSync, error) {
	exe, err := os.Executable()
	if err != nil {
		return childSync{}, fmt.Errorf("bench: find the qflow binary: %w", err)
	}
	var out, errb bytes.Buffer
	c := exec.CommandContext(ctx, exe, args...)
	// Stopped (Ctrl-C, SIGTERM), the sync is interrupted rather than killed,
	// so that it ends its run and removes its spool files; killed only if
	// it has not exited 15 s later.
	c.Cancel = func() error { return c.Process.Signal(os.Interrupt) }
	c.WaitDelay = 15 * time.Second
	c.Env = append(os.Environ(), env...)
	c.Stdout, c.Stderr = &out, &errb
	start := time.Now()
	err = c.Run()
	cs := childSync{wall: time.Since(start), stderr: errb.String(), rssMB: peakRSSMB(c.ProcessState)}
	if err != nil {
		return cs, fmt.Errorf("bench: qflow %v: %w\n%s", args, err, errb.String())
	}
	if err := json.Unmarshal(out.Bytes(), &cs.sum); err != nil {
		return cs, fmt.Errorf("bench: qflow sync printed no summary: %w\n%s", err, errb.String())
	}
	if cs.sum.State != "Processed" {
		return cs, errors.New("bench: the sync did not complete: " + cs.sum.Error)
	}
	return cs, nil
}

func printBench(g *globals, r *BenchResult) {
	w := g.env.Stdout
	m := r.Machine
	fmt.Fprintf(w, "machine     %s · %d CPUs · %d MB · %s · %s", m.CPU, m.CPUs, m.MemoryMB, m.OS, m.Go)
	if m.Revision != "" {
		fmt.Fprintf(w, " · qflow %s", m.Revision)
	}
	fmt.Fprintf(w, " · %s\n", r.StartedAt.Format(time.RFC3339))
	fmt.Fprintf(w, "data        %d assets (%d installs), %d hosts (%d detections); latency %s; concurrency %d; store %s\n",
		r.Assets, r.Installs, r.Hosts, r.Detections, r.Latency, r.Concurrency, r.Store)
	fmt.Fprintf(w, "sync        %.2f s · %d API calls · peak RSS %.0f MB", r.WallS, r.APICalls, r.PeakRSSMB)
	if r.AssetsPerS > 0 {
		fmt.Fprintf(w, " · %.0f assets/s", r.AssetsPerS)
	}
	if r.DetectionsPerS > 0 {
		fmt.Fprintf(w, " · %.0f detections/s", r.DetectionsPerS)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "floor       download only %.2f s (%d requests, %.1f MB): sync = %.2f × the floor\n", r.DownloadOnlyS, r.DownloadRequests, r.DownloadMB, r.DownloadRatio)
	fmt.Fprintf(w, "API bound   %.2f s: sync = %.2f × the bound, download only = %.2f × the bound\n", r.APIBoundS, r.BoundRatio, r.DownloadBoundRatio)
	if r.IncrementalWallS > 0 {
		fmt.Fprintf(w, "incremental %.2f s, %d API calls after %d hosts changed: %.1f %% of the full sync's time, %.1f %% of its calls\n",
			r.IncrementalWallS, r.IncrementalCalls, r.IncrementalHosts, 100*r.IncrementalWallP, 100*r.IncrementalCallsP)
	}
}
