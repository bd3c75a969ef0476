package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/sync"
)

func newDemoCmd(g *globals) *cobra.Command {
	var assets int
	var seed int64
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole job end to end against the built-in simulator",
		Long: `Starts the Qualys simulator in-process on a free loopback port, runs a full
CSAM sync into the database and prints a summary: counts, duration, API calls,
top operating systems and top software. It then checks the database against
the simulator's ground truth.`,
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
			fmt.Fprintf(g.env.Stderr, "qflow demo: simulator with %d assets at %s; syncing into %s\n", assets, running.URL, db)
			sum, err := runSync(ctx, g, log, syncParams{
				GatewayURL: running.URL, APIURL: running.URL, Username: user, Password: secret.New(pass),
				DB: db, Source: "csam", Subscription: "demo", Mode: sync.ModeFull, PageSize: 300, Parallel: 2,
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
			verdict := "matches"
			if sum.Totals.ActiveAssets != int64(truth.Assets) || sum.Totals.SoftwareInstalls != int64(truth.SoftwareInstalls) {
				verdict = "DOES NOT match"
			}
			fmt.Fprintf(g.env.Stdout, "simulator truth\t%d assets, %d software installs: database %s (%d active assets, %d installs); limit violations %d\n",
				truth.Assets, truth.SoftwareInstalls, verdict, sum.Totals.ActiveAssets, sum.Totals.SoftwareInstalls, stats.LimitViolations)
			if verdict != "matches" {
				return fmt.Errorf("database does not match the simulator's truth")
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&assets, "assets", 2000, "number of simulated assets")
	cmd.Flags().Int64Var(&seed, "seed", 1, "seed of the simulated data")
	cmd.Flags().StringVar(&db, "db", "qflow.db", "SQLite database file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}
