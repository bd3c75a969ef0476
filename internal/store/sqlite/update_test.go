package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// The update of a finding leaves the indexed columns out of its first
// statement, and the second one names them all: the split must follow the
// indexes the migrations create.
func TestFindingUpdateSplitFollowsTheIndexes(t *testing.T) {
	st := openTest(t, "split.db")
	indexed := map[string]bool{}
	for _, n := range dbColumn[string](t, st.r, `SELECT name FROM pragma_index_list('findings')`) {
		for _, c := range dbColumn[string](t, st.r, `SELECT name FROM pragma_index_info(?) WHERE name IS NOT NULL`, n) {
			indexed[c] = true
		}
	}
	if !indexed["finding_key"] || !indexed["status"] {
		t.Fatalf("indexed columns of findings %v: the query read no index", indexed)
	}
	var keyed []string
	for i, c := range store.FindingColumns {
		if indexed[c] != slices.Contains(findingKeyed, i) {
			t.Errorf("column %s: indexed %v, in the conditional statement %v", c, indexed[c], slices.Contains(findingKeyed, i))
		}
		if indexed[c] {
			keyed = append(keyed, c)
		}
	}
	if len(findingPlain)+len(findingKeyed) != len(store.FindingColumns) {
		t.Errorf("%d + %d columns written of %d", len(findingPlain), len(findingKeyed), len(store.FindingColumns))
	}
	t.Logf("indexed columns a finding update sets: %v", keyed)
}

// A rescanned finding whose indexed values did not change is rewritten
// without touching its index entries; one whose status changed gets them
// rewritten, and every index still matches the table.
func TestFindingUpdateWritesIndexedColumnsOnlyWhenChanged(t *testing.T) {
	ctx := t.Context()
	st, lock, _ := loadedTest(t, "update.db", 4)

	// The writer has one connection: a temporary trigger on it sees every
	// statement that sets status, whatever its value.
	exec := func(stx store.Tx, q string) {
		t.Helper()
		if _, err := stx.(*tx).tx.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	err := st.Update(ctx, lock, func(stx store.Tx) error {
		exec(stx, `CREATE TEMP TABLE keyed_writes (id INTEGER)`)
		exec(stx, `CREATE TEMP TRIGGER keyed_write AFTER UPDATE OF status ON main.findings BEGIN INSERT INTO keyed_writes VALUES (new.id); END`)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	run := &sync.Run{Source: lock.Source, Subscription: lock.Subscription, Mode: sync.ModeIncremental, State: sync.StateProcessing, StartedAt: loadAt}
	var fixed int64
	err = st.Update(ctx, lock, func(stx store.Tx) error {
		if err := stx.InsertRun(ctx, run); err != nil {
			return err
		}
		ids, err := column[int64](stx.(*tx), `SELECT id FROM asset_records ORDER BY id LIMIT 2`)
		if err != nil {
			return err
		}
		stored, err := stx.Findings(ctx, ids)
		if err != nil {
			return err
		}
		ws := &store.WriteSet{RunID: run.ID, Source: lock.Source, Subscription: lock.Subscription, At: loadAt}
		for rec, fs := range stored {
			for _, f := range fs {
				vals := make([]any, len(store.FindingColumns))
				for i, c := range store.FindingColumns {
					switch c {
					case "attributes":
						vals[i] = `{"rescanned":true}`
					case "hash":
						vals[i] = "h2"
					case "times_found":
						vals[i] = 2
					case "type":
						vals[i] = "Confirmed"
					case "status":
						vals[i] = "Active"
					case "qds_derived":
						vals[i] = 0
					}
				}
				w := store.FindingWrite{ID: f.ID, RecordID: rec, Key: f.Key, Values: vals}
				if fixed == 0 {
					fixed = f.ID
					vals[slices.Index(store.FindingColumns, "status")] = "Fixed"
					w.StatusChanged = true
				}
				ws.Findings = append(ws.Findings, w)
			}
		}
		if len(ws.Findings) < 2 {
			t.Fatalf("%d findings to update", len(ws.Findings))
		}
		return stx.Apply(ctx, ws)
	})
	if err != nil {
		t.Fatal(err)
	}

	writes := dbColumn[int64](t, st.w, `SELECT id FROM temp.keyed_writes`)
	if !slices.Equal(writes, []int64{fixed}) {
		t.Errorf("indexed columns written for findings %v, want only the one whose status changed (%d)", writes, fixed)
	}
	var rescanned, fixedNow, statusRun int64
	if err := st.r.QueryRowContext(ctx, `SELECT count(*) FROM findings WHERE hash = 'h2' AND times_found = 2 AND attributes = '{"rescanned":true}' AND last_run_id = ?`, run.ID).Scan(&rescanned); err != nil {
		t.Fatal(err)
	}
	if rescanned != 6 {
		t.Errorf("%d findings rewritten by the run, want 6", rescanned)
	}
	if err := st.r.QueryRowContext(ctx, `SELECT count(*), max(status_run_id) FROM findings INDEXED BY findings_status WHERE status = 'Fixed'`).Scan(&fixedNow, &statusRun); err != nil {
		t.Fatal(err)
	}
	if fixedNow != 1 || statusRun != run.ID {
		t.Errorf("the status index holds %d Fixed findings (status run %d), want 1 (%d)", fixedNow, statusRun, run.ID)
	}
	checkIntegrity(t, st)
}

// checkIntegrity fails the test unless SQLite finds every index matching
// its table.
func checkIntegrity(t *testing.T, st *Store) {
	t.Helper()
	msgs := dbColumn[string](t, st.r, `PRAGMA integrity_check`)
	if !slices.Equal(msgs, []string{"ok"}) {
		t.Errorf("integrity check: %q", msgs)
	}
}

// openTest opens a new database file of the test's, closed when it ends.
func openTest(t *testing.T, name string) *Store {
	t.Helper()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), name), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// loadedTest opens a new database with a finished first load of 2×n VMDR
// records (loadRun), and returns it with the load's lock and run.
func loadedTest(t *testing.T, name string, n int) (*Store, store.Lock, *sync.Run) {
	t.Helper()
	st := openTest(t, name)
	lock := store.Lock{Source: "vmdr", Subscription: "default"}
	run := loadRun(t, st, lock, n)
	endRun(t, st, lock, run)
	return st, lock, run
}

// dbColumn reads the first column of q's rows.
func dbColumn[T any](t *testing.T, db querier, q string, a ...any) []T {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), q, a...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Whether a finding's indexed values changed is SQLite's own comparison
// (IS, with the column's affinity): each kind of value a transform gives,
// written over the one before, is stored as the same value, of the same
// type, as when bound to an UPDATE of that column alone.
func TestFindingUpdateStoresIndexedValuesAsBound(t *testing.T) {
	ctx := t.Context()
	st, lock, first := loadedTest(t, "values.db", 2)
	stored := dbColumn[int64](t, st.r, `SELECT id FROM findings ORDER BY id LIMIT 2`)
	updated, control := stored[0], stored[1]
	var rec int64
	var key string
	if err := st.r.QueryRowContext(ctx, `SELECT record_id, finding_key FROM findings WHERE id = ?`, updated).Scan(&rec, &key); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		column string
		value  any
	}{
		{"severity", int64(5)}, {"severity", 4}, {"severity", nil}, {"severity", 4.0}, {"severity", 4.5}, {"severity", "4"},
		{"status", "Fixed"}, {"status", nil}, {"status", "Re-Opened \u00e9"}, {"status", "bad \xff"}, {"status", 7}, {"status", 7.0},
		{"type", "Potential"}, {"type", ""}, {"is_ignored", true}, {"is_ignored", false}, {"is_disabled", int64(1)},
		{"risk_qds", int64(90)}, {"risk_qds", 95.0}, {"risk_qds", nil}, {"risk_qds", int64(1) << 60},
	} {
		err := st.Update(ctx, lock, func(stx store.Tx) error {
			vals := make([]any, len(store.FindingColumns))
			for i, col := range store.FindingColumns {
				switch col {
				case "attributes":
					vals[i] = "{}"
				case "hash":
					vals[i] = fmt.Sprint(c)
				case "qds_derived":
					vals[i] = 0
				case c.column:
					vals[i] = c.value
				}
			}
			ws := &store.WriteSet{RunID: first.ID, Source: lock.Source, Subscription: lock.Subscription, At: loadAt,
				Findings: []store.FindingWrite{{ID: updated, RecordID: rec, Key: key, Values: vals}}}
			if err := stx.Apply(ctx, ws); err != nil {
				return err
			}
			_, err := stx.(*tx).tx.ExecContext(ctx, `UPDATE findings SET `+c.column+` = ? WHERE id = ?`, arg(c.value), control)
			return err
		})
		if err != nil {
			t.Fatalf("%s = %T(%v): %v", c.column, c.value, c.value, err)
		}
		got := dbColumn[string](t, st.r, `SELECT typeof(`+c.column+`) || ' ' || quote(`+c.column+`) FROM findings WHERE id IN (?, ?) ORDER BY id = ?`, updated, control, control)
		if len(got) != 2 || got[0] != got[1] {
			t.Errorf("%s = %T(%v): stored (written, bound) %q", c.column, c.value, c.value, got)
		}
	}
	checkIntegrity(t, st)
}
