package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/secret"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

func newSyncCmd(g *globals) *cobra.Command {
	var p syncParams
	var full, incremental, asJSON bool
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Sync a Qualys source into the database",
		Long: `Pulls Qualys data into the database:

  --source csam   host assets with software, ports, interfaces, tags (CSAM v2 API)
  --source kb     the KnowledgeBase: QIDs with CVEs, CVSS, exploits, malware, ATT&CK
  --source vmdr   VMDR hosts with every vulnerability detection (host detection list
                  API, all statuses, Information Gathered included), joined with
                  the stored KnowledgeBase
  --source all    csam from the gateway, side by side with kb then vmdr from
                  the API server (each API has its own concurrency limit)

For VMDR, --page-size is the truncation_limit (hosts per page, default 1000) and
--page-timeout the per-page timeout: a page that times out is retried with
half the hosts, down to one; a host that still cannot be delivered is
quarantined with the reason and the run goes on.

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
			if !cmd.Flags().Changed("page-size") {
				p.PageSize = 0 // each source's default
			}
			p.Username = g.env.Getenv("QUALYS_USERNAME")
			p.Password = secret.New(g.env.Getenv("QUALYS_PASSWORD"))
			p.Progress = !asJSON
			log := g.logger()
			if cpuProfile != "" {
				stop, err := startCPUProfile(cpuProfile)
				if err != nil {
					return err
				}
				defer stop()
			}
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
	p.DB.register(fl, "")
	fl.StringVar(&p.Source, "source", "csam", "source to sync: csam, vmdr, kb or all")
	fl.StringVar(&p.Subscription, "subscription", "default", "name of the Qualys subscription (scopes native keys)")
	fl.BoolVar(&full, "full", false, "read everything the source holds, marking records not seen as stale")
	fl.BoolVar(&incremental, "incremental", false, "read only what changed since the last completed run")
	fl.IntVar(&p.PageSize, "page-size", 300, "records per page (CSAM: at most 300, default 300; VMDR: truncation_limit in hosts, default 1000)")
	fl.IntVar(&p.Parallel, "parallel", 2, "parallel requests per API (keep within the subscription's concurrency limit)")
	fl.DurationVar(&p.PageTimeout, "page-timeout", 5*time.Minute, "timeout of one page request, separate from the run")
	fl.IntVar(&p.MaxRetries, "max-retries", 5, "retries of one request before the run fails")
	fl.StringVar(&p.CAFile, "ca-file", "", "PEM file of CA certificates to trust in addition to the system roots")
	fl.StringVar(&p.MapFile, "map", "", "transform map for a single source: a YAML file, or the name of an imported (qflow map import) or built-in map (default: the built-in csam-default, vmdr-default or kb-default)")
	fl.BoolVar(&asJSON, "json", false, "print the run summary as one JSON object on stdout")
	fl.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the sync to this file (go tool pprof)")
	return cmd
}

// startCPUProfile starts a CPU profile into path; stop ends and writes it.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func printSummary(w io.Writer, s *Summary) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range s.Runs {
		fmt.Fprintf(tw, "run %d\t%s %s (%s%s) · %d API calls · %s\n", r.RunID, r.Source, r.State, r.Mode,
			map[bool]string{true: ", resumed", false: ""}[r.Resumed], r.APICalls, (time.Duration(r.DurationMS) * time.Millisecond).String())
	}
	has := func(src string) bool {
		for _, r := range s.Runs {
			if r.Source == src {
				return true
			}
		}
		return false
	}
	if has("csam") {
		fmt.Fprintf(tw, "assets\tseen %d · new %d · updated %d · unchanged %d\n", s.Assets.Seen, s.Assets.New, s.Assets.Updated, s.Assets.Unchanged)
		fmt.Fprintf(tw, "software installs\t%d\n", s.SoftwareInstalls)
	}
	if has("kb") {
		fmt.Fprintf(tw, "KnowledgeBase\tseen %d · new %d · updated %d · unchanged %d\n", s.Vulns.Seen, s.Vulns.New, s.Vulns.Updated, s.Vulns.Unchanged)
	}
	if has("vmdr") {
		f := s.Findings
		fmt.Fprintf(tw, "VMDR hosts\tseen %d · new %d · updated %d · unchanged %d\n", s.Hosts.Seen, s.Hosts.New, s.Hosts.Updated, s.Hosts.Unchanged)
		fmt.Fprintf(tw, "findings\tseen %d · new %d · updated %d · fixed %d · reopened %d · no longer reported %d\n",
			f.Seen, f.New, f.Updated, f.Fixed, f.Reopened, f.Missing)
	}
	fmt.Fprintf(tw, "quarantined · stale\t%d · %d\n", s.Quarantined, s.Stale)
	fmt.Fprintf(tw, "API calls\t%d\n", s.APICalls)
	fmt.Fprintf(tw, "duration\t%s\n", (time.Duration(s.DurationMS) * time.Millisecond).String())
	ft := s.FindingTotals
	fmt.Fprintf(tw, "database\t%s: %d assets, %d software, %d installs, %d open ports, %d VMDR hosts, %d findings, %d KnowledgeBase QIDs, %d quarantined\n",
		s.Database, s.Totals.Assets, s.Totals.Software, s.Totals.SoftwareInstalls, s.Totals.OpenPorts, ft.Hosts, ft.Findings, ft.Vulns, s.Totals.Quarantined)
	list := func(title string, xs []store.NameCount) {
		if len(xs) == 0 {
			return
		}
		var parts []string
		for _, o := range xs {
			parts = append(parts, fmt.Sprintf("%s (%d)", o.Name, o.Count))
		}
		fmt.Fprintf(tw, "%s\t%s\n", title, strings.Join(parts, ", "))
	}
	list("top operating systems", s.TopOS)
	list("top software", s.TopSoftware)
	if ft.Findings > 0 {
		var parts []string
		for sev := 5; sev >= 1; sev-- {
			parts = append(parts, fmt.Sprintf("%d: %d", sev, ft.BySeverity[strconv.Itoa(sev)]))
		}
		fmt.Fprintf(tw, "findings by severity\t%s\n", strings.Join(parts, " · "))
		fmt.Fprintf(tw, "findings by status\tNew %d · Active %d · Re-Opened %d · Fixed %d · Info (no status) %d\n",
			ft.ByStatus["New"], ft.ByStatus["Active"], ft.ByStatus["Re-Opened"], ft.ByStatus["Fixed"], ft.ByStatus["(none)"])
	}
	list("top open QIDs (hosts)", s.TopQIDs)
	if rb := s.RiskBands; rb[store.Unscored] != s.Totals.Assets {
		fmt.Fprintf(tw, "assets by TruRisk band\tsevere %d · high %d · medium %d · low %d · unscored %d\n",
			rb["severe"], rb["high"], rb["medium"], rb["low"], rb[store.Unscored])
	}
	if c := s.Changes; len(c) > 0 {
		fmt.Fprintf(tw, "changes (qflow changes)\tassets new %d · removed %d · findings new %d · fixed %d · reopened %d · risk band %d\n",
			c["asset_new"], c["asset_removed"], c["finding_new"], c["finding_fixed"], c["finding_reopened"], c["risk_band"])
	}
	if s.Error != "" {
		fmt.Fprintf(tw, "error\t%s\n", s.Error)
	}
	tw.Flush()
}
