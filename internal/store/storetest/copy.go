package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// copyStore copies every table of from into to with DumpTable and
// LoadTable, as `qflow copy` does: first the settings a fresh store's
// migrations wrote are cleared, then every table is loaded.
func copyStore(t *testing.T, from, to store.Store) {
	t.Helper()
	for _, r := range dump(t, to, "settings") {
		if err := to.SetSetting(t.Context(), text(r["key"]), ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, table := range store.Tables {
		var cols []string
		var rows [][]any
		err := from.DumpTable(t.Context(), table, func(c []string, r []any) error {
			cols = c
			rows = append(rows, r)
			return nil
		})
		if err != nil {
			t.Fatalf("dump %s: %v", table, err)
		}
		if len(rows) == 0 {
			continue
		}
		i := 0
		n, err := to.LoadTable(t.Context(), table, cols, func() ([]any, bool, error) {
			if i == len(rows) {
				return nil, false, nil
			}
			i++
			return rows[i-1], true, nil
		})
		if err != nil {
			t.Fatalf("load %s: %v", table, err)
		}
		if n != int64(len(rows)) {
			t.Errorf("load %s: %d rows loaded, want %d", table, n, len(rows))
		}
	}
}

// A synced store dumped table by table and loaded into a fresh one gives
// the same data: the same counts and reads, the same checkpoints, and the
// copy takes further runs (its ids continue after the loaded ones).
func testDumpLoad(t *testing.T, st store.Store, open opener) {
	ctx := t.Context()
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-COPY-1", "", "openssl", "curl"),
		`{"assetId":2,"assetName":"crown","dnsName":"web.corp.example.com","criticality":{"score":4,"isDefault":false},
			"tagList":{"tag":[{"tagId":11,"tagName":"prod","criticalityScore":3}]},
			"networkInterfaceListData":{"networkInterface":[{"interfaceName":"eth0","macAddress":"3c:22:fb:12:34:57","addressIpV4":"10.1.0.2"}]}}`)
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, vmdrWeb(det(100, 22, "Active"), detQ(101, 443, "Fixed", 95)), host(2, det(102, 80, "New")))
	runDocs(t, st, model.SourceKB, sync.ModeFull, kbLibfoo, kbMacOS)
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-COPY-1", "", "openssl", "curl"), `{"assetId":"bad"}`)
	if err := st.SetSetting(ctx, "storetest.copy", "yes"); err != nil {
		t.Fatal(err)
	}
	yaml, hash := compiledMap(t, model.SourceVMDR)
	if _, err := st.SaveMap(ctx, store.StoredMap{Name: "mine", Source: "VMDR", YAML: yaml, Hash: hash}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveRunMap(ctx, hash, "vmdr-default", yaml); err != nil {
		t.Fatal(err)
	}

	cp := open(t)
	copyStore(t, st, cp)

	want := tableCounts(t, st)
	for _, table := range []string{"assets", "asset_records", "asset_identifiers", "installed_software", "findings", "changes", "vulns",
		"vuln_cves", "runs", "cursors", "quarantine", "tags", "network_interfaces", "settings", "transform_maps", "run_maps"} {
		if want[table] == 0 {
			t.Errorf("the source store has no %s: the copy proves nothing of them", table)
		}
	}
	if diff := cmp.Diff(want, tableCounts(t, cp)); diff != "" {
		t.Errorf("table counts of the copy (-original +copy):\n%s", diff)
	}
	reads := []struct {
		name string
		read func(store.Store) (any, error)
	}{
		{"Totals", func(s store.Store) (any, error) { return s.Totals(ctx) }},
		{"FindingTotals", func(s store.Store) (any, error) { return s.FindingTotals(ctx) }},
		{"RiskList", func(s store.Store) (any, error) { return s.RiskList(ctx, store.RiskFilter{}) }},
		{"RiskBands", func(s store.Store) (any, error) { return s.RiskBands(ctx) }},
		{"Quarantine", func(s store.Store) (any, error) { return s.Quarantine(ctx, 10) }},
		{"Changes", func(s store.Store) (any, error) { return s.Changes(ctx, store.ChangeFilter{}) }},
		{"Conflicts", func(s store.Store) (any, error) { return s.Conflicts(ctx, 0) }},
		{"TopSoftware", func(s store.Store) (any, error) { return s.TopSoftware(ctx, 10) }},
		{"TopOperatingSystems", func(s store.Store) (any, error) { return s.TopOperatingSystems(ctx, 10) }},
		{"VulnAttributes", func(s store.Store) (any, error) { return s.VulnAttributes(ctx, []int64{103, 375402}) }},
		{"Maps", func(s store.Store) (any, error) { return s.Maps(ctx) }},
		{"Checkpoint", func(s store.Store) (any, error) { return s.LoadCheckpoint(ctx, "vmdr", subscription) }},
		{"Setting", func(s store.Store) (any, error) { v, _, err := s.Setting(ctx, "storetest.copy"); return v, err }},
	}
	for _, r := range reads {
		a, err := r.read(st)
		if err != nil {
			t.Fatalf("%s of the original: %v", r.name, err)
		}
		b, err := r.read(cp)
		if err != nil {
			t.Fatalf("%s of the copy: %v", r.name, err)
		}
		if diff := cmp.Diff(a, b); diff != "" {
			t.Errorf("%s (-original +copy):\n%s", r.name, diff)
		}
	}

	// The copy goes on where the original was: unchanged records stay,
	// new ones get fresh ids.
	run := runDocs(t, cp, model.SourceVMDR, sync.ModeIncremental, vmdrWeb(det(100, 22, "Active"), detQ(101, 443, "Fixed", 95)), host(3, det(103, 80, "New")))
	if run.Counts.Unchanged != 1 || run.Counts.New != 1 || run.Resumed {
		t.Errorf("run on the copy: %+v", run.Counts)
	}
	if orig, err := st.LatestRun(ctx); err != nil || run.ID <= orig {
		t.Errorf("run id %d on the copy, original's latest %d (%v): want the ids to continue", run.ID, orig, err)
	}
	n := tableCounts(t, cp)
	if n["assets"] != want["assets"]+1 || n["findings"] != want["findings"]+1 || n["asset_records"] != want["asset_records"]+1 {
		t.Errorf("after a run on the copy: %v (original %v)", n, want)
	}
}
