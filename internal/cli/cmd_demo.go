package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/sync"
)

func newDemoCmd(g *globals) *cobra.Command {
	var assets int
	var seed int64
	var db dbFlags
	var asJSON bool
	var days int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole job end to end against the built-in simulator",
		Long: `Starts the Qualys simulator in-process on a free loopback port, runs a full
sync of every source into the database (CSAM assets, the KnowledgeBase, VMDR
hosts and detections) and prints a summary: counts, duration, API calls, top
operating systems and software, findings by severity and status, and the
QIDs open on the most hosts, TruRisk bands. It then checks the database
against the simulator's ground truth.

Then, --days times (default 1), it moves the simulator on a day (hosts are
rescanned: detections new, fixed, reopened), runs an incremental sync and
checks its change feed against the simulator's list of changes. With --json
it prints one summary per sync, one JSON object per line.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			log := g.logger()
			srv, err := qualyssim.New(qualyssim.Config{Assets: assets, Seed: seed, Logger: log})
			if err != nil {
				return err
			}
			simCtx, stop := context.WithCancel(ctx)
			defer stop()
			running, err := srv.Start(simCtx, "127.0.0.1:0", false, "")
			if err != nil {
				return err
			}
			defer running.Close()
			user, pass := srv.Credentials()
			fmt.Fprintf(g.env.Stderr, "qflow demo: simulator with %d assets at %s; syncing into %s\n", assets, running.URL, db.label(g))
			sum, err := runSync(ctx, g, log, syncParams{
				GatewayURL: running.URL, APIURL: running.URL, Username: user, Password: secret.New(pass),
				DB: db, Source: "all", Subscription: "demo", Mode: sync.ModeFull, Parallel: 2,
				PageTimeout: 2 * time.Minute, MaxRetries: 5, Progress: !asJSON,
			})
			if sum != nil {
				if asJSON {
					if e := json.NewEncoder(g.env.Stdout).Encode(sum); e != nil {
						return e
					}
				} else {
					printSummary(g.env.Stdout, sum)
				}
			}
			if err != nil {
				return fmt.Errorf("demo sync failed: %w", err)
			}
			truth := srv.Truth()
			stats := srv.Stats()
			diffs := truthDiffs(sum, truth)
			verdict := "matches"
			if len(diffs) > 0 {
				verdict = "DOES NOT match: " + strings.Join(diffs, "; ")
			}
			fmt.Fprintf(g.env.Stdout, "simulator truth\t%d assets, %d installs, %d hosts, %d detections, %d QIDs: database %s; limit violations %d\n",
				truth.Assets, truth.SoftwareInstalls, truth.Hosts, truth.Detections.Total, len(truth.KBQIDs), verdict, stats.LimitViolations)
			if len(diffs) > 0 {
				return fmt.Errorf("database does not match the simulator's truth")
			}
			for day := 1; day <= days; day++ {
				if err := demoDayLater(ctx, g, log, srv, running.URL, db, day, asJSON); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&days, "days", 1, "then move the simulator on this many days, with an incremental sync and its change feed after each")
	cmd.Flags().IntVar(&assets, "assets", 2000, "number of simulated assets")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the simulated data")
	db.register(cmd.Flags(), "")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

// truthDiffs compares a full sync of every source with the simulator's
// ground truth and returns what differs (nothing when the database matches).
func truthDiffs(sum *Summary, t qualyssim.Truth) []string {
	var d []string
	check := func(what string, got, want int64) {
		if got != want {
			d = append(d, fmt.Sprintf("%s: database %d, truth %d", what, got, want))
		}
	}
	ft := sum.FindingTotals
	check("CSAM assets", sum.Totals.ActiveRecords["CSAM"], int64(t.Assets))
	check("unified assets (one per machine)", sum.Totals.ActiveAssets, int64(t.UnifiedAssets))
	check("software installs", sum.Totals.SoftwareInstalls, int64(t.SoftwareInstalls))
	check("VMDR hosts", ft.Hosts, int64(t.Hosts-len(t.StuckHosts)))
	check("findings", ft.Findings, int64(t.Detections.Total))
	for _, k := range slices.Sorted(maps.Keys(t.Detections.ByStatus)) {
		check("findings "+k, ft.ByStatus[k], int64(t.Detections.ByStatus[k]))
	}
	for _, k := range slices.Sorted(maps.Keys(t.Detections.ByType)) {
		check("findings of type "+k, ft.ByType[k], int64(t.Detections.ByType[k]))
	}
	check("ignored findings", ft.Ignored, int64(t.Detections.Ignored))
	check("disabled findings", ft.Disabled, int64(t.Detections.Disabled))
	check("KnowledgeBase QIDs", ft.Vulns, int64(len(t.KBQIDs)))
	return d
}

// demoDayLater moves the simulator on a day, syncs incrementally, prints
// what changed and checks it against the simulator's truth.
func demoDayLater(ctx context.Context, g *globals, log *slog.Logger, srv *qualyssim.Server, url string, db dbFlags, day int, asJSON bool) error {
	if _, err := srv.Advance(); err != nil {
		return err
	}
	user, pass := srv.Credentials()
	sum, err := runSync(ctx, g, log, syncParams{
		GatewayURL: url, APIURL: url, Username: user, Password: secret.New(pass),
		DB: db, Source: "all", Subscription: "demo", Mode: sync.ModeIncremental, Parallel: 2,
		PageTimeout: 2 * time.Minute, MaxRetries: 5,
	})
	if sum != nil && asJSON {
		if e := json.NewEncoder(g.env.Stdout).Encode(sum); e != nil {
			return e
		}
	}
	if err != nil {
		return fmt.Errorf("demo incremental sync (day %d) failed: %w", day, err)
	}
	truth := srv.Truth()
	c, tc := sum.Changes, truth.Changes
	var runs []string
	for _, r := range sum.Runs {
		runs = append(runs, "--run "+strconv.FormatInt(r.RunID, 10))
	}
	if !asJSON {
		fmt.Fprintf(g.env.Stdout, "day %d (incremental)\t%d hosts rescanned · findings new %d · fixed %d · reopened %d · risk band changes %d · %d API calls · %s\n",
			day, sum.Hosts.Seen, c["finding_new"], c["finding_fixed"], c["finding_reopened"], c["risk_band"], sum.APICalls,
			(time.Duration(sum.DurationMS) * time.Millisecond).String())
		fmt.Fprintf(g.env.Stdout, "\tsee them: qflow changes %s %s\n", db.flag(g), strings.Join(runs, " "))
	}
	diffs := truthDiffs(sum, truth)
	check := func(what string, got int64, want int) {
		if got != int64(want) {
			diffs = append(diffs, fmt.Sprintf("%s: database %d, truth %d", what, got, want))
		}
	}
	check("hosts rescanned", sum.Hosts.Seen, len(truth.ChangedHostIDs))
	check("new findings", c["finding_new"], len(tc.NewFindings))
	check("fixed findings", c["finding_fixed"], len(tc.FixedFindings))
	check("reopened findings", c["finding_reopened"], len(tc.ReopenedFindings))
	if !asJSON {
		verdict := "matches"
		if len(diffs) > 0 {
			verdict = "DOES NOT match: " + strings.Join(diffs, "; ")
		}
		fmt.Fprintf(g.env.Stdout, "simulator truth\tday %d: %d hosts rescanned, findings new %d · fixed %d · reopened %d: change feed %s\n",
			day, len(truth.ChangedHostIDs), len(tc.NewFindings), len(tc.FixedFindings), len(tc.ReopenedFindings), verdict)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("day %d: database does not match the simulator's truth: %s", day, strings.Join(diffs, "; "))
	}
	return nil
}
