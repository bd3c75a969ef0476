package sqlite

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/sync"
)

var _ sync.Store = (*Store)(nil)

const timeFormat = time.RFC3339Nano

func ts(t time.Time) string { return t.UTC().Format(timeFormat) }

type swKey struct{ name, version, publisher string }

// LoadCheckpoint implements sync.Checkpointer.
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

func saveCheckpoint(ctx context.Context, tx *sql.Tx, cp sync.Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encode cursor: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO cursors (source, subscription, state, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (source, subscription) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
		cp.Source, cp.Subscription, string(b), ts(time.Now()))
	if err != nil {
		return fmt.Errorf("save cursor: %w", err)
	}
	return nil
}

// StartRun implements sync.Sink.
func (s *Store) StartRun(ctx context.Context, run *sync.Run, cp sync.Checkpoint) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if run.ID != 0 {
			var c sync.Counts
			var calls int64
			var started string
			f := &c.Findings
			err := tx.QueryRowContext(ctx, `SELECT seen, new, updated, unchanged, quarantined, software_installs, api_calls, started_at,
				findings_seen, findings_new, findings_updated, findings_fixed, findings_reopened, findings_missing, vulns FROM runs WHERE id = ?`, run.ID).
				Scan(&c.Seen, &c.New, &c.Updated, &c.Unchanged, &c.Quarantined, &c.SoftwareInstalls, &calls, &started,
					&f.Seen, &f.New, &f.Updated, &f.Fixed, &f.Reopened, &f.Missing, &c.Vulns)
			if err != nil {
				return fmt.Errorf("resume run %d: %w", run.ID, err)
			}
			run.Counts, run.APICalls = c, calls
			if t, err := time.Parse(timeFormat, started); err == nil {
				run.StartedAt = t
			}
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, resumed = resumed + 1, error = NULL, finished_at = NULL WHERE id = ?`, sync.StateProcessing, run.ID); err != nil {
				return fmt.Errorf("resume run %d: %w", run.ID, err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `INSERT INTO runs (source, subscription, mode, state, started_at, map_name, map_hash) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				run.Source, run.Subscription, string(run.Mode), run.State, ts(run.StartedAt), run.MapName, run.MapHash)
			if err != nil {
				return fmt.Errorf("insert run: %w", err)
			}
			if run.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		cp.RunID = run.ID
		return saveCheckpoint(ctx, tx, cp)
	})
}

// FinishRun implements sync.Sink.
func (s *Store) FinishRun(ctx context.Context, run *sync.Run, cp sync.Checkpoint) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if run.State == sync.StateProcessed && run.Mode == sync.ModeFull {
			// A record the source could not deliver this run (quarantined,
			// e.g. a stuck host) was not seen to disappear: keep it active.
			res, err := tx.ExecContext(ctx, `UPDATE asset_records SET state = 'stale' WHERE state = 'active' AND last_run_id <> ?
				AND last_run_id IN (SELECT id FROM runs WHERE source = ? AND subscription = ?)
				AND native_key NOT IN (SELECT native_key FROM quarantine WHERE run_id = ?)`,
				run.ID, run.Source, run.Subscription, run.ID)
			if err != nil {
				return fmt.Errorf("mark unseen records stale: %w", err)
			}
			n, _ := res.RowsAffected()
			run.Counts.Stale = n
			res, err = tx.ExecContext(ctx, `UPDATE findings SET state = 'stale', last_run_id = ? WHERE state = 'active'
				AND record_id IN (SELECT id FROM asset_records WHERE state = 'stale')`, run.ID)
			if err != nil {
				return fmt.Errorf("mark findings of unseen hosts stale: %w", err)
			}
			fs, _ := res.RowsAffected()
			if _, err := tx.ExecContext(ctx, `UPDATE runs SET findings_stale = ? WHERE id = ?`, fs, run.ID); err != nil {
				return fmt.Errorf("update run %d: %w", run.ID, err)
			}
			// An asset none of whose records is active any more is gone:
			// record it in the change feed (with the record that left last).
			const gone = `state = 'active' AND NOT EXISTS (SELECT 1 FROM asset_records r WHERE r.asset_id = assets.id AND r.state = 'active')`
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes (run_id, kind, asset_id, record_id, at)
				SELECT ?, '`+ChangeAssetRemoved+`', assets.id, (SELECT max(r.id) FROM asset_records r WHERE r.asset_id = assets.id AND r.source = upper(?) AND r.subscription = ?), ?
				FROM assets WHERE `+gone, run.ID, run.Source, run.Subscription, ts(run.FinishedAt)); err != nil {
				return fmt.Errorf("record removed assets: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assets SET state = 'stale' WHERE `+gone); err != nil {
				return fmt.Errorf("mark unseen assets stale: %w", err)
			}
		}
		if err := s.finishRisk(ctx, tx, run); err != nil {
			return err
		}
		var errText any
		if run.Error != "" {
			errText = run.Error
		}
		_, err := tx.ExecContext(ctx, `UPDATE runs SET state = ?, finished_at = ?, api_calls = ?, stale = ?, error = ? WHERE id = ?`,
			run.State, ts(run.FinishedAt), run.APICalls, run.Counts.Stale, errText, run.ID)
		if err != nil {
			return fmt.Errorf("update run %d: %w", run.ID, err)
		}
		return saveCheckpoint(ctx, tx, cp)
	})
}

func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// WriteBatch implements sync.Sink: upserts, quarantine, run counts and the
// checkpoint in one transaction.
func (s *Store) WriteBatch(ctx context.Context, b *sync.Batch) (sync.BatchResult, error) {
	var res sync.BatchResult
	pending := map[swKey]int64{}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		w, err := s.newBatchWriter(ctx, tx, b.Run, pending)
		if err != nil {
			return err
		}
		defer w.close()
		for i, rec := range b.Records {
			write := w.record
			if rec.Source == sourceKB {
				write = w.vuln
			}
			if err := write(rec, b.Hashes[i], &res); err != nil {
				return fmt.Errorf("record %s %s: %w", rec.Source, rec.NativeKey, err)
			}
		}
		for _, q := range b.Quarantined {
			if err := w.quarantine(q); err != nil {
				return err
			}
		}
		seen := len(b.Records) + len(b.Quarantined)
		if seen > 0 {
			f := res.Findings
			_, err = tx.ExecContext(ctx, `UPDATE runs SET seen = seen + ?, new = new + ?, updated = updated + ?, unchanged = unchanged + ?,
				quarantined = quarantined + ?, software_installs = software_installs + ?,
				findings_seen = findings_seen + ?, findings_new = findings_new + ?, findings_updated = findings_updated + ?,
				findings_fixed = findings_fixed + ?, findings_reopened = findings_reopened + ?, findings_missing = findings_missing + ?,
				vulns = vulns + ? WHERE id = ?`,
				seen, res.New, res.Updated, res.Unchanged, len(b.Quarantined), res.SoftwareInstalls,
				f.Seen, f.New, f.Updated, f.Fixed, f.Reopened, f.Missing, res.Vulns, b.Run.ID)
			if err != nil {
				return fmt.Errorf("update run counts: %w", err)
			}
		}
		return saveCheckpoint(ctx, tx, b.Checkpoint)
	})
	if err != nil {
		return sync.BatchResult{}, err
	}
	for k, v := range pending { // committed: the new catalog ids are real now
		s.swCache[k] = v
	}
	if len(s.swCache) > 200_000 { // bound memory on huge catalogs
		clear(s.swCache)
	}
	return res, nil
}

type batchWriter struct {
	ctx     context.Context
	tx      *sql.Tx
	s       *Store
	run     *sync.Run
	now     string
	pending map[swKey]int64
	stmts   map[string]*sql.Stmt
	policy  identify.Policy  // identification policy in force
	junk    map[junkKey]bool // learned and manual junk values
}

func (s *Store) newBatchWriter(ctx context.Context, tx *sql.Tx, run *sync.Run, pending map[swKey]int64) (*batchWriter, error) {
	// Statements run without cancellation: the driver would otherwise start
	// a watcher goroutine per statement, which dominates the cost of small
	// inserts. The transaction as a whole still ends with ctx.
	w := &batchWriter{ctx: context.WithoutCancel(ctx), tx: tx, s: s, run: run, now: ts(time.Now()), pending: pending, stmts: map[string]*sql.Stmt{}}
	var err error
	if w.policy, err = s.policyTx(ctx, tx); err != nil {
		return nil, err
	}
	if w.junk, err = loadJunk(ctx, tx); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *batchWriter) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}

func (w *batchWriter) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	w.stmts[q] = st
	return st, nil
}

func (w *batchWriter) exec(q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(w.ctx, args...)
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func nullable(v model.Values, field string) any {
	x, ok := v[field]
	if !ok || x == nil {
		return nil
	}
	switch t := x.(type) {
	case time.Time:
		return ts(t)
	case []string:
		b, _ := json.Marshal(t)
		return string(b)
	}
	return x
}

func (w *batchWriter) record(rec *model.Record, hash string, res *sync.BatchResult) error {
	var recordID, assetID, installs, findings int64
	var oldHash string
	st, err := w.stmt(`SELECT id, asset_id, raw_hash, software_installs, findings FROM asset_records WHERE source = ? AND subscription = ? AND native_key = ?`)
	if err != nil {
		return err
	}
	err = st.QueryRowContext(w.ctx, string(rec.Source), w.run.Subscription, rec.NativeKey).Scan(&recordID, &assetID, &oldHash, &installs, &findings)
	exists := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look up record: %w", err)
	}
	if exists && oldHash == hash {
		res.Unchanged++
		res.SoftwareInstalls += int(installs)
		res.Findings.Seen += findings
		if findings > 0 {
			if _, err := w.exec(`UPDATE findings SET last_seen = ?, last_run_id = ? WHERE record_id = ? AND state = 'active'`, w.now, w.run.ID, recordID); err != nil {
				return err
			}
		}
		if _, err := w.exec(`UPDATE asset_records SET last_seen = ?, last_run_id = ?, state = 'active' WHERE id = ?`, w.now, w.run.ID, recordID); err != nil {
			return err
		}
		_, err := w.exec(`UPDATE assets SET last_seen = ?, state = 'active' WHERE id = ?`, w.now, assetID)
		return err
	}
	attrs, err := jsonText(rec.Host)
	if err != nil {
		return fmt.Errorf("encode attributes: %w", err)
	}
	h := rec.Host
	assetCols := []any{nullable(h, "name"), nullable(h, "ip_address"), nullable(h, "dns_name"), nullable(h, "os_name"),
		nullable(h, "os_category1"), nullable(h, "os_category2"), nullable(h, "bios_serial_number"), nullable(h, "hw_uuid"),
		nullable(h, "agent_id"), nullable(h, "criticality_score")}
	if exists {
		res.Updated++
		if err := w.updateAsset(rec, assetID, assetCols); err != nil {
			return err
		}
		for _, t := range []string{"installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "record_items"} {
			if _, err := w.exec(`DELETE FROM `+t+` WHERE record_id = ?`, recordID); err != nil {
				return fmt.Errorf("replace %s: %w", t, err)
			}
		}
	} else {
		res.New++
		ids, d, err := w.identify(rec)
		if err != nil {
			return err
		}
		if d.New() {
			r, err := w.exec(`INSERT INTO assets (name, ip_address, dns_name, os_name, os_category1, os_category2, bios_serial, hw_uuid, agent_id, criticality, first_seen, last_seen)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(assetCols, w.now, w.now)...)
			if err != nil {
				return fmt.Errorf("insert asset: %w", err)
			}
			if assetID, err = r.LastInsertId(); err != nil {
				return err
			}
		} else {
			assetID = d.AssetID
			if err := w.updateAsset(rec, assetID, assetCols); err != nil {
				return err
			}
		}
		var by any
		if !d.New() {
			by = d.Rule
		}
		r, err := w.exec(`INSERT INTO asset_records (asset_id, source, subscription, native_key, raw_hash, attributes, first_seen, last_seen, first_run_id, last_run_id, identified_by)
			VALUES (?, ?, ?, ?, '', '{}', ?, ?, ?, ?, ?)`, assetID, string(rec.Source), w.run.Subscription, rec.NativeKey, w.now, w.now, w.run.ID, w.run.ID, by)
		if err != nil {
			return fmt.Errorf("insert record: %w", err)
		}
		if recordID, err = r.LastInsertId(); err != nil {
			return err
		}
		if d.New() {
			if err := w.change(ChangeAssetNew, assetID, recordID, nil, nil, nil, nil); err != nil {
				return err
			}
		}
		if err := w.logConflicts(recordID, assetID, rec, d); err != nil {
			return err
		}
		if err := w.saveIdentifiers(recordID, assetID, ids); err != nil {
			return err
		}
		if err := w.merge(assetID, d.Merge, recordID); err != nil {
			return err
		}
	}
	if exists {
		// The record keeps its asset (identity is stable across runs); its
		// identifiers follow its content, and assets its new content links
		// to this one merge into the older.
		if assetID, err = w.relink(rec, recordID, assetID); err != nil {
			return err
		}
	}
	n, err := w.children(rec, recordID, assetID)
	if err != nil {
		return err
	}
	res.SoftwareInstalls += n
	nf, err := w.findings(rec, recordID, assetID, exists, &res.Findings)
	if err != nil {
		return err
	}
	_, err = w.exec(`UPDATE asset_records SET raw_hash = ?, attributes = ?, software_installs = ?, findings = ?, last_seen = ?, last_run_id = ?, state = 'active' WHERE id = ?`,
		hash, attrs, n, nf, w.now, w.run.ID, recordID)
	return err
}

// updateAsset refreshes an asset's summary columns from one of its
// records: CSAM, the inventory, overwrites them; other sources only fill
// what is empty.
func (w *batchWriter) updateAsset(rec *model.Record, assetID int64, cols []any) error {
	q := `UPDATE assets SET name = ?, ip_address = ?, dns_name = ?, os_name = ?, os_category1 = ?, os_category2 = ?,
		bios_serial = ?, hw_uuid = ?, agent_id = ?, criticality = ?, last_seen = ?, state = 'active' WHERE id = ?`
	if rec.Source != model.SourceCSAM {
		q = `UPDATE assets SET name = coalesce(name, ?), ip_address = coalesce(ip_address, ?), dns_name = coalesce(dns_name, ?),
			os_name = coalesce(os_name, ?), os_category1 = coalesce(os_category1, ?), os_category2 = coalesce(os_category2, ?),
			bios_serial = coalesce(bios_serial, ?), hw_uuid = coalesce(hw_uuid, ?), agent_id = coalesce(agent_id, ?),
			criticality = coalesce(criticality, ?), last_seen = ?, state = 'active' WHERE id = ?`
	}
	if _, err := w.exec(q, append(cols, w.now, assetID)...); err != nil {
		return fmt.Errorf("update asset: %w", err)
	}
	return nil
}

// children writes the list rows of a record and returns the number of
// installed software rows.
func (w *batchWriter) children(rec *model.Record, recordID, assetID int64) (int, error) {
	installs := 0
	ord := map[model.Entity]int{}
	for _, items := range rec.Lists {
		for _, it := range items {
			sw, hasSW := it[model.EntitySoftware]
			inst, hasInst := it[model.EntityInstalledSoftware]
			if hasSW || hasInst {
				if inst == nil {
					inst = model.Values{}
				}
				swID, err := w.software(sw)
				if err != nil {
					return 0, err
				}
				a, err := jsonText(inst)
				if err != nil {
					return 0, err
				}
				r, err := w.exec(`INSERT INTO installed_software (record_id, asset_id, software_id, install_path, install_date, attributes) VALUES (?, ?, ?, ?, ?, ?)
					ON CONFLICT (record_id, software_id, install_path) DO NOTHING`,
					recordID, assetID, swID, inst.String("install_path"), nullable(inst, "install_date"), a)
				if err != nil {
					return 0, fmt.Errorf("insert installed software: %w", err)
				}
				if n, _ := r.RowsAffected(); n > 0 {
					installs++
				}
			}
			for e, v := range it {
				if e == model.EntitySoftware || e == model.EntityInstalledSoftware || e == entityFinding {
					continue
				}
				i := ord[e]
				ord[e]++
				a, err := jsonText(v)
				if err != nil {
					return 0, err
				}
				var q string
				var args []any
				switch e {
				case model.EntityOpenPort:
					q = `INSERT INTO open_ports (record_id, asset_id, ordinal, port, protocol, attributes) VALUES (?, ?, ?, ?, ?, ?)`
					args = []any{nullable(v, "number"), nullable(v, "protocol")}
				case model.EntityNetworkInterface:
					q = `INSERT INTO network_interfaces (record_id, asset_id, ordinal, name, mac_address, ipv4, ipv6, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
					args = []any{nullable(v, "name"), nullable(v, "mac_address"), nullable(v, "ipv4"), nullable(v, "ipv6")}
				case model.EntityVolume:
					q = `INSERT INTO volumes (record_id, asset_id, ordinal, name, size, free, attributes) VALUES (?, ?, ?, ?, ?, ?, ?)`
					args = []any{nullable(v, "name"), nullable(v, "size"), nullable(v, "free")}
				case model.EntityService:
					q = `INSERT INTO services (record_id, asset_id, ordinal, name, status, attributes) VALUES (?, ?, ?, ?, ?, ?)`
					args = []any{nullable(v, "name"), nullable(v, "status")}
				case model.EntityTag:
					q = `INSERT INTO tags (record_id, asset_id, ordinal, tag_id, name, criticality_score, attributes) VALUES (?, ?, ?, ?, ?, ?, ?)`
					args = []any{nullable(v, "tag_id"), nullable(v, "name"), nullable(v, "criticality_score")}
				default:
					if _, err := w.exec(`INSERT INTO record_items (record_id, entity, ordinal, attributes) VALUES (?, ?, ?, ?)`, recordID, string(e), i, a); err != nil {
						return 0, fmt.Errorf("insert %s: %w", e, err)
					}
					continue
				}
				all := append([]any{recordID, assetID, i}, args...)
				if _, err := w.exec(q, append(all, a)...); err != nil {
					return 0, fmt.Errorf("insert %s: %w", e, err)
				}
			}
		}
	}
	return installs, nil
}

// software returns the catalog id of a software, inserting it if new.
func (w *batchWriter) software(v model.Values) (int64, error) {
	k := swKey{v.String("name"), v.String("version"), v.String("publisher")}
	if id, ok := w.s.swCache[k]; ok {
		return id, nil
	}
	if id, ok := w.pending[k]; ok {
		return id, nil
	}
	a, err := jsonText(v)
	if err != nil {
		return 0, err
	}
	st, err := w.stmt(`INSERT INTO software (name, version, publisher, attributes) VALUES (?, ?, ?, ?)
		ON CONFLICT (name, version, publisher) DO UPDATE SET attributes = excluded.attributes RETURNING id`)
	if err != nil {
		return 0, err
	}
	var id int64
	if err := st.QueryRowContext(w.ctx, k.name, k.version, k.publisher, a).Scan(&id); err != nil {
		return 0, fmt.Errorf("upsert software %q %q: %w", k.name, k.version, err)
	}
	w.pending[k] = id
	return id, nil
}

func (w *batchWriter) quarantine(q sync.Quarantined) error {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(q.Raw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	sum := sha256.Sum256(q.Raw)
	_, err := w.exec(`INSERT INTO quarantine (run_id, source, subscription, native_key, reason, raw, raw_hash, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source, subscription, native_key, raw_hash) DO UPDATE SET run_id = excluded.run_id, reason = excluded.reason, last_seen = excluded.last_seen, times = times + 1`,
		w.run.ID, w.run.Source, w.run.Subscription, q.Key, q.Reason, buf.Bytes(), hex.EncodeToString(sum[:16]), w.now, w.now)
	if err != nil {
		return fmt.Errorf("quarantine record %q: %w", q.Key, err)
	}
	return nil
}
