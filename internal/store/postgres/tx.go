package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// tx is one transaction of Update.
type tx struct {
	s  *Store
	tx pgx.Tx
	// staged holds the staging tables this transaction has filled (see
	// tx.load).
	staged map[string]bool
	// fresh are the records inserted in this transaction whose content is
	// not written yet: they have no list rows to replace.
	fresh map[int64]bool
}

// inserted notes a record inserted in this transaction (see fresh).
func (t *tx) inserted(id int64) {
	if t.fresh == nil {
		t.fresh = map[int64]bool{}
	}
	t.fresh[id] = true
}

var _ store.Tx = (*tx)(nil)

// Setting implements store.Tx.
func (t *tx) Setting(ctx context.Context, key string) (string, bool, error) {
	return setting(ctx, t.tx, key)
}

// SetSetting implements store.Tx.
func (t *tx) SetSetting(ctx context.Context, key, value string) error {
	return setSetting(ctx, t.tx, key, value)
}

func setting(ctx context.Context, q querier, key string) (string, bool, error) {
	var v string
	err := q.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("postgres: read setting %s: %w", key, err)
	}
	return v, true, nil
}

func setSetting(ctx context.Context, q querier, key, value string) error {
	var err error
	if value == "" {
		_, err = q.Exec(ctx, `DELETE FROM settings WHERE key = $1`, key)
	} else {
		_, err = q.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, cleanText(value))
	}
	if err != nil {
		return fmt.Errorf("postgres: save setting %s: %w", key, err)
	}
	return nil
}

// InsertRun implements store.Tx.
func (t *tx) InsertRun(ctx context.Context, run *sync.Run) error {
	err := t.tx.QueryRow(ctx, `INSERT INTO runs (source, subscription, mode, state, started_at, map_name, map_hash) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		run.Source, run.Subscription, string(run.Mode), run.State, run.StartedAt, run.MapName, run.MapHash).Scan(&run.ID)
	if err != nil {
		return fmt.Errorf("postgres: insert run: %w", err)
	}
	return nil
}

// ResumeRun implements store.Tx.
func (t *tx) ResumeRun(ctx context.Context, run *sync.Run) error {
	var c sync.Counts
	var calls int64
	var started time.Time
	f := &c.Findings
	err := t.tx.QueryRow(ctx, `SELECT seen, new, updated, unchanged, quarantined, software_installs, api_calls, started_at,
		findings_seen, findings_new, findings_updated, findings_fixed, findings_reopened, findings_missing, vulns FROM runs WHERE id = $1`, run.ID).
		Scan(&c.Seen, &c.New, &c.Updated, &c.Unchanged, &c.Quarantined, &c.SoftwareInstalls, &calls, &started,
			&f.Seen, &f.New, &f.Updated, &f.Fixed, &f.Reopened, &f.Missing, &c.Vulns)
	if err != nil {
		return fmt.Errorf("postgres: resume run %d: %w", run.ID, err)
	}
	run.Counts, run.APICalls, run.StartedAt = c, calls, started.UTC()
	if _, err := t.tx.Exec(ctx, `UPDATE runs SET state = $1, resumed = resumed + 1, error = NULL, finished_at = NULL WHERE id = $2`, sync.StateProcessing, run.ID); err != nil {
		return fmt.Errorf("postgres: resume run %d: %w", run.ID, err)
	}
	return nil
}

// AddRunCounts implements store.Tx. The stale count is EndRun's.
func (t *tx) AddRunCounts(ctx context.Context, id int64, c sync.Counts) error {
	f := c.Findings
	_, err := t.tx.Exec(ctx, `UPDATE runs SET seen = seen + $1, new = new + $2, updated = updated + $3, unchanged = unchanged + $4,
		quarantined = quarantined + $5, software_installs = software_installs + $6,
		findings_seen = findings_seen + $7, findings_new = findings_new + $8, findings_updated = findings_updated + $9,
		findings_fixed = findings_fixed + $10, findings_reopened = findings_reopened + $11, findings_missing = findings_missing + $12,
		vulns = vulns + $13 WHERE id = $14`,
		c.Seen, c.New, c.Updated, c.Unchanged, c.Quarantined, c.SoftwareInstalls,
		f.Seen, f.New, f.Updated, f.Fixed, f.Reopened, f.Missing, c.Vulns, id)
	if err != nil {
		return fmt.Errorf("postgres: update counts of run %d: %w", id, err)
	}
	return nil
}

// EndRun implements store.Tx.
func (t *tx) EndRun(ctx context.Context, run *sync.Run, findingsStale int64) error {
	var errText, finished any
	if run.Error != "" {
		errText = cleanText(run.Error)
	}
	if !run.FinishedAt.IsZero() {
		finished = run.FinishedAt
	}
	_, err := t.tx.Exec(ctx, `UPDATE runs SET state = $1, finished_at = $2, api_calls = $3, stale = $4, error = $5, findings_stale = $6 WHERE id = $7`,
		run.State, finished, run.APICalls, run.Counts.Stale, errText, findingsStale, run.ID)
	if err != nil {
		return fmt.Errorf("postgres: end run %d: %w", run.ID, err)
	}
	return nil
}

// SaveCheckpoint implements store.Tx.
func (t *tx) SaveCheckpoint(ctx context.Context, cp sync.Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("postgres: encode the checkpoint of %s/%s: %w", cp.Source, cp.Subscription, err)
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO cursors (source, subscription, state, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (source, subscription) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
		cp.Source, cp.Subscription, string(b), time.Now())
	if err != nil {
		return fmt.Errorf("postgres: save the checkpoint of %s/%s: %w", cp.Source, cp.Subscription, err)
	}
	return nil
}

// LoadCheckpoint implements store.Store.
func (s *Store) LoadCheckpoint(ctx context.Context, source, subscription string) (sync.Checkpoint, error) {
	var raw string
	err := s.pool.QueryRow(ctx, `SELECT state FROM cursors WHERE source = $1 AND subscription = $2`, source, subscription).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return sync.Checkpoint{Source: source, Subscription: subscription}, nil
	}
	if err != nil {
		return sync.Checkpoint{}, fmt.Errorf("postgres: read the checkpoint of %s/%s: %w", source, subscription, err)
	}
	var cp sync.Checkpoint
	if err := json.Unmarshal([]byte(raw), &cp); err != nil {
		return sync.Checkpoint{}, fmt.Errorf("postgres: the checkpoint of %s/%s is corrupt (run with --full to start over): %w", source, subscription, err)
	}
	return cp, nil
}

// Records implements store.Tx.
func (t *tx) Records(ctx context.Context, source, subscription string, keys []string) (map[string]store.RecordState, error) {
	out := make(map[string]store.RecordState, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT native_key, id, asset_id, raw_hash, software_installs, findings FROM asset_records
		WHERE source = $1 AND subscription = $2 AND native_key = ANY($3)`, source, subscription, keys)
	if err != nil {
		return nil, fmt.Errorf("postgres: look up records of %s/%s: %w", source, subscription, err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var r store.RecordState
		if err := rows.Scan(&k, &r.ID, &r.AssetID, &r.Hash, &r.SoftwareInstalls, &r.Findings); err != nil {
			return nil, fmt.Errorf("postgres: look up records of %s/%s: %w", source, subscription, err)
		}
		out[k] = r
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: look up records of %s/%s: %w", source, subscription, err)
	}
	return out, nil
}

// TouchRecords implements store.Tx.
func (t *tx) TouchRecords(ctx context.Context, runID int64, at time.Time, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE findings SET last_seen = $1, last_run_id = $2 WHERE record_id = ANY($3) AND state = 'active'`, at, runID, ids)
	b.Queue(`UPDATE asset_records SET last_seen = $1, last_run_id = $2, state = 'active' WHERE id = ANY($3)`, at, runID, ids)
	b.Queue(`UPDATE assets SET last_seen = $1, state = 'active' WHERE id IN (SELECT asset_id FROM asset_records WHERE id = ANY($2))`, at, ids)
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("postgres: mark %d unchanged records seen: %w", len(ids), err)
	}
	return nil
}

// Findings implements store.Tx.
func (t *tx) Findings(ctx context.Context, recordIDs []int64) (map[int64][]store.FindingState, error) {
	out := map[int64][]store.FindingState{}
	if len(recordIDs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT record_id, id, finding_key, coalesce(status, ''), hash, state FROM findings WHERE record_id = ANY($1) ORDER BY id`, recordIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: look up findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rec int64
		var f store.FindingState
		if err := rows.Scan(&rec, &f.ID, &f.Key, &f.Status, &f.Hash, &f.State); err != nil {
			return nil, fmt.Errorf("postgres: look up findings: %w", err)
		}
		out[rec] = append(out[rec], f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: look up findings: %w", err)
	}
	return out, nil
}

// Vulns implements store.Tx.
func (t *tx) Vulns(ctx context.Context, qids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(qids))
	if len(qids) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT qid, hash FROM vulns WHERE qid = ANY($1)`, qids)
	if err != nil {
		return nil, fmt.Errorf("postgres: look up KnowledgeBase entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var q int64
		var h string
		if err := rows.Scan(&q, &h); err != nil {
			return nil, fmt.Errorf("postgres: look up KnowledgeBase entries: %w", err)
		}
		out[q] = h
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: look up KnowledgeBase entries: %w", err)
	}
	return out, nil
}

// AssetsWith implements store.Tx.
func (t *tx) AssetsWith(ctx context.Context, attribute, value string) ([]int64, error) {
	ids, err := column[int64](ctx, t.tx, `SELECT DISTINCT asset_id FROM asset_identifiers WHERE attribute = $1 AND value = $2 ORDER BY asset_id`, attribute, value)
	if err != nil {
		return nil, fmt.Errorf("postgres: look up assets with %s %q: %w", attribute, value, err)
	}
	return ids, nil
}

// AssetValues implements store.Tx.
func (t *tx) AssetValues(ctx context.Context, asset int64, attribute string) ([]string, error) {
	vals, err := column[string](ctx, t.tx, `SELECT DISTINCT value COLLATE "C" FROM asset_identifiers WHERE asset_id = $1 AND attribute = $2 ORDER BY 1`, asset, attribute)
	if err != nil {
		return nil, fmt.Errorf("postgres: look up %s of asset %d: %w", attribute, asset, err)
	}
	return vals, nil
}

// Carriers implements store.Tx.
func (t *tx) Carriers(ctx context.Context, subscription, attribute, value string, limit int) (map[string][]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT DISTINCT o.attribute, o.value FROM asset_identifiers x
		JOIN asset_records r ON r.id = x.record_id AND r.subscription = $1
		JOIN asset_identifiers o ON o.record_id = x.record_id AND o.attribute IN ('bios_serial', 'hardware_uuid', 'agent_id') AND o.attribute <> x.attribute
		WHERE x.attribute = $2 AND x.value = $3 LIMIT $4`, subscription, attribute, value, 3*limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: look up carriers of %s %q: %w", attribute, value, err)
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var a, v string
		if err := rows.Scan(&a, &v); err != nil {
			return nil, fmt.Errorf("postgres: look up carriers of %s %q: %w", attribute, value, err)
		}
		out[a] = append(out[a], v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: look up carriers of %s %q: %w", attribute, value, err)
	}
	return out, nil
}

// Remote reports that every call of the transaction is a round trip to
// the server, so that identification gathers its lookups into
// LookupIdentifiers.
func (t *tx) Remote() bool { return true }

// LookupIdentifiers implements store.Tx: both lookups go in one batch, one
// round trip, each identifier answered as AssetsWith and Carriers would.
func (t *tx) LookupIdentifiers(ctx context.Context, q store.IdentifierLookup) (store.IdentifierAnswers, error) {
	out := store.IdentifierAnswers{Assets: make(map[store.Identifier][]int64, len(q.Assets)),
		Carriers: make(map[store.Identifier]map[string][]string, len(q.Carriers))}
	split := func(ids []store.Identifier) (attrs, vals []string) {
		attrs, vals = make([]string, len(ids)), make([]string, len(ids))
		for i, id := range ids {
			attrs[i], vals[i] = id.Attribute, id.Value
		}
		return attrs, vals
	}
	b := &pgx.Batch{}
	if len(q.Assets) > 0 {
		attrs, vals := split(q.Assets)
		// LATERAL: one index lookup per identifier, as AssetsWith makes
		// (a join is planned as a scan of every identifier).
		b.Queue(`SELECT u.a, u.v, x.asset_id FROM unnest($1::text[], $2::text[]) AS u(a, v)
			CROSS JOIN LATERAL (SELECT DISTINCT asset_id FROM asset_identifiers WHERE attribute = u.a AND value = u.v) x
			ORDER BY 3`, attrs, vals).Query(func(rows pgx.Rows) error {
			var id store.Identifier
			var asset int64
			_, err := pgx.ForEachRow(rows, []any{&id.Attribute, &id.Value, &asset}, func() error {
				out.Assets[id] = append(out.Assets[id], asset)
				return nil
			})
			return err
		})
	}
	if len(q.Carriers) > 0 {
		attrs, vals := split(q.Carriers)
		b.Queue(`SELECT u.a, u.v, c.attribute, c.value FROM unnest($2::text[], $3::text[]) AS u(a, v)
			CROSS JOIN LATERAL (SELECT DISTINCT o.attribute, o.value FROM asset_identifiers x
				JOIN asset_records r ON r.id = x.record_id AND r.subscription = $1
				JOIN asset_identifiers o ON o.record_id = x.record_id AND o.attribute IN ('bios_serial', 'hardware_uuid', 'agent_id') AND o.attribute <> x.attribute
				WHERE x.attribute = u.a AND x.value = u.v LIMIT $4) c`, q.Subscription, attrs, vals, 3*q.Limit).Query(func(rows pgx.Rows) error {
			var id store.Identifier
			var a, v string
			_, err := pgx.ForEachRow(rows, []any{&id.Attribute, &id.Value, &a, &v}, func() error {
				m := out.Carriers[id]
				if m == nil {
					m = map[string][]string{}
					out.Carriers[id] = m
				}
				m[a] = append(m[a], v)
				return nil
			})
			return err
		})
	}
	if b.Len() == 0 {
		return out, nil
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return out, fmt.Errorf("postgres: look up %d identifiers: %w", len(q.Assets)+len(q.Carriers), err)
	}
	return out, nil
}

// AssetRecords implements store.Tx.
func (t *tx) AssetRecords(ctx context.Context, asset int64) ([]store.RecordIdentifiers, error) {
	rows, err := t.tx.Query(ctx, `SELECT r.id, i.attribute, i.value FROM asset_records r LEFT JOIN asset_identifiers i ON i.record_id = r.id
		WHERE r.asset_id = $1 ORDER BY r.id, i.attribute COLLATE "C", i.value COLLATE "C"`, asset)
	if err != nil {
		return nil, fmt.Errorf("postgres: read the records of asset %d: %w", asset, err)
	}
	defer rows.Close()
	var out []store.RecordIdentifiers
	for rows.Next() {
		var id int64
		var a, v *string
		if err := rows.Scan(&id, &a, &v); err != nil {
			return nil, fmt.Errorf("postgres: read the records of asset %d: %w", asset, err)
		}
		if len(out) == 0 || out[len(out)-1].RecordID != id {
			out = append(out, store.RecordIdentifiers{RecordID: id})
		}
		if a != nil {
			last := &out[len(out)-1]
			last.Identifiers = append(last.Identifiers, store.Identifier{Attribute: *a, Value: *v})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: read the records of asset %d: %w", asset, err)
	}
	return out, nil
}

// JunkValues implements store.Tx.
func (t *tx) JunkValues(ctx context.Context) ([]store.Identifier, error) {
	rows, err := t.tx.Query(ctx, `SELECT attribute, value FROM identity_junk ORDER BY attribute COLLATE "C", value COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read identity junk: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.Identifier, error) {
		var id store.Identifier
		err := r.Scan(&id.Attribute, &id.Value)
		return id, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: read identity junk: %w", err)
	}
	return out, nil
}

// AddJunk implements store.Tx.
func (t *tx) AddJunk(ctx context.Context, j store.JunkEntry) error {
	return addJunk(ctx, t.tx, j)
}

// addJunk stores a junk value: a learned one only when the value is not
// listed yet, a manual one over whatever was there (it becomes manual).
func addJunk(ctx context.Context, q querier, j store.JunkEntry) error {
	at := time.Now()
	if j.At != "" {
		v, err := toTime(j.At)
		if err != nil {
			return fmt.Errorf("postgres: junk %s %q: %w", j.Attribute, j.Value, err)
		}
		at = v.(time.Time)
	}
	var err error
	if j.Origin == "manual" {
		_, err = q.Exec(ctx, `INSERT INTO identity_junk (attribute, value, origin, at) VALUES ($1, $2, 'manual', $3)
			ON CONFLICT (attribute, value) DO UPDATE SET origin = 'manual'`, j.Attribute, cleanText(j.Value), at)
	} else {
		_, err = q.Exec(ctx, `INSERT INTO identity_junk (attribute, value, origin, machines, subscription, run_id, at)
			VALUES ($1, $2, $3, nullif($4, 0), nullif($5, ''), nullif($6, 0), $7) ON CONFLICT (attribute, value) DO NOTHING`,
			j.Attribute, cleanText(j.Value), j.Origin, j.Machines, j.Subscription, j.RunID, at)
	}
	if err != nil {
		return fmt.Errorf("postgres: save junk %s %q: %w", j.Attribute, j.Value, err)
	}
	return nil
}

// summary returns the values of an asset summary in the order of the
// assets columns name … criticality.
func summary(a store.AssetSummary) ([]any, error) {
	vals := []any{a.Name, a.IPAddress, a.DNSName, a.OSName, a.OSCategory1, a.OSCategory2, a.BIOSSerial, a.HardwareUUID, a.AgentID}
	for i, v := range vals {
		c, err := convert(kindText, v)
		if err != nil {
			return nil, fmt.Errorf("asset %s: %w", assetColumns[i], err)
		}
		vals[i] = c
	}
	crit, err := convert(kindInt, a.Criticality)
	if err != nil {
		return nil, fmt.Errorf("asset criticality: %w", err)
	}
	return append(vals, crit), nil
}

// assetColumns are the summary columns of assets, in the order of summary.
var assetColumns = []string{"name", "ip_address", "dns_name", "os_name", "os_category1", "os_category2", "bios_serial", "hw_uuid", "agent_id", "criticality"}

// InsertAsset implements store.Tx.
func (t *tx) InsertAsset(ctx context.Context, a store.AssetSummary, at time.Time) (int64, error) {
	vals, err := summary(a)
	if err != nil {
		return 0, fmt.Errorf("postgres: insert asset: %w", err)
	}
	var id int64
	err = t.tx.QueryRow(ctx, `INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`, append(vals, at)...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: insert asset: %w", err)
	}
	return id, nil
}

// UpdateAsset implements store.Tx.
func (t *tx) UpdateAsset(ctx context.Context, id int64, a store.AssetSummary, overwrite bool, at time.Time) error {
	vals, err := summary(a)
	if err != nil {
		return fmt.Errorf("postgres: update asset %d: %w", id, err)
	}
	q := `UPDATE assets SET name = $1, ip_address = $2, dns_name = $3, os_name = $4, os_category1 = $5, os_category2 = $6,
		bios_serial = $7, hw_uuid = $8, agent_id = $9, criticality = $10, last_seen = $11, state = 'active' WHERE id = $12`
	if !overwrite {
		q = `UPDATE assets SET name = coalesce(name, $1), ip_address = coalesce(ip_address, $2), dns_name = coalesce(dns_name, $3),
			os_name = coalesce(os_name, $4), os_category1 = coalesce(os_category1, $5), os_category2 = coalesce(os_category2, $6),
			bios_serial = coalesce(bios_serial, $7), hw_uuid = coalesce(hw_uuid, $8), agent_id = coalesce(agent_id, $9),
			criticality = coalesce(criticality, $10), last_seen = $11, state = 'active' WHERE id = $12`
	}
	if _, err := t.tx.Exec(ctx, q, append(vals, at, id)...); err != nil {
		return fmt.Errorf("postgres: update asset %d: %w", id, err)
	}
	return nil
}

// CopyAsset implements store.Tx.
func (t *tx) CopyAsset(ctx context.Context, from int64) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, `INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen, state)
		SELECT name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen, state
		FROM assets WHERE id = $1 RETURNING id`, from).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("postgres: copy asset %d: %w", from, store.ErrNotFound)
	}
	if err != nil {
		return 0, fmt.Errorf("postgres: copy asset %d: %w", from, err)
	}
	return id, nil
}

// InsertRecord implements store.Tx.
func (t *tx) InsertRecord(ctx context.Context, r store.NewRecord) (int64, error) {
	var id int64
	err := t.tx.QueryRow(ctx, `INSERT INTO asset_records (asset_id, source, subscription, native_key, raw_hash, attributes, first_seen, last_seen, first_run_id, last_run_id, identified_by)
		VALUES ($1, $2, $3, $4, '', '{}', $5, $5, $6, $6, nullif($7, '')) RETURNING id`,
		r.AssetID, r.Source, r.Subscription, cleanText(r.NativeKey), r.At, r.RunID, r.IdentifiedBy).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: insert record %s %s: %w", r.Source, r.NativeKey, err)
	}
	t.inserted(id)
	return id, nil
}

// AddRecord implements store.Tx in one statement: the asset, the record
// and its identifiers inserted by chained data-modifying WITH queries.
func (t *tx) AddRecord(ctx context.Context, r store.NewRecord, asset *store.AssetSummary, ids []store.Identifier) (assetID, recordID int64, err error) {
	attrs := make([]string, len(ids))
	vals := make([]string, len(ids))
	for i, id := range ids {
		attrs[i], vals[i] = id.Attribute, cleanText(id.Value)
	}
	args := []any{r.Source, r.Subscription, cleanText(r.NativeKey), r.At, r.RunID, r.IdentifiedBy, attrs, vals}
	a := `SELECT $9::bigint AS id`
	if asset != nil {
		sum, err := summary(*asset)
		if err != nil {
			return 0, 0, fmt.Errorf("postgres: insert asset: %w", err)
		}
		args = append(args, sum...)
		a = `INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen)
			VALUES ($9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $4, $4) RETURNING id`
	} else {
		args = append(args, r.AssetID)
	}
	err = t.tx.QueryRow(ctx, `WITH a AS (`+a+`),
		r AS (INSERT INTO asset_records (asset_id, source, subscription, native_key, raw_hash, attributes, first_seen, last_seen, first_run_id, last_run_id, identified_by)
			SELECT a.id, $1, $2, $3, '', '{}', $4, $4, $5, $5, nullif($6, '') FROM a RETURNING id, asset_id),
		i AS (INSERT INTO asset_identifiers (attribute, value, record_id, asset_id)
			SELECT u.a, u.v, r.id, r.asset_id FROM r, unnest($7::text[], $8::text[]) AS u(a, v) ON CONFLICT DO NOTHING)
		SELECT asset_id, id FROM r`, args...).Scan(&assetID, &recordID)
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: insert record %s %s: %w", r.Source, r.NativeKey, err)
	}
	t.inserted(recordID)
	return assetID, recordID, nil
}

// SaveIdentifiers implements store.Tx.
func (t *tx) SaveIdentifiers(ctx context.Context, recordID, assetID int64, ids []store.Identifier) error {
	attrs := make([]string, len(ids))
	vals := make([]string, len(ids))
	for i, id := range ids {
		attrs[i], vals[i] = id.Attribute, cleanText(id.Value)
	}
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM asset_identifiers WHERE record_id = $1`, recordID)
	if len(ids) > 0 {
		b.Queue(`INSERT INTO asset_identifiers (attribute, value, record_id, asset_id)
			SELECT a, v, $3, $4 FROM unnest($1::text[], $2::text[]) AS u(a, v) ON CONFLICT DO NOTHING`, attrs, vals, recordID, assetID)
	}
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("postgres: save the identifiers of record %d: %w", recordID, err)
	}
	return nil
}

// assetTables are the tables whose rows belong to a source record and
// carry its asset.
var assetTables = []string{"asset_identifiers", "installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "findings", "changes"}

// MoveRecords implements store.Tx.
func (t *tx) MoveRecords(ctx context.Context, recordIDs []int64, asset int64) error {
	if len(recordIDs) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE asset_records SET asset_id = $1 WHERE id = ANY($2)`, asset, recordIDs)
	for _, tb := range assetTables {
		b.Queue(`UPDATE `+tb+` SET asset_id = $1 WHERE record_id = ANY($2)`, asset, recordIDs)
	}
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("postgres: move %d records to asset %d: %w", len(recordIDs), asset, err)
	}
	return nil
}

// MergeAssets implements store.Tx.
func (t *tx) MergeAssets(ctx context.Context, survivor int64, others []int64) error {
	if len(others) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	b.Queue(`UPDATE asset_records SET asset_id = $1 WHERE asset_id = ANY($2)`, survivor, others)
	for _, tb := range assetTables {
		b.Queue(`UPDATE `+tb+` SET asset_id = $1 WHERE asset_id = ANY($2)`, survivor, others)
	}
	b.Queue(`UPDATE identity_conflicts SET other_asset_id = $1 WHERE other_asset_id = ANY($2)`, survivor, others)
	b.Queue(`UPDATE identity_conflicts SET chosen = $1 WHERE chosen = ANY($2)`, survivor, others)
	b.Queue(`UPDATE assets SET first_seen = least(first_seen, (SELECT min(first_seen) FROM assets WHERE id = ANY($2))), state = 'active' WHERE id = $1`, survivor, others)
	b.Queue(`DELETE FROM assets WHERE id = ANY($1) AND id <> $2`, others, survivor)
	if err := sendBatch(ctx, t.tx, b); err != nil {
		return fmt.Errorf("postgres: merge assets %v into %d: %w", others, survivor, err)
	}
	return nil
}

// MarkUnseen implements store.Tx.
func (t *tx) MarkUnseen(ctx context.Context, run *sync.Run) (records, findings int64, gone []store.GoneAsset, err error) {
	// A record the source could not deliver this run (quarantined, e.g. a
	// stuck host) was not seen to disappear: it stays active.
	tag, err := t.tx.Exec(ctx, `UPDATE asset_records SET state = 'stale' WHERE state = 'active' AND last_run_id <> $1
		AND last_run_id IN (SELECT id FROM runs WHERE source = $2 AND subscription = $3)
		AND native_key NOT IN (SELECT native_key FROM quarantine WHERE run_id = $1)`, run.ID, run.Source, run.Subscription)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("postgres: mark unseen records of %s/%s stale: %w", run.Source, run.Subscription, err)
	}
	records = tag.RowsAffected()
	tag, err = t.tx.Exec(ctx, `UPDATE findings SET state = 'stale', last_run_id = $1 WHERE state = 'active'
		AND record_id IN (SELECT id FROM asset_records WHERE state = 'stale')`, run.ID)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("postgres: mark the findings of unseen hosts stale: %w", err)
	}
	findings = tag.RowsAffected()
	rows, err := t.tx.Query(ctx, `SELECT a.id, coalesce((SELECT max(r.id) FROM asset_records r WHERE r.asset_id = a.id AND r.source = upper($1) AND r.subscription = $2), 0)
		FROM assets a WHERE a.state = 'active' AND NOT EXISTS (SELECT 1 FROM asset_records r WHERE r.asset_id = a.id AND r.state = 'active')
		ORDER BY a.id`, run.Source, run.Subscription)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("postgres: find assets left without records: %w", err)
	}
	gone, err = collect(rows, func(r pgx.CollectableRow) (store.GoneAsset, error) {
		var g store.GoneAsset
		err := r.Scan(&g.AssetID, &g.RecordID)
		return g, err
	})
	if err != nil {
		return 0, 0, nil, fmt.Errorf("postgres: find assets left without records: %w", err)
	}
	return records, findings, gone, nil
}

// SetAssetsState implements store.Tx.
func (t *tx) SetAssetsState(ctx context.Context, ids []int64, state string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := t.tx.Exec(ctx, `UPDATE assets SET state = $1 WHERE id = ANY($2)`, state, ids); err != nil {
		return fmt.Errorf("postgres: mark %d assets %s: %w", len(ids), state, err)
	}
	return nil
}

// RunAssets implements store.Tx.
func (t *tx) RunAssets(ctx context.Context, runID int64) ([]int64, error) {
	ids, err := column[int64](ctx, t.tx, `SELECT id FROM assets WHERE id IN (
			SELECT asset_id FROM asset_records WHERE last_run_id = $1
			-- A run writes findings only with their record (which it stamps),
			-- or marks them stale with their record: found through records.
			UNION SELECT f.asset_id FROM asset_records r JOIN findings f ON f.record_id = r.id WHERE r.state = 'stale' AND f.last_run_id = $1
			UNION SELECT asset_id FROM changes WHERE run_id = $1
			UNION SELECT CAST(old_value AS bigint) FROM changes WHERE run_id = $1 AND kind = '`+store.ChangeAssetSplit+`' AND old_value ~ '^[0-9]{1,18}$')
		ORDER BY id`, runID)
	if err != nil {
		return nil, fmt.Errorf("postgres: find the assets of run %d: %w", runID, err)
	}
	return ids, nil
}

// AssetIDs implements store.Tx.
func (t *tx) AssetIDs(ctx context.Context) ([]int64, error) {
	ids, err := column[int64](ctx, t.tx, `SELECT id FROM assets ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list assets: %w", err)
	}
	return ids, nil
}
