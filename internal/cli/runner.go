package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/source"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// syncParams is everything one sync needs, from flags or from the demo.
type syncParams struct {
	GatewayURL, APIURL string
	Username           string
	Password           secret.String
	DB                 string
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
type Summary struct {
	RunID            int64              `json:"run_id"`
	State            string             `json:"state"`
	Source           string             `json:"source"`
	Subscription     string             `json:"subscription"`
	Mode             string             `json:"mode"`
	Resumed          bool               `json:"resumed"`
	Assets           AssetCounts        `json:"assets"`
	SoftwareInstalls int64              `json:"software_installs"`
	Quarantined      int64              `json:"quarantined"`
	Stale            int64              `json:"stale"`
	APICalls         int64              `json:"api_calls"`
	DurationMS       int64              `json:"duration_ms"`
	Map              string             `json:"map"`
	Database         string             `json:"database"`
	Totals           sqlite.Totals      `json:"totals"`
	TopOS            []sqlite.NameCount `json:"top_operating_systems,omitempty"`
	TopSoftware      []sqlite.NameCount `json:"top_software,omitempty"`
	Error            string             `json:"error,omitempty"`
}

// AssetCounts are the asset counts of a run.
type AssetCounts struct {
	Seen      int64 `json:"seen"`
	New       int64 `json:"new"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
}

func httpClient(p syncParams) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
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

func loadMap(p syncParams, cat *model.Catalog) (*transform.Compiled, error) {
	if p.MapFile != "" {
		data, err := os.ReadFile(p.MapFile)
		if err != nil {
			return nil, fmt.Errorf("--map: %w", err)
		}
		return transform.Load(data, p.MapFile, cat)
	}
	data, err := transform.Default(model.SourceCSAM)
	if err != nil {
		return nil, err
	}
	return transform.Load(data, "csam-default", cat)
}

// runSync performs one sync and returns its summary. err is non-nil when the
// run could not start or failed; the summary is filled as far as it got.
func runSync(ctx context.Context, g *globals, log *slog.Logger, p syncParams) (*Summary, error) {
	start := time.Now()
	if p.Source == "" {
		p.Source = "csam"
	}
	if p.Source != "csam" {
		return nil, fmt.Errorf("--source %q: only csam is supported by this version", p.Source)
	}
	if p.GatewayURL == "" {
		return nil, errors.New("--gateway-url is required (e.g. https://gateway.qg1.apps.qualys.com)")
	}
	if p.Username == "" || p.Password.IsZero() {
		return nil, errors.New("credentials missing: set QUALYS_USERNAME and QUALYS_PASSWORD in the environment")
	}
	if p.PageSize > 300 {
		return nil, fmt.Errorf("--page-size %d: CSAM pages hold at most 300 assets", p.PageSize)
	}
	cat := model.NewCatalog()
	tm, err := loadMap(p, cat)
	if err != nil {
		return nil, err
	}
	hc, err := httpClient(p)
	if err != nil {
		return nil, err
	}
	client, err := qualys.NewClient(qualys.Options{
		GatewayURL: p.GatewayURL, APIURL: p.APIURL, Username: p.Username, Password: p.Password,
		HTTPClient: hc, Logger: log, MaxRetries: p.MaxRetries, PageTimeout: p.PageTimeout, Concurrency: p.Parallel,
		UserAgent: "qflow",
	})
	if err != nil {
		return nil, err
	}
	// Check the credentials before touching the database: a wrong password
	// writes nothing.
	if err := client.Authenticate(ctx); err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, p.DB, log)
	if err != nil {
		return nil, err
	}
	defer st.Close()

	src := source.NewCSAM(client, source.CSAMOptions{PageSize: p.PageSize, Parallel: p.Parallel})
	prog := newProgress(g, log, p.Progress)
	eng, err := sync.New(sync.Options{
		Source: src, Store: st, Transformer: tm, MapName: tm.Map().Name, MapHash: tm.Hash(),
		Subscription: p.Subscription, Mode: p.Mode, Logger: log, Progress: prog.update,
	})
	if err != nil {
		return nil, err
	}
	run, runErr := eng.Run(ctx)
	prog.done()
	if run == nil {
		return nil, runErr
	}
	sum := &Summary{
		RunID: run.ID, State: run.State, Source: run.Source, Subscription: run.Subscription, Mode: string(run.Mode), Resumed: run.Resumed,
		Assets:           AssetCounts{Seen: run.Counts.Seen, New: run.Counts.New, Updated: run.Counts.Updated, Unchanged: run.Counts.Unchanged},
		SoftwareInstalls: run.Counts.SoftwareInstalls, Quarantined: run.Counts.Quarantined, Stale: run.Counts.Stale,
		APICalls: run.APICalls, DurationMS: time.Since(start).Milliseconds(), Map: run.MapName, Database: st.Path(), Error: run.Error,
	}
	// The summary reads the database even after a cancelled run.
	qctx := context.WithoutCancel(ctx)
	if sum.Totals, err = st.Totals(qctx); err != nil {
		return sum, errors.Join(runErr, err)
	}
	if sum.TopOS, err = st.TopOperatingSystems(qctx, 5); err != nil {
		return sum, errors.Join(runErr, err)
	}
	if sum.TopSoftware, err = st.TopSoftware(qctx, 5); err != nil {
		return sum, errors.Join(runErr, err)
	}
	return sum, runErr
}
