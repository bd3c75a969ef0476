package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/qualyssim"
)

type simFlags struct {
	listen, username, password, rateLimit, latency, faults, caOut string
	assets, hosts, epoch, concurrency, subscriptions              int
	seed                                                          int64
	overlap, rescan                                               float64
	tokenTTL                                                      time.Duration
	tls                                                           bool
}

func (f *simFlags) register(cmd *cobra.Command, withServe bool) {
	fl := cmd.Flags()
	fl.IntVar(&f.assets, "assets", 2000, "number of assets in each simulated subscription")
	fl.IntVar(&f.hosts, "hosts", 0, "number of VMDR hosts (0: one per CSAM asset with a hostId plus 5% VMDR-only hosts)")
	fl.IntVar(&f.epoch, "epoch", 0, "simulated time to start at: epoch N equals N calls of POST /_sim/advance (fixes, reopens and adds detections, modifies hosts)")
	fl.Float64Var(&f.rescan, "rescan", 0, "share of the VMDR hosts rescanned (and changed) each simulated day, in (0, 1] (0: the default, 0.2)")
	fl.Int64Var(&f.seed, "seed", 1, "seed of the data set and of the faults")
	fl.StringVar(&f.faults, "faults", "", "faults to inject, e.g. 5xx=0.05,reset=0.02,nohasmore=0.02,slow=0.01:10s,malformed=0.01")
	fl.IntVar(&f.subscriptions, "subscriptions", 1, "number of subscriptions served (each with --assets assets; usernames <username>1 ... <username>K when more than 1)")
	fl.Float64Var(&f.overlap, "overlap", 0, "fraction (0..1) of the machines of each subscription after the first that also appear in an earlier one (same hardware identifiers)")
	if !withServe {
		return
	}
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8443", "address to listen on (127.0.0.1:0 picks a free port)")
	fl.StringVar(&f.username, "username", "qflow", "accepted username")
	fl.StringVar(&f.password, "password", "qflow-sim", "accepted password")
	fl.DurationVar(&f.tokenTTL, "token-ttl", 4*time.Hour, "lifetime of the JWTs /auth issues")
	fl.IntVar(&f.concurrency, "concurrency-limit", 2, "calls allowed in flight at once (X-Concurrency-Limit-Limit)")
	fl.StringVar(&f.rateLimit, "rate-limit", "", "calls allowed per window, e.g. 300/1h (empty: unlimited)")
	fl.StringVar(&f.latency, "latency", "", "added latency per call, base[+per-record], e.g. 20ms+50us")
	fl.BoolVar(&f.tls, "tls", false, "serve HTTPS with a generated self-signed certificate")
	fl.StringVar(&f.caOut, "ca-out", "", "with --tls: write the CA certificate (PEM) to this file")
}

func (f *simFlags) config(g *globals) (qualyssim.Config, error) {
	faults, err := qualyssim.ParseFaults(f.faults)
	if err != nil {
		return qualyssim.Config{}, fmt.Errorf("--faults: %w", err)
	}
	cfg := qualyssim.Config{Assets: f.assets, Hosts: f.hosts, Epoch: f.epoch, Rescan: f.rescan, Seed: f.seed, Faults: faults, Username: f.username, Password: f.password,
		Subscriptions: f.subscriptions, Overlap: f.overlap, TokenTTL: f.tokenTTL, ConcurrencyLimit: f.concurrency, Logger: g.logger()}
	if cfg.RateLimit, cfg.RateWindow, err = qualyssim.ParseRateLimit(f.rateLimit); err != nil {
		return cfg, fmt.Errorf("--rate-limit: %w", err)
	}
	if cfg.Latency, err = qualyssim.ParseLatency(f.latency); err != nil {
		return cfg, fmt.Errorf("--latency: %w", err)
	}
	return cfg, nil
}

func newSimCmd(g *globals) *cobra.Command {
	f := &simFlags{}
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the Qualys platform simulator (CSAM, VMDR, KnowledgeBase) on loopback",
		Long: `Serves a seeded, deterministic Qualys subscription with the real URLs, payload
shapes, pagination, limits and failure modes. The gateway and API-server paths
are answered by one server. GET /_sim/truth gives the ground truth, GET
/_sim/stats the calls per endpoint, the highest concurrency seen, the calls
that broke a limit and each API's busy time (busy_seconds); POST /_sim/advance moves simulated time on by one day
(detections fixed, reopened and added, hosts modified).

Gateway (JWT): POST /auth, /rest/2.0/count/am/asset, /rest/2.0/search/am/asset.
API server (basic auth + X-Requested-With): /api/{2.0,3.0,4.0,5.0}/fo/asset/host/,
/api/{2.0,…}/fo/asset/host/vm/detection/, /api/2.0/fo/knowledge_base/vuln/, /msp/about.php.

Default credentials: username "qflow", password "qflow-sim".

--subscriptions K serves K subscriptions, each with its own assets, hosts,
detections, tokens and limits, as users qflow1 ... qflowK (same password).
--overlap F makes a fraction F of the machines of each subscription after the
first also machines of an earlier one: same serial, hardware UUID, MACs and
FQDN, own assetId, hostId and agentId. /_sim/truth then lists each
subscription and gives unified_assets, the number of distinct machines across
subscriptions and sources. About 3% of the machines report shared junk
identifiers (placeholder serials, all-zero UUID, virtual MACs) that must not
merge.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(g)
			if err != nil {
				return err
			}
			srv, err := qualyssim.New(cfg)
			if err != nil {
				return err
			}
			_, p := srv.Credentials()
			users := srv.Usernames()
			if len(users) == 1 {
				fmt.Fprintf(g.env.Stderr, "qualyssim: %d assets, seed %d, epoch %d, credentials %s / %s, concurrency limit %d\n", f.assets, f.seed, f.epoch, users[0], p, f.concurrency)
			} else {
				fmt.Fprintf(g.env.Stderr, "qualyssim: %d subscriptions of %d assets, overlap %g, seed %d, epoch %d, usernames %s, password %s, concurrency limit %d per subscription\n",
					len(users), f.assets, f.overlap, f.seed, f.epoch, strings.Join(users, ", "), p, f.concurrency)
			}
			running, err := srv.Start(cmd.Context(), f.listen, f.tls, f.caOut)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "qualyssim listening on %s\n", running.URL)
			<-cmd.Context().Done()
			return running.Close()
		},
	}
	f.register(cmd, true)
	tf := &simFlags{}
	truth := &cobra.Command{
		Use:   "truth",
		Short: "Print the simulator's ground truth as JSON without serving",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			faults, err := qualyssim.ParseFaults(tf.faults)
			if err != nil {
				return fmt.Errorf("--faults: %w", err)
			}
			t, err := qualyssim.TruthFor(qualyssim.Config{Assets: tf.assets, Hosts: tf.hosts, Epoch: tf.epoch, Rescan: tf.rescan, Seed: tf.seed, Faults: faults,
				Subscriptions: tf.subscriptions, Overlap: tf.overlap})
			if err != nil {
				return err
			}
			enc := json.NewEncoder(g.env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(t)
		},
	}
	tf.register(truth, false)
	cmd.AddCommand(truth)
	return cmd
}
