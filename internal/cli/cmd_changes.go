package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/store"
)

// openExisting opens a database that must exist already (read commands
// never create one).
func openExisting(cmd *cobra.Command, g *globals, d dbFlags) (store.Store, error) {
	return openStore(cmd.Context(), g, d, openMustExist, g.logger())
}

func newChangesCmd(g *globals) *cobra.Command {
	var (
		db     dbFlags
		runs   []int64
		since  string
		kinds  []string
		limit  int
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "changes",
		Short: "Show what a sync changed: new and removed assets, new, fixed and reopened findings, risk band changes",
		Long: `Every run records what it changed. Kinds:

  asset_new         a machine seen for the first time (no identification rule matched)
  asset_removed     a full sync no longer saw any record of the machine
  asset_merged      a record linked two assets: the other (old) merged into this one
  asset_split       records only a learned junk value held together left the asset (old) for this one
  finding_new       a detection first reported
  finding_fixed     a detection whose status became Fixed
  finding_reopened  a Fixed detection reported again (Re-Opened)
  risk_band         the asset's TruRisk band changed (low, medium, high, severe)

Without --run or --since it shows the newest run. --since takes a duration
(24h, 7d) or a date (2026-11-24, RFC 3339) and covers every run started since.`,
		Example: `  qflow changes                      # the newest run
  qflow changes --run 12 --run 13    # these runs
  qflow changes --since 24h --kind finding_fixed --kind finding_reopened
  qflow changes --since 7d --json | jq '.counts'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f := store.ChangeFilter{RunIDs: runs, Kinds: kinds, Limit: limit}
			for _, k := range kinds {
				if !slices.Contains(store.ChangeKinds, k) {
					return fmt.Errorf("--kind %q: want one of %s", k, strings.Join(store.ChangeKinds, ", "))
				}
			}
			if since != "" {
				t, err := parseSince(since, time.Now())
				if err != nil {
					return err
				}
				f.Since = t
			}
			st, err := openExisting(cmd, g, db)
			if err != nil {
				return err
			}
			defer st.Close()
			if len(f.RunIDs) == 0 && f.Since.IsZero() {
				id, err := st.LatestRun(cmd.Context())
				if err != nil {
					return err
				}
				if id == 0 {
					return fmt.Errorf("no runs in %s yet: run `qflow sync` first", db.label(g))
				}
				f.RunIDs = []int64{id}
			}
			feed, err := st.Changes(cmd.Context(), f)
			if err != nil {
				return err
			}
			if len(runs) > 0 && len(feed.Runs) < len(runs) {
				return fmt.Errorf("no run %s in %s (runs are listed by `qflow sync --json`)", missingRuns(runs, feed.Runs), db.label(g))
			}
			if asJSON {
				enc := json.NewEncoder(g.env.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(feed)
			}
			return printChanges(g, feed)
		},
	}
	fl := cmd.Flags()
	db.register(fl, "")
	fl.Int64SliceVar(&runs, "run", nil, "show the changes of this run ID (repeatable)")
	fl.StringVar(&since, "since", "", "show the changes of every run started since a duration ago (24h, 7d) or a date")
	fl.StringArrayVar(&kinds, "kind", nil, "only this kind of change (repeatable): "+strings.Join(store.ChangeKinds, ", "))
	fl.IntVar(&limit, "limit", 0, "list at most this many changes (counts stay complete; 0 = all)")
	fl.BoolVar(&asJSON, "json", false, "print the changes as JSON: runs, counts by kind, changes[]")
	return cmd
}

func missingRuns(want []int64, got []store.RunInfo) string {
	var miss []string
	for _, id := range want {
		if !slices.ContainsFunc(got, func(r store.RunInfo) bool { return r.ID == id }) {
			miss = append(miss, fmt.Sprint(id))
		}
	}
	return strings.Join(miss, ", ")
}

// parseSince reads --since: a Go duration, a number of days ("7d"), a date
// or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(d, "%d", &n); err == nil && fmt.Sprint(n) == d && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (24h, 90m, 7d), a date (2026-11-24) or an RFC 3339 time", s)
}

func printChanges(g *globals, feed store.ChangeFeed) error {
	w := g.env.Stdout
	for _, r := range feed.Runs {
		fmt.Fprintf(w, "run %d  %s/%s  %s  %s  started %s\n", r.ID, r.Source, r.Subscription, r.Mode, r.State, r.StartedAt)
	}
	var parts []string
	for _, k := range store.ChangeKinds {
		parts = append(parts, fmt.Sprintf("%s %d", k, feed.Counts[k]))
	}
	fmt.Fprintln(w, strings.Join(parts, " · "))
	if len(feed.Changes) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tKIND\tASSET\tRECORD\tQID\tPORT\tCHANGE\tTITLE")
	for _, c := range feed.Changes {
		asset := fmt.Sprintf("%d %s", c.AssetID, c.AssetName)
		rec := ""
		if c.NativeKey != "" {
			rec = c.Source + " " + c.NativeKey
		}
		qid, port := "", ""
		if c.QID != 0 {
			qid = fmt.Sprint(c.QID)
		}
		if c.Port != nil {
			port = fmt.Sprintf("%d/%s", *c.Port, c.Protocol)
		}
		change := c.New
		if c.Old != "" {
			change = c.Old + " → " + c.New
		}
		title := c.Title
		if r := []rune(title); len(r) > 60 {
			title = string(r[:57]) + "..."
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.RunID, c.Kind, asset, rec, qid, port, change, title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if feed.Truncated {
		fmt.Fprintf(w, "(first %d shown; raise --limit or use --json for all)\n", len(feed.Changes))
	}
	return nil
}
