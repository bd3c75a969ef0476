package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/testscale"
)

// Loading the same documents again changes nothing: every record, finding
// and KnowledgeBase entry is unchanged, no row is added (but the run's) and
// the change feed stays quiet.
func testIdempotentUpserts(t *testing.T, st store.Store, _ opener) {
	for _, c := range []struct {
		kind model.Source
		docs []string
	}{
		{model.SourceCSAM, []string{csamDoc(1, "SN-IDEM-1", "one.corp.example.com", "openssl", "curl"), csamDoc(2, "SN-IDEM-2", "", "openssl")}},
		{model.SourceVMDR, []string{host(1, det(100, 22, "Active"), det(101, 443, "Fixed")), host(2, det(100, 22, "New"))}},
		{model.SourceKB, []string{kbMacOS, kbLibfoo}},
	} {
		t.Run(string(c.kind), func(t *testing.T) {
			r1 := runDocs(t, st, c.kind, sync.ModeFull, c.docs...)
			if r1.Counts.New != int64(len(c.docs)) {
				t.Fatalf("first run: %d new, want %d (counts %+v)", r1.Counts.New, len(c.docs), r1.Counts)
			}
			before := tableCounts(t, st)
			cpBefore, err := st.LoadCheckpoint(t.Context(), sourceName(c.kind), subscription)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range []sync.Mode{sync.ModeFull, sync.ModeIncremental} {
				r := runDocs(t, st, c.kind, mode, c.docs...)
				want := sync.Counts{Seen: r1.Counts.Seen, Unchanged: int64(len(c.docs)), SoftwareInstalls: r1.Counts.SoftwareInstalls,
					Findings: sync.FindingCounts{Seen: r1.Counts.Findings.Seen}}
				if diff := cmp.Diff(want, r.Counts); diff != "" {
					t.Errorf("%s run again: counts (-want +got):\n%s", mode, diff)
				}
				if got := feed(t, st, r.ID); len(got) != 0 {
					t.Errorf("%s run again: changes %v, want none", mode, got)
				}
			}
			after := tableCounts(t, st)
			if after["runs"] != before["runs"]+2 {
				t.Errorf("runs %d, want %d", after["runs"], before["runs"]+2)
			}
			if diff := cmp.Diff(without(before, "runs"), without(after, "runs")); diff != "" {
				t.Errorf("rows after loading the same documents again (-before +after):\n%s", diff)
			}
			cp, err := st.LoadCheckpoint(t.Context(), sourceName(c.kind), subscription)
			if err != nil {
				t.Fatal(err)
			}
			if cp.InProgress || !cp.Watermark.After(cpBefore.Watermark) || cp.RunID == cpBefore.RunID {
				t.Errorf("checkpoint after the runs again: %+v (before %+v)", cp, cpBefore)
			}
		})
	}
}

// A record delivered twice in one batch is one record: the second copy
// updates the first.
func testSameRecordTwiceInOneBatch(t *testing.T, st store.Store, _ opener) {
	r := runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, det(100, 22, "Active")), host(1, det(100, 22, "Active"), det(101, 443, "New")), host(1, det(100, 22, "Active"), det(101, 443, "New")))
	if r.Counts.New != 1 || r.Counts.Updated+r.Counts.Unchanged != 2 {
		t.Errorf("counts %+v: want 1 new, the copies updated or unchanged", r.Counts)
	}
	n := tableCounts(t, st)
	if n["assets"] != 1 || n["asset_records"] != 1 || n["findings"] != 2 {
		t.Errorf("assets %d, records %d, findings %d; want 1, 1, 2", n["assets"], n["asset_records"], n["findings"])
	}
	want := []feedEntry{{"asset_new", "1", 0, "", ""}, {"finding_new", "1", 100, "", "Active"}, {"finding_new", "1", 101, "", "New"}}
	if diff := cmp.Diff(want, feed(t, st, r.ID), cmp.AllowUnexported(feedEntry{})); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

// A first run is full; a full run again sees everything unchanged; an
// incremental run marks nothing stale; a full run that no longer sees some
// records marks them stale and their assets removed.
func testFullIncrementalAndStale(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	a, b := csamPartition("a", ids(1, 40)), csamPartition("b", ids(1000, 25))
	src := newSource("csam", a, b, partition{id: "c"})
	r := mustRun(t, st, model.SourceCSAM, src, sync.ModeResume, 7)
	if r.Mode != sync.ModeFull || r.State != sync.StateProcessed {
		t.Fatalf("first run: mode %s state %s, want full Processed", r.Mode, r.State)
	}
	if r.Counts.Seen != 65 || r.Counts.New != 65 || r.Counts.SoftwareInstalls != 65*3 {
		t.Fatalf("first run counts %+v", r.Counts)
	}
	tot := totals(t, st)
	if tot.Assets != 65 || tot.ActiveAssets != 65 || tot.AssetRecords != 65 || tot.SoftwareInstalls != 65*3 || tot.Software != 3 ||
		tot.ActiveRecords["CSAM"] != 65 {
		t.Fatalf("totals after the first run: %+v", tot)
	}
	if r2 := mustRun(t, st, model.SourceCSAM, src, sync.ModeFull, 7); r2.Counts.Unchanged != 65 || r2.Counts.New != 0 || r2.Counts.Updated != 0 {
		t.Fatalf("second run counts %+v", r2.Counts)
	}
	// An incremental run reads only what changed: what it does not see is
	// not stale.
	inc := mustRun(t, st, model.SourceCSAM, newSource("csam", a), sync.ModeIncremental, 7)
	if inc.Mode != sync.ModeIncremental || inc.Counts.Stale != 0 || totals(t, st).ActiveAssets != 65 {
		t.Fatalf("incremental run: mode %s, %d stale, %d active assets; want incremental, 0, 65", inc.Mode, inc.Counts.Stale, totals(t, st).ActiveAssets)
	}
	// A full run that no longer sees partition b marks its records stale,
	// and their assets removed.
	r3 := mustRun(t, st, model.SourceCSAM, newSource("csam", a, partition{id: "c"}), sync.ModeFull, 7)
	if r3.Counts.Stale != 25 {
		t.Fatalf("stale = %d, want 25", r3.Counts.Stale)
	}
	tot = totals(t, st)
	if tot.Assets != 65 || tot.ActiveAssets != 40 || tot.AssetRecords != 65 || tot.ActiveRecords["CSAM"] != 40 {
		t.Errorf("totals after the full run without b: %+v; want 65 assets (40 active), 65 records (40 active)", tot)
	}
	if got := changeCounts(t, st, r3.ID); got[store.ChangeAssetRemoved] != 25 {
		t.Errorf("run 3 changes %v, want 25 asset_removed", got)
	}
	inB := map[string]bool{}
	for _, d := range b.docs {
		inB[d.key] = true
	}
	for _, c := range feed(t, st, r3.ID) {
		if c.kind != store.ChangeAssetRemoved || !inB[c.host] {
			t.Errorf("run 3 change %+v, want asset_removed of a record of partition b", c)
		}
	}
	runs, err := st.Runs(ctx, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var modes []string
	for _, ri := range runs {
		modes = append(modes, ri.Mode+" "+ri.State)
	}
	if diff := cmp.Diff([]string{"full Processed", "full Processed", "incremental Processed", "full Processed"}, modes); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if latest, err := st.LatestRun(ctx); err != nil || latest != r3.ID {
		t.Errorf("LatestRun = %d, %v; want %d", latest, err, r3.ID)
	}
	cp, err := st.LoadCheckpoint(ctx, "csam", subscription)
	if err != nil {
		t.Fatal(err)
	}
	if cp.InProgress || cp.Watermark.IsZero() || cp.RunID != r3.ID || len(cp.Partitions) != 0 || cp.Source != "csam" || cp.Subscription != subscription {
		t.Errorf("checkpoint after a completed run: %+v", cp)
	}
	// Another source has no checkpoint yet: the zero value, named.
	if cp, err := st.LoadCheckpoint(ctx, "vmdr", "other"); err != nil || cp.InProgress || !cp.Watermark.IsZero() || cp.RunID != 0 {
		t.Errorf("missing checkpoint: %+v, %v", cp, err)
	}
}

// The checkpoint is saved with the batch it follows: after a source fails
// mid-run, it names exactly the records committed, and the run resumes
// from there without loss or duplicates.
func testCheckpointCommittedWithItsBatch(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	a, b := csamPartition("a", ids(1, 50)), csamPartition("b", ids(5000, 50))
	src := newSource("csam", a, b)
	src.failAfter = 73
	r, err := runSource(t, st, model.SourceCSAM, src, sync.ModeFull, 7)
	if !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want the injected failure", err)
	}
	if r.State != sync.StateFailed {
		t.Fatalf("state = %s", r.State)
	}
	cp, err := st.LoadCheckpoint(ctx, "csam", subscription)
	if err != nil {
		t.Fatal(err)
	}
	if !cp.InProgress || cp.RunID != r.ID || !cp.Planned || len(cp.Partitions) != 2 {
		t.Fatalf("checkpoint after the failure: %+v", cp)
	}
	pa, pb := cp.Partitions[0], cp.Partitions[1]
	if pa.ID != "a" || !pa.Done || pb.ID != "b" || pb.Done || pb.Position == "" {
		t.Fatalf("partitions after the failure: %+v, want a done and b part-way", cp.Partitions)
	}
	// Exactly the records up to b's position are stored.
	committed := 50
	for _, d := range b.docs {
		committed++
		if d.key == pb.Position {
			break
		}
	}
	if got := totals(t, st).AssetRecords; got != int64(committed) {
		t.Fatalf("%d records stored, the checkpoint says %d (b at %s)", got, committed, pb.Position)
	}
	if runs, err := st.Runs(ctx, []int64{r.ID}, time.Time{}); err != nil || len(runs) != 1 || runs[0].State != sync.StateFailed {
		t.Errorf("stored run: %+v, %v; want Failed", runs, err)
	}

	src.failAfter = 0
	src.resetStarts()
	r2 := mustRun(t, st, model.SourceCSAM, src, sync.ModeResume, 7)
	if !r2.Resumed || r2.ID != r.ID || r2.State != sync.StateProcessed {
		t.Fatalf("resumed run %+v", r2)
	}
	if _, ok := src.start("a"); ok {
		t.Error("the resumed run read partition a again, which was done")
	}
	if got, _ := src.start("b"); got != pb.Position {
		t.Errorf("the resumed run started b at %q, want %q", got, pb.Position)
	}
	n := tableCounts(t, st)
	if n["asset_records"] != 100 || n["assets"] != 100 || n["installed_software"] != 300 || n["software"] != 3 {
		t.Errorf("after the resume: %d records, %d assets, %d installs, %d software; want 100, 100, 300, 3",
			n["asset_records"], n["assets"], n["installed_software"], n["software"])
	}
	if r2.Counts.New != 100 || r2.Counts.Seen != 100 {
		t.Errorf("counts over both attempts %+v, want 100 seen, 100 new", r2.Counts)
	}
	if got := changeCounts(t, st); got[store.ChangeAssetNew] != 100 {
		t.Errorf("changes %v, want 100 asset_new", got)
	}
	cp, err = st.LoadCheckpoint(ctx, "csam", subscription)
	if err != nil {
		t.Fatal(err)
	}
	if cp.InProgress || cp.Watermark.IsZero() || len(cp.Partitions) != 0 {
		t.Errorf("checkpoint after the resumed run completed: %+v", cp)
	}
}

// errCommit is the failure failingStore injects.
var errCommit = errors.New("injected commit failure")

// failingStore is a store whose n-th Update does all its writes and then
// fails, so that the transaction rolls back (a crash at commit).
type failingStore struct {
	store.Store
	mu     gosync.Mutex
	calls  int
	failAt int
}

// Update implements store.Store.
func (f *failingStore) Update(ctx context.Context, lock store.Lock, fn func(store.Tx) error) error {
	f.mu.Lock()
	f.calls++
	fail := f.calls == f.failAt
	f.mu.Unlock()
	if !fail {
		return f.Store.Update(ctx, lock, fn)
	}
	return f.Store.Update(ctx, lock, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errCommit
	})
}

// A batch whose transaction fails leaves nothing behind: not its records,
// rows, changes and run counts, nor its checkpoint. The run fails and
// resumes after the last committed batch.
func testResumeAfterFailedBatch(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	p := csamPartition("a", ids(1, 30))
	src := newSource("csam", p)
	// Updates: 1 starts the run, 2 saves its plan, 3 writes the first batch
	// of ten, 4 the second.
	fs := &failingStore{Store: st, failAt: 4}
	r, err := runSource(t, fs, model.SourceCSAM, src, sync.ModeFull, 10)
	if !errors.Is(err, errCommit) {
		t.Fatalf("err = %v, want the injected commit failure", err)
	}
	if r.State != sync.StateFailed {
		t.Fatalf("state %s", r.State)
	}
	n := tableCounts(t, st)
	if n["asset_records"] != 10 || n["assets"] != 10 || n["installed_software"] != 30 || n["changes"] != 10 || n["asset_identifiers"] == 0 {
		t.Errorf("after the failed batch: %d records, %d assets, %d installs, %d changes; want the first batch's 10, 10, 30, 10",
			n["asset_records"], n["assets"], n["installed_software"], n["changes"])
	}
	cp, err := st.LoadCheckpoint(ctx, "csam", subscription)
	if err != nil {
		t.Fatal(err)
	}
	if want := p.docs[9].key; !cp.InProgress || cp.RunID != r.ID || len(cp.Partitions) != 1 || cp.Partitions[0].Position != want || cp.Partitions[0].Done {
		t.Fatalf("checkpoint after the failed batch: %+v, want in progress at %s", cp, want)
	}
	if runs, err := st.Runs(ctx, []int64{r.ID}, time.Time{}); err != nil || len(runs) != 1 || runs[0].State != sync.StateFailed {
		t.Errorf("stored run: %+v, %v; want Failed", runs, err)
	}

	src.resetStarts()
	r2 := mustRun(t, st, model.SourceCSAM, src, sync.ModeResume, 10)
	if !r2.Resumed || r2.ID != r.ID || r2.State != sync.StateProcessed {
		t.Fatalf("resumed run %+v", r2)
	}
	if got, _ := src.start("a"); got != p.docs[9].key {
		t.Errorf("resumed at %q, want %q", got, p.docs[9].key)
	}
	// The stored counts of the run hold the committed batch only: with the
	// resumed batches, every record once.
	if r2.Counts.Seen != 30 || r2.Counts.New != 30 || r2.Counts.SoftwareInstalls != 90 {
		t.Errorf("counts over both attempts %+v, want 30 seen, 30 new, 90 installs", r2.Counts)
	}
	n = tableCounts(t, st)
	if n["asset_records"] != 30 || n["assets"] != 30 || n["installed_software"] != 90 || n["software"] != 3 {
		t.Errorf("after the resume: %d records, %d assets, %d installs, %d software; want 30, 30, 90, 3",
			n["asset_records"], n["assets"], n["installed_software"], n["software"])
	}
	if got := changeCounts(t, st); got[store.ChangeAssetNew] != 30 {
		t.Errorf("changes %v, want 30 asset_new", got)
	}
}

// A record the transform map rejects is quarantined with the reason, and
// the run goes on. Seen again, it stays one entry, counted again; while it
// is quarantined, a full run does not take its record for gone.
func testQuarantine(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	good := csamPartition("a", ids(1, 20))
	r0 := mustRun(t, st, model.SourceCSAM, newSource("csam", good), sync.ModeFull, 7)
	if r0.Counts.New != 20 || r0.Counts.Quarantined != 0 {
		t.Fatalf("first run counts %+v", r0.Counts)
	}
	bad := csamPartition("a", ids(1, 20))
	bad.docs[5].raw = `{"assetId":"bad-16","assetName":"a16"}`
	src := newSource("csam", bad)
	r1 := mustRun(t, st, model.SourceCSAM, src, sync.ModeFull, 7)
	if r1.State != sync.StateProcessed || r1.Counts.Quarantined != 1 || r1.Counts.Unchanged != 19 || r1.Counts.Seen != 20 {
		t.Fatalf("run with a bad record: %+v", r1.Counts)
	}
	if r1.Counts.Stale != 0 {
		t.Errorf("%d records stale: the quarantined record was not seen to disappear", r1.Counts.Stale)
	}
	q, err := st.Quarantine(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].NativeKey != "16" || q[0].Source != "csam" || q[0].RunID != r1.ID || !strings.Contains(q[0].Reason, "assetId") {
		t.Fatalf("quarantine = %+v, want record 16 of run %d with the reason", q, r1.ID)
	}
	r2 := mustRun(t, st, model.SourceCSAM, src, sync.ModeFull, 7)
	if r2.Counts.Quarantined != 1 {
		t.Errorf("second run quarantined %d, want 1", r2.Counts.Quarantined)
	}
	q, err = st.Quarantine(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].RunID != r2.ID {
		t.Errorf("quarantine after the second run = %+v, want one entry of run %d", q, r2.ID)
	}
	if got := totals(t, st); got.Quarantined != 1 || got.ActiveAssets != 20 {
		t.Errorf("totals %+v, want 1 quarantined and 20 active assets", got)
	}
	rows := dump(t, st, "quarantine")
	if len(rows) != 1 || text(rows[0]["times"]) != "2" || text(rows[0]["reason"]) != q[0].Reason {
		t.Errorf("quarantine rows %v, want one seen twice", rows)
	}
}

// One run of many hosts with many findings each, in large batches: every
// row is there once, counted, scored.
func testLargeBatch(t *testing.T, st store.Store, _ opener) {
	// Small (under -race or -short): 100 hosts in batches of 30.
	hosts, batch := testscale.N(t, 100, 2000), testscale.N(t, 30, 500)
	const perHost = 20
	p := partition{id: "all"}
	for h := 1; h <= hosts; h++ {
		dets := make([]string, perHost)
		for i := range dets {
			dets[i] = det(10000+i, 22+i%3, []string{"New", "Active", "Re-Opened", "Fixed"}[(h+i)%4])
		}
		p.docs = append(p.docs, doc{key: fmt.Sprint(h), raw: host(h, dets...)})
	}
	start := time.Now()
	r := mustRun(t, st, model.SourceVMDR, newSource("vmdr", p), sync.ModeFull, batch)
	t.Logf("%d hosts × %d findings in %v", hosts, perHost, time.Since(start).Round(time.Millisecond))
	want := sync.Counts{Seen: int64(hosts), New: int64(hosts), Findings: sync.FindingCounts{Seen: int64(hosts * perHost), New: int64(hosts * perHost)}}
	if diff := cmp.Diff(want, r.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	ft, err := st.FindingTotals(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ft.Findings != int64(hosts*perHost) || ft.Hosts != int64(hosts) || ft.ByStatus["Fixed"] != int64(hosts*perHost/4) {
		t.Errorf("finding totals %+v", ft)
	}
	n := tableCounts(t, st)
	if n["findings"] != int64(hosts*perHost) || n["asset_records"] != int64(hosts) || n["changes"] != int64(hosts+hosts*perHost) {
		t.Errorf("%d findings, %d records, %d changes; want %d, %d, %d", n["findings"], n["asset_records"], n["changes"], hosts*perHost, hosts, hosts+hosts*perHost)
	}
	bands, err := st.RiskBands(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var scored int64
	for _, c := range bands {
		scored += c
	}
	if scored != int64(hosts) || bands[store.Unscored] != 0 {
		t.Errorf("risk bands %v, want all %d hosts scored", bands, hosts)
	}
}
