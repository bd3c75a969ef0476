package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/source"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// syncParams is everything one sync needs, from flags or from the demo.
type syncParams struct {
	GatewayURL, APIURL string
	Username           string
	Password           secret.String
	DB                 dbFlags
	Source             string
	Subscription       string
	Mode               sync.Mode
	PageSize           int
	Parallel           int
	PageTimeout        time.Duration
	MaxRetries         int
	CAFile             string
	CAPEM              []byte
	MapFile            string
	Progress           bool // draw a progress bar (terminal)
}

// Summary is the machine-readable result of a sync (`qflow sync --json`).
// With several sources (--source all) the counts are per kind of record:
// assets from CSAM, hosts and findings from VMDR, vulns from the
// KnowledgeBase; Runs lists each source's run.
type Summary struct {
	RunID            int64               `json:"run_id"`
	State            string              `json:"state"`
	Source           string              `json:"source"`
	Subscription     string              `json:"subscription"`
	Mode             string              `json:"mode"`
	Resumed          bool                `json:"resumed"`
	Assets           AssetCounts         `json:"assets"`
	SoftwareInstalls int64               `json:"software_installs"`
	Hosts            AssetCounts         `json:"hosts"`
	Findings         sync.FindingCounts  `json:"findings"`
	Vulns            AssetCounts         `json:"vulns"`
	Quarantined      int64               `json:"quarantined"`
	Stale            int64               `json:"stale"`
	APICalls         int64               `json:"api_calls"`
	DurationMS       int64               `json:"duration_ms"`
	Map              string              `json:"map"`
	Database         string              `json:"database"`
	Totals           store.Totals        `json:"totals"`
	FindingTotals    store.FindingTotals `json:"finding_totals"`
	TopOS            []store.NameCount   `json:"top_operating_systems,omitempty"`
	TopSoftware      []store.NameCount   `json:"top_software,omitempty"`
	TopQIDs          []store.NameCount   `json:"top_qids,omitempty"`
	Runs             []RunSummary        `json:"runs"`
	// Changes counts this sync's change feed by kind (see qflow changes).
	Changes map[string]int64 `json:"changes"`
	// RiskBands counts active assets per TruRisk band, and "unscored".
	RiskBands map[string]int64 `json:"risk_bands"`
	Error     string           `json:"error,omitempty"`
}

// RunSummary is one source's run within a sync.
type RunSummary struct {
	RunID       int64       `json:"run_id"`
	Source      string      `json:"source"`
	State       string      `json:"state"`
	Mode        string      `json:"mode"`
	Resumed     bool        `json:"resumed"`
	Records     AssetCounts `json:"records"`
	Quarantined int64       `json:"quarantined"`
	Stale       int64       `json:"stale"`
	APICalls    int64       `json:"api_calls"`
	DurationMS  int64       `json:"duration_ms"`
	Map         string      `json:"map"`
	Error       string      `json:"error,omitempty"`
}

// AssetCounts are the record counts of a run.
type AssetCounts struct {
	Seen      int64 `json:"seen"`
	New       int64 `json:"new"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

// sourceNames lists the sources a --source value names, in the order they
// run: the KnowledgeBase before VMDR so that findings join fresh entries.
func sourceNames(s string) ([]string, error) {
	switch s {
	case "", "csam":
		return []string{"csam"}, nil
	case "vmdr", "kb":
		return []string{s}, nil
	case "all":
		return []string{"csam", "kb", "vmdr"}, nil
	}
	return nil, fmt.Errorf("--source %q: want csam, vmdr, kb or all", s)
}

// sourceChains groups names into runs that go one after the other: the
// API server's sources (the KnowledgeBase, then VMDR) in one chain, CSAM
// on the gateway in another. Chains run side by side.
func sourceChains(names []string) [][]string {
	var gateway, api []string
	for _, n := range names {
		if n == "csam" {
			gateway = append(gateway, n)
		} else {
			api = append(api, n)
		}
	}
	var out [][]string
	for _, c := range [][]string{gateway, api} {
		if len(c) > 0 {
			out = append(out, c)
		}
	}
	return out
}

func httpClient(env Env, p syncParams) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	if env.DialContext != nil {
		tr.DialContext = env.DialContext
	}
	pem := p.CAPEM
	if p.CAFile != "" {
		b, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pem = b
	}
	if len(pem) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("--ca-file: no PEM certificate found in the file")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// usedMap is the transform map a sync runs with and its exact text.
type usedMap struct {
	c    *transform.Compiled
	yaml []byte
}

// loadMap resolves --map for src: an existing file, else the name of a map
// imported into the database, else a built-in name; without --map the
// built-in map of src.
func loadMap(ctx context.Context, g *globals, log *slog.Logger, p syncParams, src model.Source, cat *model.Catalog) (usedMap, error) {
	if p.MapFile == "" {
		data, err := transform.Default(src)
		if err != nil {
			return usedMap{}, err
		}
		c, err := transform.Load(data, strings.ToLower(string(src))+"-default", cat)
		return usedMap{c, data}, err
	}
	what := p.MapFile
	data, err := os.ReadFile(p.MapFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Not a file: a map name. The database is opened only if it exists.
		st, err := openStore(ctx, g, p.DB, openIfExists, log)
		if err != nil {
			return usedMap{}, err
		}
		m, err := findMap(ctx, st, p.MapFile)
		if st != nil {
			st.Close()
		}
		if err != nil {
			return usedMap{}, fmt.Errorf("--map %s: no such file, and %w", p.MapFile, err)
		}
		data, what = m.YAML, m.Name+" ("+m.Origin+")"
	case err != nil:
		return usedMap{}, fmt.Errorf("--map: %w", err)
	}
	c, err := transform.Load(data, p.MapFile, cat)
	if err != nil {
		return usedMap{}, invalidMap(what, err)
	}
	if c.Map().Source != src {
		return usedMap{}, fmt.Errorf("--map %s: the map reads %s records, but the source is %s", what, c.Map().Source, src)
	}
	return usedMap{c, data}, nil
}

// runSync performs one sync of each source p.Source names and returns the
// summary. err is non-nil when a run could not start or failed; the summary
// is filled as far as it got.
func runSync(ctx context.Context, g *globals, log *slog.Logger, p syncParams) (*Summary, error) {
	start := time.Now()
	names, err := sourceNames(p.Source)
	if err != nil {
		return nil, err
	}
	needGateway := slices.Contains(names, "csam")
	needAPI := slices.Contains(names, "vmdr") || slices.Contains(names, "kb")
	if p.APIURL == "" {
		p.APIURL = p.GatewayURL
	}
	if needGateway && p.GatewayURL == "" {
		return nil, errors.New("--gateway-url is required for CSAM (e.g. https://gateway.qg1.apps.qualys.com)")
	}
	if needAPI && p.APIURL == "" {
		return nil, errors.New("--api-url is required for VMDR and the KnowledgeBase (e.g. https://qualysapi.qg1.apps.qualys.com)")
	}
	if p.Username == "" || p.Password.IsZero() {
		return nil, errors.New("credentials missing: set QUALYS_USERNAME and QUALYS_PASSWORD in the environment")
	}
	if p.Source == "csam" && p.PageSize > 300 {
		return nil, fmt.Errorf("--page-size %d: CSAM pages hold at most 300 assets", p.PageSize)
	}
	if p.MapFile != "" && len(names) > 1 {
		return nil, errors.New("--map applies to one source: use it with --source csam, vmdr or kb")
	}
	cat := model.NewCatalog()
	maps := map[string]usedMap{}
	for _, n := range names {
		if maps[n], err = loadMap(ctx, g, log, p, recordSource(n), cat); err != nil {
			return nil, err
		}
	}
	hc, err := httpClient(g.env, p)
	if err != nil {
		return nil, err
	}
	defer hc.CloseIdleConnections()
	newClient := func(gw string) (*qualys.Client, error) {
		return qualys.NewClient(qualys.Options{
			GatewayURL: gw, APIURL: p.APIURL, Username: p.Username, Password: p.Password,
			HTTPClient: hc, Logger: log, MaxRetries: p.MaxRetries, PageTimeout: p.PageTimeout, Concurrency: p.Parallel,
			UserAgent: "qflow",
		})
	}
	// Check the credentials before touching the database: a wrong password
	// writes nothing.
	clients := map[string]*qualys.Client{}
	if needGateway {
		c, err := newClient(p.GatewayURL)
		if err != nil {
			return nil, err
		}
		if err := c.Authenticate(ctx); err != nil {
			return nil, err
		}
		clients["csam"] = c
	}
	if needAPI {
		c, err := newClient("")
		if err != nil {
			return nil, err
		}
		if err := c.VMDR.About(ctx); err != nil {
			return nil, fmt.Errorf("check the API server and credentials: %w", err)
		}
		clients["kb"], clients["vmdr"] = c, c
	}
	st, err := openStore(ctx, g, p.DB, openCreate, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// Keep the text of each map used, so that the map of a past run can be
	// read back by its hash (runs.map_hash).
	for _, n := range names {
		um := maps[n]
		if err := st.SaveRunMap(ctx, um.c.Hash(), um.c.Map().Name, string(um.yaml)); err != nil {
			return nil, err
		}
	}

	sum := &Summary{Source: p.Source, Subscription: p.Subscription, Database: st.Location(), State: sync.StateProcessed, Runs: []RunSummary{}}
	// CSAM is read from the gateway, the KnowledgeBase and VMDR from the
	// API server: each API has its own concurrency limit, so the two go
	// side by side (the store serializes their transactions). The
	// KnowledgeBase goes before VMDR, whose findings it describes. Each
	// chain has its own client, so that each run counts its own calls.
	type outcome struct {
		run *sync.Run
		err error
		d   time.Duration
	}
	results := make(map[string]outcome, len(names))
	var mu stdsync.Mutex
	pg := newProgressGroup(g, log, p.Progress)
	// Side by side, CSAM and VMDR finish in the order they would one after
	// the other: VMDR once every CSAM batch is in, CSAM once the API
	// server's runs are done. Each scores its assets' risk when it finishes:
	// so both score from the complete data, and the change feed gets no
	// risk band change from a half-loaded asset.
	csamWritten, apiDone := make(chan struct{}), make(chan struct{})
	closeCSAM := stdsync.OnceFunc(func() { close(csamWritten) })
	await := func(ch <-chan struct{}) func(context.Context) error {
		return func(ctx context.Context) error {
			select {
			case <-ch:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	beforeFinish := map[string]func(context.Context) error{}
	if slices.Contains(names, "csam") && slices.Contains(names, "vmdr") {
		beforeFinish["csam"] = func(ctx context.Context) error {
			closeCSAM()
			return await(apiDone)(ctx)
		}
		beforeFinish["vmdr"] = await(csamWritten)
	}
	runOne := func(client *qualys.Client, n string) error {
		var src sync.Source
		label := "assets"
		// Records per transaction: a VMDR host carries some 30 findings,
		// so fewer hosts per batch keep the memory in flight about equal.
		batch := 100
		switch n {
		case "csam":
			ps := p.PageSize
			if ps > 300 {
				ps = 300
			}
			src = source.NewCSAM(client, source.CSAMOptions{PageSize: ps, Parallel: p.Parallel, Logger: log})
		case "kb":
			src, label = source.NewKB(client), "QIDs"
		case "vmdr":
			src, label, batch = source.NewVMDR(client, source.VMDROptions{PageSize: p.PageSize, Parallel: p.Parallel, KB: st, Logger: log}), "hosts", 25
		}
		tm := maps[n].c
		runStart := time.Now()
		prog := pg.run(label)
		eng, err := sync.New(sync.Options{
			Source: src, Store: load.New(st, log), Transformer: tm, MapName: tm.Map().Name, MapHash: tm.Hash(),
			Subscription: p.Subscription, Mode: p.Mode, Logger: log, Progress: prog.update, BatchSize: batch,
			BeforeFinish: beforeFinish[n],
		})
		if err != nil {
			return err
		}
		run, runErr := eng.Run(ctx)
		prog.done()
		mu.Lock()
		results[n] = outcome{run, runErr, time.Since(runStart)}
		mu.Unlock()
		return nil
	}
	var chains errgroup.Group
	for _, chain := range sourceChains(names) {
		client := clients[chain[0]]
		chains.Go(func() error {
			if chain[0] == "csam" {
				defer closeCSAM() // also when the run failed
			} else {
				defer close(apiDone)
			}
			for _, n := range chain {
				if err := runOne(client, n); err != nil {
					return err
				}
				if ctx.Err() != nil {
					return nil // stopped: the next run would fail at once
				}
			}
			return nil
		})
	}
	err = chains.Wait()
	pg.wait()
	if err != nil {
		return nil, err
	}
	var runErrs []error
	for _, n := range names {
		o, ok := results[n]
		switch {
		case !ok: // not started: the run before it in its chain was stopped
			continue
		case o.run == nil:
			runErrs = append(runErrs, fmt.Errorf("%s: %w", n, o.err))
			sum.State = sync.StateFailed
			continue
		case o.err != nil:
			runErrs = append(runErrs, fmt.Errorf("%s: %w", n, o.err))
		}
		sum.add(o.run, o.d)
	}
	runErr := errors.Join(runErrs...)
	if runErr != nil {
		sum.Error = runErr.Error()
	}
	sum.DurationMS = time.Since(start).Milliseconds()
	// The summary reads the database even after a cancelled run. The reads
	// are independent aggregates over whole tables (the findings' ones scan
	// an index of every finding): they run side by side on the readers.
	qctx := context.WithoutCancel(ctx)
	sg, gctx := errgroup.WithContext(qctx)
	sg.Go(func() (err error) { sum.Totals, err = st.Totals(gctx); return err })
	sg.Go(func() (err error) { sum.FindingTotals, err = st.FindingTotals(gctx); return err })
	sg.Go(func() (err error) { sum.TopOS, err = st.TopOperatingSystems(gctx, 5); return err })
	sg.Go(func() (err error) { sum.TopSoftware, err = st.TopSoftware(gctx, 5); return err })
	sg.Go(func() (err error) { sum.TopQIDs, err = st.TopQIDs(gctx, 5); return err })
	sg.Go(func() (err error) { sum.RiskBands, err = load.RiskBands(gctx, st); return err })
	if err := sg.Wait(); err != nil {
		return sum, errors.Join(runErr, err)
	}
	var ids []int64
	for _, r := range sum.Runs {
		ids = append(ids, r.RunID)
	}
	sum.Changes = map[string]int64{}
	if len(ids) > 0 {
		feed, err := st.Changes(qctx, store.ChangeFilter{RunIDs: ids, Limit: -1})
		if err != nil {
			return sum, errors.Join(runErr, err)
		}
		sum.Changes = feed.Counts
	}
	return sum, runErr
}

// recordSource is the kind of record a sync source produces (the transform
// map's source).
func recordSource(name string) model.Source {
	switch name {
	case "vmdr":
		return model.SourceVMDR
	case "kb":
		return model.SourceKB
	}
	return model.SourceCSAM
}

// add folds one source's run into the summary.
func (s *Summary) add(run *sync.Run, d time.Duration) {
	c := run.Counts
	rc := AssetCounts{Seen: c.Seen, New: c.New, Updated: c.Updated, Unchanged: c.Unchanged}
	s.RunID, s.Mode = run.ID, string(run.Mode)
	s.Resumed = s.Resumed || run.Resumed
	if run.State != sync.StateProcessed {
		s.State = run.State
	}
	switch run.Source {
	case "csam":
		s.Assets = rc
		s.SoftwareInstalls = c.SoftwareInstalls
	case "vmdr":
		s.Hosts = rc
		s.Findings = c.Findings
	case "kb":
		s.Vulns = rc
	}
	s.Quarantined += c.Quarantined
	s.Stale += c.Stale
	s.APICalls += run.APICalls
	if s.Map == "" {
		s.Map = run.MapName
	} else {
		s.Map += "," + run.MapName
	}
	s.Runs = append(s.Runs, RunSummary{RunID: run.ID, Source: run.Source, State: run.State, Mode: string(run.Mode), Resumed: run.Resumed,
		Records: rc, Quarantined: c.Quarantined, Stale: c.Stale, APICalls: run.APICalls, DurationMS: d.Milliseconds(), Map: run.MapName, Error: run.Error})
}
