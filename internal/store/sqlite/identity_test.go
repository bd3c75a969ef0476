package sqlite_test

import (
	"fmt"
	"testing"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/sync"
)

func csamDoc(id int, serial, fqdn string, sw ...string) string {
	items := ""
	for i, s := range sw {
		if i > 0 {
			items += ","
		}
		items += fmt.Sprintf(`{"fullName":%q,"productName":%q,"version":"1.0"}`, s, s)
	}
	return fmt.Sprintf(`{"assetId":%d,"assetName":"a%d","biosSerialNumber":%q,"dnsName":%q,"softwareListData":{"software":[%s]}}`, id, id, serial, fqdn, items)
}

// A record that links two existing assets (by serial to one, by FQDN to
// the other) makes them one asset, the older: every record, software and
// finding row of both, and their change feed, end on it; the younger is
// gone, and an asset_merged change names it. Nothing is duplicated, and a
// second run changes nothing.
func TestMergeWhenARecordLinksTwoAssets(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-MERGE-1", "", "openssl", "curl"))
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, `{"ID":7,"IP":"10.0.0.7","DNS_DATA":{"HOSTNAME":"web","FQDN":"web.corp.example.com"},"VULNERABILITIES":[`+det(38170, 443, "Active")+`,`+det(38171, 443, "New")+`]}`)
	if n := count(t, st, `SELECT count(*) FROM assets`); n != 2 {
		t.Fatalf("%d assets before the linking record, want 2", n)
	}
	var older, younger int64
	if err := st.DB().QueryRowContext(t.Context(), `SELECT min(id), max(id) FROM assets`).Scan(&older, &younger); err != nil {
		t.Fatal(err)
	}
	// A second CSAM record of the machine (say, re-registered): the same
	// serial as asset 1, the FQDN of the VMDR host.
	run := runDocs(t, st, model.SourceCSAM, sync.ModeIncremental, csamDoc(1, "SN-MERGE-1", "", "openssl", "curl"), csamDoc(2, "SN-MERGE-1", "web.corp.example.com", "nginx"))

	for _, c := range []struct {
		q    string
		want int64
	}{
		{`SELECT count(*) FROM assets`, 1},
		{fmt.Sprintf(`SELECT count(*) FROM assets WHERE id = %d`, older), 1},
		{fmt.Sprintf(`SELECT count(*) FROM asset_records WHERE asset_id = %d`, older), 3},
		{fmt.Sprintf(`SELECT count(*) FROM installed_software WHERE asset_id = %d`, older), 3},
		{fmt.Sprintf(`SELECT count(*) FROM findings WHERE asset_id = %d`, older), 2},
		{fmt.Sprintf(`SELECT count(*) FROM asset_identifiers WHERE asset_id <> %d`, older), 0},
		{fmt.Sprintf(`SELECT count(*) FROM changes WHERE asset_id <> %d`, older), 0},
		{`SELECT count(*) FROM changes WHERE kind = 'finding_new'`, 2},
		{fmt.Sprintf(`SELECT count(*) FROM changes WHERE kind = 'asset_merged' AND asset_id = %d AND old_value = '%d' AND run_id = %d`, older, younger, run.ID), 1},
		{`SELECT count(*) FROM asset_records WHERE identified_by IS NOT NULL`, 1},
		{fmt.Sprintf(`SELECT count(*) FROM assets WHERE id = %d AND trurisk IS NOT NULL`, older), 1},
	} {
		if got := count(t, st, c.q); got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
	// Again: nothing moves, nothing is written twice.
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-MERGE-1", "", "openssl", "curl"), csamDoc(2, "SN-MERGE-1", "web.corp.example.com", "nginx"))
	if n := count(t, st, `SELECT count(*) FROM changes WHERE kind IN ('asset_merged', 'asset_new', 'asset_split')`); n != 3 {
		t.Errorf("%d asset changes after a second run, want 3 (two new, one merged)", n)
	}
	if n := count(t, st, `SELECT count(*) FROM assets`); n != 1 {
		t.Errorf("%d assets after a second run", n)
	}
}

// A value learned as junk re-decides the records it held together: records
// that only it joined become separate assets again (asset_split).
func TestLearnedJunkSplitsWhatItJoined(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	// Machines known only by agent ID (no serial, no UUID) sharing one FQDN:
	// the first two join on it before it is known to be shared.
	doc := func(id int) string {
		return fmt.Sprintf(`{"assetId":%d,"agentId":"a9e70000-0000-4000-8000-%012d","dnsName":"golden-image.corp.example.com"}`, id, id)
	}
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, doc(1), doc(2))
	if n := count(t, st, `SELECT count(*) FROM assets`); n != 1 {
		t.Fatalf("%d assets: the FQDN should have joined the first two records", n)
	}
	var docs []string
	for i := 1; i <= 7; i++ {
		docs = append(docs, doc(i))
	}
	run := runDocs(t, st, model.SourceCSAM, sync.ModeFull, docs...)
	if n := count(t, st, `SELECT count(*) FROM assets`); n != 7 {
		t.Errorf("%d assets for 7 machines told apart by agent ID", n)
	}
	if n := count(t, st, `SELECT count(*) FROM identity_junk WHERE attribute = 'fqdn' AND value = 'golden-image.corp.example.com' AND origin = 'learned'`); n != 1 {
		t.Errorf("the shared FQDN was not learned as junk")
	}
	if n := count(t, st, fmt.Sprintf(`SELECT count(*) FROM changes WHERE kind = 'asset_split' AND run_id = %d`, run.ID)); n < 1 {
		t.Errorf("no asset_split change")
	}
	if n := count(t, st, `SELECT count(*) FROM assets a WHERE NOT EXISTS (SELECT 1 FROM asset_records r WHERE r.asset_id = a.id)`); n != 0 {
		t.Errorf("%d assets without a record", n)
	}
}

// A record already loaded whose new content links another asset merges it
// too: the same machines whichever record learned the link first.
func TestMergeWhenAChangedRecordLinksAnAsset(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	runDocs(t, st, model.SourceVMDR, sync.ModeFull, `{"ID":7,"IP":"10.0.0.7","DNS_DATA":{"HOSTNAME":"web","FQDN":"web.corp.example.com"},"VULNERABILITIES":[`+det(38170, 443, "Active")+`]}`)
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-LATE-1", "", "openssl"))
	if n := count(t, st, `SELECT count(*) FROM assets`); n != 2 {
		t.Fatalf("%d assets before the link, want 2", n)
	}
	// The CSAM record now reports the FQDN of the VMDR host.
	runDocs(t, st, model.SourceCSAM, sync.ModeFull, csamDoc(1, "SN-LATE-1", "web.corp.example.com", "openssl"))
	if n := count(t, st, `SELECT count(*) FROM assets`); n != 1 {
		t.Errorf("%d assets after the CSAM record linked the VMDR host, want 1", n)
	}
	if n := count(t, st, `SELECT count(*) FROM changes WHERE kind = 'asset_merged'`); n != 1 {
		t.Errorf("%d asset_merged changes, want 1", n)
	}
	if n := count(t, st, `SELECT count(DISTINCT asset_id) FROM (SELECT asset_id FROM asset_records UNION ALL SELECT asset_id FROM findings UNION ALL SELECT asset_id FROM installed_software)`); n != 1 {
		t.Errorf("rows spread over %d assets", n)
	}
}
