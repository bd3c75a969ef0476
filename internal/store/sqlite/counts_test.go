package sqlite

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// countsQueries read each count table's non-empty groups, and the same
// groups counted from findings directly.
var countsQueries = []struct{ table, kept, direct string }{
	{"finding_counts", `SELECT k || '=' || n FROM finding_counts WHERE n <> 0 ORDER BY k`,
		`SELECT quote(status) || ',' || quote(type) || ',' || quote(severity) || ',' || quote(is_ignored) || ',' || quote(is_disabled) || ',' || quote(state) || '=' || count(*)
		FROM findings GROUP BY status, type, severity, is_ignored, is_disabled, state ORDER BY 1`},
	{"finding_qid_counts", `SELECT k || '=' || n FROM finding_qid_counts WHERE n <> 0 ORDER BY k`,
		`SELECT quote(qid) || ',' || quote(state) || ',' || quote(status) || ',' || quote(type) || '=' || count(*)
		FROM findings GROUP BY qid, state, status, type ORDER BY 1`},
}

// checkCounts fails the test unless the count tables hold what findings
// holds, and no group has gone below zero.
func checkCounts(t *testing.T, st *Store, when string) {
	t.Helper()
	for _, q := range countsQueries {
		kept, direct := dbColumn[string](t, st.r, q.kept), dbColumn[string](t, st.r, q.direct)
		if !slices.Equal(kept, direct) {
			t.Errorf("%s: %s holds\n%s\nfindings hold\n%s", when, q.table, strings.Join(kept, "\n"), strings.Join(direct, "\n"))
		}
		if neg := dbColumn[string](t, st.r, `SELECT k FROM `+q.table+` WHERE n < 0`); len(neg) > 0 {
			t.Errorf("%s: %s has groups below zero: %q", when, q.table, neg)
		}
	}
}

// The finding counts follow every way findings are written: a first load
// (counted when it ends), inserts into a filled table, updates of status
// and state, findings no longer reported, hosts a full run did not see,
// and rows deleted with their record. The summary reads them.
func TestFindingCountsFollowEveryWrite(t *testing.T) {
	ctx := t.Context()
	st := openTest(t, "counts.db")
	lock := store.Lock{Source: "vmdr", Subscription: "default"}
	first := loadRun(t, st, lock, 10)
	if n := dbColumn[int64](t, st.r, `SELECT count(*) FROM finding_counts`)[0]; n != 0 {
		t.Errorf("a first load counted %d groups row by row: its triggers should wait for its end", n)
	}
	endRun(t, st, lock, first)
	checkCounts(t, st, "after a first load")

	second := loadRun(t, st, lock, 4)
	checkCounts(t, st, "after inserts into a filled table")

	// A rescan: every finding of two records rewritten, one to Fixed,
	// one to another severity and ignored, one to Info without a
	// status; a third record's findings no longer reported.
	err := st.Update(ctx, lock, func(stx store.Tx) error {
		recs, err := column[int64](stx.(*tx), `SELECT id FROM asset_records ORDER BY id LIMIT 3`)
		if err != nil {
			return err
		}
		stored, err := stx.Findings(ctx, recs)
		if err != nil {
			return err
		}
		ws := &store.WriteSet{RunID: second.ID, Source: lock.Source, Subscription: lock.Subscription, At: loadAt}
		for _, rec := range recs[:2] {
			for i, f := range stored[rec] {
				vals := make([]any, len(store.FindingColumns))
				for j, c := range store.FindingColumns {
					switch c {
					case "attributes":
						vals[j] = "{}"
					case "hash":
						vals[j] = "h2"
					case "qds_derived":
						vals[j] = 0
					case "type":
						vals[j] = []any{"Confirmed", "Confirmed", "Info"}[i%3]
					case "status":
						vals[j] = []any{"Fixed", "Active", nil}[i%3]
					case "severity":
						vals[j] = 3 + i%2
					case "is_ignored":
						vals[j] = i == 1
					}
				}
				ws.Findings = append(ws.Findings, store.FindingWrite{ID: f.ID, RecordID: rec, Key: f.Key, Values: vals, StatusChanged: true})
			}
		}
		for _, f := range stored[recs[2]] {
			ws.Missing = append(ws.Missing, f.ID)
		}
		return stx.Apply(ctx, ws)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, st, "after a rescan")

	// A full run that saw three records marks the others stale.
	full := &sync.Run{Source: lock.Source, Subscription: lock.Subscription, Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: loadAt}
	err = st.Update(ctx, lock, func(stx store.Tx) error {
		if err := stx.InsertRun(ctx, full); err != nil {
			return err
		}
		seen, err := column[int64](stx.(*tx), `SELECT id FROM asset_records ORDER BY id LIMIT 3`)
		if err != nil {
			return err
		}
		if err := stx.TouchRecords(ctx, full.ID, loadAt, seen); err != nil {
			return err
		}
		_, _, _, err = stx.MarkUnseen(ctx, full)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if stale := dbColumn[int64](t, st.r, `SELECT count(*) FROM findings WHERE state = 'stale'`)[0]; stale == 0 {
		t.Fatal("no finding went stale: the test does not reach the trigger")
	}
	checkCounts(t, st, "after hosts went stale")

	// Findings deleted with their record (a cascade).
	err = st.Update(ctx, lock, func(stx store.Tx) error {
		_, err := stx.(*tx).tx.ExecContext(ctx, `DELETE FROM asset_records WHERE id IN (SELECT id FROM asset_records ORDER BY id DESC LIMIT 3)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, st, "after records were deleted")

	// The summary reads the counts, not the findings.
	top, err := st.TopQIDs(ctx, 5)
	if err != nil || len(top) == 0 {
		t.Fatalf("top QIDs %v, %v", top, err)
	}
	qid, _, _ := strings.Cut(top[0].Name, " ")
	err = st.Update(ctx, lock, func(stx store.Tx) error {
		_, err := stx.(*tx).tx.ExecContext(ctx, `UPDATE finding_counts SET n = n + 1000 WHERE state = 'active' AND status = 'Active'`)
		if err != nil {
			return err
		}
		_, err = stx.(*tx).tx.ExecContext(ctx, `UPDATE finding_qid_counts SET n = 0 WHERE qid = ?`, qid)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	ft, err := st.FindingTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ft.ByStatus["Active"] < 1000 {
		t.Errorf("finding totals %+v not read from finding_counts", ft)
	}
	after, err := st.TopQIDs(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range after {
		if strings.HasPrefix(c.Name, qid+" ") || c.Name == qid {
			t.Errorf("top QIDs %v list QID %s, which finding_qid_counts has on no host", after, qid)
		}
	}
}

// copyTable loads one table of from into to, as qflow copy does.
func copyTable(t *testing.T, from, to *Store, table string) {
	t.Helper()
	var cols []string
	var rows [][]any
	err := from.DumpTable(t.Context(), table, func(c []string, r []any) error {
		cols, rows = c, append(rows, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	if _, err := to.LoadTable(t.Context(), table, cols, func() ([]any, bool, error) {
		if i == len(rows) {
			return nil, false, nil
		}
		i++
		return rows[i-1], true, nil
	}); err != nil {
		t.Fatalf("load %s: %v", table, err)
	}
}

// qflow copy into SQLite loads findings into an empty table as a first
// load does: the QID index and the counts' triggers wait for the last row,
// and the counts are taken then. A copy killed before that leaves them to
// the first run into the database.
func TestCopyCountsFindingsOnceLoaded(t *testing.T) {
	ctx := t.Context()
	from, lock, _ := loadedTest(t, "from.db", 10)
	want := summary(t, from)

	for _, killed := range []bool{false, true} {
		t.Run(fmt.Sprintf("killed=%v", killed), func(t *testing.T) {
			to := openTest(t, "to.db")
			defs := indexSQL(t, to.r, deferredNames...)
			for _, table := range store.Tables {
				if table == "settings" {
					continue // both hold the migrations' own
				}
				if table == "findings" && killed {
					// The load's rows go in; its end never comes.
					err := to.write(ctx, func(x *tx) error { x.lockKey = copyLock; return x.deferIndexes("findings", 0) })
					if err != nil {
						t.Fatal(err)
					}
					err = from.DumpTable(ctx, "findings", func(cols []string, r []any) error {
						return to.write(ctx, func(x *tx) error {
							_, err := x.exec(`INSERT INTO findings (`+strings.Join(cols, ", ")+`) VALUES (`+placeholders(len(cols))+`)`, r...)
							return err
						})
					})
					if err != nil {
						t.Fatal(err)
					}
					continue
				}
				copyTable(t, from, to, table)
			}
			if killed {
				if got := summary(t, to); got != want {
					t.Errorf("summary of the killed copy:\n%s\nwant\n%s", got, want)
				}
				// The next run puts the index and triggers back.
				run := &sync.Run{Source: "vmdr", Subscription: "default", Mode: sync.ModeIncremental, State: sync.StateProcessing, StartedAt: loadAt}
				if err := to.Update(ctx, lock, func(stx store.Tx) error { return stx.InsertRun(ctx, run) }); err != nil {
					t.Fatal(err)
				}
			}
			if got := indexSQL(t, to.r, deferredNames...); fmt.Sprint(got) != fmt.Sprint(defs) {
				t.Errorf("indexes and triggers after the copy:\n%v\nwant\n%v", got, defs)
			}
			if n := dbColumn[int64](t, to.r, `SELECT count(*) FROM deferred_indexes`)[0]; n != 0 {
				t.Errorf("%d deferrals left", n)
			}
			checkCounts(t, to, "after the copy")
			if got := summary(t, to); got != want {
				t.Errorf("summary of the copy:\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// A version of qflow from before the counts, resuming a first load this
// version began, builds what its lock deferred as it stands: it must not
// put the triggers back without counting. They wait for this version's
// next run, which counts; meanwhile the summary counts from the findings.
func TestOlderVersionLeavesTheCountsAlone(t *testing.T) {
	ctx := t.Context()
	st := openTest(t, "mixed.db")
	lock := store.Lock{Source: "vmdr", Subscription: "default"}
	run := loadRun(t, st, lock, 10) // a first load, killed: no EndRun
	// The older version's restore (deferred.go before migration 00011).
	err := st.write(ctx, func(x *tx) error {
		rows, err := x.tx.QueryContext(ctx, `SELECT name, sql FROM deferred_indexes WHERE lock_key = ? ORDER BY name`, "vmdr/default")
		if err != nil {
			return err
		}
		type def struct{ name, sql string }
		var defs []def
		for rows.Next() {
			var d def
			if err := rows.Scan(&d.name, &d.sql); err != nil {
				return err
			}
			defs = append(defs, d)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := x.tx.ExecContext(ctx, strings.Replace(d.sql, "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1)); err != nil {
				return err
			}
			if _, err := x.tx.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, d.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	loadBatch(t, st, lock, run, 2, 5) // the older version's run goes on
	if got := dbColumn[string](t, st.r, `SELECT name FROM sqlite_master WHERE type = 'trigger'`); len(got) != 0 {
		t.Errorf("triggers %v back before this version counted", got)
	}
	want := dbColumn[string](t, st.r, countsQueries[0].direct)
	ft, err := st.FindingTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := dbColumn[int64](t, st.r, `SELECT count(*) FROM findings WHERE state = 'active'`)[0]; ft.Findings != n || len(want) == 0 {
		t.Errorf("finding totals %d, want %d from the findings", ft.Findings, n)
	}
	// This version's next run under the lock puts them back, counted.
	next := &sync.Run{Source: "vmdr", Subscription: "default", Mode: sync.ModeIncremental, State: sync.StateProcessing, StartedAt: loadAt}
	if err := st.Update(ctx, lock, func(stx store.Tx) error { return stx.InsertRun(ctx, next) }); err != nil {
		t.Fatal(err)
	}
	if got := dbColumn[string](t, st.r, `SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`); !slices.Equal(got, slices.Sorted(slices.Values(countTriggers))) {
		t.Errorf("triggers %v after this version's next run, want %v", got, countTriggers)
	}
	checkCounts(t, st, "after this version's next run")
}
