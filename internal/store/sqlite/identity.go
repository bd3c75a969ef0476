package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/model"
)

// Rules returns the identification rules in force: the stored ones, or
// the defaults when none were set.
func (s *Store) Rules(ctx context.Context) (identify.Rules, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, attributes, enabled FROM identification_rules ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identification rules: %w", err)
	}
	defer rows.Close()
	var out identify.Rules
	for rows.Next() {
		var r identify.Rule
		var attrs string
		if err := rows.Scan(&r.Name, &attrs, &r.Enabled); err != nil {
			return nil, fmt.Errorf("sqlite: read identification rules: %w", err)
		}
		if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil {
			return nil, fmt.Errorf("sqlite: identification rule %q is corrupt: %w", r.Name, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return identify.Defaults(), nil
	}
	return out, nil
}

// SetRules validates and stores the identification rules (they apply to
// records identified from then on; existing assets keep their identity).
func (s *Store) SetRules(ctx context.Context, rules identify.Rules) error {
	if err := rules.Validate(); err != nil {
		return err
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM identification_rules`); err != nil {
			return err
		}
		for i, r := range rules {
			b, err := json.Marshal(r.Attributes)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO identification_rules (position, name, attributes, enabled) VALUES (?, ?, ?, ?)`, i+1, r.Name, string(b), r.Enabled); err != nil {
				return fmt.Errorf("save rule %q: %w", r.Name, err)
			}
		}
		return nil
	})
	s.rules = nil // reload on next use
	return err
}

// txIndex is an identify.Index over asset_identifiers, read inside the
// writer's transaction so that records of the same batch see each other.
type txIndex struct{ w *batchWriter }

func (x txIndex) Assets(_ context.Context, a identify.Attribute, value string) ([]int64, error) {
	st, err := x.w.stmt(`SELECT DISTINCT asset_id FROM asset_identifiers WHERE attribute = ? AND value = ? ORDER BY asset_id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(x.w.ctx, string(a), value)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// identify decides the asset of a new source record by the identification
// rules: an existing asset's ID, or 0 for a new one.
func (w *batchWriter) identify(rec *model.Record) (identify.Identifiers, identify.Decision, error) {
	rules, err := w.s.currentRules(w.ctx)
	if err != nil {
		return nil, identify.Decision{}, err
	}
	ids := identify.Of(rec, w.run.Subscription)
	d, err := identify.Resolve(w.ctx, rules, ids, txIndex{w})
	if err != nil {
		return nil, identify.Decision{}, err
	}
	return ids, d, nil
}

// saveIdentifiers replaces the identifiers of a record.
func (w *batchWriter) saveIdentifiers(recordID, assetID int64, ids identify.Identifiers) error {
	if _, err := w.exec(`DELETE FROM asset_identifiers WHERE record_id = ?`, recordID); err != nil {
		return fmt.Errorf("replace identifiers: %w", err)
	}
	for a, vals := range ids {
		for _, v := range vals {
			if _, err := w.exec(`INSERT INTO asset_identifiers (attribute, value, record_id, asset_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				string(a), v, recordID, assetID); err != nil {
				return fmt.Errorf("save identifier %s: %w", a, err)
			}
		}
	}
	return nil
}

// logConflict records a record whose deciding rule matched several assets.
func (w *batchWriter) logConflict(recordID int64, rec *model.Record, d identify.Decision) error {
	c, _ := json.Marshal(d.Candidates)
	w.s.log.Warn("identification conflict: the record matched several assets; the most trusted one was chosen",
		"source", rec.Source, "native_key", rec.NativeKey, "rule", d.Rule, "chosen", d.AssetID, "candidates", string(c))
	_, err := w.exec(`INSERT INTO identity_conflicts (run_id, record_id, rule, chosen, candidates, at) VALUES (?, ?, ?, ?, ?, ?)`,
		w.run.ID, recordID, d.Rule, d.AssetID, string(c), w.now)
	return err
}

func (s *Store) currentRules(ctx context.Context) (identify.Rules, error) {
	if s.rules != nil {
		return s.rules, nil
	}
	r, err := s.Rules(ctx)
	if err != nil {
		return nil, err
	}
	s.rules = r
	return r, nil
}
