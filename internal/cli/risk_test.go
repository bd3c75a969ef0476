package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/store"
)

// qflow risk list / explain / weights and qflow changes on a synced
// database: ACS as documented, scores that explain themselves, weights
// checked and applied at once, clear errors for bad input.
func TestRiskAndChangesCommands(t *testing.T) {
	t.Parallel()
	s := startSim(t, qualyssim.Config{Assets: scale(t, 40, 80), Hosts: scale(t, 50, 100), Seed: 11})
	db := filepath.Join(t.TempDir(), "r.db")
	sum := vmdrSync(t, s, db, "--source", "all", "--full")
	if sum.State != "Processed" {
		t.Fatalf("sync %s: %s", sum.State, sum.Error)
	}
	run := func(args ...string) string {
		t.Helper()
		code, out, stderr := qflow(t, nil, append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("qflow %v: exit %d: %s", args, code, stderr)
		}
		return out
	}
	fail := func(want string, args ...string) {
		t.Helper()
		code, _, stderr := qflow(t, nil, args...)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("qflow %v: exit %d, stderr %q; want an error containing %q", args, code, stderr, want)
		}
	}

	sdb := openDB(t, db)
	// ACS: the highest of CSAM criticality.score (unless a default) and tag
	// criticality, else 2.
	if n := scalar(t, sdb, `SELECT count(*) FROM assets a WHERE a.acs IS NOT coalesce((SELECT max(v) FROM (
		SELECT json_extract(r.attributes, '$.criticality_score') AS v FROM asset_records r
		WHERE r.asset_id = a.id AND r.source = 'CSAM' AND r.state = 'active' AND NOT coalesce(json_extract(r.attributes, '$.criticality_is_default'), 0)
		UNION ALL SELECT t.criticality_score FROM tags t WHERE t.asset_id = a.id)), 2)`); n != 0 {
		t.Errorf("%d assets have an ACS other than the documented one", n)
	}
	if n := scalar(t, sdb, `SELECT count(DISTINCT acs) FROM assets`); n < 3 {
		t.Errorf("only %d distinct ACS values: the data set does not exercise criticality", n)
	}
	if sum.RiskBands["severe"]+sum.RiskBands["high"]+sum.RiskBands["medium"]+sum.RiskBands["low"]+sum.RiskBands[store.Unscored] != sum.Totals.Assets {
		t.Errorf("sync risk_bands %v do not add up to %d assets", sum.RiskBands, sum.Totals.Assets)
	}

	var list struct {
		Bands  map[string]int64  `json:"bands"`
		Assets []store.AssetRisk `json:"assets"`
	}
	if err := json.Unmarshal([]byte(run("risk", "list", "--json", "--limit", "1000")), &list); err != nil {
		t.Fatal(err)
	}
	scored := list.Bands["severe"] + list.Bands["high"] + list.Bands["medium"] + list.Bands["low"]
	if int64(len(list.Assets)) != scored || scored == 0 {
		t.Fatalf("risk list: %d assets, bands %v", len(list.Assets), list.Bands)
	}
	if !slices.IsSortedFunc(list.Assets, func(a, b store.AssetRisk) int { return b.TruRisk - a.TruRisk }) {
		t.Error("risk list is not sorted by TruRisk, highest first")
	}
	top := list.Assets[0]
	var d load.AssetRiskDetail
	if err := json.Unmarshal([]byte(run("risk", "explain", strconv.FormatInt(top.AssetID, 10), "--json")), &d); err != nil {
		t.Fatal(err)
	}
	if d.Breakdown.Score != top.TruRisk || d.Breakdown.ACS != top.ACS || int64(len(d.Findings)) != top.Open {
		t.Errorf("explain %d: score %d ACS %d findings %d; list says %d, %d, %d", top.AssetID, d.Breakdown.Score, d.Breakdown.ACS, len(d.Findings), top.TruRisk, top.ACS, top.Open)
	}
	if out := run("risk", "explain", strconv.FormatInt(top.AssetID, 10)); !strings.Contains(out, "TruRisk "+strconv.Itoa(top.TruRisk)) || !strings.Contains(out, "critical") {
		t.Errorf("explain text:\n%s", out)
	}

	fail("weights.low: must not exceed weights.medium", "risk", "weights", "--db", db, "--medium", "0.1", "--low", "0.5")
	fail("no asset 999999", "risk", "explain", "999999", "--db", db)
	fail("--band", "risk", "list", "--band", "extreme", "--db", db)
	var ws struct {
		Rescored load.RiskSummary `json:"rescored"`
	}
	if err := json.Unmarshal([]byte(run("risk", "weights", "--critical", "1", "--high", "0.6", "--medium", "0.3", "--low", "0.1", "--json")), &ws); err != nil {
		t.Fatal(err)
	}
	if ws.Rescored.Scored != scored {
		t.Errorf("weights rescored %d assets, want %d", ws.Rescored.Scored, scored)
	}
	var after load.AssetRiskDetail
	if err := json.Unmarshal([]byte(run("risk", "explain", strconv.FormatInt(top.AssetID, 10), "--json")), &after); err != nil {
		t.Fatal(err)
	}
	if after.Weights.Critical != 1 || after.TruRisk != after.Breakdown.Score || after.TruRisk >= top.TruRisk {
		t.Errorf("after lowering the weights: weights %+v, stored %d, recomputed %d, before %d", after.Weights, after.TruRisk, after.Breakdown.Score, top.TruRisk)
	}
	if out := run("risk", "weights", "--reset"); !strings.Contains(out, "critical (QDS 90–100) 2.8") {
		t.Errorf("reset: %s", out)
	}

	// The change feed of the first sync is its baseline: every asset and finding new.
	var feed store.ChangeFeed
	if err := json.Unmarshal([]byte(run("changes", "--since", "1h", "--json")), &feed); err != nil {
		t.Fatal(err)
	}
	if len(feed.Runs) != 3 || feed.Counts["asset_new"] != sum.Totals.Assets || feed.Counts["finding_new"] != sum.FindingTotals.Findings {
		t.Errorf("changes since 1h: %d runs, counts %v; want 3 runs, %d assets, %d findings", len(feed.Runs), feed.Counts, sum.Totals.Assets, sum.FindingTotals.Findings)
	}
	if feed.Counts["asset_new"] != sum.Changes["asset_new"] {
		t.Errorf("sync --json changes %v, qflow changes %v", sum.Changes, feed.Counts)
	}
	if out := run("changes", "--kind", "asset_new", "--limit", "2"); !strings.Contains(out, "asset_new") || !strings.Contains(out, "first 2 shown") {
		t.Errorf("changes text:\n%s", out)
	}
	fail(`--kind "gone"`, "changes", "--kind", "gone", "--db", db)
	fail("no run 424242", "changes", "--run", "424242", "--db", db)
	fail("--since", "changes", "--since", "yesterday", "--db", db)
	missing := filepath.Join(t.TempDir(), "none.db")
	fail("no database at", "changes", "--db", missing)
	fail("no database at", "risk", "list", "--db", missing)
}
