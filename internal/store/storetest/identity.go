package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// assetColumns are the tables whose rows name their asset, checked to have
// followed a merge.
var assetColumns = []string{"asset_records", "asset_identifiers", "installed_software", "findings", "changes"}

// A record that links two existing assets (by serial to one, by FQDN to
// the other) makes them one asset, the older: every record, software and
// finding row of both, and their change feed, end on it; the younger is
// gone, and an asset_merged change names it. Nothing is duplicated, and a
// second run changes nothing.
func testMergeWhenARecordLinksTwoAssets(t *testing.T, st store.Store, _ opener) {
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-MERGE-1", "", "openssl", "curl"))
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, vmdrWeb(det(38170, 443, "Active"), det(38171, 443, "New")))
	if n := totals(t, st).Assets; n != 2 {
		t.Fatalf("%d assets before the linking record, want 2", n)
	}
	older, younger := assetOf(t, st, model.SourceCSAM, "1"), assetOf(t, st, model.SourceVMDR, "7")
	if older >= younger {
		t.Fatalf("CSAM asset %d, VMDR asset %d: want the CSAM one older", older, younger)
	}
	// A second CSAM record of the machine (say, re-registered): the same
	// serial as asset 1, the FQDN of the VMDR host.
	docs := []string{csamDoc(1, "SN-MERGE-1", "", "openssl", "curl"), csamDoc(2, "SN-MERGE-1", "web.corp.example.com", "nginx")}
	run := runDocs(t, st, model.SourceCSAM, sync.ModeIncremental, docs...)

	tot := totals(t, st)
	if tot.Assets != 1 || tot.AssetRecords != 3 || tot.SoftwareInstalls != 3 {
		t.Errorf("totals %+v, want 1 asset, 3 records, 3 installs", tot)
	}
	for _, table := range assetColumns {
		if got := distinct(dump(t, st, table), "asset_id"); !slices.Equal(got, []string{strconv.FormatInt(older, 10)}) {
			t.Errorf("%s: rows on assets %v, want all on %d", table, got, older)
		}
	}
	if n := tableCounts(t, st)["findings"]; n != 2 {
		t.Errorf("%d findings, want 2", n)
	}
	if got := changeCounts(t, st); got[store.ChangeFindingNew] != 2 || got[store.ChangeAssetNew] != 2 || got[store.ChangeAssetMerged] != 1 {
		t.Errorf("changes %v, want 2 finding_new, 2 asset_new, 1 asset_merged", got)
	}
	want := []feedEntry{{kind: store.ChangeAssetMerged, host: "2", old: strconv.FormatInt(younger, 10)}}
	if diff := cmp.Diff(want, feed(t, st, run.ID), cmp.AllowUnexported(feedEntry{})); diff != "" {
		t.Errorf("changes of the linking run (-want +got):\n%s", diff)
	}
	if got := where(dump(t, st, "asset_records"), "identified_by", ""); len(got) != 2 {
		t.Errorf("%d records identified as new, want 2 (the third joined by a rule)", len(got))
	}
	risk, err := st.AssetRisk(t.Context(), older)
	if err != nil || risk.Band == "" {
		t.Errorf("merged asset risk %+v, %v; want scored", risk, err)
	}
	if list, err := st.RiskList(t.Context(), store.RiskFilter{}); err != nil || len(list) != 1 || list[0].AssetID != older || list[0].Open != 2 {
		t.Errorf("risk list %+v, %v; want the merged asset with 2 open findings", list, err)
	}
	// Again: nothing moves, nothing is written twice.
	before := tableCounts(t, st)
	again := runDocs(t, st, model.SourceCSAM, sync.ModeFull, docs...)
	if got := feed(t, st, again.ID); len(got) != 0 {
		t.Errorf("changes of a second run: %v", got)
	}
	if diff := cmp.Diff(without(before, "runs"), without(tableCounts(t, st), "runs")); diff != "" {
		t.Errorf("rows after a second run (-before +after):\n%s", diff)
	}
}

// A record already loaded whose new content links another asset merges it
// too: the same machines whichever record learned the link first.
func testMergeWhenAChangedRecordLinksAnAsset(t *testing.T, st store.Store, _ opener) {
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, vmdrWeb(det(38170, 443, "Active")))
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-LATE-1", "", "openssl"))
	if n := totals(t, st).Assets; n != 2 {
		t.Fatalf("%d assets before the link, want 2", n)
	}
	older := assetOf(t, st, model.SourceVMDR, "7")
	// The CSAM record now reports the FQDN of the VMDR host.
	run := runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-LATE-1", "web.corp.example.com", "openssl"))
	if run.Counts.Updated != 1 {
		t.Errorf("counts %+v, want the CSAM record updated", run.Counts)
	}
	if n := totals(t, st).Assets; n != 1 {
		t.Errorf("%d assets after the CSAM record linked the VMDR host, want 1", n)
	}
	if got := changeCounts(t, st); got[store.ChangeAssetMerged] != 1 {
		t.Errorf("changes %v, want 1 asset_merged", got)
	}
	for _, table := range assetColumns {
		if got := distinct(dump(t, st, table), "asset_id"); !slices.Equal(got, []string{strconv.FormatInt(older, 10)}) {
			t.Errorf("%s: rows on assets %v, want all on %d", table, got, older)
		}
	}
}

// A candidate whose machine identifier differs (another BIOS serial) is
// vetoed: the records stay two assets, and the veto is logged.
func testVetoKeepsMachinesApart(t *testing.T, st store.Store, _ opener) {
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-VETO-A", "shared.corp.example.com"))
	run := runDocs(t, st, model.SourceCSAM, sync.ModeIncremental, csamDoc(2, "SN-VETO-B", "shared.corp.example.com"))
	a1, a2 := assetOf(t, st, model.SourceCSAM, "1"), assetOf(t, st, model.SourceCSAM, "2")
	if a1 == a2 || totals(t, st).Assets != 2 {
		t.Fatalf("records 1 and 2 on assets %d and %d: want two assets", a1, a2)
	}
	cs, err := st.Conflicts(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.Conflict{{RunID: run.ID, Kind: "veto", Rule: "FQDN", Source: "CSAM", NativeKey: "2", AssetID: a2, OtherAssetID: a1,
		Attribute: "bios_serial", Value: "SN-VETO-B", OtherValue: "SN-VETO-A"}}
	if diff := cmp.Diff(want, cs, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".At" }, cmp.Ignore())); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	if len(cs) == 1 && cs[0].At == "" {
		t.Error("conflict without a time")
	}
	if got := changeCounts(t, st); got[store.ChangeAssetMerged] != 0 || got[store.ChangeAssetNew] != 2 {
		t.Errorf("changes %v, want two new assets and no merge", got)
	}
	// Both assets carry the shared FQDN.
	view(t, st, func(tx store.Tx) error {
		got, err := tx.AssetsWith(t.Context(), "fqdn", "shared.corp.example.com")
		if err == nil && !slices.Equal(got, []int64{a1, a2}) {
			t.Errorf("assets with the shared FQDN: %v, want %d and %d", got, a1, a2)
		}
		return err
	})
	if n, err := st.Conflicts(t.Context(), 1); err != nil || len(n) != 1 {
		t.Errorf("Conflicts(limit 1) = %v, %v", n, err)
	}
}

// A record that matches two assets which conflict with each other joins the
// one its best rule found; the other stays apart, and that is logged.
func testConflictingCandidatesStayApart(t *testing.T, st store.Store, _ opener) {
	const mac = "3c:22:fb:12:34:56"
	runDocs(t, st, model.SourceCSAM, sync.ModeFull,
		csamMAC(1, "SN-APART-A", "apart.corp.example.com", ""),
		csamMAC(2, "SN-APART-B", "", mac))
	a1, a2 := assetOf(t, st, model.SourceCSAM, "1"), assetOf(t, st, model.SourceCSAM, "2")
	// Record 3 has the FQDN of asset 1 and the MAC of asset 2, whose serials
	// differ: it joins asset 2 (the MAC rule comes first).
	run := runDocs(t, st, model.SourceCSAM, sync.ModeIncremental, csamMAC(3, "", "apart.corp.example.com", mac))
	if got := assetOf(t, st, model.SourceCSAM, "3"); got != a2 {
		t.Errorf("record 3 on asset %d, want %d (by MAC)", got, a2)
	}
	if n := totals(t, st).Assets; n != 2 {
		t.Errorf("%d assets, want 2", n)
	}
	cs, err := st.Conflicts(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || cs[0].Kind != "apart" || cs[0].RunID != run.ID || cs[0].NativeKey != "3" || cs[0].AssetID != a2 || cs[0].OtherAssetID != a1 || cs[0].Rule != "MAC address" {
		t.Errorf("conflicts %+v, want record 3 kept on %d apart from %d", cs, a2, a1)
	}
}

// A value learned as junk re-decides the records it held together: records
// that only it joined become separate assets again (asset_split).
func testLearnedJunkSplits(t *testing.T, st store.Store, _ opener) {
	// Machines known only by agent ID (no serial, no UUID) sharing one FQDN:
	// the first two join on it before it is known to be shared.
	doc := func(id int) string {
		return fmt.Sprintf(`{"assetId":%d,"agentId":"a9e70000-0000-4000-8000-%012d","dnsName":"golden-image.corp.example.com"}`, id, id)
	}
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, doc(1), doc(2))
	if n := totals(t, st).Assets; n != 1 {
		t.Fatalf("%d assets: the FQDN should have joined the first two records", n)
	}
	var docs []string
	for i := 1; i <= 7; i++ {
		docs = append(docs, doc(i))
	}
	run := runDocs(t, st, model.SourceCSAM, sync.ModeFull, docs...)
	tot := totals(t, st)
	if tot.Assets != 7 || tot.ActiveAssets != 7 {
		t.Errorf("%d assets (%d active) for 7 machines told apart by agent ID", tot.Assets, tot.ActiveAssets)
	}
	junk, err := st.Junk(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(junk) != 1 || junk[0].Attribute != "fqdn" || junk[0].Value != "golden-image.corp.example.com" || junk[0].Origin != "learned" ||
		junk[0].RunID != run.ID || junk[0].Subscription != subscription || junk[0].Records != 7 || junk[0].Machines < 2 {
		t.Errorf("junk %+v, want the shared FQDN learned by run %d, carried by 7 records", junk, run.ID)
	}
	if got := changeCounts(t, st, run.ID); got[store.ChangeAssetSplit] < 1 {
		t.Errorf("changes %v, want an asset_split", got)
	}
	if got := distinct(dump(t, st, "asset_records"), "asset_id"); int64(len(got)) != tot.Assets {
		t.Errorf("records on %d assets of %d: an asset without a record", len(got), tot.Assets)
	}
}
