package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/enrich"
	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/store"
)

var bands = []string{enrich.BandLow, enrich.BandMedium, enrich.BandHigh, enrich.BandSevere}

func newRiskCmd(g *globals) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "Show assets by TruRisk, explain a score, or set the TruRisk weights",
		Long: `Every sync scores the assets it touched: QDS per finding (Qualys's, or derived
from the KnowledgeBase), ACS per asset (CSAM criticality or tag criticality,
highest wins, default 2), TruRisk 0–1000 per asset and its band (low 0–499,
medium 500–699, high 700–849, severe 850–1000). docs/risk.md has the formula
and a worked example.`,
		Args: cobra.NoArgs,
	}
	db.register(cmd.PersistentFlags(), "")

	var band string
	var limit int
	var listJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List active assets by TruRisk, highest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if band != "" && !slices.Contains(bands, band) {
				return fmt.Errorf("--band %q: want low, medium, high or severe", band)
			}
			st, err := openExisting(cmd, g, db)
			if err != nil {
				return err
			}
			defer st.Close()
			assets, err := st.RiskList(cmd.Context(), store.RiskFilter{Band: band, Limit: limit})
			if err != nil {
				return err
			}
			counts, err := load.RiskBands(cmd.Context(), st)
			if err != nil {
				return err
			}
			if listJSON {
				return writeJSON(g, map[string]any{"bands": counts, "assets": nonNil(assets)})
			}
			fmt.Fprintf(g.env.Stdout, "assets by band: severe %d · high %d · medium %d · low %d · unscored (no vulnerability data) %d\n\n",
				counts[enrich.BandSevere], counts[enrich.BandHigh], counts[enrich.BandMedium], counts[enrich.BandLow], counts[store.Unscored])
			tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ASSET\tNAME\tIP\tACS\tTRURISK\tBAND\tOPEN\tCRITICAL")
			for _, a := range assets {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%d\t%d\n", a.AssetID, a.Name, a.IP, a.ACS, a.TruRisk, a.Band, a.Open, a.Critical)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&band, "band", "", "only assets of this band: low, medium, high, severe")
	list.Flags().IntVar(&limit, "limit", 20, "list at most this many assets")
	list.Flags().BoolVar(&listJSON, "json", false, "print JSON: bands (count per band) and assets[]")

	var explainJSON bool
	explain := &cobra.Command{
		Use:   "explain ASSET_ID",
		Short: "Show how an asset's TruRisk was computed, step by step",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("asset id %q: want a number (see `qflow risk list`)", args[0])
			}
			st, err := openExisting(cmd, g, db)
			if err != nil {
				return err
			}
			defer st.Close()
			d, err := load.ExplainRisk(cmd.Context(), st, id)
			if err != nil {
				return err
			}
			if explainJSON {
				return writeJSON(g, d)
			}
			return printExplain(g, d)
		},
	}
	explain.Flags().BoolVar(&explainJSON, "json", false, "print the breakdown as JSON")

	var w enrich.Weights
	var reset, weightsJSON bool
	weights := &cobra.Command{
		Use:   "weights",
		Short: "Show or set the TruRisk bucket weights; setting them rescores every asset",
		Example: `  qflow risk weights
  qflow risk weights --critical 3 --high 1.5 --medium 0.75 --low 0.3
  qflow risk weights --reset`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			changed := fl.Changed("critical") || fl.Changed("high") || fl.Changed("medium") || fl.Changed("low")
			if changed && reset {
				return fmt.Errorf("--reset and weight flags exclude each other")
			}
			mode := openMustExist
			if changed || reset {
				mode = openCreate
			}
			st, err := openStore(cmd.Context(), g, db, mode, g.logger())
			if err != nil {
				return err
			}
			defer st.Close()
			cur, err := load.RiskWeights(cmd.Context(), st)
			if err != nil && !reset {
				return err
			}
			var sum *load.RiskSummary
			switch {
			case reset:
				s, err := load.SetRiskWeights(cmd.Context(), st, nil)
				if err != nil {
					return err
				}
				sum, cur = &s, enrich.DefaultWeights()
			case changed:
				nw := cur
				if fl.Changed("critical") {
					nw.Critical = w.Critical
				}
				if fl.Changed("high") {
					nw.High = w.High
				}
				if fl.Changed("medium") {
					nw.Medium = w.Medium
				}
				if fl.Changed("low") {
					nw.Low = w.Low
				}
				s, err := load.SetRiskWeights(cmd.Context(), st, &nw)
				if err != nil {
					return err
				}
				sum, cur = &s, nw
			}
			if weightsJSON {
				out := map[string]any{"weights": cur}
				if sum != nil {
					out["rescored"] = sum
				}
				return writeJSON(g, out)
			}
			fmt.Fprintf(g.env.Stdout, "critical (QDS 90–100) %g · high (70–89) %g · medium (40–69) %g · low (1–39) %g\n", cur.Critical, cur.High, cur.Medium, cur.Low)
			if sum != nil {
				fmt.Fprintf(g.env.Stdout, "rescored %d assets; %d changed band\n", sum.Scored, sum.BandChanges)
			}
			return nil
		},
	}
	wf := weights.Flags()
	wf.Float64Var(&w.Critical, "critical", 0, "weight of the critical bucket (QDS 90–100)")
	wf.Float64Var(&w.High, "high", 0, "weight of the high bucket (QDS 70–89)")
	wf.Float64Var(&w.Medium, "medium", 0, "weight of the medium bucket (QDS 40–69)")
	wf.Float64Var(&w.Low, "low", 0, "weight of the low bucket (QDS 1–39)")
	wf.BoolVar(&reset, "reset", false, "restore the default weights (2.8, 1.4, 0.7, 0.35)")
	wf.BoolVar(&weightsJSON, "json", false, "print JSON: weights (and rescored)")

	cmd.AddCommand(list, explain, weights)
	return cmd
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func writeJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func printExplain(g *globals, d load.AssetRiskDetail) error {
	w := g.env.Stdout
	b := d.Breakdown
	fmt.Fprintf(w, "asset %d %s %s\n", d.AssetID, d.Name, d.IP)
	crit := "not set"
	if d.CriticalityScore != nil {
		crit = strconv.Itoa(*d.CriticalityScore)
	}
	fmt.Fprintf(w, "ACS %d  (CSAM criticality %s; tag criticalities %v; highest wins, default 2)\n\n", b.ACS, crit, d.TagCriticalities)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BUCKET\tW\tN\tAVG QDS\tN^(1/100)\tW × AVG × N^(1/100)")
	for _, bs := range b.Buckets {
		fmt.Fprintf(tw, "%s\t%g\t%d\t%.2f\t%.4f\t%.2f\n", bs.Bucket, bs.Weight, bs.Count, bs.Avg, bs.CountFactor, bs.Contribution)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nΣ %.2f × ACS %d = %.2f → TruRisk %d (%s)\n", b.Sum, b.ACS, b.Raw, b.Score, b.Band)
	if b.Score != d.TruRisk {
		fmt.Fprintf(w, "stored TruRisk %d differs: the asset is rescored at its next sync\n", d.TruRisk)
	}
	if len(d.Findings) == 0 {
		fmt.Fprintln(w, "no open finding counts (Fixed, ignored, disabled, missing and stale findings are left out)")
		return nil
	}
	fmt.Fprintln(w, "\nfindings counted:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QID\tQDS\tSTATUS\tPORT\tTITLE")
	for _, f := range d.Findings {
		q := strconv.Itoa(f.QDS)
		if f.Derived {
			q += " (derived)"
		}
		port := ""
		if f.Port != nil {
			port = strconv.FormatInt(*f.Port, 10)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", f.QID, q, f.Status, port, f.Title)
	}
	return tw.Flush()
}
