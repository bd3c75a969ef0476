package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qflow/qflow/internal/store"
)

// Setting implements store.Reader.
func (s *Store) Setting(ctx context.Context, key string) (string, bool, error) {
	return setting(ctx, s.pool, key)
}

// SetSetting implements store.Writer.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return setSetting(ctx, s.pool, key, value)
}

// LatestRun implements store.Reader.
func (s *Store) LatestRun(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM runs`).Scan(&id); err != nil {
		return 0, fmt.Errorf("postgres: read runs: %w", err)
	}
	return id, nil
}

// runs returns the runs that ids and since select (both when given), oldest
// first.
func (s *Store) runs(ctx context.Context, ids []int64, since time.Time) ([]store.RunInfo, error) {
	var where []string
	var args []any
	if len(ids) > 0 {
		args = append(args, ids)
		where = append(where, fmt.Sprintf(`id = ANY($%d)`, len(args)))
	}
	if !since.IsZero() {
		args = append(args, since)
		where = append(where, fmt.Sprintf(`started_at >= $%d`, len(args)))
	}
	q := `SELECT id, source, subscription, mode, state, started_at, finished_at FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: read runs: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.RunInfo, error) {
		var ri store.RunInfo
		var started time.Time
		var finished *time.Time
		err := r.Scan(&ri.ID, &ri.Source, &ri.Subscription, &ri.Mode, &ri.State, &started, &finished)
		ri.StartedAt, ri.FinishedAt = ts(started), tsPtr(finished)
		return ri, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read runs: %w", err)
	}
	return out, nil
}

// Runs implements store.Reader.
func (s *Store) Runs(ctx context.Context, ids []int64, since time.Time) ([]store.RunInfo, error) {
	if len(ids) > 0 {
		since = time.Time{}
	}
	runs, err := s.runs(ctx, ids, since)
	if runs == nil && err == nil {
		runs = []store.RunInfo{}
	}
	return runs, err
}

// Changes implements store.Reader.
func (s *Store) Changes(ctx context.Context, f store.ChangeFilter) (store.ChangeFeed, error) {
	feed := store.ChangeFeed{Counts: map[string]int64{}, Runs: []store.RunInfo{}, Changes: []store.Change{}}
	for _, k := range store.ChangeKinds {
		feed.Counts[k] = 0
	}
	runs, err := s.runs(ctx, f.RunIDs, f.Since)
	if err != nil {
		return feed, err
	}
	if len(runs) == 0 {
		return feed, nil
	}
	feed.Runs = runs
	ids := make([]int64, len(runs))
	for i, r := range runs {
		ids[i] = r.ID
	}
	cw := `c.run_id = ANY($1)`
	args := []any{ids}
	if len(f.Kinds) > 0 {
		cw += ` AND c.kind = ANY($2)`
		args = append(args, f.Kinds)
	}
	rows, err := s.pool.Query(ctx, `SELECT c.kind, count(*) FROM changes c WHERE `+cw+` GROUP BY c.kind`, args...)
	if err != nil {
		return feed, fmt.Errorf("postgres: count changes: %w", err)
	}
	var total int64
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return feed, fmt.Errorf("postgres: count changes: %w", err)
		}
		feed.Counts[k] = n
		total += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return feed, fmt.Errorf("postgres: count changes: %w", err)
	}
	if f.Limit < 0 {
		feed.Truncated = total > 0
		return feed, nil
	}
	q := `SELECT c.run_id, c.kind, c.asset_id, coalesce(a.name, ''), coalesce(r.source, ''), coalesce(r.subscription, ''), coalesce(r.native_key, ''),
		coalesce(c.qid, 0), f.port, coalesce(f.protocol, ''), coalesce(f.ssl, false), coalesce(f.title, ''), coalesce(f.severity, 0),
		coalesce(c.old_value, ''), coalesce(c.new_value, ''), c.at
		FROM changes c LEFT JOIN assets a ON a.id = c.asset_id LEFT JOIN asset_records r ON r.id = c.record_id
		LEFT JOIN findings f ON f.id = c.finding_id
		WHERE ` + cw + ` ORDER BY c.id`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
		feed.Truncated = total > int64(f.Limit)
	}
	rows, err = s.pool.Query(ctx, q, args...)
	if err != nil {
		return feed, fmt.Errorf("postgres: read changes: %w", err)
	}
	changes, err := collect(rows, func(r pgx.CollectableRow) (store.Change, error) {
		var c store.Change
		var at time.Time
		err := r.Scan(&c.RunID, &c.Kind, &c.AssetID, &c.AssetName, &c.Source, &c.Subscription, &c.NativeKey,
			&c.QID, &c.Port, &c.Protocol, &c.SSL, &c.Title, &c.Severity, &c.Old, &c.New, &at)
		c.At = ts(at)
		return c, err
	})
	if err != nil {
		return feed, fmt.Errorf("postgres: read changes: %w", err)
	}
	feed.Changes = append(feed.Changes, changes...)
	return feed, nil
}

// Totals implements store.Reader.
func (s *Store) Totals(ctx context.Context) (store.Totals, error) {
	var t store.Totals
	err := s.pool.QueryRow(ctx, `SELECT
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
		return t, fmt.Errorf("postgres: totals: %w", err)
	}
	t.ActiveRecords = map[string]int64{}
	rows, err := s.top(ctx, `SELECT source, count(*) FROM asset_records WHERE state = 'active' GROUP BY 1 ORDER BY source COLLATE "C" LIMIT $1`, 10)
	if err != nil {
		return t, err
	}
	for _, r := range rows {
		t.ActiveRecords[r.Name] = r.Count
	}
	return t, nil
}

// TopOperatingSystems implements store.Reader.
func (s *Store) TopOperatingSystems(ctx context.Context, n int) ([]store.NameCount, error) {
	return s.top(ctx, `SELECT coalesce(os_name, '(unknown)'), count(*) c FROM assets WHERE state = 'active' GROUP BY 1 ORDER BY c DESC, coalesce(os_name, '(unknown)') COLLATE "C" LIMIT $1`, n)
}

// TopSoftware implements store.Reader.
func (s *Store) TopSoftware(ctx context.Context, n int) ([]store.NameCount, error) {
	return s.top(ctx, `SELECT s.name, count(DISTINCT i.asset_id) c FROM installed_software i JOIN software s ON s.id = i.software_id
		GROUP BY s.name ORDER BY c DESC, s.name COLLATE "C" LIMIT $1`, n)
}

// TopQIDs implements store.Reader.
func (s *Store) TopQIDs(ctx context.Context, n int) ([]store.NameCount, error) {
	return s.top(ctx, `SELECT f.qid || coalesce(' ' || v.title, ''), count(DISTINCT f.record_id) c FROM findings f LEFT JOIN vulns v ON v.qid = f.qid
		WHERE f.state = 'active' AND coalesce(f.status, '') <> 'Fixed' AND f.type <> 'Info'
		GROUP BY f.qid, v.title ORDER BY c DESC, f.qid LIMIT $1`, n)
}

func (s *Store) top(ctx context.Context, q string, n int) ([]store.NameCount, error) {
	rows, err := s.pool.Query(ctx, q, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: top: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.NameCount, error) {
		var nc store.NameCount
		err := r.Scan(&nc.Name, &nc.Count)
		return nc, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: top: %w", err)
	}
	return out, nil
}

// FindingTotals implements store.Reader.
func (s *Store) FindingTotals(ctx context.Context) (store.FindingTotals, error) {
	t := store.FindingTotals{ByStatus: map[string]int64{}, ByType: map[string]int64{}, BySeverity: map[string]int64{}}
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM findings WHERE state = 'active'),
		(SELECT count(*) FROM findings WHERE state = 'active' AND is_ignored),
		(SELECT count(*) FROM findings WHERE state = 'active' AND is_disabled),
		(SELECT count(*) FROM findings WHERE state = 'missing'),
		(SELECT count(*) FROM findings WHERE state = 'stale'),
		(SELECT count(*) FROM asset_records WHERE source = 'VMDR' AND state = 'active'),
		(SELECT count(*) FROM vulns)`).Scan(&t.Findings, &t.Ignored, &t.Disabled, &t.Missing, &t.Stale, &t.Hosts, &t.Vulns)
	if err != nil {
		return t, fmt.Errorf("postgres: finding totals: %w", err)
	}
	for _, g := range []struct {
		col string
		m   map[string]int64
	}{{"status", t.ByStatus}, {"type", t.ByType}, {"severity", t.BySeverity}} {
		name := `coalesce(CAST(` + g.col + ` AS text), '(none)')`
		rows, err := s.top(ctx, `SELECT `+name+`, count(*) FROM findings WHERE state = 'active' GROUP BY 1 ORDER BY `+name+` COLLATE "C" LIMIT $1`, 100)
		if err != nil {
			return t, err
		}
		for _, r := range rows {
			g.m[r.Name] = r.Count
		}
	}
	return t, nil
}

// Quarantine implements store.Reader.
func (s *Store) Quarantine(ctx context.Context, limit int) ([]store.QuarantineEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT run_id, source, native_key, reason FROM quarantine ORDER BY last_seen DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: quarantine: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.QuarantineEntry, error) {
		var e store.QuarantineEntry
		err := r.Scan(&e.RunID, &e.Source, &e.NativeKey, &e.Reason)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: quarantine: %w", err)
	}
	return out, nil
}

// TableCounts implements store.Reader.
func (s *Store) TableCounts(ctx context.Context) (map[string]int64, error) {
	parts := make([]string, len(store.Tables))
	for i, t := range store.Tables {
		parts[i] = `SELECT '` + t + `', count(*) FROM ` + t
	}
	rows, err := s.pool.Query(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return nil, fmt.Errorf("postgres: count rows: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int64, len(store.Tables))
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("postgres: count rows: %w", err)
		}
		out[t] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: count rows: %w", err)
	}
	return out, nil
}

// assetRiskColumns are the columns of store.AssetRisk, from assets a.
const assetRiskColumns = `a.id, coalesce(a.name, ''), coalesce(a.ip_address, ''), coalesce(a.os_name, ''), coalesce(a.acs, 2), coalesce(a.trurisk, 0), coalesce(a.risk_band, 'low'),
	(SELECT count(*) FROM findings f WHERE f.asset_id = a.id AND ` + countedFinding + `),
	(SELECT count(*) FROM findings f WHERE f.asset_id = a.id AND f.risk_qds >= 90 AND ` + countedFinding + `)`

func scanAssetRisk(r pgx.Row) (store.AssetRisk, error) {
	var a store.AssetRisk
	err := r.Scan(&a.AssetID, &a.Name, &a.IP, &a.OS, &a.ACS, &a.TruRisk, &a.Band, &a.Open, &a.Critical)
	return a, err
}

// RiskList implements store.Reader.
func (s *Store) RiskList(ctx context.Context, f store.RiskFilter) ([]store.AssetRisk, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q := `SELECT ` + assetRiskColumns + ` FROM assets a WHERE a.state = 'active' AND a.trurisk IS NOT NULL`
	args := []any{f.Limit}
	if f.Band != "" {
		q += ` AND a.risk_band = $2`
		args = append(args, f.Band)
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY a.trurisk DESC, a.id LIMIT $1`, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: list risk: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.AssetRisk, error) { return scanAssetRisk(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list risk: %w", err)
	}
	return out, nil
}

// RiskBands implements store.Reader.
func (s *Store) RiskBands(ctx context.Context) (map[string]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT coalesce(risk_band, '`+store.Unscored+`'), count(*) FROM assets WHERE state = 'active' GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("postgres: count risk bands: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var b string
		var n int64
		if err := rows.Scan(&b, &n); err != nil {
			return nil, fmt.Errorf("postgres: count risk bands: %w", err)
		}
		out[b] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: count risk bands: %w", err)
	}
	return out, nil
}

// AssetRisk implements store.Reader.
func (s *Store) AssetRisk(ctx context.Context, id int64) (store.AssetRisk, error) {
	a, err := scanAssetRisk(s.pool.QueryRow(ctx, `SELECT `+assetRiskColumns+` FROM assets a WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("postgres: no asset %d (see `qflow risk list` for asset ids): %w", id, store.ErrNotFound)
	}
	if err != nil {
		return a, fmt.Errorf("postgres: read the risk of asset %d: %w", id, err)
	}
	return a, nil
}

// RiskFindings implements store.Reader.
func (s *Store) RiskFindings(ctx context.Context, id int64) ([]store.RiskFinding, error) {
	rows, err := s.pool.Query(ctx, `SELECT f.qid, coalesce(f.title, ''), coalesce(f.status, ''), f.risk_qds, f.qds_derived, f.port FROM findings f
		WHERE f.asset_id = $1 AND `+countedFinding+` ORDER BY f.risk_qds DESC, f.qid`, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: read the findings of asset %d: %w", id, err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.RiskFinding, error) {
		var f store.RiskFinding
		err := r.Scan(&f.QID, &f.Title, &f.Status, &f.QDS, &f.Derived, &f.Port)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read the findings of asset %d: %w", id, err)
	}
	if out == nil {
		out = []store.RiskFinding{}
	}
	return out, nil
}

// VulnAttributes implements store.Reader.
func (s *Store) VulnAttributes(ctx context.Context, qids []int64) (map[int64]map[string]any, error) {
	out := make(map[int64]map[string]any, len(qids))
	if len(qids) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT qid, attributes::text FROM vulns WHERE qid = ANY($1)`, qids)
	if err != nil {
		return nil, fmt.Errorf("postgres: read KnowledgeBase entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var qid int64
		var attrs string
		if err := rows.Scan(&qid, &attrs); err != nil {
			return nil, fmt.Errorf("postgres: read KnowledgeBase entries: %w", err)
		}
		m := map[string]any{}
		if err := json.Unmarshal([]byte(attrs), &m); err != nil {
			return nil, fmt.Errorf("postgres: KnowledgeBase entry %d is corrupt: %w", qid, err)
		}
		out[qid] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: read KnowledgeBase entries: %w", err)
	}
	return out, nil
}

// Rules implements store.Reader.
func (s *Store) Rules(ctx context.Context) ([]store.Rule, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, attributes::text, enabled FROM identification_rules ORDER BY position`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read identification rules: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.Rule, error) {
		var ru store.Rule
		var attrs string
		if err := r.Scan(&ru.Name, &attrs, &ru.Enabled); err != nil {
			return ru, err
		}
		if err := json.Unmarshal([]byte(attrs), &ru.Attributes); err != nil {
			return ru, fmt.Errorf("identification rule %q is corrupt: %w", ru.Name, err)
		}
		return ru, nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read identification rules: %w", err)
	}
	return out, nil
}

// SetRules implements store.Writer.
func (s *Store) SetRules(ctx context.Context, rules []store.Rule) error {
	err := pgx.BeginFunc(ctx, s.pool, func(t pgx.Tx) error {
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM identification_rules`)
		for i, r := range rules {
			attrs := r.Attributes
			if attrs == nil {
				attrs = []string{}
			}
			a, err := json.Marshal(attrs)
			if err != nil {
				return err
			}
			b.Queue(`INSERT INTO identification_rules (position, name, attributes, enabled) VALUES ($1, $2, $3, $4)`, i+1, r.Name, string(a), r.Enabled)
		}
		return sendBatch(ctx, t, b)
	})
	if err != nil {
		return fmt.Errorf("postgres: save identification rules: %w", err)
	}
	return nil
}

// Junk implements store.Reader.
func (s *Store) Junk(ctx context.Context) ([]store.JunkEntry, error) {
	rows, err := s.pool.Query(ctx, `SELECT j.attribute, j.value, j.origin, coalesce(j.machines, 0), coalesce(j.subscription, ''), coalesce(j.run_id, 0), j.at,
		(SELECT count(*) FROM asset_identifiers x WHERE x.attribute = j.attribute AND x.value = j.value)
		FROM identity_junk j ORDER BY j.attribute COLLATE "C", j.value COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read identity junk: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.JunkEntry, error) {
		var e store.JunkEntry
		var at time.Time
		err := r.Scan(&e.Attribute, &e.Value, &e.Origin, &e.Machines, &e.Subscription, &e.RunID, &at, &e.Records)
		e.At = ts(at)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read identity junk: %w", err)
	}
	return out, nil
}

// AddJunk implements store.Writer.
func (s *Store) AddJunk(ctx context.Context, j store.JunkEntry) error {
	return addJunk(ctx, s.pool, j)
}

// RemoveJunk implements store.Writer.
func (s *Store) RemoveJunk(ctx context.Context, attribute, value string) (bool, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM identity_junk WHERE attribute = $1 AND value = $2`, attribute, value)
	if err != nil {
		return false, fmt.Errorf("postgres: remove junk %s %q: %w", attribute, value, err)
	}
	return tag.RowsAffected() > 0, nil
}

// RecordValues implements store.Reader: the values are JSON values as
// encoding/json decodes them (string, float64, bool, []any,
// map[string]any), nil for null or absent.
func (s *Store) RecordValues(ctx context.Context, fields []string, fn func([]any) error) error {
	if len(fields) == 0 {
		return nil
	}
	cols := make([]string, len(fields))
	args := make([]any, len(fields))
	for i, f := range fields {
		cols[i] = fmt.Sprintf(`(attributes -> $%d)::text`, i+1)
		args[i] = f
	}
	// Read a chunk at a time by id, so that fn may take its time without
	// holding a query open.
	const chunk = 5000
	after := int64(0)
	for {
		rows, err := s.pool.Query(ctx, `SELECT id, `+strings.Join(cols, ", ")+` FROM asset_records WHERE state = 'active' AND id > $`+
			strconv.Itoa(len(fields)+1)+` ORDER BY id LIMIT `+strconv.Itoa(chunk), append(args, after)...)
		if err != nil {
			return fmt.Errorf("postgres: read record values: %w", err)
		}
		var vals [][]any
		raw := make([]*string, len(fields))
		dst := make([]any, 1+len(fields))
		dst[0] = &after
		for i := range raw {
			dst[i+1] = &raw[i]
		}
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				rows.Close()
				return fmt.Errorf("postgres: read record values: %w", err)
			}
			row := make([]any, len(fields))
			for i, r := range raw {
				if r != nil {
					if err := json.Unmarshal([]byte(*r), &row[i]); err != nil {
						rows.Close()
						return fmt.Errorf("postgres: read record values: record %d, %s: %w", after, fields[i], err)
					}
				}
			}
			vals = append(vals, row)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("postgres: read record values: %w", err)
		}
		for _, row := range vals {
			if err := fn(row); err != nil {
				return err
			}
		}
		if len(vals) < chunk {
			return nil
		}
	}
}

// Conflicts implements store.Reader.
func (s *Store) Conflicts(ctx context.Context, limit int) ([]store.Conflict, error) {
	q := `SELECT c.run_id, c.kind, c.rule, coalesce(r.source, ''), coalesce(r.native_key, ''), coalesce(r.asset_id, c.chosen), coalesce(c.other_asset_id, 0),
		coalesce(c.attribute, ''), coalesce(c.value, ''), coalesce(c.other_value, ''), c.at
		FROM identity_conflicts c LEFT JOIN asset_records r ON r.id = c.record_id ORDER BY c.id DESC`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit)
	}
	rows, err := s.pool.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: read identity conflicts: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.Conflict, error) {
		var c store.Conflict
		var at time.Time
		err := r.Scan(&c.RunID, &c.Kind, &c.Rule, &c.Source, &c.NativeKey, &c.AssetID, &c.OtherAssetID, &c.Attribute, &c.Value, &c.OtherValue, &at)
		c.At = ts(at)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read identity conflicts: %w", err)
	}
	return out, nil
}
