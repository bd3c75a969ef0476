package sqlite_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/qflow/qflow/internal/enrich"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
)

// detQ is a detection with the given QDS (0: none).
func detQ(qid, port int, status string, qds int) string {
	q := ""
	if qds > 0 {
		q = fmt.Sprintf(`"QDS":{"value":%d,"severity":"HIGH"},`, qds)
	}
	return fmt.Sprintf(`{"QID":%d,"TYPE":"Confirmed","SEVERITY":4,"PORT":%d,"PROTOCOL":"tcp","SSL":0,"STATUS":%q,%s"IS_IGNORED":0,"IS_DISABLED":0}`, qid, port, status, q)
}

type feedEntry struct {
	kind     string
	host     string
	qid      int64
	old, new string
}

func feed(t *testing.T, st *sqlite.Store, run int64) []feedEntry {
	t.Helper()
	f, err := st.Changes(t.Context(), sqlite.ChangeFilter{RunIDs: []int64{run}})
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
	var out []feedEntry
	for _, c := range f.Changes {
		out = append(out, feedEntry{c.Kind, c.NativeKey, c.QID, c.Old, c.New})
	}
	slices.SortFunc(out, func(a, b feedEntry) int {
		return cmpStr(fmt.Sprint(a), fmt.Sprint(b))
	})
	return out
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func assetRisk(t *testing.T, st *sqlite.Store, nativeKey string) (acs, score int, band string, derived int) {
	t.Helper()
	err := st.DB().QueryRowContext(t.Context(), `SELECT a.acs, a.trurisk, a.risk_band FROM assets a JOIN asset_records r ON r.asset_id = a.id WHERE r.native_key = ?`, nativeKey).
		Scan(&acs, &score, &band)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// Each run records what it changed: new and removed assets, new, fixed and
// reopened findings, and risk band changes; TruRisk is stored per asset.
func TestChangeFeedAndRisk(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	r1 := runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, detQ(100, 22, "Active", 70), detQ(101, 443, "Fixed", 95)),
		host(2, detQ(100, 22, "New", 70)))
	want := []feedEntry{
		{"asset_new", "1", 0, "", ""}, {"asset_new", "2", 0, "", ""},
		{"finding_new", "1", 100, "", "Active"}, {"finding_new", "1", 101, "", "Fixed"}, {"finding_new", "2", 100, "", "New"},
	}
	if got := feed(t, st, r1.ID); !slices.Equal(got, want) {
		t.Errorf("run 1 changes:\n got %v\nwant %v", got, want)
	}
	// One open QDS 70 finding on an ACS 2 asset: 2 × 1.4 × 70 = 196, low.
	if acs, score, band, _ := assetRisk(t, st, "1"); acs != 2 || score != 196 || band != "low" {
		t.Errorf("host 1 risk = ACS %d, %d %s; want 2, 196 low", acs, score, band)
	}

	// 100 fixed, 101 reopened (QDS 95: critical), 103 new without a QDS.
	r2 := runDocs(t, st, model.SourceVMDR, sync.ModeIncremental,
		host(1, detQ(100, 22, "Fixed", 70), detQ(101, 443, "Re-Opened", 95), detQ(103, 0, "New", 0)))
	want = []feedEntry{
		{"finding_fixed", "1", 100, "Active", "Fixed"}, {"finding_new", "1", 103, "", "New"},
		{"finding_reopened", "1", 101, "Fixed", "Re-Opened"}, {"risk_band", "", 0, "low", "medium"},
	}
	if got := feed(t, st, r2.ID); !slices.Equal(got, want) {
		t.Errorf("run 2 changes:\n got %v\nwant %v", got, want)
	}
	// 101: 2.8 × 95 = 266; 103 derived from severity 4 alone: 6.5 × 8 = 52
	// (medium bucket), 0.7 × 52 = 36.4; ACS 2 × 302.4 = 604.8 → 605.
	wantScore := enrich.TruRisk(2, []enrich.ScoredFinding{{QDS: 95, Status: "Re-Opened"}, {QDS: 52, Status: "New"}}, enrich.DefaultWeights())
	if acs, score, band, _ := assetRisk(t, st, "1"); acs != 2 || score != wantScore || score != 605 || band != "medium" {
		t.Errorf("host 1 risk = ACS %d, %d %s; want 2, 605 medium", acs, score, band)
	}
	var rq, derived int
	if err := st.DB().QueryRowContext(ctx, `SELECT risk_qds, qds_derived FROM findings WHERE qid = 103`).Scan(&rq, &derived); err != nil || rq != 52 || derived != 1 {
		t.Errorf("derived QDS of 103 = %d (derived %d), %v; want 52, 1", rq, derived, err)
	}

	// A KnowledgeBase entry for 103 with CVSS v3 9.8 and a Metasploit
	// exploit (weaponized, no threat signal): the derived QDS becomes
	// min(89, 6.5 × 9.8 + 35) = 89; 2 × (2.8 × 95 + 1.4 × 89) = 781, high.
	kb := `{"QID":103,"VULN_TYPE":"Vulnerability","SEVERITY_LEVEL":4,"TITLE":"Remote code execution in libfoo","PATCHABLE":1,
		"CVE_LIST":[{"ID":"CVE-2026-1001"}],"CVSS_V3":{"BASE":9.8},"CVSS":{"BASE":{"value":7.5}},
		"CORRELATION":{"EXPLOITS":[{"SRC_NAME":"Metasploit"}]},"THREAT_INTELLIGENCE":[{"id":2,"value":"Exploit_Public"}],
		"MITRE_ATTACK_LIST":[{"MITRE_TACTIC_ID":"TA0001","MITRE_TECHNIQUE_ID":"T1190"}]}`
	r3 := runDocs(t, st, model.SourceKB, sync.ModeFull, kb)
	var title, cves, exploits, tactics string
	var cvss3 float64
	var patchable int
	err = st.DB().QueryRowContext(ctx, `SELECT title, cvss3_base, patchable, cve_ids, exploited_by, mitre_tactics, risk_qds, qds_derived FROM findings WHERE qid = 103`).
		Scan(&title, &cvss3, &patchable, &cves, &exploits, &tactics, &rq, &derived)
	if err != nil {
		t.Fatal(err)
	}
	if title != "Remote code execution in libfoo" || cvss3 != 9.8 || patchable != 1 || cves != `["CVE-2026-1001"]` ||
		exploits != `["Metasploit"]` || tactics != `["TA0001"]` || rq != 89 || derived != 1 {
		t.Errorf("finding 103 after the KB run: %q %v %d %s %s %s QDS %d derived %d", title, cvss3, patchable, cves, exploits, tactics, rq, derived)
	}
	if _, score, band, _ := assetRisk(t, st, "1"); band != "high" || score != 781 {
		t.Errorf("host 1 after the KB run: %d %s, want 781 high", score, band)
	}
	if got := feed(t, st, r3.ID); !slices.Equal(got, []feedEntry{{"risk_band", "", 0, "medium", "high"}}) {
		t.Errorf("KB run changes: %v", got)
	}

	// A full run without host 2: its asset is removed.
	r4 := runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, detQ(100, 22, "Fixed", 70), detQ(101, 443, "Re-Opened", 95), detQ(103, 0, "New", 0)))
	if got := feed(t, st, r4.ID); !slices.Equal(got, []feedEntry{{"asset_removed", "2", 0, "", ""}}) {
		t.Errorf("run 4 changes: %v", got)
	}
	if _, score, _, _ := assetRisk(t, st, "2"); score != 0 {
		t.Errorf("removed host 2 keeps TruRisk %d, want 0 (its findings are stale)", score)
	}

	// Weights: refused when invalid, all assets rescored when set.
	if _, err := st.SetRiskWeights(ctx, &enrich.Weights{Critical: 1, High: 2}); err == nil {
		t.Error("increasing weights accepted")
	}
	sum, err := st.SetRiskWeights(ctx, &enrich.Weights{Critical: 1, High: 0.6, Medium: 0.3, Low: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scored != 2 {
		t.Errorf("rescored %d assets, want 2", sum.Scored)
	}
	// 2 × (1 × 95 + 0.6 × 89) = 296.8 → 297.
	if _, score, band, _ := assetRisk(t, st, "1"); score != 297 || band != "low" {
		t.Errorf("host 1 with weights 1/0.6/0.3/0.1: %d %s, want 297 low", score, band)
	}
	d, err := st.ExplainRisk(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Breakdown.Score != d.TruRisk || len(d.Findings) != 2 || d.Weights.Critical != 1 {
		t.Errorf("explain: %+v", d)
	}
	if _, err := st.SetRiskWeights(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if w, _ := st.RiskWeights(ctx); w != enrich.DefaultWeights() {
		t.Errorf("weights after reset: %+v", w)
	}
}
