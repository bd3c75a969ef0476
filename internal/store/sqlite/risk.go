package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/qflow/qflow/internal/enrich"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/sync"
)

// settingRiskWeights is the settings key of the TruRisk weights.
const settingRiskWeights = "risk.weights"

// Change kinds of the change feed.
const (
	ChangeAssetNew        = "asset_new"
	ChangeAssetRemoved    = "asset_removed"
	ChangeAssetMerged     = "asset_merged"
	ChangeAssetSplit      = "asset_split"
	ChangeFindingNew      = "finding_new"
	ChangeFindingFixed    = "finding_fixed"
	ChangeFindingReopened = "finding_reopened"
	ChangeRiskBand        = "risk_band"
)

// enrichCols are the KnowledgeBase columns of a finding, taken from its
// transform-map values (the VMDR map joins the KnowledgeBase entry into
// each detection): title, CVSS bases, access vector, patchable, CVEs,
// exploit and malware sources, threat intelligence, ATT&CK ids.
func enrichCols(v model.Values) []any {
	return []any{nullable(v, "name"), nullable(v, "cvss2_base"), nullable(v, "cvss3_base"), nullable(v, "vector"),
		boolInt(v, "patch_available"), listJSON(v, "cve_ids"), listJSON(v, "exploited_by_list"), listJSON(v, "malware_list"),
		listJSON(v, "threat_intel"), listJSON(v, "mitre_tactic_ids"), listJSON(v, "mitre_technique_ids")}
}

// enrichColNames are the columns enrichCols fills, in order.
const enrichColNames = "title, cvss2_base, cvss3_base, vector, patchable, cve_ids, exploited_by, malware, threat_intel, mitre_tactics, mitre_techniques"

// listJSON encodes a list value as a JSON array, NULL when absent or empty.
func listJSON(v model.Values, field string) any {
	l, _ := v[field].([]string)
	if len(l) == 0 {
		return nil
	}
	b, _ := json.Marshal(l)
	return string(b)
}

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

// findingQDS returns the QDS TruRisk uses for a finding (NULL for Info
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

// RiskWeights returns the TruRisk weights in force: those set with
// SetRiskWeights, or enrich.DefaultWeights.
func (s *Store) RiskWeights(ctx context.Context) (enrich.Weights, error) {
	return riskWeights(ctx, s.r)
}

type queryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func riskWeights(ctx context.Context, db queryer) (enrich.Weights, error) {
	var text string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, settingRiskWeights).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return enrich.DefaultWeights(), nil
	}
	if err != nil {
		return enrich.Weights{}, fmt.Errorf("sqlite: read risk weights: %w", err)
	}
	var w enrich.Weights
	if err := json.Unmarshal([]byte(text), &w); err != nil {
		return enrich.Weights{}, fmt.Errorf("sqlite: stored risk weights are corrupt (reset them with `qflow risk weights --reset`): %w", err)
	}
	return w, nil
}

// SetRiskWeights validates and stores the TruRisk weights (nil restores the
// defaults) and rescores every asset with them. Band changes it causes are
// not part of any run's change feed.
func (s *Store) SetRiskWeights(ctx context.Context, w *enrich.Weights) (RiskSummary, error) {
	var sum RiskSummary
	if w != nil {
		if err := w.Validate(); err != nil {
			return sum, fmt.Errorf("invalid risk weights:\n%w", err)
		}
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if w == nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, settingRiskWeights); err != nil {
				return err
			}
		} else {
			text, err := jsonText(w)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
				settingRiskWeights, text); err != nil {
				return fmt.Errorf("save risk weights: %w", err)
			}
		}
		var err error
		sum, err = scoreAssets(ctx, tx, 0, `SELECT id FROM assets`)
		return err
	})
	return sum, err
}

// RiskSummary says what a rescoring did.
type RiskSummary struct {
	// Scored is the number of assets scored (those with vulnerability data).
	Scored int64 `json:"scored"`
	// BandChanges is the number of active assets whose band changed.
	BandChanges int64 `json:"band_changes"`
}

// scoreAssets computes ACS, TruRisk and band for the assets dirtyQuery
// selects (a query returning asset ids) and stores them. When runID is not
// 0, a band change of an active asset that had a band is recorded in the
// change feed under that run.
func scoreAssets(ctx context.Context, tx *sql.Tx, runID int64, dirtyQuery string, args ...any) (RiskSummary, error) {
	var sum RiskSummary
	w, err := riskWeights(ctx, tx)
	if err != nil {
		return sum, err
	}
	if err := w.Validate(); err != nil {
		return sum, fmt.Errorf("stored risk weights are invalid (set them again with `qflow risk weights`): %w", err)
	}
	for _, q := range []string{`CREATE TEMP TABLE IF NOT EXISTS risk_dirty (asset_id INTEGER PRIMARY KEY)`, `DELETE FROM temp.risk_dirty`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return sum, fmt.Errorf("risk: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO temp.risk_dirty (asset_id) `+dirtyQuery, args...); err != nil {
		return sum, fmt.Errorf("risk: select assets to score: %w", err)
	}

	type acc struct {
		crit     *int
		tags     []int
		findings []enrich.ScoredFinding
	}
	assets := map[int64]*acc{}
	get := func(id int64) *acc {
		a := assets[id]
		if a == nil {
			a = &acc{}
			assets[id] = a
		}
		return a
	}
	// ACS inputs: CSAM criticality.score (not when CSAM marks it a default)
	// and tag criticalities, of the asset's active records.
	rows, err := tx.QueryContext(ctx, `SELECT d.asset_id, json_extract(r.attributes, '$.criticality_score'), coalesce(json_extract(r.attributes, '$.criticality_is_default'), 0)
		FROM temp.risk_dirty d JOIN asset_records r ON r.asset_id = d.asset_id AND r.state = 'active' AND r.source = 'CSAM'`)
	if err != nil {
		return sum, fmt.Errorf("risk: read criticality: %w", err)
	}
	for rows.Next() {
		var id int64
		var score sql.NullInt64
		var isDefault bool
		if err := rows.Scan(&id, &score, &isDefault); err != nil {
			rows.Close()
			return sum, fmt.Errorf("risk: read criticality: %w", err)
		}
		a := get(id)
		if score.Valid && !isDefault {
			c := int(score.Int64)
			if a.crit == nil || c > *a.crit {
				a.crit = &c
			}
		}
	}
	if err := rows.Close(); err != nil {
		return sum, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT t.asset_id, t.criticality_score FROM temp.risk_dirty d
		JOIN tags t ON t.asset_id = d.asset_id JOIN asset_records r ON r.id = t.record_id AND r.state = 'active'
		WHERE t.criticality_score IS NOT NULL`)
	if err != nil {
		return sum, fmt.Errorf("risk: read tag criticality: %w", err)
	}
	for rows.Next() {
		var id, c int64
		if err := rows.Scan(&id, &c); err != nil {
			rows.Close()
			return sum, fmt.Errorf("risk: read tag criticality: %w", err)
		}
		a := get(id)
		a.tags = append(a.tags, int(c))
	}
	if err := rows.Close(); err != nil {
		return sum, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT f.asset_id, f.risk_qds, coalesce(f.status, '') FROM temp.risk_dirty d
		JOIN findings f ON f.asset_id = d.asset_id
		WHERE `+countedFinding)
	if err != nil {
		return sum, fmt.Errorf("risk: read findings: %w", err)
	}
	for rows.Next() {
		var id, q int64
		var status string
		if err := rows.Scan(&id, &q, &status); err != nil {
			rows.Close()
			return sum, fmt.Errorf("risk: read findings: %w", err)
		}
		a := get(id)
		a.findings = append(a.findings, enrich.ScoredFinding{QDS: int(q), Status: status})
	}
	if err := rows.Close(); err != nil {
		return sum, err
	}

	// An asset with no finding at all (no vulnerability data: CSAM only)
	// is not scored: its TruRisk and band stay NULL.
	rows, err = tx.QueryContext(ctx, `SELECT a.id, coalesce(a.risk_band, ''), a.state,
		EXISTS (SELECT 1 FROM findings f WHERE f.asset_id = a.id) FROM temp.risk_dirty d JOIN assets a ON a.id = d.asset_id`)
	if err != nil {
		return sum, fmt.Errorf("risk: read assets: %w", err)
	}
	type old struct {
		id          int64
		band, state string
		scanned     bool
	}
	var olds []old
	for rows.Next() {
		var o old
		if err := rows.Scan(&o.id, &o.band, &o.state, &o.scanned); err != nil {
			rows.Close()
			return sum, fmt.Errorf("risk: read assets: %w", err)
		}
		olds = append(olds, o)
	}
	if err := rows.Close(); err != nil {
		return sum, err
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE assets SET acs = ?, trurisk = ?, risk_band = ?, risk_run_id = ? WHERE id = ?`)
	if err != nil {
		return sum, err
	}
	defer upd.Close()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO changes (run_id, kind, asset_id, old_value, new_value, at) VALUES (?, '`+ChangeRiskBand+`', ?, ?, ?, ?)`)
	if err != nil {
		return sum, err
	}
	defer ins.Close()
	now := nowText()
	var run any
	if runID != 0 {
		run = runID
	}
	for _, o := range olds {
		a := get(o.id)
		acs := enrich.ACS(a.crit, a.tags)
		var score, band any
		if o.scanned {
			n := enrich.TruRisk(acs, a.findings, w)
			score, band = n, enrich.Band(n)
			sum.Scored++
		}
		if _, err := upd.ExecContext(ctx, acs, score, band, run, o.id); err != nil {
			return sum, fmt.Errorf("risk: update asset %d: %w", o.id, err)
		}
		if b, _ := band.(string); o.band != "" && b != "" && o.band != b && o.state == "active" {
			sum.BandChanges++
			if runID != 0 {
				if _, err := ins.ExecContext(ctx, runID, o.id, o.band, band, now); err != nil {
					return sum, fmt.Errorf("risk: record band change of asset %d: %w", o.id, err)
				}
			}
		}
	}
	return sum, nil
}

// countedFinding is the condition on findings f that TruRisk counts: still
// reported (active), not Fixed, not ignored or disabled, with a QDS.
const countedFinding = `f.state = 'active' AND coalesce(f.status, '') <> 'Fixed' AND coalesce(f.is_ignored, 0) = 0
	AND coalesce(f.is_disabled, 0) = 0 AND f.risk_qds > 0`

// refreshFromKB copies the KnowledgeBase facts of the QIDs run runID
// changed into their findings' columns, and derives again the QDS of those
// findings Qualys gave none. It returns the number of findings refreshed.
func refreshFromKB(ctx context.Context, tx *sql.Tx, where string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, `UPDATE findings SET
		title = v.title, cvss2_base = v.cvss2_base, cvss3_base = v.cvss3_base, patchable = v.patchable,
		cve_ids = json_extract(v.attributes, '$.cve_ids'),
		exploited_by = json_extract(v.attributes, '$.exploit_sources'),
		malware = json_extract(v.attributes, '$.malware_sources'),
		threat_intel = json_extract(v.attributes, '$.threat_intel'),
		mitre_tactics = json_extract(v.attributes, '$.mitre_tactic_ids'),
		mitre_techniques = json_extract(v.attributes, '$.mitre_technique_ids')
		FROM vulns v WHERE v.qid = findings.qid AND `+where, args...)
	if err != nil {
		return 0, fmt.Errorf("refresh findings from the KnowledgeBase: %w", err)
	}
	n, _ := res.RowsAffected()
	// Derived QDS: recompute in Go (enrich.DeriveQDS) for findings with no
	// Qualys QDS among those refreshed.
	rows, err := tx.QueryContext(ctx, `SELECT findings.id, findings.attributes, v.attributes FROM findings JOIN vulns v ON v.qid = findings.qid
		WHERE coalesce(findings.qds, 0) <= 0 AND coalesce(findings.type, '') <> 'Info' AND `+where, args...)
	if err != nil {
		return n, fmt.Errorf("refresh derived QDS: %w", err)
	}
	type upd struct {
		id  int64
		qds any
	}
	var ups []upd
	for rows.Next() {
		var id int64
		var fa, va string
		if err := rows.Scan(&id, &fa, &va); err != nil {
			rows.Close()
			return n, fmt.Errorf("refresh derived QDS: %w", err)
		}
		v, err := kbFindingValues(fa, va)
		if err != nil {
			rows.Close()
			return n, fmt.Errorf("refresh derived QDS of finding %d: %w", id, err)
		}
		q, _ := findingQDS(v)
		ups = append(ups, upd{id, q})
	}
	if err := rows.Close(); err != nil {
		return n, err
	}
	for _, u := range ups {
		if _, err := tx.ExecContext(ctx, `UPDATE findings SET risk_qds = ?, qds_derived = 1 WHERE id = ?`, u.qds, u.id); err != nil {
			return n, fmt.Errorf("refresh derived QDS: %w", err)
		}
	}
	return n, nil
}

// kbFindingValues rebuilds the values findingQDS reads from a finding's
// stored attributes, with the KnowledgeBase facts taken from the vulns entry
// (JSON numbers become float64 or int64 as the transform would give them).
func kbFindingValues(findingAttrs, vulnAttrs string) (model.Values, error) {
	var f, v map[string]any
	if err := json.Unmarshal([]byte(findingAttrs), &f); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(vulnAttrs), &v); err != nil {
		return nil, err
	}
	out := model.Values{}
	if q, ok := f["qds"].(float64); ok {
		out["qds"] = int64(q)
	}
	if s, ok := f["severity"].(float64); ok {
		out["severity"] = int64(s)
	}
	out["type"], _ = f["type"].(string)
	for dst, src := range map[string]any{"cvss2_base": v["cvss2_base"], "cvss3_base": v["cvss3_base"]} {
		if x, ok := src.(float64); ok {
			out[dst] = x
		}
	}
	for dst, src := range map[string]any{"qds_factor_names": f["qds_factor_names"], "qds_factor_values": f["qds_factor_values"],
		"exploited_by_list": v["exploit_sources"], "malware_list": v["malware_sources"], "threat_intel": v["threat_intel"]} {
		if l, ok := src.([]any); ok {
			ss := make([]string, 0, len(l))
			for _, x := range l {
				if s, ok := x.(string); ok {
					ss = append(ss, s)
				}
			}
			out[dst] = ss
		}
	}
	return out, nil
}

// AssetRisk is one asset's risk as stored.
type AssetRisk struct {
	AssetID  int64  `json:"asset_id"`
	Name     string `json:"name"`
	IP       string `json:"ip_address,omitempty"`
	OS       string `json:"os,omitempty"`
	ACS      int    `json:"acs"`
	TruRisk  int    `json:"trurisk"`
	Band     string `json:"band"`
	Open     int64  `json:"open_findings"`
	Critical int64  `json:"critical_findings"`
}

// RiskFilter selects assets for RiskList.
type RiskFilter struct {
	// Band keeps only assets of that band ("" for all).
	Band string
	// Limit caps the result (0: 50).
	Limit int
}

// RiskList returns the scored active assets by TruRisk, highest first, with their open
// and critical (QDS ≥ 90) finding counts.
func (s *Store) RiskList(ctx context.Context, f RiskFilter) ([]AssetRisk, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := `SELECT a.id, coalesce(a.name, ''), coalesce(a.ip_address, ''), coalesce(a.os_name, ''), coalesce(a.acs, 2), coalesce(a.trurisk, 0), coalesce(a.risk_band, 'low'),
		(SELECT count(*) FROM findings f WHERE f.asset_id = a.id AND ` + countedFinding + `),
		(SELECT count(*) FROM findings f WHERE f.asset_id = a.id AND f.risk_qds >= 90 AND ` + countedFinding + `)
		FROM assets a WHERE a.state = 'active' AND a.trurisk IS NOT NULL`
	args := []any{}
	if f.Band != "" {
		q += ` AND a.risk_band = ?`
		args = append(args, f.Band)
	}
	q += ` ORDER BY coalesce(a.trurisk, 0) DESC, a.id LIMIT ?`
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list risk: %w", err)
	}
	defer rows.Close()
	var out []AssetRisk
	for rows.Next() {
		var a AssetRisk
		if err := rows.Scan(&a.AssetID, &a.Name, &a.IP, &a.OS, &a.ACS, &a.TruRisk, &a.Band, &a.Open, &a.Critical); err != nil {
			return nil, fmt.Errorf("sqlite: list risk: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Unscored is the RiskBands key of active assets without vulnerability
// data (no finding), which have no TruRisk.
const Unscored = "unscored"

// RiskBands counts active assets per band, and those not scored under
// Unscored (every key present, 0 included).
func (s *Store) RiskBands(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{enrich.BandLow: 0, enrich.BandMedium: 0, enrich.BandHigh: 0, enrich.BandSevere: 0, Unscored: 0}
	rows, err := s.r.QueryContext(ctx, `SELECT coalesce(risk_band, '`+Unscored+`'), count(*) FROM assets WHERE state = 'active' GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count risk bands: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, err
		}
		out[b] = n
	}
	return out, rows.Err()
}

// RiskFinding is one finding of an asset as its TruRisk counts it.
type RiskFinding struct {
	QID     int64  `json:"qid"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	QDS     int    `json:"qds"`
	Derived bool   `json:"qds_derived"`
	Port    *int64 `json:"port,omitempty"`
}

// AssetRiskDetail is an asset's TruRisk with every step that produced it.
type AssetRiskDetail struct {
	AssetRisk
	// CriticalityScore is CSAM's criticality.score when set (not a default).
	CriticalityScore *int `json:"criticality_score,omitempty"`
	// TagCriticalities are the criticality scores of the asset's tags.
	TagCriticalities []int `json:"tag_criticalities"`
	// Weights are the weights in force.
	Weights enrich.Weights `json:"weights"`
	// Breakdown is the computation, recomputed from the stored findings.
	Breakdown enrich.Breakdown `json:"breakdown"`
	// Findings are the findings counted.
	Findings []RiskFinding `json:"findings"`
}

// ExplainRisk recomputes an asset's TruRisk from the store and returns each
// step; it reports an error for an unknown asset.
func (s *Store) ExplainRisk(ctx context.Context, assetID int64) (AssetRiskDetail, error) {
	var d AssetRiskDetail
	err := s.r.QueryRowContext(ctx, `SELECT a.id, coalesce(a.name, ''), coalesce(a.ip_address, ''), coalesce(a.os_name, ''), coalesce(a.acs, 2), coalesce(a.trurisk, 0), coalesce(a.risk_band, 'low')
		FROM assets a WHERE a.id = ?`, assetID).Scan(&d.AssetID, &d.Name, &d.IP, &d.OS, &d.ACS, &d.TruRisk, &d.Band)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("no asset %d (see `qflow risk list` for asset ids)", assetID)
	}
	if err != nil {
		return d, fmt.Errorf("sqlite: read asset %d: %w", assetID, err)
	}
	if d.Weights, err = s.RiskWeights(ctx); err != nil {
		return d, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT json_extract(attributes, '$.criticality_score'), coalesce(json_extract(attributes, '$.criticality_is_default'), 0)
		FROM asset_records WHERE asset_id = ? AND state = 'active' AND source = 'CSAM'`, assetID)
	if err != nil {
		return d, fmt.Errorf("sqlite: read criticality: %w", err)
	}
	for rows.Next() {
		var c sql.NullInt64
		var def bool
		if err := rows.Scan(&c, &def); err != nil {
			rows.Close()
			return d, err
		}
		if c.Valid && !def && (d.CriticalityScore == nil || int(c.Int64) > *d.CriticalityScore) {
			v := int(c.Int64)
			d.CriticalityScore = &v
		}
	}
	rows.Close()
	d.TagCriticalities = []int{}
	rows, err = s.r.QueryContext(ctx, `SELECT t.criticality_score FROM tags t JOIN asset_records r ON r.id = t.record_id AND r.state = 'active'
		WHERE t.asset_id = ? AND t.criticality_score IS NOT NULL ORDER BY 1 DESC`, assetID)
	if err != nil {
		return d, fmt.Errorf("sqlite: read tags: %w", err)
	}
	for rows.Next() {
		var c int
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return d, err
		}
		d.TagCriticalities = append(d.TagCriticalities, c)
	}
	rows.Close()
	rows, err = s.r.QueryContext(ctx, `SELECT f.qid, coalesce(f.title, ''), coalesce(f.status, ''), f.risk_qds, f.qds_derived, f.port FROM findings f
		WHERE f.asset_id = ? AND `+countedFinding+` ORDER BY f.risk_qds DESC, f.qid`, assetID)
	if err != nil {
		return d, fmt.Errorf("sqlite: read findings: %w", err)
	}
	defer rows.Close()
	d.Findings = []RiskFinding{}
	var scored []enrich.ScoredFinding
	for rows.Next() {
		var f RiskFinding
		var port sql.NullInt64
		if err := rows.Scan(&f.QID, &f.Title, &f.Status, &f.QDS, &f.Derived, &port); err != nil {
			return d, err
		}
		if port.Valid {
			f.Port = &port.Int64
		}
		d.Findings = append(d.Findings, f)
		scored = append(scored, enrich.ScoredFinding{QDS: f.QDS, Status: f.Status})
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	d.Open = int64(len(d.Findings))
	for _, f := range d.Findings {
		if f.QDS >= 90 {
			d.Critical++
		}
	}
	acs := enrich.ACS(d.CriticalityScore, d.TagCriticalities)
	d.Breakdown = enrich.Explain(acs, scored, d.Weights)
	return d, nil
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// finishRisk brings enrichment and risk up to date at the end of a run: a
// KnowledgeBase run refreshes the findings of the QIDs it changed; then
// every asset the run touched (records written or made stale, findings
// refreshed) is scored again, and band changes go to the change feed.
func (s *Store) finishRisk(ctx context.Context, tx *sql.Tx, run *sync.Run) error {
	if strings.EqualFold(run.Source, string(model.SourceKB)) {
		n, err := refreshFromKB(ctx, tx, `v.changed_run_id = ?`, run.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			_, err := scoreAssets(ctx, tx, run.ID, `SELECT DISTINCT f.asset_id FROM findings f JOIN vulns v ON v.qid = f.qid WHERE v.changed_run_id = ?`, run.ID)
			return err
		}
		return nil
	}
	q := `SELECT asset_id FROM asset_records WHERE last_run_id = ?`
	args := []any{run.ID}
	if run.Mode == sync.ModeFull {
		q += ` UNION SELECT asset_id FROM findings WHERE state = 'stale' AND last_run_id = ?
			UNION SELECT asset_id FROM changes WHERE run_id = ? AND kind = '` + ChangeAssetRemoved + `'`
		args = append(args, run.ID, run.ID)
	}
	// Assets that records joined or left by a merge or a split.
	q += ` UNION SELECT asset_id FROM changes WHERE run_id = ? AND kind IN ('` + ChangeAssetMerged + `', '` + ChangeAssetSplit + `')
		UNION SELECT CAST(old_value AS INTEGER) FROM changes WHERE run_id = ? AND kind = '` + ChangeAssetSplit + `'`
	args = append(args, run.ID, run.ID)
	_, err := scoreAssets(ctx, tx, run.ID, q, args...)
	return err
}
