package cli

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/qualyssim"
)

// Two overlapping subscriptions, CSAM and VMDR of each: one asset per
// machine (the simulator's unified_assets), junk identifiers merge nothing,
// and a second run changes no identity.
func TestIdentityAcrossSubscriptions(t *testing.T) {
	t.Parallel()
	s := startSim(t, qualyssim.Config{Assets: scale(t, 40, 250), Seed: 8, Subscriptions: 2, Overlap: 0.3})
	db := filepath.Join(t.TempDir(), "q.db")
	_, pass := s.srv.Credentials()
	sync := func(user, sub, source string) Summary {
		t.Helper()
		args := []string{"sync", "--gateway-url", s.url, "--db", db, "--json", "--log-level", "warn", "--subscription", sub, "--source", source, "--full"}
		code, out, stderr := qflow(t, map[string]string{"QUALYS_USERNAME": user, "QUALYS_PASSWORD": pass}, args...)
		if code != 0 {
			t.Fatalf("qflow %v: exit %d\n%s\n%s", args, code, out, stderr)
		}
		var sum Summary
		if err := json.Unmarshal([]byte(out), &sum); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	all := func() {
		for i := 1; i <= 2; i++ {
			sync("qflow"+strconv.Itoa(i), "sub"+strconv.Itoa(i), "csam")
		}
		// The KnowledgeBase plays no part in identity: VMDR hosts load
		// without it.
		for i := 1; i <= 2; i++ {
			sync("qflow"+strconv.Itoa(i), "sub"+strconv.Itoa(i), "vmdr")
		}
	}
	identities := func() map[string]int64 {
		d := openDB(t, db)
		rows, err := d.QueryContext(t.Context(), "SELECT source || '/' || subscription || '/' || native_key, asset_id FROM asset_records")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		m := map[string]int64{}
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				t.Fatal(err)
			}
			m[k] = id
		}
		return m
	}
	all()
	truth := s.srv.Truth()
	if truth.UnifiedAssets == 0 {
		t.Fatal("simulator truth has no unified_assets")
	}
	d := openDB(t, db)
	if got := scalar(t, d, "SELECT count(*) FROM assets WHERE state = 'active'"); got != int64(truth.UnifiedAssets) {
		t.Errorf("assets = %d, simulator unified_assets = %d", got, truth.UnifiedAssets)
	}
	if got := scalar(t, d, "SELECT count(DISTINCT subscription) FROM asset_records WHERE identified_by IS NOT NULL AND identified_by <> 'Qualys host ID'"); got == 0 {
		t.Error("no record was merged across subscriptions by a hardware identifier")
	}
	first := identities()
	all()
	second := identities()
	if len(first) != len(second) {
		t.Fatalf("records: %d then %d", len(first), len(second))
	}
	for k, id := range first {
		if second[k] != id {
			t.Errorf("record %s moved from asset %d to %d on the second run", k, id, second[k])
		}
	}
}

// Identification does not depend on the order in which sources and
// subscriptions are synced: CSAM first then VMDR, or VMDR first then CSAM,
// into two databases, both give exactly the simulator's unified_assets,
// with the same records grouped together.
func TestIdentityIndependentOfSyncOrder(t *testing.T) {
	t.Parallel()
	s := startSim(t, qualyssim.Config{Assets: scale(t, 15, 100), Seed: 51, Subscriptions: 3, Overlap: 0.3})
	_, pass := s.srv.Credentials()
	users := s.srv.Usernames()
	sync := func(db, user, sub, source string) {
		t.Helper()
		args := []string{"sync", "--gateway-url", s.url, "--db", db, "--json", "--log-level", "warn", "--subscription", sub, "--source", source, "--full"}
		if code, out, stderr := qflow(t, map[string]string{"QUALYS_USERNAME": user, "QUALYS_PASSWORD": pass}, args...); code != 0 {
			t.Fatalf("qflow %v: exit %d\n%s\n%s", args, code, out, stderr)
		}
	}
	grouping := func(db string, orders ...[]string) []string {
		for _, sources := range orders {
			for i, u := range users {
				for _, src := range sources {
					sync(db, u, "sub"+strconv.Itoa(i+1), src)
				}
			}
		}
		d := openDB(t, db)
		rows, err := d.QueryContext(t.Context(), `SELECT group_concat(k, ' ') FROM (SELECT asset_id, source || '/' || subscription || '/' || native_key AS k FROM asset_records ORDER BY k) GROUP BY asset_id ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				t.Fatal(err)
			}
			out = append(out, g)
		}
		return out
	}
	dir := t.TempDir()
	// The KnowledgeBase plays no part in identity: VMDR hosts load without it.
	csamFirst := grouping(filepath.Join(dir, "csam-first.db"), []string{"csam"}, []string{"vmdr"})
	vmdrFirst := grouping(filepath.Join(dir, "vmdr-first.db"), []string{"vmdr"}, []string{"csam"})
	truth := s.srv.Truth()
	if len(csamFirst) != truth.UnifiedAssets || len(vmdrFirst) != truth.UnifiedAssets {
		t.Errorf("assets: CSAM first %d, VMDR first %d; simulator unified_assets %d", len(csamFirst), len(vmdrFirst), truth.UnifiedAssets)
	}
	if diff := cmp.Diff(csamFirst, vmdrFirst); diff != "" {
		t.Errorf("the records are grouped differently by sync order (-CSAM first +VMDR first):\n%s", diff)
	}
}
