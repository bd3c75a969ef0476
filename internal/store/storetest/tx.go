package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// columnValues returns values in the order of cols, from set (nil for the
// others).
func columnValues(cols []string, set map[string]any) []any {
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = set[c]
	}
	return out
}

// sortedIdentifiers sorts identifiers by attribute and value.
func sortedIdentifiers(ids []store.Identifier) []store.Identifier {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b store.Identifier) int {
		return cmp.Or(cmp.Compare(a.Attribute, b.Attribute), cmp.Compare(a.Value, b.Value))
	})
	return out
}

// check reports a lookup's result that differs from want; a lookup's error
// it returns, to end the transaction.
func check[T any](t *testing.T, what string, got T, err error, want T) error {
	t.Helper()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", what, diff)
	}
	return nil
}

// lookupMatches checks that LookupIdentifiers answers ids as AssetsWith
// and Carriers do one by one (and as want, when given), at this point of
// the transaction.
func lookupMatches(t *testing.T, tx store.Tx, what, subscription string, ids []store.Identifier, want *store.IdentifierAnswers) error {
	t.Helper()
	ctx := t.Context()
	got, err := tx.LookupIdentifiers(ctx, store.IdentifierLookup{Assets: ids, Subscription: subscription, Carriers: ids, Limit: 10})
	if err != nil {
		return fmt.Errorf("%s: LookupIdentifiers: %w", what, err)
	}
	one := store.IdentifierAnswers{Assets: map[store.Identifier][]int64{}, Carriers: map[store.Identifier]map[string][]string{}}
	for _, id := range ids {
		a, err := tx.AssetsWith(ctx, id.Attribute, id.Value)
		if err != nil {
			return err
		}
		if len(a) > 0 {
			one.Assets[id] = a
		}
		c, err := tx.Carriers(ctx, subscription, id.Attribute, id.Value, 10)
		if err != nil {
			return err
		}
		if len(c) > 0 {
			one.Carriers[id] = c
		}
	}
	for _, ans := range []store.IdentifierAnswers{got, one} {
		for _, m := range ans.Carriers {
			for _, vs := range m {
				slices.Sort(vs) // in no particular order
			}
		}
	}
	if diff := gocmp.Diff(one, got); diff != "" {
		t.Errorf("%s: LookupIdentifiers against AssetsWith and Carriers one by one (-one +batched):\n%s", what, diff)
	}
	if want != nil {
		if diff := gocmp.Diff(*want, got); diff != "" {
			t.Errorf("%s: LookupIdentifiers (-want +got):\n%s", what, diff)
		}
	}
	return nil
}

// The lookups of a transaction see the writes made earlier in it: new
// assets, records and identifiers, merges, splits, applied rows, settings
// and junk. Committed, they are what the readers see.
func testTxLookups(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	now := time.Now().UTC()
	lock := store.Lock{Source: "csam", Subscription: subscription}
	run := &sync.Run{Source: "csam", Subscription: subscription, Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: now, MapName: "m", MapHash: "h"}
	ids1 := []store.Identifier{{Attribute: "bios_serial", Value: "SN-TX-1"}, {Attribute: "fqdn", Value: "web-1.corp.example.com"}}
	ids2 := []store.Identifier{{Attribute: "agent_id", Value: "a9e70000-0000-4000-8000-000000000042"}, {Attribute: "fqdn", Value: "web-1.corp.example.com"}}
	var a1, a2, a3, r1, r2 int64
	err := st.Update(ctx, lock, func(tx store.Tx) error {
		if err := tx.InsertRun(ctx, run); err != nil {
			return err
		}
		var err error
		if a1, err = tx.InsertAsset(ctx, store.AssetSummary{Name: "web-1", BIOSSerial: "SN-TX-1"}, now); err != nil {
			return err
		}
		if r1, err = tx.InsertRecord(ctx, store.NewRecord{AssetID: a1, Source: "CSAM", Subscription: subscription, NativeKey: "41", RunID: run.ID, At: now}); err != nil {
			return err
		}
		if err := tx.SaveIdentifiers(ctx, r1, a1, ids1); err != nil {
			return err
		}
		got, err := tx.AssetsWith(ctx, "bios_serial", "SN-TX-1")
		if err := check(t, "AssetsWith after SaveIdentifiers", got, err, []int64{a1}); err != nil {
			return err
		}
		vals, err := tx.AssetValues(ctx, a1, "fqdn")
		if err := check(t, "AssetValues", vals, err, []string{"web-1.corp.example.com"}); err != nil {
			return err
		}
		recs, err := tx.Records(ctx, "CSAM", subscription, []string{"41", "42"})
		if err != nil || len(recs) != 1 || recs["41"].ID != r1 || recs["41"].AssetID != a1 {
			t.Errorf("Records after InsertRecord: %+v, %v", recs, err)
		}
		carriers, err := tx.Carriers(ctx, subscription, "fqdn", "web-1.corp.example.com", 10)
		if err := check(t, "Carriers", carriers, err, map[string][]string{"bios_serial": {"SN-TX-1"}}); err != nil {
			return err
		}
		asked := append(slices.Clone(ids1), ids2[0], store.Identifier{Attribute: "fqdn", Value: "nobody.example.com"})
		err = lookupMatches(t, tx, "after SaveIdentifiers", subscription, asked, &store.IdentifierAnswers{
			Assets:   map[store.Identifier][]int64{ids1[0]: {a1}, ids1[1]: {a1}},
			Carriers: map[store.Identifier]map[string][]string{ids1[1]: {"bios_serial": {"SN-TX-1"}}}})
		if err != nil {
			return err
		}
		if err := lookupMatches(t, tx, "of another subscription", subscription+"-other", asked, nil); err != nil {
			return err
		}

		// A second asset sharing the FQDN, and the first merged into it.
		if a2, err = tx.InsertAsset(ctx, store.AssetSummary{Name: "web-1b"}, now); err != nil {
			return err
		}
		if r2, err = tx.InsertRecord(ctx, store.NewRecord{AssetID: a2, Source: "CSAM", Subscription: subscription, NativeKey: "42", RunID: run.ID, At: now, IdentifiedBy: "FQDN"}); err != nil {
			return err
		}
		if err := tx.SaveIdentifiers(ctx, r2, a2, ids2); err != nil {
			return err
		}
		got, err = tx.AssetsWith(ctx, "fqdn", "web-1.corp.example.com")
		if err := check(t, "AssetsWith of a shared FQDN", got, err, []int64{a1, a2}); err != nil {
			return err
		}
		if err := tx.MergeAssets(ctx, a2 /* the younger survives here */, []int64{a1}); err != nil {
			return err
		}
		got, err = tx.AssetsWith(ctx, "fqdn", "web-1.corp.example.com")
		if err := check(t, "AssetsWith after MergeAssets", got, err, []int64{a2}); err != nil {
			return err
		}
		err = lookupMatches(t, tx, "after MergeAssets", subscription, asked, &store.IdentifierAnswers{
			Assets: map[store.Identifier][]int64{ids1[0]: {a2}, ids1[1]: {a2}, ids2[0]: {a2}},
			// Carriers are the records' machine identifiers, not the asset's.
			Carriers: map[store.Identifier]map[string][]string{
				ids1[1]: {"agent_id": {"a9e70000-0000-4000-8000-000000000042"}, "bios_serial": {"SN-TX-1"}}}})
		if err != nil {
			return err
		}
		all, err := tx.AssetIDs(ctx)
		if err := check(t, "AssetIDs after MergeAssets", all, err, []int64{a2}); err != nil {
			return err
		}
		ar, err := tx.AssetRecords(ctx, a2)
		for i := range ar {
			ar[i].Identifiers = sortedIdentifiers(ar[i].Identifiers)
		}
		if err := check(t, "AssetRecords after MergeAssets", ar, err, []store.RecordIdentifiers{{RecordID: r1, Identifiers: ids1}, {RecordID: r2, Identifiers: ids2}}); err != nil {
			return err
		}

		// Record 42 split off again.
		if a3, err = tx.CopyAsset(ctx, a2); err != nil {
			return err
		}
		if a3 == 0 || a3 == a2 {
			t.Errorf("CopyAsset of %d = %d, want a new asset", a2, a3)
		}
		if err := tx.MoveRecords(ctx, []int64{r2}, a3); err != nil {
			return err
		}
		got, err = tx.AssetsWith(ctx, "agent_id", "a9e70000-0000-4000-8000-000000000042")
		if err := check(t, "AssetsWith after MoveRecords", got, err, []int64{a3}); err != nil {
			return err
		}
		if err := lookupMatches(t, tx, "after MoveRecords", subscription, asked, nil); err != nil {
			return err
		}

		// AddRecord: a record on a new asset, then one on an existing asset.
		ids4 := []store.Identifier{{Attribute: "bios_serial", Value: "SN-TX-4"}, {Attribute: "native_key", Value: "default/csam/44"}}
		a4, r4, err := tx.AddRecord(ctx, store.NewRecord{AssetID: a3 /* ignored */, Source: "CSAM", Subscription: subscription, NativeKey: "44", RunID: run.ID, At: now},
			&store.AssetSummary{Name: "db-4", BIOSSerial: "SN-TX-4"}, ids4)
		if err != nil {
			return fmt.Errorf("AddRecord on a new asset: %w", err)
		}
		if a4 == 0 || a4 == a2 || a4 == a3 || r4 == 0 || r4 == r1 || r4 == r2 {
			t.Errorf("AddRecord on a new asset = asset %d, record %d; want new ones", a4, r4)
		}
		ids5 := []store.Identifier{{Attribute: "fqdn", Value: "db-4.corp.example.com"}}
		a5, r5, err := tx.AddRecord(ctx, store.NewRecord{AssetID: a4, Source: "VMDR", Subscription: subscription, NativeKey: "45", RunID: run.ID, At: now, IdentifiedBy: "FQDN"}, nil, ids5)
		if err != nil {
			return fmt.Errorf("AddRecord on an existing asset: %w", err)
		}
		if a5 != a4 || r5 == 0 || r5 == r4 {
			t.Errorf("AddRecord on asset %d = asset %d, record %d; want asset %d and a new record", a4, a5, r5, a4)
		}
		err = lookupMatches(t, tx, "after AddRecord", subscription, append(slices.Clone(ids4), ids5...), &store.IdentifierAnswers{
			Assets:   map[store.Identifier][]int64{ids4[0]: {a4}, ids4[1]: {a4}, ids5[0]: {a4}},
			Carriers: map[store.Identifier]map[string][]string{ids4[1]: {"bios_serial": {"SN-TX-4"}}}})
		if err != nil {
			return err
		}
		ar, err = tx.AssetRecords(ctx, a4)
		if err := check(t, "AssetRecords after AddRecord", ar, err, []store.RecordIdentifiers{{RecordID: r4, Identifiers: ids4}, {RecordID: r5, Identifiers: ids5}}); err != nil {
			return err
		}
		recs, err = tx.Records(ctx, "VMDR", subscription, []string{"45"})
		if err != nil || recs["45"].ID != r5 || recs["45"].AssetID != a4 {
			t.Errorf("Records after AddRecord: %+v, %v", recs, err)
		}
		vals, err = tx.AssetValues(ctx, a4, "bios_serial")
		if err := check(t, "AssetValues after AddRecord", vals, err, []string{"SN-TX-4"}); err != nil {
			return err
		}
		recs, err = tx.Records(ctx, "CSAM", subscription, []string{"41", "42"})
		if err != nil || recs["41"].AssetID != a2 || recs["42"].AssetID != a3 {
			t.Errorf("Records after the split: %+v, %v", recs, err)
		}

		// Record 41, inserted in this transaction, gets content twice:
		// the second replaces the first (other path, two ports). The first
		// lists one install twice (same software, same path): it is one
		// row, as the key of installed_software says.
		if err := tx.Apply(ctx, &store.WriteSet{RunID: run.ID, Source: "csam", Subscription: subscription, At: now,
			Records: []store.RecordContent{{RecordID: r1, Hash: "h0", Attributes: `{}`, SoftwareInstalls: 1,
				Installs: []store.Install{{Name: "storetest-pkg", Version: "1.0", SoftwareAttributes: `{"name":"storetest-pkg"}`, InstallPath: "/opt/old", Attributes: `{}`},
					{Name: "storetest-pkg", Version: "1.0", SoftwareAttributes: `{"name":"storetest-pkg"}`, InstallPath: "/opt/old", Attributes: `{"again":true}`}},
				Items: []store.Item{{Table: "open_ports", Entity: string(model.EntityOpenPort), Values: []any{int64(21), "TCP"}, Attributes: `{"number":21}`},
					{Table: "open_ports", Entity: string(model.EntityOpenPort), Ordinal: 1, Values: []any{int64(23), "TCP"}, Attributes: `{"number":23}`}}}}}); err != nil {
			return err
		}

		// Rows applied to record 41, and a KnowledgeBase entry.
		key := "100/22/tcp/0/"
		ws := &store.WriteSet{RunID: run.ID, Source: "csam", Subscription: subscription, At: now,
			Records: []store.RecordContent{{RecordID: r1, Hash: "h1", Attributes: `{"name":"web-1"}`, SoftwareInstalls: 1, Findings: 1,
				Installs: []store.Install{{Name: "storetest-pkg", Version: "1.0", SoftwareAttributes: `{"name":"storetest-pkg"}`, InstallPath: "/opt/pkg", Attributes: `{}`}},
				Items:    []store.Item{{Table: "open_ports", Entity: string(model.EntityOpenPort), Values: []any{int64(22), "TCP"}, Attributes: `{"number":22,"protocol":"TCP"}`}}}},
			Vulns: []store.VulnWrite{{QID: 100, Values: columnValues(store.VulnColumns, map[string]any{"title": "Weak cipher", "severity": int64(3)}),
				Attributes: `{"title":"Weak cipher"}`, Hash: "vh1", CVEs: []string{"CVE-2026-0100"}}},
			Findings: []store.FindingWrite{{RecordID: r1, Key: key, QID: 100, Port: int64(22), Protocol: "tcp", StatusChanged: true,
				Values: columnValues(store.FindingColumns, map[string]any{"type": "Confirmed", "severity": int64(3), "status": "New", "qds": int64(40),
					"attributes": `{"qid":100,"status":"New"}`, "hash": "fh1", "qds_derived": false})}},
			Changes: []store.ChangeWrite{{Kind: store.ChangeFindingNew, RecordID: r1, FindingKey: key, QID: 100, New: "New"}},
		}
		if err := tx.Apply(ctx, ws); err != nil {
			return err
		}
		recs, err = tx.Records(ctx, "CSAM", subscription, []string{"41"})
		if err := check(t, "Records after Apply", recs, err, map[string]store.RecordState{"41": {ID: r1, AssetID: a2, Hash: "h1", SoftwareInstalls: 1, Findings: 1}}); err != nil {
			return err
		}
		fs, err := tx.Findings(ctx, []int64{r1})
		if err != nil || len(fs[r1]) != 1 || fs[r1][0].Key != key || fs[r1][0].Status != "New" || fs[r1][0].Hash != "fh1" || fs[r1][0].State != "active" {
			t.Errorf("Findings after Apply: %+v, %v", fs, err)
		}
		vh, err := tx.Vulns(ctx, []int64{100, 101})
		if err := check(t, "Vulns after Apply", vh, err, map[int64]string{100: "vh1"}); err != nil {
			return err
		}

		if err := tx.SetSetting(ctx, "storetest.tx", "seen"); err != nil {
			return err
		}
		v, ok, err := tx.Setting(ctx, "storetest.tx")
		if err != nil || !ok || v != "seen" {
			t.Errorf("Setting after SetSetting: %q %v %v", v, ok, err)
		}
		if err := tx.AddJunk(ctx, store.JunkEntry{Attribute: "fqdn", Value: "golden.corp.example.com", Origin: "manual", At: now.Format(time.RFC3339)}); err != nil {
			return err
		}
		junk, err := tx.JunkValues(ctx)
		if err := check(t, "JunkValues after AddJunk", junk, err, []store.Identifier{{Attribute: "fqdn", Value: "golden.corp.example.com"}}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if run.ID == 0 {
		t.Fatal("InsertRun gave the run no id")
	}

	// Committed: the readers see it all.
	tot := totals(t, st)
	if tot.Assets != 3 || tot.AssetRecords != 4 || tot.SoftwareInstalls != 1 || tot.Software != 1 || tot.OpenPorts != 1 {
		t.Errorf("totals after the commit: %+v", tot)
	}
	if v, ok, err := st.Setting(ctx, "storetest.tx"); err != nil || !ok || v != "seen" {
		t.Errorf("setting after the commit: %q %v %v", v, ok, err)
	}
	f, err := st.Changes(ctx, store.ChangeFilter{RunIDs: []int64{run.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Changes) != 1 || f.Changes[0].Kind != store.ChangeFindingNew || f.Changes[0].NativeKey != "41" || f.Changes[0].QID != 100 ||
		f.Changes[0].Port == nil || *f.Changes[0].Port != 22 || f.Changes[0].AssetID != a2 || f.Changes[0].New != "New" {
		t.Errorf("change feed %+v", f.Changes)
	}
	if len(f.Runs) != 1 || f.Runs[0].ID != run.ID || f.Runs[0].State != sync.StateProcessing {
		t.Errorf("runs of the feed %+v", f.Runs)
	}
	if vs, err := st.VulnAttributes(ctx, []int64{100}); err != nil || vs[100]["title"] != "Weak cipher" {
		t.Errorf("VulnAttributes %v, %v", vs, err)
	}
	if n := tableCounts(t, st); n["vuln_cves"] != 1 || n["findings"] != 1 || n["asset_identifiers"] != 7 {
		t.Errorf("table counts %v", n)
	}
}

// storedCounts returns the stored counts of a run (read by ResumeRun in a
// transaction rolled back).
func storedCounts(t *testing.T, st store.Store, id int64) sync.Counts {
	t.Helper()
	run := &sync.Run{ID: id}
	view(t, st, func(tx store.Tx) error { return tx.ResumeRun(t.Context(), run) })
	return run.Counts
}

// errBoom fails a transaction on purpose.
var errBoom = errors.New("boom: roll back")

// A transaction whose function fails writes nothing at all, whatever it
// did before failing; the store is as good as before (a later run writes
// what the failed transaction had written).
func testTxErrorRollsBack(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-RB-1", "", "openssl"), csamDoc(2, "SN-RB-2", "", "curl"))
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, host(1, det(100, 22, "Active")))
	before := tableCounts(t, st)
	tot := totals(t, st)
	cp, err := st.LoadCheckpoint(ctx, "csam", subscription)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := st.Runs(ctx, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	a1, a2 := assetOf(t, st, model.SourceCSAM, "1"), assetOf(t, st, model.SourceCSAM, "2")
	now := time.Now().UTC()
	counts := storedCounts(t, st, cp.RunID)

	err = st.Update(ctx, store.Lock{Source: "csam", Subscription: subscription}, func(tx store.Tx) error {
		run := &sync.Run{Source: "csam", Subscription: subscription, Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: now, MapName: "m", MapHash: "h"}
		if err := tx.InsertRun(ctx, run); err != nil {
			return err
		}
		if err := tx.AddRunCounts(ctx, cp.RunID, sync.Counts{Seen: 1000, New: 1000}); err != nil {
			return err
		}
		a, err := tx.InsertAsset(ctx, store.AssetSummary{Name: "ghost"}, now)
		if err != nil {
			return err
		}
		r, err := tx.InsertRecord(ctx, store.NewRecord{AssetID: a, Source: "CSAM", Subscription: subscription, NativeKey: "999", RunID: run.ID, At: now})
		if err != nil {
			return err
		}
		if err := tx.SaveIdentifiers(ctx, r, a, []store.Identifier{{Attribute: "bios_serial", Value: "SN-GHOST"}}); err != nil {
			return err
		}
		// A software catalog entry only this transaction knows.
		err = tx.Apply(ctx, &store.WriteSet{RunID: run.ID, Source: "csam", Subscription: subscription, At: now,
			Records: []store.RecordContent{{RecordID: r, Hash: "ghost", Attributes: `{}`, SoftwareInstalls: 1,
				Installs: []store.Install{{Name: "storetest-rolled-back", Version: "1.0", SoftwareAttributes: `{}`, Attributes: `{}`}}}},
			Changes:    []store.ChangeWrite{{Kind: store.ChangeAssetNew, AssetID: a, RecordID: r}},
			Quarantine: []store.QuarantineWrite{{Key: "q1", Reason: "rolled back", RawGzip: []byte{0x1f, 0x8b}, RawHash: "x"}}})
		if err != nil {
			return err
		}
		if err := tx.MergeAssets(ctx, a1, []int64{a2}); err != nil {
			return err
		}
		if err := tx.SetAssetsState(ctx, []int64{a1}, "stale"); err != nil {
			return err
		}
		if err := tx.SetSetting(ctx, "storetest.rollback", "written"); err != nil {
			return err
		}
		if err := tx.AddJunk(ctx, store.JunkEntry{Attribute: "fqdn", Value: "rolled.corp.example.com", Origin: "manual", At: now.Format(time.RFC3339)}); err != nil {
			return err
		}
		moved := cp
		moved.InProgress, moved.RunID, moved.Watermark = true, run.ID, now.Add(time.Hour)
		if err := tx.SaveCheckpoint(ctx, moved); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Update = %v, want the function's error", err)
	}

	if diff := gocmp.Diff(before, tableCounts(t, st)); diff != "" {
		t.Errorf("rows after the rolled-back transaction (-before +after):\n%s", diff)
	}
	if diff := gocmp.Diff(tot, totals(t, st)); diff != "" {
		t.Errorf("totals after the rolled-back transaction (-before +after):\n%s", diff)
	}
	after, err := st.LoadCheckpoint(ctx, "csam", subscription)
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(cp, after); diff != "" {
		t.Errorf("checkpoint after the rolled-back transaction (-before +after):\n%s", diff)
	}
	if got, err := st.Runs(ctx, nil, time.Time{}); err != nil || !gocmp.Equal(runs, got) {
		t.Errorf("runs after the rolled-back transaction: %+v, %v; want %+v", got, err, runs)
	}
	if diff := gocmp.Diff(counts, storedCounts(t, st, cp.RunID)); diff != "" {
		t.Errorf("stored counts of run %d after the rolled-back transaction (-before +after):\n%s", cp.RunID, diff)
	}
	if _, ok, err := st.Setting(ctx, "storetest.rollback"); err != nil || ok {
		t.Errorf("setting of the rolled-back transaction: stored %v, %v", ok, err)
	}
	if j, err := st.Junk(ctx); err != nil || len(j) != 0 {
		t.Errorf("junk of the rolled-back transaction: %+v, %v", j, err)
	}
	if got := assetOf(t, st, model.SourceCSAM, "2"); got != a2 {
		t.Errorf("record 2 on asset %d after a rolled-back merge, want %d", got, a2)
	}

	// The store goes on: a run brings in the software the failed
	// transaction had added, and a new record.
	r := runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-RB-1", "", "openssl"), csamDoc(2, "SN-RB-2", "", "curl"),
		csamDoc(3, "SN-RB-3", "", "storetest-rolled-back"))
	if r.Counts.New != 1 || r.Counts.Unchanged != 2 {
		t.Errorf("run after the rollback: %+v", r.Counts)
	}
	n := tableCounts(t, st)
	if n["software"] != before["software"]+1 || n["installed_software"] != before["installed_software"]+1 || n["assets"] != before["assets"]+1 {
		t.Errorf("after the next run: %d software, %d installs, %d assets; want one more each (before %v)", n["software"], n["installed_software"], n["assets"], before)
	}
}

// A run lock is exclusive: a second LockRun of the same source and
// subscription fails with ErrBusy until the first is released, and the
// engine refuses to run meanwhile; other locks are free.
func testLockRun(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	lock := store.Lock{Source: "csam", Subscription: subscription}
	unlock, err := st.LockRun(ctx, lock)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := st.LockRun(ctx, lock); !errors.Is(err, store.ErrBusy) {
		if u != nil {
			u()
		}
		t.Fatalf("second LockRun = %v, want ErrBusy", err)
	}
	for _, other := range []store.Lock{{Source: "vmdr", Subscription: subscription}, {Source: "csam", Subscription: "other"}} {
		u, err := st.LockRun(ctx, other)
		if err != nil {
			t.Errorf("LockRun %+v while %+v is held: %v", other, lock, err)
			continue
		}
		u()
	}
	if _, err := runSource(t, st, model.SourceCSAM, docsSource("csam", csamPkgs(1)), sync.ModeFull, 0); !errors.Is(err, store.ErrBusy) {
		t.Errorf("run while locked: %v, want ErrBusy", err)
	}
	if n := totals(t, st).AssetRecords; n != 0 {
		t.Errorf("%d records written by a run that could not lock", n)
	}
	unlock()
	u, err := st.LockRun(ctx, lock)
	if err != nil {
		t.Fatalf("LockRun after unlock: %v", err)
	}
	u()
	// A run takes the lock and gives it back.
	mustRun(t, st, model.SourceCSAM, docsSource("csam", csamPkgs(1)), sync.ModeFull, 0)
	u, err = st.LockRun(ctx, lock)
	if err != nil {
		t.Fatalf("LockRun after a run: %v", err)
	}
	u()
	// A failed run gives it back too.
	src := docsSource("csam", csamPkgs(1), csamPkgs(4))
	src.failAfter = 1
	if _, err := runSource(t, st, model.SourceCSAM, src, sync.ModeFull, 0); !errors.Is(err, errInjected) {
		t.Fatalf("failing run: %v", err)
	}
	u, err = st.LockRun(ctx, lock)
	if err != nil {
		t.Fatalf("LockRun after a failed run: %v", err)
	}
	u()
}

// A transaction whose context is cancelled midway (Ctrl-C, a stopped run)
// writes nothing, and its error says it was interrupted: it wraps the
// context's error, however far the transaction got before it noticed.
func testTxInterrupted(t *testing.T, st store.Store, _ opener) {
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-INT-1", "", "openssl"))
	before := tableCounts(t, st)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	now := time.Now().UTC()
	err := st.Update(ctx, store.Lock{Source: "csam", Subscription: subscription}, func(tx store.Tx) error {
		if _, err := tx.InsertAsset(ctx, store.AssetSummary{Name: "interrupted"}, now); err != nil {
			return err
		}
		cancel()
		// The driver may notice at once or at a later statement.
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if _, err := tx.AssetIDs(ctx); err != nil {
				return err
			}
		}
		return nil // then Update itself must notice
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("Update after its context was cancelled = %v, want an error saying interrupted that wraps context.Canceled", err)
	}
	if diff := gocmp.Diff(before, tableCounts(t, st)); diff != "" {
		t.Errorf("rows after the interrupted transaction (-before +after):\n%s", diff)
	}
}
