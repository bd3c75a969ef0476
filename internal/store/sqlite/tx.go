package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

const timeFormat = time.RFC3339Nano

// ts formats a time as stored: RFC 3339 in UTC, to the microsecond (the
// precision PostgreSQL keeps, so both stores read the same).
func ts(t time.Time) string { return t.UTC().Truncate(time.Microsecond).Format(timeFormat) }

// arg converts a store value to what this schema keeps: times as RFC 3339
// text, booleans as 0/1.
func arg(v any) any {
	switch t := v.(type) {
	case time.Time:
		return ts(t)
	case bool:
		if t {
			return 1
		}
		return 0
	case []string:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return v
}

func args(vs []any) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = arg(v)
	}
	return out
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

type swKey struct{ name, version, publisher string }

// tx is a store.Tx on the writer connection.
type tx struct {
	s     *Store
	tx    *sql.Tx
	ctx   context.Context // statements run without cancellation (see Update)
	stmts map[string]*sql.Stmt
	// pending are software catalog ids assigned in this transaction.
	pending map[swKey]int64
	// rowQueries are the texts of insertRows's statements, built once.
	rowQueries map[rowsKey]string
	// lastFinding is the highest finding id (read once per transaction:
	// new findings are given the ids that follow, instead of reading back
	// ids SQLite chose, which costs a RETURNING table per statement).
	lastFinding int64
	// fresh are the records inserted in this transaction whose content is
	// not written yet: they have no list rows to replace (the list tables
	// cascade from asset_records, and foreign keys are on).
	fresh map[int64]bool
	// lockKey is the source/subscription of the run writing (empty for
	// writes outside a run); deferChecked the tables whose deferrable
	// indexes this transaction has considered (see deferIndexes).
	lockKey      string
	deferChecked map[string]bool
}

var _ store.Tx = (*tx)(nil)

// Update implements store.Store: one IMMEDIATE transaction on the writer
// connection (SQLite has one writer: transactions of every lock
// serialize).
func (s *Store) Update(ctx context.Context, lock store.Lock, fn func(store.Tx) error) (err error) {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	// Statements run without cancellation: the driver would otherwise start
	// a watcher goroutine per statement, which dominates the cost of small
	// inserts. The transaction as a whole still ends with ctx.
	x := &tx{s: s, tx: t, ctx: context.WithoutCancel(ctx), stmts: map[string]*sql.Stmt{}, pending: map[swKey]int64{}, rowQueries: map[rowsKey]string{}}
	if lock.Source != "" {
		x.lockKey = lock.Source + "/" + lock.Subscription
	}
	defer func() {
		for _, st := range x.stmts {
			st.Close()
		}
		if p := recover(); p != nil {
			_ = t.Rollback()
			panic(p)
		}
		if err != nil {
			_ = t.Rollback()
		}
	}()
	// Once ctx ends, database/sql rolls the transaction back on its own
	// and the statements fail with errors such as "transaction has already
	// been committed or rolled back": the interruption is what to report.
	interrupted := func() error {
		return fmt.Errorf("sqlite: interrupted, the transaction was rolled back: %w", context.Cause(ctx))
	}
	if err = fn(x); err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return fmt.Errorf("sqlite: %w", err)
	}
	if ctx.Err() != nil {
		return interrupted()
	}
	if err = t.Commit(); err != nil {
		if ctx.Err() != nil {
			return interrupted()
		}
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	wake(s.ckpt)
	if len(x.pending) > 0 {
		s.swMu.Lock()
		for k, v := range x.pending { // committed: the new catalog ids are real now
			s.swCache[k] = v
		}
		if len(s.swCache) > 200_000 { // bound memory on huge catalogs
			clear(s.swCache)
		}
		s.swMu.Unlock()
	}
	return nil
}

func (x *tx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := x.stmts[q]; ok {
		return st, nil
	}
	st, err := x.tx.PrepareContext(x.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	x.stmts[q] = st
	return st, nil
}

func (x *tx) exec(q string, a ...any) (sql.Result, error) {
	st, err := x.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(x.ctx, a...)
}

// query runs q with its statement prepared for the transaction.
func (x *tx) query(q string, a ...any) (*sql.Rows, error) {
	st, err := x.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(x.ctx, a...)
}

func (x *tx) insertID(q string, a ...any) (int64, error) {
	r, err := x.exec(q, a...)
	if err != nil {
		return 0, err
	}
	return r.LastInsertId()
}

// insertRows runs "head VALUES (…) tail" once per row of vals, width
// values a row, through one prepared statement.
//
// Rows go one statement each on purpose. A statement that writes several
// rows and may abort part-way (NOT NULL, CHECK, foreign keys: all of ours)
// gets a statement journal holding the original of every page it changes,
// and SQLite spills that journal to a temporary file past 64 KiB: in a
// profile of a 10k-asset CSAM sync that was 10 s of 53, against the few
// microseconds a statement costs in the driver. Measured with
// `qflow sync` against the same simulator, two runs each: CSAM 10k assets
// 49.0/50.2 s with 64-row statements, 42.2/40.0 s with one row; VMDR 10k
// hosts 25.2 s → 24.0 s (five runs each). Keeping the journal in memory
// instead (temp_store=MEMORY) also moves every sort to RAM.
func (x *tx) insertRows(head, tail string, width int, vals []any) error {
	if len(vals)%width != 0 {
		return fmt.Errorf("insert rows: %d values are not rows of %d", len(vals), width)
	}
	k := rowsKey{head, tail}
	q, ok := x.rowQueries[k]
	if !ok {
		q = head + " VALUES (" + placeholders(width) + ") " + tail
		x.rowQueries[k] = q
	}
	for ; len(vals) > 0; vals = vals[width:] {
		if _, err := x.exec(q, vals[:width]...); err != nil {
			return err
		}
	}
	return nil
}

// rowsKey names one statement of insertRows.
type rowsKey struct{ head, tail string }

// assetOf returns the asset of a record, looked up once per Apply (no
// record moves during one).
func (x *tx) assetOf(assets map[int64]int64, recordID int64) (int64, error) {
	if id, ok := assets[recordID]; ok {
		return id, nil
	}
	st, err := x.stmt(`SELECT asset_id FROM asset_records WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := st.QueryRowContext(x.ctx, recordID).Scan(&id); err != nil {
		return 0, fmt.Errorf("look up record %d: %w", recordID, err)
	}
	assets[recordID] = id
	return id, nil
}

// column runs a one-column query in the transaction.
func column[T any](x *tx, q string, a ...any) ([]T, error) {
	st, err := x.stmt(q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(x.ctx, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// chunks calls fn with slices of ids of at most 500.
func chunks[T any](ids []T, fn func([]T) error) error {
	for len(ids) > 0 {
		c := ids[:min(len(ids), 500)]
		ids = ids[len(c):]
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// Setting implements store.Tx.
func (x *tx) Setting(ctx context.Context, key string) (string, bool, error) {
	return setting(ctx, x.tx, key)
}

type rowQueryer interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func setting(ctx context.Context, db rowQueryer, key string) (string, bool, error) {
	var v string
	err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("sqlite: read setting %s: %w", key, err)
	}
	return v, true, nil
}

// SetSetting implements store.Tx.
func (x *tx) SetSetting(ctx context.Context, key, value string) error {
	var err error
	if value == "" {
		_, err = x.tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
	} else {
		_, err = x.tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	}
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

// InsertRun implements store.Tx.
func (x *tx) InsertRun(ctx context.Context, run *sync.Run) error {
	// Indexes a killed run under this lock deferred are built first.
	if err := x.restoreIndexes(ctx); err != nil {
		return err
	}
	id, err := x.insertID(`INSERT INTO runs (source, subscription, mode, state, started_at, map_name, map_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		run.Source, run.Subscription, string(run.Mode), run.State, ts(run.StartedAt), run.MapName, run.MapHash)
	if err != nil {
		return err
	}
	run.ID = id
	return nil
}

// ResumeRun implements store.Tx.
func (x *tx) ResumeRun(ctx context.Context, run *sync.Run) error {
	// The resumed run deferred them before it was stopped: its tables are
	// no longer empty, so they are built now and kept from here on.
	if err := x.restoreIndexes(ctx); err != nil {
		return err
	}
	var c sync.Counts
	var calls int64
	var started string
	f := &c.Findings
	err := x.tx.QueryRowContext(ctx, `SELECT seen, new, updated, unchanged, quarantined, software_installs, api_calls, started_at,
		findings_seen, findings_new, findings_updated, findings_fixed, findings_reopened, findings_missing, vulns FROM runs WHERE id = ?`, run.ID).
		Scan(&c.Seen, &c.New, &c.Updated, &c.Unchanged, &c.Quarantined, &c.SoftwareInstalls, &calls, &started,
			&f.Seen, &f.New, &f.Updated, &f.Fixed, &f.Reopened, &f.Missing, &c.Vulns)
	if err != nil {
		return err
	}
	run.Counts, run.APICalls = c, calls
	if t, err := time.Parse(timeFormat, started); err == nil {
		run.StartedAt = t
	}
	_, err = x.tx.ExecContext(ctx, `UPDATE runs SET state = ?, resumed = resumed + 1, error = NULL, finished_at = NULL WHERE id = ?`, sync.StateProcessing, run.ID)
	return err
}

// AddRunCounts implements store.Tx.
func (x *tx) AddRunCounts(_ context.Context, id int64, c sync.Counts) error {
	f := c.Findings
	_, err := x.exec(`UPDATE runs SET seen = seen + ?, new = new + ?, updated = updated + ?, unchanged = unchanged + ?,
		quarantined = quarantined + ?, software_installs = software_installs + ?,
		findings_seen = findings_seen + ?, findings_new = findings_new + ?, findings_updated = findings_updated + ?,
		findings_fixed = findings_fixed + ?, findings_reopened = findings_reopened + ?, findings_missing = findings_missing + ?,
		vulns = vulns + ? WHERE id = ?`,
		c.Seen, c.New, c.Updated, c.Unchanged, c.Quarantined, c.SoftwareInstalls,
		f.Seen, f.New, f.Updated, f.Fixed, f.Reopened, f.Missing, c.Vulns, id)
	return err
}

// EndRun implements store.Tx.
func (x *tx) EndRun(ctx context.Context, run *sync.Run, findingsStale int64) error {
	if err := x.restoreIndexes(ctx); err != nil {
		return err
	}
	var errText any
	if run.Error != "" {
		errText = run.Error
	}
	_, err := x.tx.ExecContext(ctx, `UPDATE runs SET state = ?, finished_at = ?, api_calls = ?, stale = ?, findings_stale = ?, error = ? WHERE id = ?`,
		run.State, ts(run.FinishedAt), run.APICalls, run.Counts.Stale, findingsStale, errText, run.ID)
	return err
}

// SaveCheckpoint implements store.Tx.
func (x *tx) SaveCheckpoint(_ context.Context, cp sync.Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encode cursor: %w", err)
	}
	_, err = x.exec(`INSERT INTO cursors (source, subscription, state, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, subscription) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
		cp.Source, cp.Subscription, string(b), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("save cursor: %w", err)
	}
	return nil
}

// Records implements store.Tx.
func (x *tx) Records(_ context.Context, source, subscription string, keys []string) (map[string]store.RecordState, error) {
	out := make(map[string]store.RecordState, len(keys))
	err := chunks(keys, func(c []string) error {
		st, err := x.stmt(`SELECT native_key, id, asset_id, raw_hash, software_installs, findings FROM asset_records
			WHERE source = ? AND subscription = ? AND native_key IN (` + placeholders(len(c)) + `)`)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(x.ctx, append([]any{source, subscription}, anys(c)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var r store.RecordState
			if err := rows.Scan(&k, &r.ID, &r.AssetID, &r.Hash, &r.SoftwareInstalls, &r.Findings); err != nil {
				return err
			}
			out[k] = r
		}
		return rows.Err()
	})
	return out, err
}

// TouchRecords implements store.Tx.
func (x *tx) TouchRecords(_ context.Context, runID int64, at time.Time, ids []int64) error {
	now := ts(at)
	for _, id := range ids {
		if _, err := x.exec(`UPDATE findings SET last_seen = ?, last_run_id = ? WHERE record_id = ? AND state = 'active'`, now, runID, id); err != nil {
			return err
		}
		if _, err := x.exec(`UPDATE asset_records SET last_seen = ?, last_run_id = ?, state = 'active' WHERE id = ?`, now, runID, id); err != nil {
			return err
		}
		if _, err := x.exec(`UPDATE assets SET last_seen = ?, state = 'active' WHERE id = (SELECT asset_id FROM asset_records WHERE id = ?)`, now, id); err != nil {
			return err
		}
	}
	return nil
}

// Findings implements store.Tx.
func (x *tx) Findings(_ context.Context, recordIDs []int64) (map[int64][]store.FindingState, error) {
	out := map[int64][]store.FindingState{}
	for _, id := range recordIDs {
		st, err := x.stmt(`SELECT id, finding_key, coalesce(status, ''), hash, state FROM findings WHERE record_id = ?`)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(x.ctx, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var f store.FindingState
			if err := rows.Scan(&f.ID, &f.Key, &f.Status, &f.Hash, &f.State); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = append(out[id], f)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Vulns implements store.Tx.
func (x *tx) Vulns(_ context.Context, qids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	err := chunks(qids, func(c []int64) error {
		st, err := x.stmt(`SELECT qid, hash FROM vulns WHERE qid IN (` + placeholders(len(c)) + `)`)
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(x.ctx, anys(c)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var q int64
			var h string
			if err := rows.Scan(&q, &h); err != nil {
				return err
			}
			out[q] = h
		}
		return rows.Err()
	})
	return out, err
}

// AssetsWith implements store.Tx.
func (x *tx) AssetsWith(_ context.Context, attribute, value string) ([]int64, error) {
	return column[int64](x, `SELECT DISTINCT asset_id FROM asset_identifiers WHERE attribute = ? AND value = ? ORDER BY asset_id`, attribute, value)
}

// AssetValues implements store.Tx.
func (x *tx) AssetValues(_ context.Context, asset int64, attribute string) ([]string, error) {
	return column[string](x, `SELECT DISTINCT value FROM asset_identifiers WHERE asset_id = ? AND attribute = ? ORDER BY value`, asset, attribute)
}

// Carriers implements store.Tx in one query.
func (x *tx) Carriers(_ context.Context, subscription, attribute, value string, limit int) (map[string][]string, error) {
	st, err := x.stmt(`SELECT DISTINCT o.attribute, o.value FROM asset_identifiers x
		JOIN asset_records r ON r.id = x.record_id AND r.subscription = ?
		JOIN asset_identifiers o ON o.record_id = x.record_id AND o.attribute IN ('bios_serial', 'hardware_uuid', 'agent_id') AND o.attribute <> x.attribute
		WHERE x.attribute = ? AND x.value = ? LIMIT ?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(x.ctx, subscription, attribute, value, 3*limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var m, v string
		if err := rows.Scan(&m, &v); err != nil {
			return nil, err
		}
		out[m] = append(out[m], v)
	}
	return out, rows.Err()
}

// LookupIdentifiers implements store.Tx one lookup at a time: in process,
// a lookup costs no round trip.
func (x *tx) LookupIdentifiers(ctx context.Context, q store.IdentifierLookup) (store.IdentifierAnswers, error) {
	out := store.IdentifierAnswers{Assets: make(map[store.Identifier][]int64, len(q.Assets)),
		Carriers: make(map[store.Identifier]map[string][]string, len(q.Carriers))}
	for _, id := range q.Assets {
		got, err := x.AssetsWith(ctx, id.Attribute, id.Value)
		if err != nil {
			return out, err
		}
		if len(got) > 0 {
			out.Assets[id] = got
		}
	}
	for _, id := range q.Carriers {
		got, err := x.Carriers(ctx, q.Subscription, id.Attribute, id.Value, q.Limit)
		if err != nil {
			return out, err
		}
		if len(got) > 0 {
			out.Carriers[id] = got
		}
	}
	return out, nil
}

// AssetRecords implements store.Tx.
func (x *tx) AssetRecords(_ context.Context, asset int64) ([]store.RecordIdentifiers, error) {
	ids, err := column[int64](x, `SELECT id FROM asset_records WHERE asset_id = ? ORDER BY id`, asset)
	if err != nil {
		return nil, err
	}
	out := make([]store.RecordIdentifiers, len(ids))
	for i, id := range ids {
		out[i].RecordID = id
		st, err := x.stmt(`SELECT attribute, value FROM asset_identifiers WHERE record_id = ? ORDER BY attribute, value`)
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(x.ctx, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var v store.Identifier
			if err := rows.Scan(&v.Attribute, &v.Value); err != nil {
				rows.Close()
				return nil, err
			}
			out[i].Identifiers = append(out[i].Identifiers, v)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// JunkValues implements store.Tx.
func (x *tx) JunkValues(ctx context.Context) ([]store.Identifier, error) {
	rows, err := x.tx.QueryContext(ctx, `SELECT attribute, value FROM identity_junk`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Identifier
	for rows.Next() {
		var v store.Identifier
		if err := rows.Scan(&v.Attribute, &v.Value); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// AddJunk implements store.Tx.
func (x *tx) AddJunk(_ context.Context, j store.JunkEntry) error {
	return addJunk(x.exec, j)
}

func addJunk(exec func(string, ...any) (sql.Result, error), j store.JunkEntry) error {
	var err error
	if j.Origin == "manual" {
		_, err = exec(`INSERT INTO identity_junk (attribute, value, origin, at) VALUES (?, ?, 'manual', ?)
			ON CONFLICT (attribute, value) DO UPDATE SET origin = 'manual'`, j.Attribute, j.Value, j.At)
	} else {
		_, err = exec(`INSERT INTO identity_junk (attribute, value, origin, machines, subscription, run_id, at) VALUES (?, ?, 'learned', ?, ?, ?, ?)
			ON CONFLICT (attribute, value) DO NOTHING`, j.Attribute, j.Value, j.Machines, j.Subscription, j.RunID, j.At)
	}
	return err
}

func summaryArgs(a store.AssetSummary) []any {
	return args([]any{a.Name, a.IPAddress, a.DNSName, a.OSName, a.OSCategory1, a.OSCategory2, a.BIOSSerial, a.HardwareUUID, a.AgentID, a.Criticality})
}

// InsertAsset implements store.Tx.
func (x *tx) InsertAsset(_ context.Context, a store.AssetSummary, at time.Time) (int64, error) {
	return x.insertID(`INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(summaryArgs(a), ts(at), ts(at))...)
}

// UpdateAsset implements store.Tx.
func (x *tx) UpdateAsset(_ context.Context, id int64, a store.AssetSummary, overwrite bool, at time.Time) error {
	q := `UPDATE assets SET name = ?, ip_address = ?, dns_name = ?, os_name = ?, os_category1 = ?, os_category2 = ?,
		bios_serial = ?, hw_uuid = ?, agent_id = ?, criticality = ?, last_seen = ?, state = 'active' WHERE id = ?`
	if !overwrite {
		q = `UPDATE assets SET name = coalesce(name, ?), ip_address = coalesce(ip_address, ?), dns_name = coalesce(dns_name, ?),
			os_name = coalesce(os_name, ?), os_category1 = coalesce(os_category1, ?), os_category2 = coalesce(os_category2, ?),
			bios_serial = coalesce(bios_serial, ?), hw_uuid = coalesce(hw_uuid, ?), agent_id = coalesce(agent_id, ?),
			criticality = coalesce(criticality, ?), last_seen = ?, state = 'active' WHERE id = ?`
	}
	_, err := x.exec(q, append(summaryArgs(a), ts(at), id)...)
	return err
}

// CopyAsset implements store.Tx.
func (x *tx) CopyAsset(_ context.Context, from int64) (int64, error) {
	return x.insertID(`INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen, state)
		SELECT name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen, state FROM assets WHERE id = ?`, from)
}

// InsertRecord implements store.Tx.
func (x *tx) InsertRecord(_ context.Context, r store.NewRecord) (int64, error) {
	var by any
	if r.IdentifiedBy != "" {
		by = r.IdentifiedBy
	}
	id, err := x.insertID(`INSERT INTO asset_records (asset_id, source, subscription, native_key, raw_hash, attributes, first_seen, last_seen, first_run_id, last_run_id, identified_by)
		VALUES (?, ?, ?, ?, '', '{}', ?, ?, ?, ?, ?)`, r.AssetID, r.Source, r.Subscription, r.NativeKey, ts(r.At), ts(r.At), r.RunID, r.RunID, by)
	if err == nil {
		if x.fresh == nil {
			x.fresh = map[int64]bool{}
		}
		x.fresh[id] = true
	}
	return id, err
}

// AddRecord implements store.Tx with the three calls it stands for.
func (x *tx) AddRecord(ctx context.Context, r store.NewRecord, asset *store.AssetSummary, ids []store.Identifier) (assetID, recordID int64, err error) {
	if asset != nil {
		if r.AssetID, err = x.InsertAsset(ctx, *asset, r.At); err != nil {
			return 0, 0, fmt.Errorf("insert asset: %w", err)
		}
	}
	if recordID, err = x.InsertRecord(ctx, r); err != nil {
		return 0, 0, fmt.Errorf("insert record: %w", err)
	}
	if err := x.SaveIdentifiers(ctx, recordID, r.AssetID, ids); err != nil {
		return 0, 0, fmt.Errorf("save identifiers: %w", err)
	}
	return r.AssetID, recordID, nil
}

// SaveIdentifiers implements store.Tx. Identifiers stored already, on the
// same asset, are left alone: a rescanned record mostly keeps its
// identifiers, and replacing them moves their entries in three B-trees.
func (x *tx) SaveIdentifiers(_ context.Context, recordID, assetID int64, ids []store.Identifier) error {
	if !x.fresh[recordID] {
		same, err := x.sameIdentifiers(recordID, assetID, ids)
		if err != nil {
			return err
		}
		if same {
			return nil
		}
	}
	if _, err := x.exec(`DELETE FROM asset_identifiers WHERE record_id = ?`, recordID); err != nil {
		return err
	}
	for _, v := range ids {
		if _, err := x.exec(`INSERT INTO asset_identifiers (attribute, value, record_id, asset_id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			v.Attribute, v.Value, recordID, assetID); err != nil {
			return fmt.Errorf("save identifier %s: %w", v.Attribute, err)
		}
	}
	return nil
}

// sameIdentifiers reports whether a record's stored identifiers are ids
// (as a set: a repeated identifier is stored once), all on assetID. The
// table's key makes the stored ones distinct.
func (x *tx) sameIdentifiers(recordID, assetID int64, ids []store.Identifier) (bool, error) {
	want := make(map[store.Identifier]bool, len(ids))
	for _, v := range ids {
		want[v] = true
	}
	rs, err := x.query(`SELECT attribute, value, asset_id FROM asset_identifiers WHERE record_id = ?`, recordID)
	if err != nil {
		return false, err
	}
	defer rs.Close()
	n := 0
	for rs.Next() {
		var v store.Identifier
		var asset int64
		if err := rs.Scan(&v.Attribute, &v.Value, &asset); err != nil {
			return false, err
		}
		if !want[v] || asset != assetID {
			return false, nil
		}
		n++
	}
	if err := rs.Err(); err != nil {
		return false, err
	}
	return n == len(want), nil
}

// assetTables are the tables whose rows belong to a source record and
// carry its asset.
var assetTables = []string{"asset_identifiers", "installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "findings", "changes"}

// MoveRecords implements store.Tx.
func (x *tx) MoveRecords(_ context.Context, recordIDs []int64, asset int64) error {
	for _, id := range recordIDs {
		if _, err := x.exec(`UPDATE asset_records SET asset_id = ? WHERE id = ?`, asset, id); err != nil {
			return fmt.Errorf("move record %d: %w", id, err)
		}
		for _, t := range assetTables {
			if _, err := x.exec(`UPDATE `+t+` SET asset_id = ? WHERE record_id = ?`, asset, id); err != nil {
				return fmt.Errorf("move %s of record %d: %w", t, id, err)
			}
		}
	}
	return nil
}

// MergeAssets implements store.Tx.
func (x *tx) MergeAssets(_ context.Context, survivor int64, others []int64) error {
	for _, o := range others {
		if _, err := x.exec(`UPDATE asset_records SET asset_id = ? WHERE asset_id = ?`, survivor, o); err != nil {
			return err
		}
		for _, t := range assetTables {
			if _, err := x.exec(`UPDATE `+t+` SET asset_id = ? WHERE asset_id = ?`, survivor, o); err != nil {
				return fmt.Errorf("merge %s of asset %d into %d: %w", t, o, survivor, err)
			}
		}
		if _, err := x.exec(`UPDATE identity_conflicts SET other_asset_id = ? WHERE other_asset_id = ?`, survivor, o); err != nil {
			return err
		}
		if _, err := x.exec(`UPDATE identity_conflicts SET chosen = ? WHERE chosen = ?`, survivor, o); err != nil {
			return err
		}
		if _, err := x.exec(`UPDATE assets SET first_seen = min(first_seen, (SELECT first_seen FROM assets WHERE id = ?)), state = 'active' WHERE id = ?`, o, survivor); err != nil {
			return err
		}
		if _, err := x.exec(`DELETE FROM assets WHERE id = ?`, o); err != nil {
			return fmt.Errorf("delete merged asset %d: %w", o, err)
		}
	}
	return nil
}

// childTables are the list tables a record's content replaces.
var childTables = []string{"installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "record_items"}

// Apply implements store.Tx.
func (x *tx) Apply(_ context.Context, ws *store.WriteSet) error {
	now := ts(ws.At)
	assets := map[int64]int64{}
	for _, r := range ws.Records {
		if err := x.content(ws, r, now, assets); err != nil {
			return fmt.Errorf("record %d: %w", r.RecordID, err)
		}
	}
	for _, v := range ws.Vulns {
		if err := x.vuln(ws, v, now); err != nil {
			return fmt.Errorf("vuln %d: %w", v.QID, err)
		}
	}
	if err := chunks(ws.VulnsSeen, func(ids []int64) error {
		_, err := x.exec(`UPDATE vulns SET last_seen = ?, last_run_id = ? WHERE qid IN (`+placeholders(len(ids))+`)`, append([]any{now, ws.RunID}, anys(ids)...)...)
		return err
	}); err != nil {
		return fmt.Errorf("mark KnowledgeBase entries seen: %w", err)
	}
	// Ids of the findings inserted here, for their changes.
	inserted, err := x.findings(ws, now, assets)
	if err != nil {
		return err
	}
	if err := chunks(ws.Touched, func(ids []int64) error {
		_, err := x.exec(`UPDATE findings SET last_seen = ?, last_run_id = ? WHERE id IN (`+placeholders(len(ids))+`)`, append([]any{now, ws.RunID}, anys(ids)...)...)
		return err
	}); err != nil {
		return fmt.Errorf("touch findings: %w", err)
	}
	if err := chunks(ws.Missing, func(ids []int64) error {
		_, err := x.exec(`UPDATE findings SET state = 'missing', last_run_id = ? WHERE id IN (`+placeholders(len(ids))+`)`, append([]any{ws.RunID}, anys(ids)...)...)
		return err
	}); err != nil {
		return fmt.Errorf("mark findings missing: %w", err)
	}
	const changeCols = 9
	rows := make([]any, 0, len(ws.Changes)*changeCols)
	for _, c := range ws.Changes {
		var rec, fid, qid any
		asset := c.AssetID
		if c.RecordID != 0 {
			rec = c.RecordID
			if asset, err = x.assetOf(assets, c.RecordID); err != nil {
				return fmt.Errorf("record %s change: %w", c.Kind, err)
			}
		}
		if c.FindingID != 0 {
			fid = c.FindingID
		} else if c.FindingKey != "" {
			id, ok := inserted[findingRef{c.RecordID, c.FindingKey}]
			if !ok {
				st, err := x.stmt(`SELECT id FROM findings WHERE record_id = ? AND finding_key = ?`)
				if err != nil {
					return err
				}
				if err := st.QueryRowContext(x.ctx, c.RecordID, c.FindingKey).Scan(&id); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("record %s change: look up finding: %w", c.Kind, err)
				}
			}
			if id != 0 {
				fid = id
			}
		}
		if c.QID != 0 {
			qid = c.QID
		}
		rows = append(rows, ws.RunID, c.Kind, asset, rec, fid, qid, arg(c.Old), arg(c.New), now)
	}
	if err := x.insertRows(`INSERT INTO changes (run_id, kind, asset_id, record_id, finding_id, qid, old_value, new_value, at)`, "", changeCols, rows); err != nil {
		return fmt.Errorf("record changes: %w", err)
	}
	for _, c := range ws.Conflicts {
		_, err := x.exec(`INSERT INTO identity_conflicts (run_id, record_id, rule, chosen, candidates, at, kind, attribute, value, other_value, other_asset_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ws.RunID, c.RecordID, c.Rule, c.Chosen, c.Candidates, now, c.Kind,
			arg(c.Attribute), arg(c.Value), arg(c.OtherValue), arg(c.OtherAsset))
		if err != nil {
			return fmt.Errorf("record identity conflict: %w", err)
		}
	}
	for _, q := range ws.Quarantine {
		_, err := x.exec(`INSERT INTO quarantine (run_id, source, subscription, native_key, reason, raw, raw_hash, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (source, subscription, native_key, raw_hash) DO UPDATE SET run_id = excluded.run_id, reason = excluded.reason, last_seen = excluded.last_seen, times = times + 1`,
			ws.RunID, ws.Source, ws.Subscription, q.Key, q.Reason, q.RawGzip, q.RawHash, now, now)
		if err != nil {
			return fmt.Errorf("quarantine record %q: %w", q.Key, err)
		}
	}
	return nil
}

func (x *tx) content(ws *store.WriteSet, r store.RecordContent, now string, assets map[int64]int64) error {
	fresh := x.fresh[r.RecordID]
	delete(x.fresh, r.RecordID) // a second content of it replaces the first
	assetID, err := x.assetOf(assets, r.RecordID)
	if err != nil {
		return err
	}
	// List rows, by table in the order they first come.
	var tables []string
	byTable := map[string][]any{}
	for _, it := range r.Items {
		var row []any
		if it.Table == "record_items" {
			row = []any{r.RecordID, it.Entity, it.Ordinal, it.Attributes}
		} else {
			cols, ok := store.ItemColumns[it.Table]
			if !ok || len(cols) != len(it.Values) {
				return fmt.Errorf("list row of unknown table %q", it.Table)
			}
			row = append(append([]any{r.RecordID, assetID, it.Ordinal}, args(it.Values)...), it.Attributes)
		}
		if _, ok := byTable[it.Table]; !ok {
			tables = append(tables, it.Table)
		}
		byTable[it.Table] = append(byTable[it.Table], row...)
	}
	// Installs, with their catalog ids.
	const installWidth = 6
	var installs []any
	if len(r.Installs) > 0 {
		installs = make([]any, 0, len(r.Installs)*installWidth)
		for _, in := range r.Installs {
			swID, err := x.software(in)
			if err != nil {
				return err
			}
			installs = append(installs, r.RecordID, assetID, swID, in.InstallPath, arg(in.InstallDate), in.Attributes)
		}
		byTable["installed_software"] = installs
	}
	if !fresh {
		// The record's rows are replaced, but a list whose rows are stored
		// already, value for value, is left alone: rewriting it moves its
		// entries in every index (a rescanned VMDR host keeps its tags, a
		// changed CSAM asset mostly its software).
		for _, t := range childTables {
			if rows, ok := byTable[t]; ok {
				same, err := x.sameRows(t, r.RecordID, storedOrder(t, rows))
				if err != nil {
					return fmt.Errorf("compare %s: %w", t, err)
				}
				if same {
					delete(byTable, t)
					continue
				}
			}
			if _, err := x.exec(`DELETE FROM `+t+` WHERE record_id = ?`, r.RecordID); err != nil {
				return fmt.Errorf("replace %s: %w", t, err)
			}
		}
	}
	if _, ok := byTable["installed_software"]; ok {
		if err := x.deferIndexes("installed_software", ws.RunID); err != nil {
			return err
		}
		if err := x.insertRows(`INSERT INTO installed_software (record_id, asset_id, software_id, install_path, install_date, attributes)`,
			`ON CONFLICT (record_id, software_id, install_path) DO NOTHING`, installWidth, installs); err != nil {
			return fmt.Errorf("insert installed software: %w", err)
		}
	}
	for _, t := range tables {
		rows, ok := byTable[t]
		if !ok {
			continue // stored already
		}
		if len(deferrable[t]) > 0 {
			if err := x.deferIndexes(t, ws.RunID); err != nil {
				return err
			}
		}
		head, width := listInsert(t)
		if err := x.insertRows(head, "", width, rows); err != nil {
			return fmt.Errorf("insert %s: %w", t, err)
		}
	}
	_, err = x.exec(`UPDATE asset_records SET raw_hash = ?, attributes = ?, software_installs = ?, findings = ?, last_seen = ?, last_run_id = ?, state = 'active' WHERE id = ?`,
		r.Hash, r.Attributes, r.SoftwareInstalls, r.Findings, now, ws.RunID, r.RecordID)
	return err
}

// listColumns returns the columns of a list table's rows, in the order
// content builds them, and the columns of its key after record_id.
func listColumns(t string) (cols []string, key string) {
	switch t {
	case "installed_software":
		return []string{"record_id", "asset_id", "software_id", "install_path", "install_date", "attributes"}, "software_id, install_path"
	case "record_items":
		return []string{"record_id", "entity", "ordinal", "attributes"}, "entity, ordinal"
	}
	return append(append([]string{"record_id", "asset_id", "ordinal"}, store.ItemColumns[t]...), "attributes"), "ordinal"
}

// storedOrder returns a list table's new rows (as content builds them) in
// the order of the table's key, the order sameRows reads the stored ones:
// by ordinal, record_items by entity and ordinal (its entities come in map
// order), installs by software and path, keeping the first of a repeated
// install as their insert does (it leaves out repeats). Rows whose key
// values are not of the expected types are returned as they are: sameRows
// then finds them different, and they are written.
func storedOrder(t string, rows []any) []any {
	cols, _ := listColumns(t)
	width := len(cols)
	type key struct {
		n int64
		s string
	}
	keyOf := func(i int) (key, bool) {
		row := rows[i*width : (i+1)*width]
		switch t {
		case "installed_software": // record_id, asset_id, software_id, install_path, …
			sw, ok1 := row[2].(int64)
			path, ok2 := row[3].(string)
			return key{sw, path}, ok1 && ok2
		case "record_items": // record_id, entity, ordinal, attributes
			e, ok1 := row[1].(string)
			o, ok2 := row[2].(int)
			return key{int64(o), e}, ok1 && ok2
		default: // record_id, asset_id, ordinal, …
			o, ok := row[2].(int)
			return key{n: int64(o)}, ok
		}
	}
	order := make([]int, len(rows)/width)
	for i := range order {
		order[i] = i
		if _, ok := keyOf(i); !ok {
			return rows
		}
	}
	compare := func(a, b key) int {
		if t == "record_items" { // entity first
			if c := strings.Compare(a.s, b.s); c != 0 {
				return c
			}
			return cmp.Compare(a.n, b.n)
		}
		if c := cmp.Compare(a.n, b.n); c != 0 {
			return c
		}
		return strings.Compare(a.s, b.s)
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ka, _ := keyOf(a)
		kb, _ := keyOf(b)
		return compare(ka, kb)
	})
	out := make([]any, 0, len(rows))
	var last key
	for j, i := range order {
		k, _ := keyOf(i)
		if t == "installed_software" && j > 0 && k == last {
			continue // a repeat: the first one is stored
		}
		last = k
		out = append(out, rows[i*width:(i+1)*width]...)
	}
	return out
}

// listInsert returns the INSERT head of a list table's rows and their width.
func listInsert(t string) (head string, width int) {
	cols, _ := listColumns(t)
	return `INSERT INTO ` + t + ` (` + strings.Join(cols, ", ") + `)`, len(cols)
}

// sameRows reports whether the rows of list table t stored for a record
// are rows, value for value and in key order. It answers false when in
// doubt: a value is equal only when it has the type the driver reads back
// for what SQLite stored (int64, float64, string, []byte or nil). Writing
// a value equal to the stored one stores it again unchanged (a column's
// affinity converts what it stored to itself), so a list found the same
// needs no write; any other value is written, as before.
func (x *tx) sameRows(t string, recordID int64, rows []any) (bool, error) {
	cols, key := listColumns(t)
	width := len(cols)
	rs, err := x.query(`SELECT `+strings.Join(cols, ", ")+` FROM `+t+` WHERE record_id = ? ORDER BY `+key, recordID)
	if err != nil {
		return false, err
	}
	defer rs.Close()
	got := make([]any, width)
	ptrs := make([]any, width)
	for i := range got {
		ptrs[i] = &got[i]
	}
	same := true
	n := 0
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return false, err
		}
		if (n+1)*width > len(rows) || !sameValues(got, rows[n*width:(n+1)*width]) {
			same = false
			break
		}
		n++
	}
	if err := rs.Err(); err != nil {
		return false, err
	}
	return same && n*width == len(rows), nil
}

// sameValues reports whether the values read back from a row (stored) are
// the values to be written (want), each of the same type and value.
func sameValues(stored, want []any) bool {
	for i, w := range want {
		switch v := w.(type) {
		case int:
			w = int64(v)
		case int32:
			w = int64(v)
		}
		switch s := stored[i].(type) {
		case nil:
			if w != nil {
				return false
			}
		case int64:
			if v, ok := w.(int64); !ok || v != s {
				return false
			}
		case float64:
			if v, ok := w.(float64); !ok || v != s {
				return false
			}
		case string:
			if v, ok := w.(string); !ok || v != s {
				return false
			}
		case []byte:
			if v, ok := w.([]byte); !ok || !bytes.Equal(v, s) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// software returns the catalog id of a software, inserting it if new.
func (x *tx) software(in store.Install) (int64, error) {
	k := swKey{in.Name, in.Version, in.Publisher}
	x.s.swMu.Lock()
	id, ok := x.s.swCache[k]
	x.s.swMu.Unlock()
	if ok {
		return id, nil
	}
	if id, ok := x.pending[k]; ok {
		return id, nil
	}
	st, err := x.stmt(`INSERT INTO software (name, version, publisher, attributes) VALUES (?, ?, ?, ?)
		ON CONFLICT (name, version, publisher) DO UPDATE SET attributes = excluded.attributes RETURNING id`)
	if err != nil {
		return 0, err
	}
	if err := st.QueryRowContext(x.ctx, k.name, k.version, k.publisher, in.SoftwareAttributes).Scan(&id); err != nil {
		return 0, fmt.Errorf("upsert software %q %q: %w", k.name, k.version, err)
	}
	x.pending[k] = id
	return id, nil
}

func (x *tx) vuln(ws *store.WriteSet, v store.VulnWrite, now string) error {
	if len(v.Values) != len(store.VulnColumns) {
		return fmt.Errorf("%d values for %d columns", len(v.Values), len(store.VulnColumns))
	}
	a := append([]any{v.QID}, args(v.Values)...)
	a = append(a, v.Attributes, v.Hash, now, now, ws.RunID, ws.RunID, ws.RunID)
	_, err := x.exec(`INSERT INTO vulns (qid, title, vuln_type, severity, category, published, last_modified, patchable, cvss2_base, cvss3_base, cvss3_vector,
		attributes, hash, first_seen, last_seen, first_run_id, last_run_id, changed_run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (qid) DO UPDATE SET title = excluded.title, vuln_type = excluded.vuln_type, severity = excluded.severity,
		category = excluded.category, published = excluded.published, last_modified = excluded.last_modified, patchable = excluded.patchable,
		cvss2_base = excluded.cvss2_base, cvss3_base = excluded.cvss3_base, cvss3_vector = excluded.cvss3_vector,
		attributes = excluded.attributes, hash = excluded.hash, last_seen = excluded.last_seen, last_run_id = excluded.last_run_id,
		changed_run_id = excluded.changed_run_id`, a...)
	if err != nil {
		return fmt.Errorf("upsert: %w", err)
	}
	for _, t := range []string{"vuln_cves", "vuln_attack"} {
		if _, err := x.exec(`DELETE FROM `+t+` WHERE qid = ?`, v.QID); err != nil {
			return fmt.Errorf("replace %s: %w", t, err)
		}
	}
	for _, c := range v.CVEs {
		if _, err := x.exec(`INSERT INTO vuln_cves (qid, cve_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, v.QID, c); err != nil {
			return fmt.Errorf("insert CVE: %w", err)
		}
	}
	for _, at := range v.Attack {
		if _, err := x.exec(`INSERT INTO vuln_attack (qid, kind, attack_id, name) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, v.QID, at.Kind, at.ID, arg(at.Name)); err != nil {
			return fmt.Errorf("insert ATT&CK %s: %w", at.Kind, err)
		}
	}
	return nil
}

var (
	findingInsert = `INSERT INTO findings (id, record_id, asset_id, finding_key, qid, port, protocol, ssl, instance, ` + strings.Join(store.FindingColumns, ", ") +
		`, first_seen, last_seen, first_run_id, last_run_id, status_run_id)`
	// findingPlain and findingKeyed are the positions in FindingColumns of
	// the columns no index of findings holds, and of those one does.
	findingPlain, findingKeyed = splitFindingColumns()
	// findingUpdate writes the columns no index holds (most of what a
	// rescan changes: last found, last test, times found, results, hash),
	// and only if the indexed ones already hold the values given for them.
	// SQLite maintains an index on UPDATE whenever the statement sets one of
	// its columns, whatever the value: setting them all for every finding
	// rewrote its entries in three indexes, the one by QID in random order,
	// for values that rarely change.
	findingUpdate = `UPDATE findings SET ` + list(findingPlain, " = ?", ", ") + `,
		last_seen = ?, last_run_id = ?, status_run_id = coalesce(?, status_run_id)
		WHERE id = ? AND ` + list(findingKeyed, " IS ?", " AND ") + ` AND asset_id IS ? AND state = 'active'`
	// findingUpdateAll writes every column, for a finding whose indexed
	// values changed (findingUpdate wrote nothing).
	findingUpdateAll = `UPDATE findings SET ` + strings.Join(store.FindingColumns, " = ?, ") + ` = ?, asset_id = ?, state = 'active',
		last_seen = ?, last_run_id = ?, status_run_id = coalesce(?, status_run_id) WHERE id = ?`
)

// findingIndexed are the columns of FindingColumns that an index of
// findings holds (migrations 00007 and 00010).
var findingIndexed = map[string]bool{"type": true, "severity": true, "status": true, "is_ignored": true, "is_disabled": true, "risk_qds": true}

func splitFindingColumns() (plain, keyed []int) {
	for i, c := range store.FindingColumns {
		if findingIndexed[c] {
			keyed = append(keyed, i)
		} else {
			plain = append(plain, i)
		}
	}
	return plain, keyed
}

// list joins "c"+suffix for the columns at positions cols of FindingColumns.
func list(cols []int, suffix, sep string) string {
	s := make([]string, len(cols))
	for i, c := range cols {
		s[i] = store.FindingColumns[c] + suffix
	}
	return strings.Join(s, sep)
}

// findingRef names a finding by its natural key.
type findingRef struct {
	record int64
	key    string
}

// findings applies the write set's findings: updates one by one, inserts
// many rows a statement. It returns the ids of the inserted ones.
func (x *tx) findings(ws *store.WriteSet, now string, assets map[int64]int64) (map[findingRef]int64, error) {
	width := 9 + len(store.FindingColumns) + 5
	var rows []any
	inserted := map[findingRef]int64{}
	for _, f := range ws.Findings {
		if len(f.Values) != len(store.FindingColumns) {
			return nil, fmt.Errorf("finding %s of record %d: %d values for %d columns", f.Key, f.RecordID, len(f.Values), len(store.FindingColumns))
		}
		asset, err := x.assetOf(assets, f.RecordID)
		if err != nil {
			return nil, fmt.Errorf("finding %s: %w", f.Key, err)
		}
		vals := args(f.Values)
		if f.ID != 0 {
			var statusRun any
			if f.StatusChanged {
				statusRun = ws.RunID
			}
			if err := x.updateFinding(vals, asset, now, ws.RunID, statusRun, f.ID); err != nil {
				return nil, fmt.Errorf("finding %s of record %d: %w", f.Key, f.RecordID, err)
			}
			continue
		}
		if rows == nil {
			if err := x.deferIndexes("findings", ws.RunID); err != nil {
				return nil, err
			}
			rows = make([]any, 0, len(ws.Findings)*width)
			if x.lastFinding == 0 {
				if err := x.tx.QueryRowContext(x.ctx, `SELECT coalesce(max(id), 0) FROM findings`).Scan(&x.lastFinding); err != nil {
					return nil, fmt.Errorf("read the last finding id: %w", err)
				}
			}
		}
		x.lastFinding++
		inserted[findingRef{f.RecordID, f.Key}] = x.lastFinding
		rows = append(rows, x.lastFinding, f.RecordID, asset, f.Key, f.QID, arg(f.Port), arg(f.Protocol), arg(f.SSL), arg(f.Instance))
		rows = append(rows, vals...)
		rows = append(rows, now, now, ws.RunID, ws.RunID, ws.RunID)
	}
	if err := x.insertRows(findingInsert, "", width, rows); err != nil {
		return nil, fmt.Errorf("insert findings: %w", err)
	}
	return inserted, nil
}

// updateFinding writes a stored finding's values (vals, in the order of
// FindingColumns): by findingUpdate when its indexed values are unchanged,
// else by findingUpdateAll.
func (x *tx) updateFinding(vals []any, asset int64, now string, runID int64, statusRun any, id int64) error {
	a := make([]any, 0, len(vals)+6)
	for _, c := range findingPlain {
		a = append(a, vals[c])
	}
	a = append(a, now, runID, statusRun, id)
	for _, c := range findingKeyed {
		a = append(a, vals[c])
	}
	res, err := x.exec(findingUpdate, append(a, asset)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	_, err = x.exec(findingUpdateAll, append(append(a[:0], vals...), asset, now, runID, statusRun, id)...)
	return err
}

// MarkUnseen implements store.Tx.
func (x *tx) MarkUnseen(ctx context.Context, run *sync.Run) (int64, int64, []store.GoneAsset, error) {
	// A record the source could not deliver this run (quarantined, e.g. a
	// stuck host) was not seen to disappear: it stays active.
	res, err := x.tx.ExecContext(ctx, `UPDATE asset_records SET state = 'stale' WHERE state = 'active' AND last_run_id <> ?
		AND last_run_id IN (SELECT id FROM runs WHERE source = ? AND subscription = ?)
		AND native_key NOT IN (SELECT native_key FROM quarantine WHERE run_id = ?)`,
		run.ID, run.Source, run.Subscription, run.ID)
	if err != nil {
		return 0, 0, nil, err
	}
	recs, _ := res.RowsAffected()
	res, err = x.tx.ExecContext(ctx, `UPDATE findings SET state = 'stale', last_run_id = ? WHERE state = 'active'
		AND record_id IN (SELECT id FROM asset_records WHERE state = 'stale')`, run.ID)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("mark findings of unseen hosts stale: %w", err)
	}
	fs, _ := res.RowsAffected()
	rows, err := x.tx.QueryContext(ctx, `SELECT a.id, coalesce((SELECT max(r.id) FROM asset_records r WHERE r.asset_id = a.id AND r.source = upper(?) AND r.subscription = ?), 0)
		FROM assets a WHERE a.state = 'active' AND NOT EXISTS (SELECT 1 FROM asset_records r WHERE r.asset_id = a.id AND r.state = 'active') ORDER BY a.id`,
		run.Source, run.Subscription)
	if err != nil {
		return 0, 0, nil, err
	}
	defer rows.Close()
	var gone []store.GoneAsset
	for rows.Next() {
		var g store.GoneAsset
		if err := rows.Scan(&g.AssetID, &g.RecordID); err != nil {
			return 0, 0, nil, err
		}
		gone = append(gone, g)
	}
	return recs, fs, gone, rows.Err()
}

// SetAssetsState implements store.Tx.
func (x *tx) SetAssetsState(_ context.Context, ids []int64, state string) error {
	for _, id := range ids {
		if _, err := x.exec(`UPDATE assets SET state = ? WHERE id = ?`, state, id); err != nil {
			return err
		}
	}
	return nil
}

// RunAssets implements store.Tx.
func (x *tx) RunAssets(_ context.Context, runID int64) ([]int64, error) {
	// A run writes findings only with their record (which it stamps), or
	// marks them stale with their record (which it marks stale): the
	// findings are found through their records, not by a scan of them all.
	// UNION ALL (deduplicated and sorted here): a UNION with ORDER BY
	// makes SQLite merge index scans of whole tables. The changes are
	// deduplicated by SQLite: a first sync has one per finding (2.8 M at
	// 100,000 hosts, 22 MB as a Go slice).
	ids, err := column[int64](x, `SELECT asset_id FROM asset_records WHERE last_run_id = ?1
		UNION ALL SELECT f.asset_id FROM asset_records r CROSS JOIN findings f ON f.record_id = r.id WHERE r.state = 'stale' AND f.last_run_id = ?1
		UNION ALL SELECT DISTINCT asset_id FROM changes WHERE run_id = ?1
		UNION ALL SELECT CAST(old_value AS INTEGER) FROM changes WHERE run_id = ?1 AND kind = '`+store.ChangeAssetSplit+`'`, runID)
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// AssetIDs implements store.Tx.
func (x *tx) AssetIDs(context.Context) ([]int64, error) {
	return column[int64](x, `SELECT id FROM assets ORDER BY id`)
}

func (x *tx) findingsKB(ctx context.Context, where string, fn func(store.FindingKB) error, a ...any) error {
	rows, err := x.tx.QueryContext(ctx, `SELECT f.id, f.asset_id, f.attributes, json_patch(v.attributes, json_object('title', v.title, 'cvss2_base', v.cvss2_base, 'cvss3_base', v.cvss3_base,
		'patchable', CASE v.patchable WHEN 1 THEN json('true') WHEN 0 THEN json('false') END)) FROM findings f JOIN vulns v ON v.qid = f.qid WHERE `+where+` ORDER BY f.id`, a...)
	if err != nil {
		return err
	}
	var all []store.FindingKB
	for rows.Next() {
		var f store.FindingKB
		if err := rows.Scan(&f.ID, &f.AssetID, &f.Attributes, &f.Vuln); err != nil {
			rows.Close()
			return err
		}
		all = append(all, f)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, f := range all { // after the cursor is closed: fn may write
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// FindingsOfChangedVulns implements store.Tx.
func (x *tx) FindingsOfChangedVulns(ctx context.Context, runID int64, fn func(store.FindingKB) error) error {
	return x.findingsKB(ctx, `v.changed_run_id = ?`, fn, runID)
}

// FindingsWithVulns implements store.Tx.
func (x *tx) FindingsWithVulns(ctx context.Context, fn func(store.FindingKB) error) error {
	return x.findingsKB(ctx, `1 = 1`, fn)
}

// SetFindingEnrichment implements store.Tx.
func (x *tx) SetFindingEnrichment(_ context.Context, rows []store.FindingEnrichment) error {
	q := `UPDATE findings SET ` + strings.Join(store.EnrichColumns, " = ?, ") + ` = ? WHERE id = ?`
	for _, r := range rows {
		if len(r.Values) != len(store.EnrichColumns) {
			return fmt.Errorf("finding %d: %d values for %d columns", r.ID, len(r.Values), len(store.EnrichColumns))
		}
		if _, err := x.exec(q, append(args(r.Values), r.ID)...); err != nil {
			return fmt.Errorf("enrich finding %d: %w", r.ID, err)
		}
	}
	return nil
}

// countedFinding is the condition on findings f that TruRisk counts: still
// reported (active), not Fixed, not ignored or disabled, with a QDS.
const countedFinding = `f.state = 'active' AND coalesce(f.status, '') <> 'Fixed' AND coalesce(f.is_ignored, 0) = 0
	AND coalesce(f.is_disabled, 0) = 0 AND f.risk_qds > 0`

// riskFindingsQuery reads the counted findings of the assets in the list
// in (a parenthesized list of placeholders). It reads the covering index
// findings_asset alone (see migration 00010).
func riskFindingsQuery(in string) string {
	return `SELECT f.asset_id, f.risk_qds, coalesce(f.status, '') FROM findings f WHERE f.asset_id IN ` + in + ` AND ` + countedFinding
}

// RiskInputs implements store.Tx.
func (x *tx) RiskInputs(ctx context.Context, ids []int64) ([]store.RiskInput, error) {
	return riskInputs(ctx, x.tx, ids)
}

type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func riskInputs(ctx context.Context, db queryer, ids []int64) ([]store.RiskInput, error) {
	var out []store.RiskInput
	err := chunks(ids, func(c []int64) error {
		in := `(` + placeholders(len(c)) + `)`
		a := anys(c)
		byID := map[int64]*store.RiskInput{}
		rows, err := db.QueryContext(ctx, `SELECT a.id, coalesce(a.risk_band, ''), a.state, EXISTS (SELECT 1 FROM findings f WHERE f.asset_id = a.id)
			FROM assets a WHERE a.id IN `+in+` ORDER BY a.id`, a...)
		if err != nil {
			return err
		}
		start := len(out)
		for rows.Next() {
			var r store.RiskInput
			if err := rows.Scan(&r.AssetID, &r.Band, &r.State, &r.Scanned); err != nil {
				rows.Close()
				return err
			}
			out = append(out, r)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for i := start; i < len(out); i++ {
			byID[out[i].AssetID] = &out[i]
		}
		// ACS inputs: CSAM criticality.score (not when CSAM marks it a
		// default) and tag criticalities, of the asset's active records.
		err = eachPair(ctx, db, `SELECT r.asset_id, json_extract(r.attributes, '$.criticality_score') FROM asset_records r
			WHERE r.asset_id IN `+in+` AND r.state = 'active' AND +r.source = 'CSAM' AND coalesce(json_extract(r.attributes, '$.criticality_is_default'), 0) = 0
			AND json_extract(r.attributes, '$.criticality_score') IS NOT NULL`, a, func(id, c int64) {
			if r := byID[id]; r != nil {
				r.Criticalities = append(r.Criticalities, int(c))
			}
		})
		if err != nil {
			return err
		}
		// (The unary + keeps SQLite on the asset_id indexes: without
		// statistics it would rather scan by source or record.)
		err = eachPair(ctx, db, `SELECT r.asset_id, t.criticality_score FROM asset_records r CROSS JOIN tags t ON t.record_id = r.id
			WHERE r.asset_id IN `+in+` AND r.state = 'active' AND t.criticality_score IS NOT NULL`, a, func(id, c int64) {
			if r := byID[id]; r != nil {
				r.TagCriticalities = append(r.TagCriticalities, int(c))
			}
		})
		if err != nil {
			return err
		}
		rows, err = db.QueryContext(ctx, riskFindingsQuery(in), a...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, q int64
			var status string
			if err := rows.Scan(&id, &q, &status); err != nil {
				rows.Close()
				return err
			}
			if r := byID[id]; r != nil {
				r.Findings = append(r.Findings, store.ScoredFinding{QDS: int(q), Status: status})
			}
		}
		return rows.Close()
	})
	return out, err
}

// eachPair calls fn with each row of a query of two integer columns.
func eachPair(ctx context.Context, db queryer, q string, a []any, fn func(x, y int64)) error {
	rows, err := db.QueryContext(ctx, q, a...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var x, y int64
		if err := rows.Scan(&x, &y); err != nil {
			return err
		}
		fn(x, y)
	}
	return rows.Err()
}

// SetRisk implements store.Tx.
func (x *tx) SetRisk(_ context.Context, runID int64, rows []store.AssetScore) error {
	var run any
	if runID != 0 {
		run = runID
	}
	for _, r := range rows {
		var score, band any
		if r.TruRisk != nil {
			score = *r.TruRisk
		}
		if r.Band != nil {
			band = *r.Band
		}
		if _, err := x.exec(`UPDATE assets SET acs = ?, trurisk = ?, risk_band = ?, risk_run_id = ? WHERE id = ?`, r.ACS, score, band, run, r.AssetID); err != nil {
			return fmt.Errorf("update asset %d: %w", r.AssetID, err)
		}
	}
	return nil
}

// LoadCheckpoint implements store.Store.
func (s *Store) LoadCheckpoint(ctx context.Context, source, subscription string) (sync.Checkpoint, error) {
	var raw string
	err := s.w.QueryRowContext(ctx, `SELECT state FROM cursors WHERE source = ? AND subscription = ?`, source, subscription).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return sync.Checkpoint{Source: source, Subscription: subscription}, nil
	}
	if err != nil {
		return sync.Checkpoint{}, fmt.Errorf("sqlite: read cursor of %s/%s: %w", source, subscription, err)
	}
	var cp sync.Checkpoint
	if err := json.Unmarshal([]byte(raw), &cp); err != nil {
		return sync.Checkpoint{}, fmt.Errorf("sqlite: cursor of %s/%s is corrupt (run with --full to start over): %w", source, subscription, err)
	}
	return cp, nil
}

// LockRun implements store.Store: two runs of the same source and
// subscription never write at once, in this process or another one using
// the same database file (see lockFile).
func (s *Store) LockRun(ctx context.Context, lock store.Lock) (func(), error) {
	key := lock.Source + "/" + lock.Subscription
	busy := func() error {
		return fmt.Errorf("sqlite: a run of %s for subscription %s is in progress on %s: %w (wait for it to finish, or stop it; a killed run resumes with the next sync)",
			lock.Source, lock.Subscription, s.path, store.ErrBusy)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[key] {
		return nil, busy()
	}
	unlockFile, taken, err := s.lockFile(key)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, busy()
	}
	s.running[key] = true
	return func() {
		s.mu.Lock()
		delete(s.running, key)
		s.mu.Unlock()
		unlockFile()
		wake(s.ckptNow) // see checkpointer
	}, nil
}
