package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/store"
)

// deferrable names the secondary indexes a first load builds near or at
// the end of its run instead of row by row, by the table they index.
// Their keys (the software of an install, the QID of a finding, a tag's
// name, a port, an interface's addresses) come in random order, so each
// transaction of a load touches pages all over them: in a first sync of
// 10,000 CSAM assets the software index made half of the 6.5 GB written
// to disk (WAL and checkpoints) and a third of the wall time, for an index
// that CREATE INDEX builds in about a second from the finished table, and
// the list indexes (tags_name, open_ports_port, network_interfaces_ipv4
// and _mac) wrote 20 % of the WAL frames of a load with it deferred, each
// page a hundred times over. Indexes whose keys grow with the load (asset
// and record ids, run ids) cost little and stay, and so do those
// identification reads while it loads (asset_identifiers, asset_records'
// key). findings_status (some hundred groups written at once) stays too:
// deferred, VMDR first loads took 4 % less time, but CREATE INDEX packs
// its pages full, and the first incremental run after the load split
// them (docs/benchmarks.md). The triggers that keep the finding counts
// (migration 00011) go with findings_qid: a trigger run for every row of
// a first load costs more than counting the groups once from the indexes
// when it ends (countFindings).
var deferrable = map[string][]deferredObject{
	"installed_software": {{"index", "installed_software_software"}},
	"findings": {{"index", "findings_qid"},
		{"trigger", "finding_counts_insert"}, {"trigger", "finding_counts_delete"}, {"trigger", "finding_counts_update"}},
	"tags":               {{"index", "tags_name"}},
	"open_ports":         {{"index", "open_ports_port"}},
	"network_interfaces": {{"index", "network_interfaces_ipv4"}, {"index", "network_interfaces_mac"}},
}

// deferredObject is an index or trigger a first load may defer.
type deferredObject struct{ kind, name string }

// countTriggers are the triggers that keep finding_counts and
// finding_qid_counts.
var countTriggers = func() []string {
	var out []string
	for _, o := range deferrable["findings"] {
		if o.kind == "trigger" {
			out = append(out, o.name)
		}
	}
	return out
}()

// countFindings counts the findings into finding_counts and
// finding_qid_counts afresh, each from an index that holds its columns in
// group order, with the keys the triggers of migration 00011 give.
var countFindings = []string{
	`DELETE FROM finding_counts`,
	`INSERT INTO finding_counts (k, status, type, severity, is_ignored, is_disabled, state, n)
	SELECT quote(status) || ',' || quote(type) || ',' || quote(severity) || ',' || quote(is_ignored) || ',' || quote(is_disabled) || ',' || quote(state),
	       status, type, severity, is_ignored, is_disabled, state, count(*)
	FROM findings GROUP BY status, type, severity, is_ignored, is_disabled, state`,
	`DELETE FROM finding_qid_counts`,
	`INSERT INTO finding_qid_counts (k, qid, state, status, type, n)
	SELECT quote(qid) || ',' || quote(state) || ',' || quote(status) || ',' || quote(type), qid, state, status, type, count(*)
	FROM findings GROUP BY qid, state, status, type`,
}

// deferIndexes drops table's deferrable indexes when a run is about to
// load it from empty, recording each one's definition in deferred_indexes
// in the same transaction. It is checked once per transaction and table.
func (x *tx) deferIndexes(table string, runID int64) error {
	if x.deferChecked[table] || x.lockKey == "" {
		return nil
	}
	if x.deferChecked == nil {
		x.deferChecked = map[string]bool{}
	}
	x.deferChecked[table] = true
	var one int
	err := x.tx.QueryRowContext(x.ctx, `SELECT 1 FROM `+table+` LIMIT 1`).Scan(&one)
	if err == nil {
		return nil // not a first load: keep the indexes
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("check whether %s is empty: %w", table, err)
	}
	for _, o := range deferrable[table] {
		var def string
		err := x.tx.QueryRowContext(x.ctx, `SELECT sql FROM sqlite_master WHERE type = ? AND name = ?`, o.kind, o.name).Scan(&def)
		if errors.Is(err, sql.ErrNoRows) {
			continue // already deferred (or dropped by hand)
		}
		if err != nil {
			return fmt.Errorf("read %s %s: %w", o.kind, o.name, err)
		}
		if _, err := x.tx.ExecContext(x.ctx, `INSERT INTO deferred_indexes (name, lock_key, run_id, sql, deferred_at) VALUES (?, ?, ?, ?, ?)`,
			o.name, deferKey(x.lockKey, o.kind), runID, def, ts(time.Now())); err != nil {
			return fmt.Errorf("record deferred %s %s: %w", o.kind, o.name, err)
		}
		if _, err := x.tx.ExecContext(x.ctx, `DROP `+strings.ToUpper(o.kind)+` `+o.name); err != nil {
			return fmt.Errorf("defer %s %s: %w", o.kind, o.name, err)
		}
		x.s.log.Debug("sqlite: "+o.kind+" deferred to near the end of the run (first load)", o.kind, o.name, "table", table, "lock", x.lockKey)
	}
	return nil
}

// copyLock is the lock key under which LoadTable (qflow copy) defers the
// indexes and triggers of a table it loads from empty.
const copyLock = "copy"

// deferKey is the lock_key of a deferred object: the lock's for an index,
// with triggerSuffix for a trigger. A version of qflow from before the
// finding counts restores every row of its lock as it stands; it would
// put the triggers back without counting the findings, so their rows are
// kept where it does not look.
func deferKey(lockKey, kind string) string {
	if kind == "trigger" {
		return lockKey + triggerSuffix
	}
	return lockKey
}

// triggerSuffix marks the lock_key of a deferred trigger.
const triggerSuffix = "#triggers"

// BuildDeferredIndexes implements store.IndexDeferrer: it builds the
// indexes a run under lock deferred, in a transaction of their own.
func (s *Store) BuildDeferredIndexes(ctx context.Context, lock store.Lock) error {
	return s.Update(ctx, lock, func(t store.Tx) error {
		return t.(*tx).restoreIndexes(ctx)
	})
}

// restoreIndexes builds the indexes deferred under the transaction's lock.
// It runs when a run under that lock starts (the one that deferred them
// was killed: no other run holds the lock), when the engine asks for it
// near the run's end (BuildDeferredIndexes) and when the run ends.
func (x *tx) restoreIndexes(ctx context.Context) error {
	if x.lockKey == "" {
		return nil
	}
	// A copy killed while it loaded (copyLock) left its deferrals to the
	// first run into the database.
	rows, err := x.tx.QueryContext(ctx, `SELECT name, sql FROM deferred_indexes WHERE lock_key IN (?, ?, ?, ?) ORDER BY name`,
		x.lockKey, deferKey(x.lockKey, "trigger"), copyLock, deferKey(copyLock, "trigger"))
	if err != nil {
		return fmt.Errorf("read deferred indexes: %w", err)
	}
	type def struct{ name, sql string }
	var defs []def
	for rows.Next() {
		var d def
		if err := rows.Scan(&d.name, &d.sql); err != nil {
			rows.Close()
			return fmt.Errorf("read deferred indexes: %w", err)
		}
		defs = append(defs, d)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read deferred indexes: %w", err)
	}
	if len(defs) == 0 {
		return nil
	}
	// CREATE INDEX sorts the whole table in memory up to the page cache's
	// size before spilling runs to temporary files: with the writer's
	// 16 MiB cache (full by the end of a load) that sort added some 40 MB
	// of RSS. A small cache for the build keeps it within the load's own
	// peak; the index is written in key order, so it needs few pages.
	if _, err := x.tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, buildCacheKiB)); err != nil {
		return fmt.Errorf("build deferred indexes: %w", err)
	}
	defer x.tx.ExecContext(x.ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, writerCacheKiB)) // also after an error
	counts := false
	for _, d := range defs {
		start := time.Now()
		stmt := d.sql
		for _, kind := range []string{"INDEX", "TRIGGER"} {
			if rest, ok := strings.CutPrefix(stmt, "CREATE "+kind+" "); ok {
				stmt = "CREATE " + kind + " IF NOT EXISTS " + rest
			}
		}
		if _, err := x.tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("build deferred index %s: %w", d.name, err)
		}
		if _, err := x.tx.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, d.name); err != nil {
			return fmt.Errorf("build deferred index %s: %w", d.name, err)
		}
		if slices.Contains(countTriggers, d.name) {
			counts = true
			continue
		}
		x.s.log.Info("sqlite: deferred index built", "index", d.name, "lock", x.lockKey, "duration", time.Since(start).Round(time.Millisecond))
	}
	if counts {
		// The triggers are back (the same transaction: no finding was
		// written in between), and findings_qid is built: count afresh.
		start := time.Now()
		for _, q := range countFindings {
			if _, err := x.tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("count the findings: %w", err)
			}
		}
		x.s.log.Info("sqlite: finding counts rebuilt", "lock", x.lockKey, "duration", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
