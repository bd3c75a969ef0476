package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/store"
)

// deferrable names the secondary indexes a first load builds near or at
// the end of its run instead of row by row, by the table they index.
// Their keys (the software of an install, the QID of a finding) come in
// random order, so each transaction of a load touches pages all over
// them: in a first sync
// of 10,000 CSAM assets the software index made half of the 6.5 GB written
// to disk (WAL and checkpoints) and a third of the wall time, for an index
// that CREATE INDEX builds in about a second from the finished table.
// Indexes whose keys grow with the load (asset and record ids, run ids)
// cost little and stay.
var deferrable = map[string][]string{
	"installed_software": {"installed_software_software"},
	"findings":           {"findings_qid"},
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
	for _, name := range deferrable[table] {
		var def string
		err := x.tx.QueryRowContext(x.ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`, name).Scan(&def)
		if errors.Is(err, sql.ErrNoRows) {
			continue // already deferred (or dropped by hand)
		}
		if err != nil {
			return fmt.Errorf("read index %s: %w", name, err)
		}
		if _, err := x.tx.ExecContext(x.ctx, `INSERT INTO deferred_indexes (name, lock_key, run_id, sql, deferred_at) VALUES (?, ?, ?, ?, ?)`,
			name, x.lockKey, runID, def, ts(time.Now())); err != nil {
			return fmt.Errorf("record deferred index %s: %w", name, err)
		}
		if _, err := x.tx.ExecContext(x.ctx, `DROP INDEX `+name); err != nil {
			return fmt.Errorf("defer index %s: %w", name, err)
		}
		x.s.log.Debug("sqlite: index deferred to near the end of the run (first load)", "index", name, "table", table, "lock", x.lockKey)
	}
	return nil
}

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
	rows, err := x.tx.QueryContext(ctx, `SELECT name, sql FROM deferred_indexes WHERE lock_key = ? ORDER BY name`, x.lockKey)
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
	for _, d := range defs {
		start := time.Now()
		stmt := d.sql
		if rest, ok := strings.CutPrefix(stmt, "CREATE INDEX "); ok {
			stmt = "CREATE INDEX IF NOT EXISTS " + rest
		}
		if _, err := x.tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("build deferred index %s: %w", d.name, err)
		}
		if _, err := x.tx.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, d.name); err != nil {
			return fmt.Errorf("build deferred index %s: %w", d.name, err)
		}
		x.s.log.Info("sqlite: deferred index built", "index", d.name, "lock", x.lockKey, "duration", time.Since(start).Round(time.Millisecond))
	}
	return nil
}
