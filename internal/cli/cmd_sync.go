package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/sync"
)

func newSyncCmd(g *globals) *cobra.Command {
	var p syncParams
	var full, incremental, asJSON bool
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync a Qualys source into the database",
		Long: `Pulls host assets from the CSAM v2 API into the database.

Without --full or --incremental the sync continues where the last run of that
source stopped (after a crash or a kill, that is the resume), or else pulls
what changed since the last completed run; the first run is always full.

Credentials come only from the environment: QUALYS_USERNAME, QUALYS_PASSWORD.
http:// URLs are accepted for loopback hosts only; otherwise https with the
system roots or --ca-file.`,
		Example: `  QUALYS_USERNAME=qflow QUALYS_PASSWORD=qflow-sim qflow sync --gateway-url http://127.0.0.1:8443 --db qflow.db --full --json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if full && incremental {
				return errors.New("--full and --incremental exclude each other")
			}
			p.Mode = sync.ModeResume
			if full {
				p.Mode = sync.ModeFull
			} else if incremental {
				p.Mode = sync.ModeIncremental
			}
			p.Username = g.env.Getenv("QUALYS_USERNAME")
			p.Password = secret.New(g.env.Getenv("QUALYS_PASSWORD"))
			p.Progress = !asJSON
			log := g.logger()
			sum, err := runSync(cmd.Context(), g, log, p)
			if sum != nil {
				if asJSON {
					enc := json.NewEncoder(g.env.Stdout)
					if e := enc.Encode(sum); e != nil {
						return e
					}
				} else {
					printSummary(g.env.Stdout, sum)
				}
			}
			if err != nil {
				return fmt.Errorf("sync failed: %w", err)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&p.GatewayURL, "gateway-url", "", "Qualys gateway URL (CSAM), e.g. https://gateway.qg1.apps.qualys.com")
	fl.StringVar(&p.APIURL, "api-url", "", "Qualys API server URL (VMDR, KnowledgeBase); defaults to the gateway URL")
	fl.StringVar(&p.DB, "db", "qflow.db", "SQLite database file")
	fl.StringVar(&p.Source, "source", "csam", "source to sync: csam")
	fl.StringVar(&p.Subscription, "subscription", "default", "name of the Qualys subscription (scopes native keys)")
	fl.BoolVar(&full, "full", false, "read everything the source holds, marking records not seen as stale")
	fl.BoolVar(&incremental, "incremental", false, "read only what changed since the last completed run")
	fl.IntVar(&p.PageSize, "page-size", 300, "records per page (CSAM: at most 300)")
	fl.IntVar(&p.Parallel, "parallel", 2, "parallel requests (keep within the subscription's concurrency limit)")
	fl.DurationVar(&p.PageTimeout, "page-timeout", 5*time.Minute, "timeout of one page request, separate from the run")
	fl.IntVar(&p.MaxRetries, "max-retries", 5, "retries of one request before the run fails")
	fl.StringVar(&p.CAFile, "ca-file", "", "PEM file of CA certificates to trust in addition to the system roots")
	fl.StringVar(&p.MapFile, "map", "", "transform map YAML file (default: the built-in csam-default map)")
	fl.BoolVar(&asJSON, "json", false, "print the run summary as one JSON object on stdout")
	return cmd
}

func printSummary(w io.Writer, s *Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "run %d\t%s (%s, %s%s)\n", s.RunID, s.State, s.Source, s.Mode, map[bool]string{true: ", resumed", false: ""}[s.Resumed])
	fmt.Fprintf(tw, "assets\tseen %d · new %d · updated %d · unchanged %d · quarantined %d · stale %d\n",
		s.Assets.Seen, s.Assets.New, s.Assets.Updated, s.Assets.Unchanged, s.Quarantined, s.Stale)
	fmt.Fprintf(tw, "software installs\t%d\n", s.SoftwareInstalls)
	fmt.Fprintf(tw, "API calls\t%d\n", s.APICalls)
	fmt.Fprintf(tw, "duration\t%s\n", (time.Duration(s.DurationMS) * time.Millisecond).String())
	fmt.Fprintf(tw, "database\t%s: %d assets, %d software, %d installs, %d open ports, %d quarantined\n",
		s.Database, s.Totals.Assets, s.Totals.Software, s.Totals.SoftwareInstalls, s.Totals.OpenPorts, s.Totals.Quarantined)
	if len(s.TopOS) > 0 {
		var parts []string
		for _, o := range s.TopOS {
			parts = append(parts, fmt.Sprintf("%s (%d)", o.Name, o.Count))
		}
		fmt.Fprintf(tw, "top operating systems\t%s\n", strings.Join(parts, ", "))
	}
	if len(s.TopSoftware) > 0 {
		var parts []string
		for _, o := range s.TopSoftware {
			parts = append(parts, fmt.Sprintf("%s (%d)", o.Name, o.Count))
		}
		fmt.Fprintf(tw, "top software\t%s\n", strings.Join(parts, ", "))
	}
	if s.Error != "" {
		fmt.Fprintf(tw, "error\t%s\n", s.Error)
	}
	tw.Flush()
}
