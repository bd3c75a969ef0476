package storetest

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/enrich"
	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// vmdrRisk returns the stored risk of the asset of a VMDR host record.
func vmdrRisk(t *testing.T, st store.Store, nativeKey string) store.AssetRisk {
	t.Helper()
	r, err := st.AssetRisk(t.Context(), assetOf(t, st, model.SourceVMDR, nativeKey))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Each run records what it changed: new and removed assets, new, fixed and
// reopened findings, and risk band changes; TruRisk is stored per asset,
// follows the KnowledgeBase, and is recomputed for every asset when the
// weights change.
func testChangeFeedAndRisk(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	allow := cmp.AllowUnexported(feedEntry{})
	r1 := runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, detQ(100, 22, "Active", 70), detQ(101, 443, "Fixed", 95)),
		host(2, detQ(100, 22, "New", 70)))
	want := []feedEntry{
		{"asset_new", "1", 0, "", ""}, {"asset_new", "2", 0, "", ""},
		{"finding_new", "1", 100, "", "Active"}, {"finding_new", "1", 101, "", "Fixed"}, {"finding_new", "2", 100, "", "New"},
	}
	if diff := cmp.Diff(want, feed(t, st, r1.ID), allow); diff != "" {
		t.Errorf("run 1 changes (-want +got):\n%s", diff)
	}
	// One open QDS 70 finding on an ACS 2 asset: 2 × 1.4 × 70 = 196, low.
	if r := vmdrRisk(t, st, "1"); r.ACS != 2 || r.TruRisk != 196 || r.Band != "low" {
		t.Errorf("host 1 risk = ACS %d, %d %s; want 2, 196 low", r.ACS, r.TruRisk, r.Band)
	}

	// 100 fixed, 101 reopened (QDS 95: critical), 103 new without a QDS.
	host1 := host(1, detQ(100, 22, "Fixed", 70), detQ(101, 443, "Re-Opened", 95), detQ(103, 0, "New", 0))
	r2 := runDocs(t, st, model.SourceVMDR, sync.ModeIncremental, host1)
	want = []feedEntry{
		{"finding_fixed", "1", 100, "Active", "Fixed"}, {"finding_new", "1", 103, "", "New"},
		{"finding_reopened", "1", 101, "Fixed", "Re-Opened"}, {"risk_band", "", 0, "low", "medium"},
	}
	if diff := cmp.Diff(want, feed(t, st, r2.ID), allow); diff != "" {
		t.Errorf("run 2 changes (-want +got):\n%s", diff)
	}
	// 101: 2.8 × 95 = 266; 103 derived from severity 4 alone: 6.5 × 8 = 52
	// (medium bucket), 0.7 × 52 = 36.4; ACS 2 × 302.4 = 604.8 → 605.
	wantScore := enrich.TruRisk(2, []enrich.ScoredFinding{{QDS: 95, Status: "Re-Opened"}, {QDS: 52, Status: "New"}}, enrich.DefaultWeights())
	if r := vmdrRisk(t, st, "1"); r.ACS != 2 || r.TruRisk != wantScore || r.TruRisk != 605 || r.Band != "medium" {
		t.Errorf("host 1 risk = ACS %d, %d %s; want 2, 605 medium", r.ACS, r.TruRisk, r.Band)
	}
	a1 := assetOf(t, st, model.SourceVMDR, "1")
	fs, err := st.RiskFindings(ctx, a1)
	if err != nil {
		t.Fatal(err)
	}
	port := int64(443)
	wantFindings := []store.RiskFinding{{QID: 101, Status: "Re-Opened", QDS: 95, Port: &port}, {QID: 103, Status: "New", QDS: 52, Derived: true, Port: ptr(int64(0))}}
	if diff := cmp.Diff(wantFindings, fs); diff != "" {
		t.Errorf("counted findings of host 1 (-want +got):\n%s", diff)
	}

	// A KnowledgeBase entry for 103 with CVSS v3 9.8 and a Metasploit
	// exploit (weaponized, no threat signal): the derived QDS becomes
	// min(89, 6.5 × 9.8 + 35) = 89; 2 × (2.8 × 95 + 1.4 × 89) = 781, high.
	r3 := runDocs(t, st, model.SourceKB, sync.ModeFull, kbLibfoo)
	f := where(dump(t, st, "findings"), "qid", "103")
	if len(f) != 1 {
		t.Fatalf("%d findings 103", len(f))
	}
	got := map[string]any{"title": text(f[0]["title"]), "cvss3_base": text(f[0]["cvss3_base"]), "patchable": text(f[0]["patchable"]),
		"cve_ids": jsonOf(t, f[0]["cve_ids"]), "exploited_by": jsonOf(t, f[0]["exploited_by"]), "mitre_tactics": jsonOf(t, f[0]["mitre_tactics"]),
		"risk_qds": text(f[0]["risk_qds"]), "qds_derived": text(f[0]["qds_derived"])}
	wantKB := map[string]any{"title": "Remote code execution in libfoo", "cvss3_base": "9.8", "patchable": "1",
		"cve_ids": []any{"CVE-2026-1001"}, "exploited_by": []any{"Metasploit"}, "mitre_tactics": []any{"TA0001"},
		"risk_qds": "89", "qds_derived": "1"}
	if diff := cmp.Diff(wantKB, got); diff != "" {
		t.Errorf("finding 103 after the KB run (-want +got):\n%s", diff)
	}
	if r := vmdrRisk(t, st, "1"); r.Band != "high" || r.TruRisk != 781 {
		t.Errorf("host 1 after the KB run: %d %s, want 781 high", r.TruRisk, r.Band)
	}
	if diff := cmp.Diff([]feedEntry{{"risk_band", "", 0, "medium", "high"}}, feed(t, st, r3.ID), allow); diff != "" {
		t.Errorf("KB run changes (-want +got):\n%s", diff)
	}
	if fs, err := st.RiskFindings(ctx, a1); err != nil || len(fs) != 2 || fs[1].Title != "Remote code execution in libfoo" || fs[1].QDS != 89 || !fs[1].Derived {
		t.Errorf("counted findings after the KB run: %+v, %v", fs, err)
	}

	// A full run without host 2: its asset is removed.
	r4 := runDocs(t, st, model.SourceVMDR, sync.ModeFull, host1)
	if diff := cmp.Diff([]feedEntry{{"asset_removed", "2", 0, "", ""}}, feed(t, st, r4.ID), allow); diff != "" {
		t.Errorf("run 4 changes (-want +got):\n%s", diff)
	}
	if r := vmdrRisk(t, st, "2"); r.TruRisk != 0 {
		t.Errorf("removed host 2 keeps TruRisk %d, want 0 (its findings are stale)", r.TruRisk)
	}
	if list, err := st.RiskList(ctx, store.RiskFilter{}); err != nil || len(list) != 1 || list[0].AssetID != a1 {
		t.Errorf("risk list %+v, %v; want only host 1 (host 2 is gone)", list, err)
	}

	// Weights: refused when invalid, all assets rescored when set.
	if _, err := load.SetRiskWeights(ctx, st, &enrich.Weights{Critical: 1, High: 2}); err == nil {
		t.Error("increasing weights accepted")
	}
	if w, err := load.RiskWeights(ctx, st); err != nil || w != enrich.DefaultWeights() {
		t.Errorf("weights after a refused change: %+v, %v", w, err)
	}
	sum, err := load.SetRiskWeights(ctx, st, &enrich.Weights{Critical: 1, High: 0.6, Medium: 0.3, Low: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scored != 2 || sum.BandChanges != 1 {
		t.Errorf("rescored %+v, want 2 assets, 1 band change", sum)
	}
	// 2 × (1 × 95 + 0.6 × 89) = 296.8 → 297.
	if r := vmdrRisk(t, st, "1"); r.TruRisk != 297 || r.Band != "low" {
		t.Errorf("host 1 with weights 1/0.6/0.3/0.1: %d %s, want 297 low", r.TruRisk, r.Band)
	}
	// Rescoring is no run's change.
	if n := changeCounts(t, st)[store.ChangeRiskBand]; n != 2 {
		t.Errorf("%d risk_band changes in all, want the 2 of runs", n)
	}
	d, err := load.ExplainRisk(ctx, st, a1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Breakdown.Score != d.TruRisk || d.TruRisk != 297 || len(d.Findings) != 2 || d.Weights.Critical != 1 || d.Open != 2 || d.Critical != 1 {
		t.Errorf("explain: %+v", d)
	}
	if _, err := load.SetRiskWeights(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	if w, _ := load.RiskWeights(ctx, st); w != enrich.DefaultWeights() {
		t.Errorf("weights after reset: %+v", w)
	}
	if r := vmdrRisk(t, st, "1"); r.TruRisk != 781 || r.Band != "high" {
		t.Errorf("host 1 after the reset: %d %s, want 781 high", r.TruRisk, r.Band)
	}
}

func ptr[T any](v T) *T { return &v }

// The Asset Criticality Score comes from CSAM (criticality and tags) and
// scales TruRisk; assets without vulnerability data are unscored; the risk
// reads list, count and explain what is stored.
func testRiskCriticality(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, vmdrWeb(detQ(101, 443, "Active", 95)), host(2, detQ(100, 22, "Active", 30)))
	web := assetOf(t, st, model.SourceVMDR, "7")
	medium := enrich.TruRisk(enrich.DefaultACS, []enrich.ScoredFinding{{QDS: 95, Status: "Active"}}, enrich.DefaultWeights())
	if r, err := st.AssetRisk(ctx, web); err != nil || r.ACS != 2 || r.TruRisk != medium || r.Band != enrich.Band(medium) {
		t.Fatalf("web before CSAM: %+v, %v; want ACS 2, %d", r, err, medium)
	}
	// CSAM reports the same machine (by FQDN) with criticality 5 and a tag
	// of criticality 4, and a machine of its own without vulnerability data.
	csam := `{"assetId":1,"assetName":"web","dnsName":"web.corp.example.com","criticality":{"score":5,"isDefault":false},
		"tagList":{"tag":[{"tagId":11,"tagName":"crown-jewels","criticalityScore":4}]}}`
	run := runDocs(t, st, model.SourceCSAM, sync.ModeFull, csam, csamDoc(2, "SN-CRIT-2", ""))
	if got := assetOf(t, st, model.SourceCSAM, "1"); got != web {
		t.Fatalf("CSAM record on asset %d, want the VMDR host's %d", got, web)
	}
	score := enrich.TruRisk(5, []enrich.ScoredFinding{{QDS: 95, Status: "Active"}}, enrich.DefaultWeights())
	band := enrich.Band(score)
	r, err := st.AssetRisk(ctx, web)
	if err != nil || r.ACS != 5 || r.TruRisk != score || r.Band != band || r.Name != "web" {
		t.Errorf("web with CSAM: %+v, %v; want ACS 5, %d %s", r, err, score, band)
	}
	want := []feedEntry{{"asset_new", "2", 0, "", ""}, {"risk_band", "", 0, enrich.Band(medium), band}}
	if diff := cmp.Diff(want, feed(t, st, run.ID), cmp.AllowUnexported(feedEntry{})); diff != "" {
		t.Errorf("CSAM run changes (-want +got):\n%s", diff)
	}
	ins, err := st.RiskInputs(ctx, []int64{web})
	if err != nil {
		t.Fatal(err)
	}
	wantIn := []store.RiskInput{{AssetID: web, Band: band, State: "active", Scanned: true, Criticalities: []int{5}, TagCriticalities: []int{4},
		Findings: []store.ScoredFinding{{QDS: 95, Status: "Active"}}}}
	if diff := cmp.Diff(wantIn, ins); diff != "" {
		t.Errorf("risk inputs (-want +got):\n%s", diff)
	}
	d, err := load.ExplainRisk(ctx, st, web)
	if err != nil {
		t.Fatal(err)
	}
	if d.CriticalityScore == nil || *d.CriticalityScore != 5 || !cmp.Equal(d.TagCriticalities, []int{4}) || d.Breakdown.Score != score || d.Critical != 1 {
		t.Errorf("explain: %+v", d)
	}

	low := assetOf(t, st, model.SourceVMDR, "2")
	lowScore := enrich.TruRisk(enrich.DefaultACS, []enrich.ScoredFinding{{QDS: 30, Status: "Active"}}, enrich.DefaultWeights())
	bands, err := load.RiskBands(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	wantBands := map[string]int64{enrich.BandLow: 0, enrich.BandMedium: 0, enrich.BandHigh: 0, enrich.BandSevere: 0, store.Unscored: 1}
	wantBands[band]++
	wantBands[enrich.Band(lowScore)]++
	if diff := cmp.Diff(wantBands, bands); diff != "" {
		t.Errorf("risk bands (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		name string
		f    store.RiskFilter
		want []int64
	}{
		{"all", store.RiskFilter{}, []int64{web, low}},
		{"limit", store.RiskFilter{Limit: 1}, []int64{web}},
		{"band", store.RiskFilter{Band: enrich.Band(lowScore)}, []int64{low}},
		{"empty band", store.RiskFilter{Band: "no-such-band"}, nil},
	} {
		list, err := st.RiskList(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, a := range list {
			got = append(got, a.AssetID)
		}
		if !cmp.Equal(c.want, got) {
			t.Errorf("RiskList %s = %v, want %v", c.name, got, c.want)
		}
		if len(list) > 0 && list[0].AssetID == web && (list[0].TruRisk != score || list[0].Open != 1 || list[0].Critical != 1 || list[0].ACS != 5) {
			t.Errorf("RiskList %s: web %+v", c.name, list[0])
		}
	}
	if _, err := st.AssetRisk(ctx, 1<<40); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AssetRisk of an unknown asset: %v, want ErrNotFound", err)
	}
	if _, err := load.ExplainRisk(ctx, st, 1<<40); err == nil {
		t.Error("ExplainRisk of an unknown asset: no error")
	}
}
