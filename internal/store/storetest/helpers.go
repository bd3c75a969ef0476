package storetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// subscription is the subscription every run of the suite writes.
const subscription = "default"

// sourceName is the sync.Source name of a model source (csam, vmdr, kb).
func sourceName(kind model.Source) string { return strings.ToLower(string(kind)) }

// engine returns the sync engine of one run of src through kind's
// out-of-box transform map into st; batch 0 is the engine's default size.
func engine(t *testing.T, st store.Store, kind model.Source, src sync.Source, mode sync.Mode, batch int) *sync.Engine {
	t.Helper()
	data, err := transform.Default(kind)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := transform.Load(data, "default", model.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sync.New(sync.Options{Source: src, Store: load.New(st, nil), Transformer: tm,
		MapName: tm.Map().Name, MapHash: tm.Hash(), Mode: mode, BatchSize: batch})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// runSource runs src once and returns the run and the engine's error.
func runSource(t *testing.T, st store.Store, kind model.Source, src sync.Source, mode sync.Mode, batch int) (*sync.Run, error) {
	t.Helper()
	return engine(t, st, kind, src, mode, batch).Run(t.Context())
}

// mustRun runs src once and fails the test when the run fails.
func mustRun(t *testing.T, st store.Store, kind model.Source, src sync.Source, mode sync.Mode, batch int) *sync.Run {
	t.Helper()
	r, err := runSource(t, st, kind, src, mode, batch)
	if err != nil {
		t.Fatalf("%s run: %v", kind, err)
	}
	return r
}

// runDocs runs docs of kind once, in one partition.
func runDocs(t *testing.T, st store.Store, kind model.Source, mode sync.Mode, docs ...string) *sync.Run {
	t.Helper()
	return mustRun(t, st, kind, docsSource(sourceName(kind), docs...), mode, 0)
}

// errView ends a read-only transaction of view.
var errView = errors.New("read-only view: rolled back")

// view runs fn in a transaction that is rolled back: fn reads through the
// lookups of store.Tx.
func view(t *testing.T, st store.Store, fn func(tx store.Tx) error) {
	t.Helper()
	err := st.Update(t.Context(), store.Lock{}, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errView
	})
	if !errors.Is(err, errView) {
		t.Fatalf("view: %v", err)
	}
}

// records returns the stored records of a source among native keys.
func records(t *testing.T, st store.Store, kind model.Source, keys ...string) map[string]store.RecordState {
	t.Helper()
	var out map[string]store.RecordState
	view(t, st, func(tx store.Tx) error {
		var err error
		out, err = tx.Records(t.Context(), string(kind), subscription, keys)
		return err
	})
	return out
}

// assetOf returns the asset of a stored record.
func assetOf(t *testing.T, st store.Store, kind model.Source, key string) int64 {
	t.Helper()
	r, ok := records(t, st, kind, key)[key]
	if !ok {
		t.Fatalf("no %s record %s", kind, key)
	}
	return r.AssetID
}

// findingStates returns the findings of VMDR host records as
// "nativeKey:findingKey" → "state:status".
func findingStates(t *testing.T, st store.Store, hosts ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	view(t, st, func(tx store.Tx) error {
		recs, err := tx.Records(t.Context(), string(model.SourceVMDR), subscription, hosts)
		if err != nil {
			return err
		}
		keyOf := map[int64]string{}
		var rids []int64
		for k, r := range recs {
			keyOf[r.ID] = k
			rids = append(rids, r.ID)
		}
		fs, err := tx.Findings(t.Context(), rids)
		if err != nil {
			return err
		}
		for rid, list := range fs {
			for _, f := range list {
				out[keyOf[rid]+":"+f.Key] = f.State + ":" + f.Status
			}
		}
		return nil
	})
	return out
}

// tableCounts returns st.TableCounts.
func tableCounts(t *testing.T, st store.Store) map[string]int64 {
	t.Helper()
	n, err := st.TableCounts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// totals returns st.Totals.
func totals(t *testing.T, st store.Store) store.Totals {
	t.Helper()
	n, err := st.Totals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// row is one row of DumpTable by column name.
type row map[string]any

// dump returns the rows of a table, through DumpTable.
func dump(t *testing.T, st store.Store, table string) []row {
	t.Helper()
	var out []row
	err := st.DumpTable(t.Context(), table, func(cols []string, vals []any) error {
		r := make(row, len(cols))
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	return out
}

// where returns the rows whose column col has the text value v.
func where(rows []row, col, v string) []row {
	var out []row
	for _, r := range rows {
		if text(r[col]) == v {
			out = append(out, r)
		}
	}
	return out
}

// text is a dumped value as text: strings and bytes as they are, numbers
// in decimal, booleans as 0/1 (as SQLite keeps them), nil as "".
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	}
	return fmt.Sprint(v)
}

// jsonOf decodes a dumped JSON value (nil: none).
func jsonOf(t *testing.T, v any) any {
	t.Helper()
	s := text(v)
	if s == "" {
		return nil
	}
	var x any
	if err := json.Unmarshal([]byte(s), &x); err != nil {
		t.Fatalf("JSON value %q: %v", s, err)
	}
	return x
}

// distinct returns the distinct text values of a column, sorted.
func distinct(rows []row, col string) []string {
	seen := map[string]bool{}
	for _, r := range rows {
		seen[text(r[col])] = true
	}
	return slices.Sorted(maps.Keys(seen))
}

// feedEntry is a change as the scenarios compare them.
type feedEntry struct {
	kind     string
	host     string // the native key of the record involved
	qid      int64
	old, new string
}

// feed returns the changes of a run, sorted, and checks that the counts
// add up to them.
func feed(t *testing.T, st store.Store, run int64) []feedEntry {
	t.Helper()
	f, err := st.Changes(t.Context(), store.ChangeFilter{RunIDs: []int64{run}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range f.Counts {
		n += c
	}
	if int(n) != len(f.Changes) {
		t.Errorf("run %d: counts %v sum to %d, %d entries", run, f.Counts, n, len(f.Changes))
	}
	out := []feedEntry{}
	for _, c := range f.Changes {
		out = append(out, feedEntry{c.Kind, c.NativeKey, c.QID, c.Old, c.New})
	}
	slices.SortFunc(out, func(a, b feedEntry) int { return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return out
}

// changeCounts returns the change counts of runs by kind (all runs when
// none is given).
func changeCounts(t *testing.T, st store.Store, runs ...int64) map[string]int64 {
	t.Helper()
	f, err := st.Changes(t.Context(), store.ChangeFilter{RunIDs: runs, Limit: -1})
	if err != nil {
		t.Fatal(err)
	}
	return f.Counts
}

// without returns m without keys.
func without(m map[string]int64, keys ...string) map[string]int64 {
	out := maps.Clone(m)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}
