package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/qflow/qflow/internal/store"
)

// countedFinding is the condition on findings f that TruRisk counts: still
// reported (active), not Fixed, not ignored or disabled, with a QDS.
const countedFinding = `f.state = 'active' AND coalesce(f.status, '') <> 'Fixed' AND NOT coalesce(f.is_ignored, false)
	AND NOT coalesce(f.is_disabled, false) AND f.risk_qds > 0`

// kbChunk is how many findings FindingsOfChangedVulns and FindingsWithVulns
// read at a time (fn runs between reads, free to use the transaction).
const kbChunk = 1000

// FindingsOfChangedVulns implements store.Tx.
func (t *tx) FindingsOfChangedVulns(ctx context.Context, runID int64, fn func(store.FindingKB) error) error {
	if err := t.findingsKB(ctx, `v.changed_run_id = $2`, []any{runID}, fn); err != nil {
		return fmt.Errorf("postgres: read the findings of the KnowledgeBase entries run %d changed: %w", runID, err)
	}
	return nil
}

// FindingsWithVulns implements store.Tx.
func (t *tx) FindingsWithVulns(ctx context.Context, fn func(store.FindingKB) error) error {
	if err := t.findingsKB(ctx, `true`, nil, fn); err != nil {
		return fmt.Errorf("postgres: read the findings with KnowledgeBase entries: %w", err)
	}
	return nil
}

// findingsKB calls fn for the findings joined to their vulns that where
// selects, in id order, a chunk at a time.
func (t *tx) findingsKB(ctx context.Context, where string, args []any, fn func(store.FindingKB) error) error {
	after := int64(0)
	for {
		rows, err := t.tx.Query(ctx, `SELECT f.id, f.asset_id, f.attributes::text, ((v.attributes - ARRAY['title', 'cvss2_base', 'cvss3_base', 'patchable']) || jsonb_strip_nulls(jsonb_build_object('title', v.title, 'cvss2_base', v.cvss2_base, 'cvss3_base', v.cvss3_base, 'patchable', v.patchable)))::text FROM findings f JOIN vulns v ON v.qid = f.qid
			WHERE f.id > $1 AND `+where+` ORDER BY f.id LIMIT `+strconv.Itoa(kbChunk), append([]any{after}, args...)...)
		if err != nil {
			return err
		}
		chunk, err := collect(rows, func(r pgx.CollectableRow) (store.FindingKB, error) {
			var f store.FindingKB
			err := r.Scan(&f.ID, &f.AssetID, &f.Attributes, &f.Vuln)
			return f, err
		})
		if err != nil {
			return err
		}
		for _, f := range chunk {
			if err := fn(f); err != nil {
				return err
			}
		}
		if len(chunk) < kbChunk {
			return nil
		}
		after = chunk[len(chunk)-1].ID
	}
}

// SetFindingEnrichment implements store.Tx.
func (t *tx) SetFindingEnrichment(ctx context.Context, rows []store.FindingEnrichment) error {
	if len(rows) == 0 {
		return nil
	}
	ec := store.EnrichColumns
	cols, ks, err := t.s.stageCols("findings", nil, nil, append([]string{"id"}, ec...)...)
	if err != nil {
		return err
	}
	st := newStaging("enrichment", cols, ks)
	last := make(map[int64]int, len(rows))
	for i, r := range rows {
		last[r.ID] = i
	}
	for i, r := range rows {
		if last[r.ID] != i {
			continue
		}
		if len(r.Values) != len(ec) {
			return fmt.Errorf("postgres: enrichment of finding %d: %d values, want %d", r.ID, len(r.Values), len(ec))
		}
		if err := st.add(append([]any{r.ID}, r.Values...)...); err != nil {
			return fmt.Errorf("postgres: enrichment of finding %d: %w", r.ID, err)
		}
	}
	if err := t.load(ctx, st); err != nil {
		return fmt.Errorf("postgres: write enrichment: %w", err)
	}
	set := make([]string, len(ec))
	for i, c := range ec {
		set[i] = c + " = s." + c
		if c == "qds_derived" {
			set[i] = c + " = coalesce(s." + c + ", false)"
		}
	}
	if _, err := t.tx.Exec(ctx, `UPDATE findings f SET `+strings.Join(set, ", ")+` FROM `+st.name+` s WHERE f.id = s.id`); err != nil {
		return fmt.Errorf("postgres: write enrichment of %d findings: %w", len(st.rows), err)
	}
	return nil
}

// RiskInputs implements store.Tx.
func (t *tx) RiskInputs(ctx context.Context, ids []int64) ([]store.RiskInput, error) {
	return riskInputs(ctx, t.tx, ids)
}

// RiskInputs implements store.Reader.
func (s *Store) RiskInputs(ctx context.Context, ids []int64) ([]store.RiskInput, error) {
	return riskInputs(ctx, s.pool, ids)
}

func riskInputs(ctx context.Context, q querier, ids []int64) ([]store.RiskInput, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT a.id, coalesce(a.risk_band, ''), a.state, EXISTS (SELECT 1 FROM findings f WHERE f.asset_id = a.id)
		FROM assets a WHERE a.id = ANY($1) ORDER BY a.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk: read assets: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.RiskInput, error) {
		var in store.RiskInput
		err := r.Scan(&in.AssetID, &in.Band, &in.State, &in.Scanned)
		return in, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: risk: read assets: %w", err)
	}
	index := make(map[int64]*store.RiskInput, len(out))
	for i := range out {
		index[out[i].AssetID] = &out[i]
	}

	// ACS inputs: CSAM criticality.score (not when CSAM marks it a
	// default), and the criticality of the tags of active records.
	rows, err = q.Query(ctx, `SELECT r.asset_id, r.attributes ->> 'criticality_score', coalesce(r.attributes ->> 'criticality_is_default', '')
		FROM asset_records r WHERE r.asset_id = ANY($1) AND r.state = 'active' AND r.source = 'CSAM' ORDER BY r.asset_id, r.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk: read criticality: %w", err)
	}
	for rows.Next() {
		var id int64
		var score *string
		var isDefault string
		if err := rows.Scan(&id, &score, &isDefault); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: risk: read criticality: %w", err)
		}
		c, ok := jsonInt(score)
		if ok && !jsonTrue(isDefault) {
			index[id].Criticalities = append(index[id].Criticalities, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: risk: read criticality: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT t.asset_id, t.criticality_score FROM tags t JOIN asset_records r ON r.id = t.record_id AND r.state = 'active'
		WHERE t.asset_id = ANY($1) AND t.criticality_score IS NOT NULL ORDER BY t.asset_id, t.record_id, t.ordinal`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk: read tag criticality: %w", err)
	}
	for rows.Next() {
		var id, c int64
		if err := rows.Scan(&id, &c); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: risk: read tag criticality: %w", err)
		}
		index[id].TagCriticalities = append(index[id].TagCriticalities, int(c))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: risk: read tag criticality: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT f.asset_id, f.risk_qds, coalesce(f.status, '') FROM findings f
		WHERE f.asset_id = ANY($1) AND `+countedFinding+` ORDER BY f.asset_id, f.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: risk: read findings: %w", err)
	}
	for rows.Next() {
		var id, qds int64
		var status string
		if err := rows.Scan(&id, &qds, &status); err != nil {
			rows.Close()
			return nil, fmt.Errorf("postgres: risk: read findings: %w", err)
		}
		index[id].Findings = append(index[id].Findings, store.ScoredFinding{QDS: int(qds), Status: status})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: risk: read findings: %w", err)
	}
	return out, nil
}

// jsonInt reads a JSON number (or a string holding one) given as text.
func jsonInt(s *string) (int, bool) {
	if s == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(*s), 64)
	if err != nil {
		return 0, false
	}
	return int(f), true
}

// jsonTrue reads a JSON flag given as text: true, or a number other than 0.
func jsonTrue(s string) bool {
	if s == "true" {
		return true
	}
	f, err := strconv.ParseFloat(s, 64)
	return err == nil && f != 0
}

// SetRisk implements store.Tx.
func (t *tx) SetRisk(ctx context.Context, runID int64, rows []store.AssetScore) error {
	if len(rows) == 0 {
		return nil
	}
	ids := make([]int64, len(rows))
	acs := make([]int64, len(rows))
	tr := make([]*int64, len(rows))
	bands := make([]*string, len(rows))
	for i, r := range rows {
		ids[i], acs[i] = r.AssetID, int64(r.ACS)
		if r.TruRisk != nil {
			v := int64(*r.TruRisk)
			tr[i] = &v
		}
		bands[i] = r.Band
	}
	_, err := t.tx.Exec(ctx, `UPDATE assets a SET acs = u.acs, trurisk = u.trurisk, risk_band = u.band, risk_run_id = nullif($5::bigint, 0)
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]) AS u(id, acs, trurisk, band) WHERE a.id = u.id`,
		ids, acs, tr, bands, runID)
	if err != nil {
		return fmt.Errorf("postgres: store the risk of %d assets: %w", len(rows), err)
	}
	return nil
}
