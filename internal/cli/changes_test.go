package cli

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/store"
)

// assertEnriched checks that findings carry the KnowledgeBase facts as
// columns (seed 002's findingName, cvss3Base, exploitedByList,
// isPatchAvailable, recommendation, vector, …) wherever the KnowledgeBase
// has them, and that every asset with findings has a TruRisk.
func assertEnriched(t *testing.T, db *sql.DB) {
	t.Helper()
	missing := map[string]string{
		"title (findingName)":            `f.title IS NULL AND v.title IS NOT NULL`,
		"cvss3_base (cvss3Base)":         `f.cvss3_base IS NULL AND v.cvss3_base IS NOT NULL`,
		"cvss2_base (cvssV2Base)":        `f.cvss2_base IS NULL AND v.cvss2_base IS NOT NULL`,
		"patchable (isPatchAvailable)":   `f.patchable IS NULL AND v.patchable IS NOT NULL`,
		"cve_ids":                        `f.cve_ids IS NULL AND EXISTS (SELECT 1 FROM vuln_cves c WHERE c.qid = v.qid)`,
		"exploited_by (exploitedByList)": `f.exploited_by IS NULL AND json_array_length(json_extract(v.attributes, '$.exploit_sources')) > 0`,
		"malware":                        `f.malware IS NULL AND json_array_length(json_extract(v.attributes, '$.malware_sources')) > 0`,
		"threat_intel":                   `f.threat_intel IS NULL AND json_array_length(json_extract(v.attributes, '$.threat_intel')) > 0`,
		"mitre_tactics":                  `f.mitre_tactics IS NULL AND EXISTS (SELECT 1 FROM vuln_attack a WHERE a.qid = v.qid AND a.kind = 'tactic')`,
		"mitre_techniques":               `f.mitre_techniques IS NULL AND EXISTS (SELECT 1 FROM vuln_attack a WHERE a.qid = v.qid AND a.kind = 'technique')`,
		"risk_qds (Qualys QDS)":          `f.qds > 0 AND f.risk_qds IS NOT min(f.qds, 100)`,
		"risk_qds (derived)":             `coalesce(f.qds, 0) <= 0 AND f.type <> 'Info' AND f.risk_qds IS NULL`,
	}
	for col, cond := range missing {
		if n := scalar(t, db, `SELECT count(*) FROM findings f JOIN vulns v ON v.qid = f.qid WHERE `+cond); n != 0 {
			t.Errorf("%d findings lack %s", n, col)
		}
	}
	for _, col := range []string{"title", "cvss3_base", "cvss2_base", "vector", "patchable", "cve_ids", "exploited_by", "malware", "threat_intel", "mitre_tactics", "mitre_techniques", "risk_qds"} {
		if n := scalar(t, db, `SELECT count(*) FROM findings WHERE `+col+` IS NOT NULL`); n == 0 {
			t.Errorf("no finding has %s", col)
		}
	}
	if n := scalar(t, db, `SELECT count(*) FROM finding_details d JOIN vulns v ON v.qid = d.qid WHERE d.recommendation IS NULL AND json_extract(v.attributes, '$.solution') IS NOT NULL`); n != 0 {
		t.Errorf("%d finding_details rows lack the recommendation", n)
	}
	if n := scalar(t, db, `SELECT count(*) FROM assets a WHERE a.state = 'active' AND (a.trurisk IS NULL) = EXISTS (SELECT 1 FROM findings f WHERE f.asset_id = a.id)`); n != 0 {
		t.Errorf("%d assets: TruRisk set without findings, or missing with findings", n)
	}
	if n := scalar(t, db, `SELECT count(*) FROM assets WHERE trurisk > 0`); n == 0 {
		t.Error("no asset has a TruRisk above 0")
	}
}

// bandsOf returns the TruRisk band of every active scored asset.
func bandsOf(t *testing.T, db *sql.DB) map[int64]string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), `SELECT id, risk_band FROM assets WHERE state = 'active' AND risk_band IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var b string
		if err := rows.Scan(&id, &b); err != nil {
			t.Fatal(err)
		}
		out[id] = b
	}
	return out
}

func refKey(host string, qid int64, port int64, proto string, ssl bool) string {
	return fmt.Sprintf("%s/%d/%d/%s/%v", host, qid, port, proto, ssl)
}

// assertChangesMatch runs `qflow changes` over the runs of sync inc and
// compares it with the simulator's own list of the epoch's changes, and
// the band changes with the bands before and after.
func assertChangesMatch(t *testing.T, s *simEnv, db string, inc Summary, truth qualyssim.Truth, before, after map[int64]string) {
	t.Helper()
	args := []string{"changes", "--db", db, "--json"}
	for _, r := range inc.Runs {
		args = append(args, "--run", strconv.FormatInt(r.RunID, 10))
	}
	code, out, stderr := s.qflow(t, "", args...)
	if code != 0 {
		t.Fatalf("qflow %v: exit %d: %s", args, code, stderr)
	}
	var feed store.ChangeFeed
	if err := json.Unmarshal([]byte(out), &feed); err != nil {
		t.Fatalf("changes JSON: %v\n%s", err, out)
	}
	got := map[string][]string{}
	gotBands := map[int64]string{}
	for _, c := range feed.Changes {
		if c.Kind == store.ChangeRiskBand {
			gotBands[c.AssetID] = c.Old + "→" + c.New
			continue
		}
		var port int64
		if c.Port != nil {
			port = *c.Port
		}
		got[c.Kind] = append(got[c.Kind], refKey(c.NativeKey, c.QID, port, c.Protocol, c.SSL))
	}
	want := map[string][]string{}
	for kind, refs := range map[string][]qualyssim.FindingRef{
		store.ChangeFindingNew: truth.Changes.NewFindings, store.ChangeFindingFixed: truth.Changes.FixedFindings,
		store.ChangeFindingReopened: truth.Changes.ReopenedFindings,
	} {
		if len(refs) == 0 {
			t.Errorf("the simulator lists no %s: the test proves nothing", kind)
		}
		for _, r := range refs {
			want[kind] = append(want[kind], refKey(strconv.FormatInt(r.HostID, 10), int64(r.QID), int64(r.Port), r.Protocol, r.SSL))
		}
	}
	for _, k := range store.ChangeKinds {
		if k == store.ChangeRiskBand {
			continue
		}
		g, w := slices.Sorted(slices.Values(got[k])), slices.Sorted(slices.Values(want[k]))
		if !slices.Equal(g, w) {
			t.Errorf("%s: qflow changes lists %d, the simulator %d\n  only in qflow: %v\n  only in the simulator: %v",
				k, len(g), len(w), minus(g, w), minus(w, g))
		}
		if feed.Counts[k] != int64(len(w)) {
			t.Errorf("%s: count %d, want %d", k, feed.Counts[k], len(w))
		}
	}
	wantBands := map[int64]string{}
	for id, b := range after {
		if old, ok := before[id]; ok && old != b {
			wantBands[id] = old + "→" + b
		}
	}
	if !maps.Equal(gotBands, wantBands) {
		t.Errorf("risk band changes %v, want (bands before and after) %v", gotBands, wantBands)
	}
	t.Logf("changes: %v; band changes %d", feed.Counts, len(gotBands))
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
		if len(out) == 5 {
			break
		}
	}
	return out
}
