package sqlite

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// indexSQL returns the definitions of the named indexes or triggers ("" for
// a missing one).
func indexSQL(t *testing.T, db *sql.DB, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		var def string
		err := db.QueryRowContext(t.Context(), `SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND name = ?`, n).Scan(&def)
		if err != nil && err != sql.ErrNoRows {
			t.Fatal(err)
		}
		out[n] = def
	}
	return out
}

// loadRun starts a run under lock and writes 2×n records with installs and
// findings in two transactions; the run is left open.
func loadRun(t *testing.T, st *Store, lock store.Lock, n int) *sync.Run {
	t.Helper()
	ctx := t.Context()
	run := &sync.Run{Source: lock.Source, Subscription: lock.Subscription, Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: loadAt}
	if err := st.Update(ctx, lock, func(tx store.Tx) error { return tx.InsertRun(ctx, run) }); err != nil {
		t.Fatal(err)
	}
	for b := range 2 { // two transactions: the second finds the table filled
		loadBatch(t, st, lock, run, b, n)
	}
	return run
}

var loadAt = time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)

// loadBatch writes n records with installs and findings for run in one
// transaction; b numbers the batch within the run.
func loadBatch(t *testing.T, st *Store, lock store.Lock, run *sync.Run, b, n int) {
	t.Helper()
	ctx, at := t.Context(), loadAt
	err := st.Update(ctx, lock, func(tx store.Tx) error {
		ws := &store.WriteSet{RunID: run.ID, Source: lock.Source, Subscription: lock.Subscription, At: at}
		for i := range n {
			key := fmt.Sprintf("%s-%d-%d-%d", lock.Subscription, run.ID, b, i)
			asset, err := tx.InsertAsset(ctx, store.AssetSummary{Name: key}, at)
			if err != nil {
				return err
			}
			rec, err := tx.InsertRecord(ctx, store.NewRecord{AssetID: asset, Source: "VMDR", Subscription: lock.Subscription, NativeKey: key, RunID: run.ID, At: at})
			if err != nil {
				return err
			}
			ws.Records = append(ws.Records, store.RecordContent{RecordID: rec, Hash: "h", Attributes: "{}", SoftwareInstalls: 3, Findings: 3,
				Installs: []store.Install{
					{Name: "openssl", Version: fmt.Sprint(i % 3), Publisher: "x", SoftwareAttributes: "{}", InstallPath: "/usr", Attributes: "{}"},
					{Name: "bash", Version: "5", Publisher: "x", SoftwareAttributes: "{}", InstallPath: "/bin", Attributes: "{}"},
					{Name: "zlib", Version: fmt.Sprint(i), Publisher: "x", SoftwareAttributes: "{}", InstallPath: "/lib", Attributes: "{}"},
				},
				Items: []store.Item{
					{Table: "tags", Ordinal: 0, Values: []any{int64(i % 4), fmt.Sprint("tag-", i%4), nil}, Attributes: "{}"},
					{Table: "open_ports", Ordinal: 0, Values: []any{int64(22 + i%3), "tcp"}, Attributes: "{}"},
					{Table: "network_interfaces", Ordinal: 0, Values: []any{"eth0", fmt.Sprintf("00:00:00:00:%02x:%02x", b, i%256), fmt.Sprintf("10.%d.0.%d", b, i%256), nil}, Attributes: "{}"},
				}})
			for q := range 3 {
				vals := make([]any, len(store.FindingColumns))
				vals[len(store.FindingColumns)-len(store.EnrichColumns)-2] = "{}" // attributes
				vals[len(store.FindingColumns)-len(store.EnrichColumns)-1] = "h"  // hash
				vals[len(store.FindingColumns)-1] = 0                             // qds_derived
				vals[1], vals[3] = "Confirmed", "Active"                          // type, status
				ws.Findings = append(ws.Findings, store.FindingWrite{RecordID: rec, Key: fmt.Sprint(q), QID: int64(1000 - q*7 - i), Values: vals})
			}
		}
		return tx.Apply(ctx, ws)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func endRun(t *testing.T, st *Store, lock store.Lock, run *sync.Run) {
	t.Helper()
	run.State, run.FinishedAt = sync.StateProcessed, time.Now()
	if err := st.Update(t.Context(), lock, func(tx store.Tx) error { return tx.EndRun(t.Context(), run, 0) }); err != nil {
		t.Fatal(err)
	}
}

// deferredNames are the indexes and triggers a first load defers (loadRun
// writes into every table that has them).
var deferredNames = func() []string {
	var out []string
	for _, objs := range deferrable {
		for _, o := range objs {
			out = append(out, o.name)
		}
	}
	slices.Sort(out)
	return out
}()

// summary reads what the summary of every sync prints.
func summary(t *testing.T, st *Store) string {
	t.Helper()
	ctx := t.Context()
	var out []any
	for _, read := range []func() (any, error){
		func() (any, error) { return st.TopQIDs(ctx, 5) },
		func() (any, error) { return st.TopSoftware(ctx, 5) },
		func() (any, error) { return st.Totals(ctx) },
		func() (any, error) { return st.FindingTotals(ctx) },
	} {
		v, err := read()
		if err != nil {
			t.Fatalf("summary read: %v", err)
		}
		out = append(out, v)
	}
	return fmt.Sprint(out...)
}

// A first load into empty tables drops the indexes whose keys come in
// random order and builds them, as the migrations define them, when its run
// ends; a load into filled tables keeps them.
func TestFirstLoadBuildsRandomOrderIndexesAtRunEnd(t *testing.T) {
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "defer.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := indexSQL(t, st.r, deferredNames...)
	for n, def := range want {
		if def == "" {
			t.Fatalf("index %s missing from a new database", n)
		}
	}
	lock := store.Lock{Source: "vmdr", Subscription: "default"}
	run := loadRun(t, st, lock, 20)
	for n, def := range indexSQL(t, st.r, deferredNames...) {
		if def != "" {
			t.Errorf("index %s kept during a first load: its pages are rewritten by every transaction", n)
		}
	}
	var pending int
	if err := st.r.QueryRowContext(ctx, `SELECT count(*) FROM deferred_indexes WHERE lock_key IN ('vmdr/default', 'vmdr/default#triggers') AND run_id = ?`, run.ID).Scan(&pending); err != nil || pending != len(deferredNames) {
		t.Errorf("%d deferred indexes recorded for the run, %v; want %d", pending, err, len(deferredNames))
	}
	// The summary's reads answer meanwhile (from the tables), and the same
	// as once the indexes are back.
	during := summary(t, st)
	// Another source's run does not build them under the load's feet.
	other := store.Lock{Source: "kb", Subscription: "default"}
	endRun(t, st, other, loadRun(t, st, other, 0))
	if got := indexSQL(t, st.r, "findings_qid")["findings_qid"]; got != "" {
		t.Errorf("findings_qid built by the end of another lock's run")
	}
	endRun(t, st, lock, run)
	if got := indexSQL(t, st.r, deferredNames...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("indexes after the run:\n%v\nwant the migrations':\n%v", got, want)
	}
	if err := st.r.QueryRowContext(ctx, `SELECT count(*) FROM deferred_indexes`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d deferred indexes left, %v", pending, err)
	}
	if after := summary(t, st); after != during || !strings.Contains(after, "{981 6}") {
		t.Errorf("summary while the indexes were deferred:\n%s\nafter:\n%s", during, after)
	}
	// The index holds every row written while it was missing.
	var viaIndex, all int
	if err := st.r.QueryRowContext(ctx, `SELECT count(*) FROM findings INDEXED BY findings_qid WHERE qid > 0`).Scan(&viaIndex); err != nil {
		t.Fatal(err)
	}
	if err := st.r.QueryRowContext(ctx, `SELECT count(*) FROM findings`).Scan(&all); err != nil {
		t.Fatal(err)
	}
	if viaIndex != all || all != 2*20*3 {
		t.Errorf("findings_qid holds %d of %d findings, want %d", viaIndex, all, 2*20*3)
	}

	// A second load (the tables hold rows) keeps the indexes.
	run2 := loadRun(t, st, lock, 5)
	if got := indexSQL(t, st.r, deferredNames...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("indexes during a load into filled tables: %v", got)
	}
	endRun(t, st, lock, run2)
}

// BuildDeferredIndexes builds the indexes a run deferred while the run goes
// on (the engine calls it near the end of a first load, while it waits for
// the last downloads): those of that run's lock only, as the migrations
// define them. The run's later batches keep them up to date, and its end
// has nothing left to build.
func TestDeferredIndexesBuiltBeforeRunEnds(t *testing.T) {
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "early.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := indexSQL(t, st.r, deferredNames...)
	lock := store.Lock{Source: "vmdr", Subscription: "default"}
	run := loadRun(t, st, lock, 20)
	if err := st.BuildDeferredIndexes(ctx, store.Lock{Source: "csam", Subscription: "default"}); err != nil {
		t.Fatal(err)
	}
	for n, def := range indexSQL(t, st.r, deferredNames...) {
		if def != "" {
			t.Errorf("index %s built for another lock's run", n)
		}
	}
	if err := st.BuildDeferredIndexes(ctx, lock); err != nil {
		t.Fatal(err)
	}
	if got := indexSQL(t, st.r, deferredNames...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("indexes once built during the run:\n%v\nwant the migrations':\n%v", got, want)
	}
	loadBatch(t, st, lock, run, 2, 10) // the run goes on
	if got := indexSQL(t, st.r, deferredNames...); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("indexes after the run's next batch: %v", got)
	}
	endRun(t, st, lock, run)
	var pending int
	if err := st.r.QueryRowContext(ctx, `SELECT count(*) FROM deferred_indexes`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("%d deferred indexes left, %v", pending, err)
	}
	for _, q := range []string{
		`SELECT (SELECT count(*) FROM findings INDEXED BY findings_qid WHERE qid > 0) = (SELECT count(*) FROM findings)`,
		`SELECT (SELECT count(*) FROM installed_software INDEXED BY installed_software_software WHERE software_id > 0) = (SELECT count(*) FROM installed_software)`,
		`SELECT (SELECT count(*) FROM tags INDEXED BY tags_name WHERE name > '') = (SELECT count(*) FROM tags)`,
		`SELECT (SELECT count(*) FROM open_ports INDEXED BY open_ports_port WHERE port > 0) = (SELECT count(*) FROM open_ports)`,
		`SELECT (SELECT count(*) FROM network_interfaces INDEXED BY network_interfaces_ipv4 WHERE ipv4 > '') = (SELECT count(*) FROM network_interfaces)`,
		`SELECT (SELECT count(*) FROM network_interfaces INDEXED BY network_interfaces_mac WHERE mac_address > '') = (SELECT count(*) FROM network_interfaces)`,
		`SELECT (SELECT count(*) FROM findings) = 50*3 AND (SELECT count(*) FROM tags) = 50`,
	} {
		var ok bool
		if err := st.r.QueryRowContext(ctx, q).Scan(&ok); err != nil || !ok {
			t.Errorf("%s: %v, %v", q, ok, err)
		}
	}
	checkCounts(t, st, "after the batch that followed the early build")
}

// A load killed before its run ended leaves its indexes missing; the next
// run under the same lock (resumed or new) builds them before it writes.
func TestKilledFirstLoadIndexesBuiltByNextRun(t *testing.T) {
	for _, resume := range []bool{true, false} {
		t.Run(fmt.Sprintf("resume=%v", resume), func(t *testing.T) {
			ctx := t.Context()
			path := filepath.Join(t.TempDir(), "killed.db")
			st, err := Open(ctx, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := indexSQL(t, st.r, deferredNames...)
			lock := store.Lock{Source: "csam", Subscription: "default"}
			run := loadRun(t, st, lock, 10)
			if err := st.Close(); err != nil { // the process dies: no EndRun
				t.Fatal(err)
			}
			st, err = Open(ctx, path, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if got := indexSQL(t, st.r, "installed_software_software")["installed_software_software"]; got != "" {
				t.Fatalf("index back before any run started: %q", got)
			}
			err = st.Update(ctx, lock, func(tx store.Tx) error {
				if resume {
					return tx.ResumeRun(ctx, run)
				}
				return tx.InsertRun(ctx, &sync.Run{Source: "csam", Subscription: "default", Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: time.Now()})
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := indexSQL(t, st.r, deferredNames...); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("indexes after the next run started: %v, want %v", got, want)
			}
			checkCounts(t, st, "after the next run started")
		})
	}
}
