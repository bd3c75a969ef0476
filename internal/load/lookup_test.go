package load_test

import (
	"context"
	"fmt"
	"path/filepath"
	gosync "sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// lookupCounts are identification's lookups through store.Tx.
type lookupCounts struct {
	assetsWith, carriers     int
	batched, batchedAnswered int
}

// counter counts lookups from the transactions of a sync.
type counter struct {
	mu gosync.Mutex
	n  lookupCounts
}

// countingStore is a real store whose transactions count the lookups,
// and say they are remote (each call a round trip) when remote is set.
type countingStore struct {
	store.Store
	c      *counter
	remote bool
}

func (s countingStore) Update(ctx context.Context, lock store.Lock, fn func(store.Tx) error) error {
	return s.Store.Update(ctx, lock, func(tx store.Tx) error { return fn(countingTx{tx, s.c, s.remote}) })
}

type countingTx struct {
	store.Tx
	c      *counter
	remote bool
}

func (t countingTx) Remote() bool { return t.remote }

func (t countingTx) AssetsWith(ctx context.Context, attribute, value string) ([]int64, error) {
	t.c.mu.Lock()
	t.c.n.assetsWith++
	t.c.mu.Unlock()
	return t.Tx.AssetsWith(ctx, attribute, value)
}

func (t countingTx) Carriers(ctx context.Context, subscription, attribute, value string, limit int) (map[string][]string, error) {
	t.c.mu.Lock()
	t.c.n.carriers++
	t.c.mu.Unlock()
	return t.Tx.Carriers(ctx, subscription, attribute, value, limit)
}

func (t countingTx) LookupIdentifiers(ctx context.Context, q store.IdentifierLookup) (store.IdentifierAnswers, error) {
	t.c.mu.Lock()
	t.c.n.batched++
	t.c.n.batchedAnswered += len(q.Assets) + len(q.Carriers)
	t.c.mu.Unlock()
	return t.Tx.LookupIdentifiers(ctx, q)
}

// docs is a sync.Source of CSAM documents in one partition.
type docs []string

func (d docs) Name() string                                    { return "csam" }
func (d docs) Calls() int64                                    { return 0 }
func (d docs) Total(context.Context, time.Time) (int64, error) { return int64(len(d)), nil }
func (d docs) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	return []sync.Partition{{ID: "all"}}, nil
}
func (d docs) Extract(_ context.Context, _ time.Time, _ []sync.Partition, emit func(sync.Record) error) error {
	for i, raw := range d {
		if err := emit(sync.Record{Partition: "all", Position: fmt.Sprint(i), Key: fmt.Sprint(i), Raw: []byte(raw)}); err != nil {
			return err
		}
	}
	return emit(sync.Record{Partition: "all", PartitionDone: true})
}

// csamMap returns the out-of-box CSAM transform map, compiled.
func csamMap(t *testing.T) *transform.Compiled {
	t.Helper()
	data, err := transform.Default(model.SourceCSAM)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := transform.Load(data, "default", model.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func csamAsset(id int, serial, fqdn string) string {
	return fmt.Sprintf(`{"assetId":%d,"assetName":"a%d","biosSerialNumber":%q,"dnsName":%q}`, id, id, serial, fqdn)
}

// Identification fetches the lookups of a record at once from a store
// whose calls are round trips: one LookupIdentifiers for a new record, two
// for a changed one (its identifiers are saved between its junk check and
// its match), and no lookup one by one. From a store in process it asks
// them one by one, as before. Either way the decisions are the same (the
// store contract checks them in storetest): a record joins one written
// earlier in its batch, and a changed record merges the asset it now links.
func TestIdentificationLooksUpEachRecordAtOnce(t *testing.T) {
	for _, remote := range []bool{true, false} {
		t.Run(fmt.Sprintf("remote=%v", remote), func(t *testing.T) { testLookups(t, remote) })
	}
}

func testLookups(t *testing.T, remote bool) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "q.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tm := csamMap(t)
	run := func(mode sync.Mode, src docs) (*sync.Run, lookupCounts) {
		t.Helper()
		c := &counter{}
		eng, err := sync.New(sync.Options{Source: src, Store: load.New(countingStore{st, c, remote}, nil), Transformer: tm,
			MapName: tm.Map().Name, MapHash: tm.Hash(), Mode: mode})
		if err != nil {
			t.Fatal(err)
		}
		r, err := eng.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r, c.n
	}
	check := func(what string, c lookupCounts, batched int) {
		t.Helper()
		singles := c.assetsWith + c.carriers
		if remote && (c.batched != batched || c.batchedAnswered == 0 || singles != 0) {
			t.Errorf("%s: %d batched lookups (%d identifiers), %d lookups one by one; want %d, some, 0", what, c.batched, c.batchedAnswered, singles, batched)
		}
		if !remote && (c.batched != 0 || singles == 0) {
			t.Errorf("%s in process: %d batched lookups, %d one by one; want 0 and some", what, c.batched, singles)
		}
	}

	// Three new records in one batch; the third shares the second's serial,
	// written earlier in the same batch, and joins its asset.
	first := docs{csamAsset(1, "", "one.corp.example.com"), csamAsset(2, "SN-2", "two.corp.example.com"), csamAsset(3, "SN-2", "")}
	r, c := run(sync.ModeFull, first)
	if r.Counts.New != 3 {
		t.Fatalf("counts %+v, want 3 new records", r.Counts)
	}
	check("new records", c, 3)
	tot, err := st.Totals(ctx)
	if err != nil || tot.Assets != 2 {
		t.Errorf("totals %+v, %v; want 2 assets (records 2 and 3 one machine)", tot, err)
	}

	// Record 1 changes and now shows the FQDN of record 2: two lookups,
	// and the two assets merge.
	second := docs{csamAsset(1, "", "two.corp.example.com"), csamAsset(2, "SN-2", "two.corp.example.com"), csamAsset(3, "SN-2", "")}
	r, c = run(sync.ModeFull, second)
	if r.Counts.Updated != 1 || r.Counts.Unchanged != 2 {
		t.Fatalf("counts %+v, want 1 updated, 2 unchanged", r.Counts)
	}
	check("a changed record", c, 2)
	if tot, err := st.Totals(ctx); err != nil || tot.Assets != 1 {
		t.Errorf("totals %+v, %v; want 1 asset after the FQDN linked them", tot, err)
	}
}
