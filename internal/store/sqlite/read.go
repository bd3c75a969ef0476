package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/store"
)

// LatestRun returns the id of the newest run, 0 when there is none.
func (s *Store) LatestRun(ctx context.Context) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM runs`).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sqlite: read runs: %w", err)
	}
	return id, nil
}

// Changes returns the change feed entries f selects.
func (s *Store) Changes(ctx context.Context, f store.ChangeFilter) (store.ChangeFeed, error) {
	feed := store.ChangeFeed{Counts: map[string]int64{}, Runs: []store.RunInfo{}, Changes: []store.Change{}}
	for _, k := range store.ChangeKinds {
		feed.Counts[k] = 0
	}
	var where []string
	var args []any
	if len(f.RunIDs) > 0 {
		where = append(where, `r.id IN (`+placeholders(len(f.RunIDs))+`)`)
		for _, id := range f.RunIDs {
			args = append(args, id)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, `r.started_at >= ?`)
		args = append(args, ts(f.Since))
	}
	runWhere := ""
	if len(where) > 0 {
		runWhere = " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT r.id, r.source, r.subscription, r.mode, r.state, r.started_at, coalesce(r.finished_at, '') FROM runs r`+runWhere+` ORDER BY r.id`, args...)
	if err != nil {
		return feed, fmt.Errorf("sqlite: read runs: %w", err)
	}
	var ids []any
	for rows.Next() {
		var r store.RunInfo
		if err := rows.Scan(&r.ID, &r.Source, &r.Subscription, &r.Mode, &r.State, &r.StartedAt, &r.FinishedAt); err != nil {
			rows.Close()
			return feed, err
		}
		feed.Runs = append(feed.Runs, r)
		ids = append(ids, r.ID)
	}
	if err := rows.Close(); err != nil {
		return feed, err
	}
	if len(ids) == 0 {
		return feed, nil
	}
	cw := `c.run_id IN (` + placeholders(len(ids)) + `)`
	cargs := append([]any{}, ids...)
	if len(f.Kinds) > 0 {
		cw += ` AND c.kind IN (` + placeholders(len(f.Kinds)) + `)`
		for _, k := range f.Kinds {
			cargs = append(cargs, k)
		}
	}
	rows, err = s.r.QueryContext(ctx, `SELECT c.kind, count(*) FROM changes c WHERE `+cw+` GROUP BY c.kind`, cargs...)
	if err != nil {
		return feed, fmt.Errorf("sqlite: count changes: %w", err)
	}
	var total int64
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return feed, err
		}
		feed.Counts[k] = n
		total += n
	}
	if err := rows.Close(); err != nil {
		return feed, err
	}
	if f.Limit < 0 {
		feed.Truncated = total > 0
		return feed, nil
	}
	q := `SELECT c.run_id, c.kind, c.asset_id, coalesce(a.name, ''), coalesce(r.source, ''), coalesce(r.subscription, ''), coalesce(r.native_key, ''),
		coalesce(c.qid, 0), f.port, coalesce(f.protocol, ''), coalesce(f.ssl, 0), coalesce(f.title, ''), coalesce(f.severity, 0),
		coalesce(c.old_value, ''), coalesce(c.new_value, ''), c.at
		FROM changes c LEFT JOIN assets a ON a.id = c.asset_id LEFT JOIN asset_records r ON r.id = c.record_id
		LEFT JOIN findings f ON f.id = c.finding_id
		WHERE ` + cw + ` ORDER BY c.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
		feed.Truncated = total > int64(f.Limit)
	}
	rows, err = s.r.QueryContext(ctx, q, cargs...)
	if err != nil {
		return feed, fmt.Errorf("sqlite: read changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.Change
		var port sql.NullInt64
		if err := rows.Scan(&c.RunID, &c.Kind, &c.AssetID, &c.AssetName, &c.Source, &c.Subscription, &c.NativeKey,
			&c.QID, &port, &c.Protocol, &c.SSL, &c.Title, &c.Severity, &c.Old, &c.New, &c.At); err != nil {
			return feed, fmt.Errorf("sqlite: read changes: %w", err)
		}
		if port.Valid {
			c.Port = &port.Int64
		}
		feed.Changes = append(feed.Changes, c)
	}
	return feed, rows.Err()
}

// store.Totals returns the row counts of the main tables.
func (s *Store) Totals(ctx context.Context) (store.Totals, error) {
	var t store.Totals
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM assets),
		(SELECT count(*) FROM assets WHERE state = 'active'),
		(SELECT count(*) FROM asset_records),
		(SELECT count(*) FROM software),
		(SELECT count(*) FROM installed_software),
		(SELECT count(*) FROM open_ports),
		(SELECT count(*) FROM network_interfaces),
		(SELECT count(*) FROM quarantine)`).Scan(&t.Assets, &t.ActiveAssets, &t.AssetRecords, &t.Software, &t.SoftwareInstalls,
		&t.OpenPorts, &t.NetworkInterfaces, &t.Quarantined)
	if err != nil {
		return t, fmt.Errorf("sqlite: totals: %w", err)
	}
	t.ActiveRecords = map[string]int64{}
	rows, err := s.top(ctx, `SELECT source, count(*) FROM asset_records WHERE state = 'active' GROUP BY 1 ORDER BY 1 LIMIT ?`, 10)
	if err != nil {
		return t, err
	}
	for _, r := range rows {
		t.ActiveRecords[r.Name] = r.Count
	}
	return t, nil
}

// TopOperatingSystems returns the most common OS names among active assets.
func (s *Store) TopOperatingSystems(ctx context.Context, n int) ([]store.NameCount, error) {
	return s.top(ctx, `SELECT coalesce(os_name, '(unknown)'), count(*) c FROM assets WHERE state = 'active' GROUP BY 1 ORDER BY c DESC, 1 LIMIT ?`, n)
}

func (s *Store) top(ctx context.Context, q string, n int) ([]store.NameCount, error) {
	out, err := top(ctx, s.r, q, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: top: %w", err)
	}
	return out, nil
}

// Quarantine lists quarantined records, newest first.
func (s *Store) Quarantine(ctx context.Context, limit int) ([]store.QuarantineEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT run_id, source, native_key, reason FROM quarantine ORDER BY last_seen DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: quarantine: %w", err)
	}
	defer rows.Close()
	var out []store.QuarantineEntry
	for rows.Next() {
		var e store.QuarantineEntry
		if err := rows.Scan(&e.RunID, &e.Source, &e.NativeKey, &e.Reason); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// FindingTotals returns the counts of active findings by status, type and
// severity, plus the number of VMDR host records and KnowledgeBase entries.
func (s *Store) FindingTotals(ctx context.Context) (store.FindingTotals, error) {
	t := store.FindingTotals{ByStatus: map[string]int64{}, ByType: map[string]int64{}, BySeverity: map[string]int64{}}
	err := s.readTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM asset_records WHERE source = 'VMDR' AND state = 'active'), (SELECT count(*) FROM vulns)`).
			Scan(&t.Hosts, &t.Vulns)
		if err != nil {
			return err
		}
		counted, err := hasTriggers(ctx, tx, countTriggers)
		if err != nil {
			return err
		}
		// Every count is a sum over the groups of finding_counts, kept by
		// its triggers. While a first load has deferred them, the groups
		// come from one pass over findings, in the order of the
		// findings_status index, which holds every column: a scan of the
		// index alone, no sort.
		q := `SELECT state, status, type, severity, is_ignored, is_disabled, n FROM finding_counts WHERE n <> 0`
		if !counted {
			q = `SELECT state, status, type, severity, is_ignored, is_disabled, count(*) FROM findings
		GROUP BY status, type, severity, is_ignored, is_disabled, state`
		}
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var state string
			var st, ty sql.NullString
			var sv, ig, di sql.NullInt64
			var n int64
			if err := rows.Scan(&state, &st, &ty, &sv, &ig, &di, &n); err != nil {
				return err
			}
			status, typ, sev := "(none)", "(none)", "(none)"
			if st.Valid {
				status = st.String
			}
			if ty.Valid {
				typ = ty.String
			}
			if sv.Valid {
				sev = strconv.FormatInt(sv.Int64, 10)
			}
			ignored, disabled := ig.Int64 == 1, di.Int64 == 1
			switch state {
			case "missing":
				t.Missing += n
			case "stale":
				t.Stale += n
			case "active":
				t.Findings += n
				t.ByStatus[status] += n
				t.ByType[typ] += n
				t.BySeverity[sev] += n
				if ignored {
					t.Ignored += n
				}
				if disabled {
					t.Disabled += n
				}
			}
		}
		return rows.Err()
	})
	if err != nil {
		return t, fmt.Errorf("sqlite: finding totals: %w", err)
	}
	return t, nil
}

// RiskList returns the scored active assets by TruRisk, highest first, with their open
// and critical (QDS ≥ 90) finding counts.
func (s *Store) RiskList(ctx context.Context, f store.RiskFilter) ([]store.AssetRisk, error) {
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
	var out []store.AssetRisk
	for rows.Next() {
		var a store.AssetRisk
		if err := rows.Scan(&a.AssetID, &a.Name, &a.IP, &a.OS, &a.ACS, &a.TruRisk, &a.Band, &a.Open, &a.Critical); err != nil {
			return nil, fmt.Errorf("sqlite: list risk: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// RiskBands implements store.Reader.
func (s *Store) RiskBands(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	rows, err := s.r.QueryContext(ctx, `SELECT coalesce(risk_band, '`+store.Unscored+`'), count(*) FROM assets WHERE state = 'active' GROUP BY 1`)
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

// Rules implements store.Reader.
func (s *Store) Rules(ctx context.Context) ([]store.Rule, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, attributes, enabled FROM identification_rules ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identification rules: %w", err)
	}
	defer rows.Close()
	var out []store.Rule
	for rows.Next() {
		var r store.Rule
		var attrs string
		if err := rows.Scan(&r.Name, &attrs, &r.Enabled); err != nil {
			return nil, fmt.Errorf("sqlite: read identification rules: %w", err)
		}
		if err := json.Unmarshal([]byte(attrs), &r.Attributes); err != nil {
			return nil, fmt.Errorf("sqlite: identification rule %q is corrupt: %w", r.Name, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Junk lists learned and manual junk values with the number of records that
// carry each.
func (s *Store) Junk(ctx context.Context) ([]store.JunkEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT j.attribute, j.value, j.origin, coalesce(j.machines, 0), coalesce(j.subscription, ''), coalesce(j.run_id, 0), j.at,
		(SELECT count(*) FROM asset_identifiers x WHERE x.attribute = j.attribute AND x.value = j.value)
		FROM identity_junk j ORDER BY j.attribute, j.value`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identity junk: %w", err)
	}
	defer rows.Close()
	var out []store.JunkEntry
	for rows.Next() {
		var e store.JunkEntry
		if err := rows.Scan(&e.Attribute, &e.Value, &e.Origin, &e.Machines, &e.Subscription, &e.RunID, &e.At, &e.Records); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Conflicts lists identity conflicts, newest first (limit <= 0: all).
func (s *Store) Conflicts(ctx context.Context, limit int) ([]store.Conflict, error) {
	q := `SELECT c.run_id, c.kind, c.rule, coalesce(r.source, ''), coalesce(r.native_key, ''), coalesce(r.asset_id, c.chosen), coalesce(c.other_asset_id, 0),
		coalesce(c.attribute, ''), coalesce(c.value, ''), coalesce(c.other_value, ''), c.at
		FROM identity_conflicts c LEFT JOIN asset_records r ON r.id = c.record_id ORDER BY c.id DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := s.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read identity conflicts: %w", err)
	}
	defer rows.Close()
	var out []store.Conflict
	for rows.Next() {
		var c store.Conflict
		if err := rows.Scan(&c.RunID, &c.Kind, &c.Rule, &c.Source, &c.NativeKey, &c.AssetID, &c.OtherAssetID, &c.Attribute, &c.Value, &c.OtherValue, &c.At); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Runs implements store.Reader.
func (s *Store) Runs(ctx context.Context, ids []int64, since time.Time) ([]store.RunInfo, error) {
	var where []string
	var a []any
	if len(ids) > 0 {
		where = append(where, `id IN (`+placeholders(len(ids))+`)`)
		a = append(a, anys(ids)...)
	}
	if len(ids) == 0 && !since.IsZero() {
		where = append(where, `started_at >= ?`)
		a = append(a, ts(since))
	}
	q := `SELECT id, source, subscription, mode, state, started_at, coalesce(finished_at, '') FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id`, a...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read runs: %w", err)
	}
	defer rows.Close()
	out := []store.RunInfo{}
	for rows.Next() {
		var r store.RunInfo
		if err := rows.Scan(&r.ID, &r.Source, &r.Subscription, &r.Mode, &r.State, &r.StartedAt, &r.FinishedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// TableCounts implements store.Reader.
func (s *Store) TableCounts(ctx context.Context) (map[string]int64, error) {
	out := make(map[string]int64, len(store.Tables))
	for _, t := range store.Tables {
		var n int64
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlite: count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

// AssetRisk implements store.Reader.
func (s *Store) AssetRisk(ctx context.Context, id int64) (store.AssetRisk, error) {
	var d store.AssetRisk
	err := s.r.QueryRowContext(ctx, `SELECT a.id, coalesce(a.name, ''), coalesce(a.ip_address, ''), coalesce(a.os_name, ''), coalesce(a.acs, 2), coalesce(a.trurisk, 0), coalesce(a.risk_band, 'low')
		FROM assets a WHERE a.id = ?`, id).Scan(&d.AssetID, &d.Name, &d.IP, &d.OS, &d.ACS, &d.TruRisk, &d.Band)
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("sqlite: asset %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("sqlite: read asset %d: %w", id, err)
	}
	return d, nil
}

// RiskFindings implements store.Reader.
func (s *Store) RiskFindings(ctx context.Context, id int64) ([]store.RiskFinding, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT f.qid, coalesce(f.title, ''), coalesce(f.status, ''), f.risk_qds, f.qds_derived, f.port FROM findings f
		WHERE f.asset_id = ? AND `+countedFinding+` ORDER BY f.risk_qds DESC, f.qid`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read findings: %w", err)
	}
	defer rows.Close()
	var out []store.RiskFinding
	for rows.Next() {
		var f store.RiskFinding
		var port sql.NullInt64
		if err := rows.Scan(&f.QID, &f.Title, &f.Status, &f.QDS, &f.Derived, &port); err != nil {
			return nil, err
		}
		if port.Valid {
			f.Port = &port.Int64
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// RiskInputs implements store.Reader.
func (s *Store) RiskInputs(ctx context.Context, ids []int64) ([]store.RiskInput, error) {
	return riskInputs(ctx, s.r, ids)
}

// Setting implements store.Reader.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	return setting(ctx, s.r, key)
}

// write runs fn in a transaction of its own.
func (s *Store) write(ctx context.Context, fn func(*tx) error) error {
	return s.Update(ctx, store.Lock{}, func(t store.Tx) error { return fn(t.(*tx)) })
}

// SetSetting implements store.Writer.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return s.write(ctx, func(x *tx) error { return x.SetSetting(ctx, key, value) })
}

// SetRules implements store.Writer.
func (s *Store) SetRules(ctx context.Context, rules []store.Rule) error {
	return s.write(ctx, func(x *tx) error {
		if _, err := x.tx.ExecContext(ctx, `DELETE FROM identification_rules`); err != nil {
			return err
		}
		for i, r := range rules {
			b, err := json.Marshal(r.Attributes)
			if err != nil {
				return err
			}
			if _, err := x.tx.ExecContext(ctx, `INSERT INTO identification_rules (position, name, attributes, enabled) VALUES (?, ?, ?, ?)`, i+1, r.Name, string(b), r.Enabled); err != nil {
				return fmt.Errorf("save rule %q: %w", r.Name, err)
			}
		}
		return nil
	})
}

// AddJunk implements store.Writer.
func (s *Store) AddJunk(ctx context.Context, j store.JunkEntry) error {
	return s.write(ctx, func(x *tx) error { return x.AddJunk(ctx, j) })
}

// RemoveJunk implements store.Writer.
func (s *Store) RemoveJunk(ctx context.Context, attribute, value string) (bool, error) {
	var n int64
	err := s.write(ctx, func(x *tx) error {
		r, err := x.tx.ExecContext(ctx, `DELETE FROM identity_junk WHERE attribute = ? AND value = ?`, attribute, value)
		if err != nil {
			return err
		}
		n, err = r.RowsAffected()
		return err
	})
	return n > 0, err
}

// RecordValues implements store.Reader.
func (s *Store) RecordValues(ctx context.Context, fields []string, fn func([]any) error) error {
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = `json_extract(attributes, '$.` + strings.ReplaceAll(f, "'", "") + `')`
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM asset_records WHERE state = 'active' ORDER BY id`)
	if err != nil {
		return fmt.Errorf("sqlite: read record values: %w", err)
	}
	defer rows.Close()
	raw := make([]any, len(fields))
	ptrs := make([]any, len(fields))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		vals := make([]any, len(fields))
		for i, r := range raw {
			vals[i] = jsonValue(r)
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// jsonValue turns what json_extract returns into the JSON value it is:
// arrays and objects come back as their JSON text.
func jsonValue(v any) any {
	switch t := v.(type) {
	case string:
		if strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{") {
			var x any
			if json.Unmarshal([]byte(t), &x) == nil {
				return x
			}
		}
		return t
	case []byte:
		return jsonValue(string(t))
	case int64:
		return float64(t)
	}
	return v
}

// VulnAttributes implements store.Reader.
func (s *Store) VulnAttributes(ctx context.Context, qids []int64) (map[int64]map[string]any, error) {
	out := make(map[int64]map[string]any, len(qids))
	err := chunks(qids, func(c []int64) error {
		rows, err := s.r.QueryContext(ctx, `SELECT qid, attributes FROM vulns WHERE qid IN (`+placeholders(len(c))+`)`, anys(c)...)
		if err != nil {
			return fmt.Errorf("sqlite: read KnowledgeBase entries: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var qid int64
			var attrs string
			if err := rows.Scan(&qid, &attrs); err != nil {
				return fmt.Errorf("sqlite: read KnowledgeBase entries: %w", err)
			}
			m := map[string]any{}
			if err := json.Unmarshal([]byte(attrs), &m); err != nil {
				return fmt.Errorf("sqlite: KnowledgeBase entry %d is corrupt: %w", qid, err)
			}
			out[qid] = m
		}
		return rows.Err()
	})
	return out, err
}
