package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// Findings are upserted per host × QID × port × protocol × ssl; status
// changes are counted as fixed or reopened; a detection a host no longer
// reports is kept as missing; the findings of a host a full run did not see
// become stale. Nothing is deleted.
func testFindingsLifecycle(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	r1 := runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, det(100, 22, "Active"), det(101, 443, "Fixed"), det(102, 80, "Active")),
		host(2, det(100, 22, "New")))
	if got := r1.Counts.Findings; got != (sync.FindingCounts{Seen: 4, New: 4}) {
		t.Errorf("run 1 findings = %+v", got)
	}
	host1 := host(1, det(100, 22, "Fixed"), det(101, 443, "Re-Opened"), det(103, 0, "New"))
	r2 := runDocs(t, st, model.SourceVMDR, sync.ModeIncremental, host1)
	want := sync.FindingCounts{Seen: 3, New: 1, Updated: 2, Fixed: 1, Reopened: 1, Missing: 1}
	if got := r2.Counts.Findings; got != want {
		t.Errorf("run 2 findings = %+v, want %+v", got, want)
	}
	if got := findingStates(t, st, "1")["1:102/80/tcp/0/"]; got != "missing:Active" {
		t.Errorf("finding 102 no longer reported: %q, want missing:Active", got)
	}
	r3 := runDocs(t, st, model.SourceVMDR, sync.ModeIncremental, host1)
	if got := r3.Counts.Findings; got != (sync.FindingCounts{Seen: 3}) {
		t.Errorf("unchanged run findings = %+v", got)
	}
	r4 := runDocs(t, st, model.SourceVMDR, sync.ModeFull, host1)
	if r4.Counts.Stale != 1 {
		t.Errorf("full run without host 2: %d stale records, want 1", r4.Counts.Stale)
	}

	wantStates := map[string]string{
		"1:100/22/tcp/0/":  "active:Fixed",
		"1:101/443/tcp/0/": "active:Re-Opened",
		"1:102/80/tcp/0/":  "missing:Active",
		"1:103/0/tcp/0/":   "active:New",
		"2:100/22/tcp/0/":  "stale:New",
	}
	if diff := cmp.Diff(wantStates, findingStates(t, st, "1", "2")); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if n := tableCounts(t, st)["findings"]; n != 5 {
		t.Errorf("%d findings stored, want 5", n)
	}
	f := where(dump(t, st, "findings"), "finding_key", "103/0/tcp/0/")
	if len(f) != 1 {
		t.Fatalf("%d findings 103", len(f))
	}
	if got := text(f[0]["results"]); got != "version < 2" {
		t.Errorf("results %q, want the unescaped text", got)
	}
	if diff := cmp.Diff(map[string]any{"CVSS": "7.5"}, jsonOf(t, f[0]["qds_factors"])); diff != "" {
		t.Errorf("QDS factors (-want +got):\n%s", diff)
	}
	ft, err := st.FindingTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTotals := store.FindingTotals{Findings: 3, Missing: 1, Stale: 1, Hosts: 1,
		ByStatus: map[string]int64{"Fixed": 1, "Re-Opened": 1, "New": 1}, ByType: map[string]int64{"Confirmed": 3}, BySeverity: map[string]int64{"4": 3}}
	if diff := cmp.Diff(wantTotals, ft); diff != "" {
		t.Errorf("finding totals (-want +got):\n%s", diff)
	}
	top, err := st.TopQIDs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.NameCount{{Name: "101", Count: 1}, {Name: "103", Count: 1}}, top); diff != "" {
		t.Errorf("top QIDs (open, active) (-want +got):\n%s", diff)
	}
	// The change feed of the lifecycle.
	wantFeed := map[int64][]feedEntry{
		r2.ID: {{"finding_fixed", "1", 100, "Active", "Fixed"}, {"finding_new", "1", 103, "", "New"}, {"finding_reopened", "1", 101, "Fixed", "Re-Opened"}},
		r3.ID: {},
		r4.ID: {{"asset_removed", "2", 0, "", ""}},
	}
	for run, want := range wantFeed {
		if diff := cmp.Diff(want, withoutKind(feed(t, st, run), store.ChangeRiskBand), cmp.AllowUnexported(feedEntry{})); diff != "" {
			t.Errorf("changes of run %d (-want +got):\n%s", run, diff)
		}
	}
}

// withoutKind drops the changes of a kind.
func withoutKind(fs []feedEntry, kind string) []feedEntry {
	out := []feedEntry{}
	for _, f := range fs {
		if f.kind != kind {
			out = append(out, f)
		}
	}
	return out
}

// KnowledgeBase records land in vulns with their CVEs and ATT&CK ids, and
// VulnAttributes returns their values for the VMDR join.
func testVulns(t *testing.T, st store.Store, _ opener) {
	ctx := t.Context()
	r := runDocs(t, st, model.SourceKB, sync.ModeFull, kbMacOS)
	if r.Counts.Vulns != 1 || r.Counts.New != 1 {
		t.Errorf("counts %+v", r.Counts)
	}
	if r := runDocs(t, st, model.SourceKB, sync.ModeFull, kbMacOS); r.Counts.Unchanged != 1 || r.Counts.Vulns != 0 {
		t.Errorf("second run counts %+v", r.Counts)
	}
	n := tableCounts(t, st)
	if n["vulns"] != 1 || n["vuln_cves"] != 2 || n["vuln_attack"] != 2 {
		t.Errorf("%d vulns, %d CVEs, %d ATT&CK ids; want 1, 2, 2", n["vulns"], n["vuln_cves"], n["vuln_attack"])
	}
	v := dump(t, st, "vulns")
	if len(v) != 1 || text(v[0]["cvss3_base"]) != "7.8" || text(v[0]["title"]) != "Apple macOS Security Update" || text(v[0]["severity"]) != "5" {
		t.Errorf("vulns %v", v)
	}
	got, err := st.VulnAttributes(ctx, []int64{375402, 1})
	if err != nil {
		t.Fatal(err)
	}
	a := got[375402]
	if len(got) != 1 || a["title"] != "Apple macOS Security Update" || a["patchable"] != true || a["cvss3_base"] != 7.8 {
		t.Errorf("VulnAttributes = %v", got)
	}
	if diff := cmp.Diff([]any{"CVE-2025-1", "CVE-2025-2"}, a["cve_ids"]); diff != "" {
		t.Errorf("CVEs (-want +got):\n%s", diff)
	}
	if ft, err := st.FindingTotals(ctx); err != nil || ft.Vulns != 1 {
		t.Errorf("finding totals %+v, %v; want 1 vuln", ft, err)
	}
	// A changed entry is updated in place.
	changed := `{"QID":375402,"VULN_TYPE":"Vulnerability","SEVERITY_LEVEL":4,"TITLE":"Apple macOS Security Update (revised)","PATCHABLE":1,
		"CVE_LIST":[{"ID":"CVE-2025-1"}],"CVSS_V3":{"BASE":7.1}}`
	if r := runDocs(t, st, model.SourceKB, sync.ModeFull, changed); r.Counts.Updated != 1 || r.Counts.Vulns != 1 {
		t.Errorf("changed entry counts %+v", r.Counts)
	}
	n = tableCounts(t, st)
	if n["vulns"] != 1 || n["vuln_cves"] != 1 || n["vuln_attack"] != 0 {
		t.Errorf("after the change: %d vulns, %d CVEs, %d ATT&CK ids; want 1, 1, 0", n["vulns"], n["vuln_cves"], n["vuln_attack"])
	}
	got, err = st.VulnAttributes(ctx, []int64{375402})
	if err != nil || got[375402]["title"] != "Apple macOS Security Update (revised)" || got[375402]["cvss3_base"] != 7.1 {
		t.Errorf("VulnAttributes after the change = %v, %v", got, err)
	}
}
