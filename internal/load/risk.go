package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/qflow/qflow/internal/enrich"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
)

// Settings keys.
const (
	settingRiskWeights    = "risk.weights"
	settingIdentifyPolicy = "identify.policy"
	// SettingRescore, when set, asks for every finding to be refreshed from
	// the KnowledgeBase and every asset to be scored again (a store
	// migrated from before enrichment and risk sets it).
	SettingRescore = "upgrade.rescore"
)

func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func floatPtr(x any) *float64 {
	switch f := x.(type) {
	case float64:
		return &f
	case int64:
		g := float64(f)
		return &g
	}
	return nil
}

// listJSON encodes a list value as a JSON array, nil when absent or empty.
func listJSON(v model.Values, field string) any {
	l, _ := v[field].([]string)
	if len(l) == 0 {
		return nil
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// enrichment returns the KnowledgeBase columns of a finding
// (store.EnrichColumns) from its values, whose KnowledgeBase facts come
// from the VMDR map's join or from kbValues: title, CVSS bases, access
// vector, patchable, CVEs, exploit and malware sources, threat
// intelligence, ATT&CK ids, and the QDS TruRisk uses with whether it was
// derived. It is the one mapping of KnowledgeBase facts onto findings.
func enrichment(v model.Values) []any {
	q, derived := findingQDS(v)
	return []any{value(v, "name"), value(v, "cvss2_base"), value(v, "cvss3_base"), value(v, "vector"),
		flag(v, "patch_available"), listJSON(v, "cve_ids"), listJSON(v, "exploited_by_list"), listJSON(v, "malware_list"),
		listJSON(v, "threat_intel"), listJSON(v, "mitre_tactic_ids"), listJSON(v, "mitre_technique_ids"), q, derived}
}

// kbFields maps the kb map's vuln fields to the VMDR map's finding fields
// that carry the same KnowledgeBase fact.
var kbFields = map[string]string{
	"title": "name", "cvss2_base": "cvss2_base", "cvss3_base": "cvss3_base", "cvss3_vector": "vector", "patchable": "patch_available",
	"cve_ids": "cve_ids", "exploit_sources": "exploited_by_list", "malware_sources": "malware_list", "threat_intel": "threat_intel",
	"mitre_tactic_ids": "mitre_tactic_ids", "mitre_technique_ids": "mitre_technique_ids",
}

// refreshed returns a finding's KnowledgeBase columns recomputed from its
// stored values and its KnowledgeBase entry (the entry's facts win).
func refreshed(f store.FindingKB) (store.FindingEnrichment, error) {
	v, err := valuesOf(f.Attributes)
	if err != nil {
		return store.FindingEnrichment{}, fmt.Errorf("finding %d is corrupt: %w", f.ID, err)
	}
	kb, err := valuesOf(f.Vuln)
	if err != nil {
		return store.FindingEnrichment{}, fmt.Errorf("KnowledgeBase entry of finding %d is corrupt: %w", f.ID, err)
	}
	for src, dst := range kbFields {
		delete(v, dst)
		if x, ok := kb[src]; ok {
			v[dst] = x
		}
	}
	return store.FindingEnrichment{ID: f.ID, Values: enrichment(v)}, nil
}

// valuesOf decodes stored values (a JSON object) back into the types a
// transform gives: whole numbers as int64, lists of strings as []string.
func valuesOf(text string) (model.Values, error) {
	var m map[string]any
	if text == "" {
		return model.Values{}, nil
	}
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return nil, err
	}
	out := make(model.Values, len(m))
	for k, x := range m {
		switch t := x.(type) {
		case float64:
			if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
				out[k] = int64(t)
			} else {
				out[k] = t
			}
		case []any:
			ss := make([]string, 0, len(t))
			for _, e := range t {
				if s, ok := e.(string); ok {
					ss = append(ss, s)
				}
			}
			out[k] = ss
		case nil:
		default:
			out[k] = t
		}
	}
	return out, nil
}

// findingQDS returns the QDS TruRisk uses for a finding (nil for Info
// detections and those with no score to give) and whether it was derived
// from the KnowledgeBase.
func findingQDS(v model.Values) (any, bool) {
	if v.String("type") == "Info" {
		return nil, false
	}
	f := enrich.FindingQDS{}
	if q, ok := v.Int("qds"); ok {
		f.Score = int(q)
	}
	names, _ := v["qds_factor_names"].([]string)
	values, _ := v["qds_factor_values"].([]string)
	if len(names) > 0 {
		f.Factors = make(map[string]string, len(names))
		for i, n := range names {
			if i < len(values) {
				f.Factors[n] = values[i]
			}
		}
	}
	sev, _ := v.Int("severity")
	kb := enrich.VulnFacts{CVSS3Base: floatPtr(v["cvss3_base"]), CVSS2Base: floatPtr(v["cvss2_base"]), Severity: int(sev)}
	kb.ExploitSources, _ = v["exploited_by_list"].([]string)
	kb.MalwareSources, _ = v["malware_list"].([]string)
	kb.ThreatIntel, _ = v["threat_intel"].([]string)
	if f.Score <= 0 && kb.CVSS3Base == nil && kb.CVSS2Base == nil && kb.Severity <= 0 &&
		len(kb.ExploitSources)+len(kb.MalwareSources)+len(kb.ThreatIntel)+len(f.Factors) == 0 {
		return nil, false // nothing to score from
	}
	q, derived := enrich.QDS(f, kb)
	return q, derived
}

type settingReader interface {
	Setting(ctx context.Context, key string) (string, bool, error)
}

// RiskWeights returns the TruRisk weights in force: those set with
// SetRiskWeights, or enrich.DefaultWeights.
func RiskWeights(ctx context.Context, st settingReader) (enrich.Weights, error) {
	text, ok, err := st.Setting(ctx, settingRiskWeights)
	if err != nil {
		return enrich.Weights{}, fmt.Errorf("read risk weights: %w", err)
	}
	if !ok {
		return enrich.DefaultWeights(), nil
	}
	var w enrich.Weights
	if err := json.Unmarshal([]byte(text), &w); err != nil {
		return enrich.Weights{}, fmt.Errorf("stored risk weights are corrupt (reset them with `qflow risk weights --reset`): %w", err)
	}
	return w, nil
}

// RiskSummary says what a rescoring did.
type RiskSummary struct {
	// Scored is the number of assets scored (those with vulnerability data).
	Scored int64 `json:"scored"`
	// BandChanges is the number of active assets whose band changed.
	BandChanges int64 `json:"band_changes"`
}

// SetRiskWeights validates and stores the TruRisk weights (nil restores the
// defaults) and rescores every asset with them. Band changes it causes are
// not part of any run's change feed.
func SetRiskWeights(ctx context.Context, st store.Store, w *enrich.Weights) (RiskSummary, error) {
	var sum RiskSummary
	text := ""
	if w != nil {
		if err := w.Validate(); err != nil {
			return sum, fmt.Errorf("invalid risk weights:\n%w", err)
		}
		var err error
		if text, err = jsonText(w); err != nil {
			return sum, err
		}
	}
	err := st.Update(ctx, store.Lock{Source: "risk"}, func(tx store.Tx) error {
		if err := tx.SetSetting(ctx, settingRiskWeights, text); err != nil {
			return fmt.Errorf("save risk weights: %w", err)
		}
		ids, err := tx.AssetIDs(ctx)
		if err != nil {
			return err
		}
		sum, err = score(ctx, tx, 0, ids)
		return err
	})
	return sum, err
}

// Upgrade finishes a store migrated from before enrichment and risk: when
// the store asks for it (SettingRescore), every finding is refreshed from
// the KnowledgeBase and every asset scored.
func Upgrade(ctx context.Context, st store.Store) error {
	_, ok, err := st.Setting(ctx, SettingRescore)
	if err != nil || !ok {
		return err
	}
	err = st.Update(ctx, store.Lock{Source: "risk"}, func(tx store.Tx) error {
		var rows []store.FindingEnrichment
		err := tx.FindingsWithVulns(ctx, func(f store.FindingKB) error {
			e, err := refreshed(f)
			rows = append(rows, e)
			return err
		})
		if err != nil {
			return err
		}
		if err := tx.SetFindingEnrichment(ctx, rows); err != nil {
			return err
		}
		ids, err := tx.AssetIDs(ctx)
		if err != nil {
			return err
		}
		if _, err := score(ctx, tx, 0, ids); err != nil {
			return err
		}
		return tx.SetSetting(ctx, SettingRescore, "")
	})
	if err != nil {
		return fmt.Errorf("score existing assets after upgrade: %w", err)
	}
	return nil
}

// score computes ACS, TruRisk and band for assets and stores them. When
// runID is not 0, a band change of an active asset that had a band goes to
// the change feed under that run.
func score(ctx context.Context, tx store.Tx, runID int64, ids []int64) (RiskSummary, error) {
	var sum RiskSummary
	if len(ids) == 0 {
		return sum, nil
	}
	w, err := RiskWeights(ctx, tx)
	if err != nil {
		return sum, err
	}
	if err := w.Validate(); err != nil {
		return sum, fmt.Errorf("stored risk weights are invalid (set them again with `qflow risk weights`): %w", err)
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		ins, err := tx.RiskInputs(ctx, chunk)
		if err != nil {
			return sum, fmt.Errorf("risk: read assets: %w", err)
		}
		rows := make([]store.AssetScore, 0, len(ins))
		ws := &store.WriteSet{RunID: runID, At: time.Now().UTC()}
		for _, in := range ins {
			s := Score(in, w)
			rows = append(rows, s)
			if s.TruRisk == nil {
				continue
			}
			sum.Scored++
			if in.Band != "" && in.Band != *s.Band && in.State == "active" {
				sum.BandChanges++
				if runID != 0 {
					ws.Changes = append(ws.Changes, store.ChangeWrite{Kind: store.ChangeRiskBand, AssetID: in.AssetID, Old: in.Band, New: *s.Band})
				}
			}
		}
		if err := tx.SetRisk(ctx, runID, rows); err != nil {
			return sum, fmt.Errorf("risk: update assets: %w", err)
		}
		if !ws.Empty() {
			if err := tx.Apply(ctx, ws); err != nil {
				return sum, fmt.Errorf("risk: record band changes: %w", err)
			}
		}
	}
	return sum, nil
}

// Score computes an asset's ACS, TruRisk and band; an asset with no
// finding at all (no vulnerability data: CSAM only) is not scored.
func Score(in store.RiskInput, w enrich.Weights) store.AssetScore {
	var crit *int
	for _, c := range in.Criticalities {
		if crit == nil || c > *crit {
			c := c
			crit = &c
		}
	}
	acs := enrich.ACS(crit, in.TagCriticalities)
	out := store.AssetScore{AssetID: in.AssetID, ACS: acs}
	if in.Scanned {
		n := enrich.TruRisk(acs, scored(in.Findings), w)
		b := enrich.Band(n)
		out.TruRisk, out.Band = &n, &b
	}
	return out
}

func scored(fs []store.ScoredFinding) []enrich.ScoredFinding {
	out := make([]enrich.ScoredFinding, len(fs))
	for i, f := range fs {
		out[i] = enrich.ScoredFinding{QDS: f.QDS, Status: f.Status}
	}
	return out
}

// AssetRiskDetail is an asset's TruRisk with every step that produced it.
type AssetRiskDetail struct {
	store.AssetRisk
	// CriticalityScore is CSAM's criticality.score when set (not a default).
	CriticalityScore *int `json:"criticality_score,omitempty"`
	// TagCriticalities are the criticality scores of the asset's tags.
	TagCriticalities []int `json:"tag_criticalities"`
	// Weights are the weights in force.
	Weights enrich.Weights `json:"weights"`
	// Breakdown is the computation, recomputed from the stored findings.
	Breakdown enrich.Breakdown `json:"breakdown"`
	// Findings are the findings counted.
	Findings []store.RiskFinding `json:"findings"`
}

// ExplainRisk recomputes an asset's TruRisk from the store and returns each
// step; it reports an error for an unknown asset.
func ExplainRisk(ctx context.Context, st store.Reader, assetID int64) (AssetRiskDetail, error) {
	var d AssetRiskDetail
	var err error
	d.AssetRisk, err = st.AssetRisk(ctx, assetID)
	if errors.Is(err, store.ErrNotFound) {
		return d, fmt.Errorf("no asset %d (see `qflow risk list` for asset ids)", assetID)
	}
	if err != nil {
		return d, err
	}
	if d.Weights, err = RiskWeights(ctx, st); err != nil {
		return d, err
	}
	ins, err := st.RiskInputs(ctx, []int64{assetID})
	if err != nil {
		return d, err
	}
	d.TagCriticalities = []int{}
	if len(ins) == 1 {
		for _, c := range ins[0].Criticalities {
			if d.CriticalityScore == nil || c > *d.CriticalityScore {
				c := c
				d.CriticalityScore = &c
			}
		}
		d.TagCriticalities = append(d.TagCriticalities, ins[0].TagCriticalities...)
		slices.SortFunc(d.TagCriticalities, func(a, b int) int { return b - a })
	}
	if d.Findings, err = st.RiskFindings(ctx, assetID); err != nil {
		return d, err
	}
	if d.Findings == nil {
		d.Findings = []store.RiskFinding{}
	}
	var fs []enrich.ScoredFinding
	d.Open, d.Critical = int64(len(d.Findings)), 0
	for _, f := range d.Findings {
		fs = append(fs, enrich.ScoredFinding{QDS: f.QDS, Status: f.Status})
		if f.QDS >= 90 {
			d.Critical++
		}
	}
	d.Breakdown = enrich.Explain(enrich.ACS(d.CriticalityScore, d.TagCriticalities), fs, d.Weights)
	return d, nil
}

// RiskBands counts active assets per band, every band and store.Unscored
// present (0 included).
func RiskBands(ctx context.Context, st store.Reader) (map[string]int64, error) {
	got, err := st.RiskBands(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{enrich.BandLow: 0, enrich.BandMedium: 0, enrich.BandHigh: 0, enrich.BandSevere: 0, store.Unscored: 0}
	for k, n := range got {
		out[k] += n
	}
	return out, nil
}
