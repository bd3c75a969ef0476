package sqlite

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/qflow/qflow/internal/load"
)

// A database written before enrichment and risk (schema version 4) gets
// its findings' KnowledgeBase columns, derived QDS and asset scores when it
// is opened.
func TestUpgradeFromVersion4(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO assets (id, name, first_seen, last_seen) VALUES (1, 'web-1', 'x', 'x')`,
		`INSERT INTO asset_records (id, asset_id, source, subscription, native_key, raw_hash, attributes, first_seen, last_seen, first_run_id, last_run_id)
			VALUES (1, 1, 'VMDR', 'default', '101', 'h', '{}', 'x', 'x', 1, 1)`,
		`INSERT INTO vulns (qid, title, severity, patchable, cvss3_base, attributes, hash, first_seen, last_seen, first_run_id, last_run_id)
			VALUES (500, 'Old OpenSSL', 4, 1, 9.8, '{"cve_ids":["CVE-2024-1"],"exploit_sources":["Metasploit"],"threat_intel":["Cisa_Known_Exploited_Vulns"]}', 'h', 'x', 'x', 1, 1),
			       (501, 'Weak cipher', 2, 0, NULL, '{}', 'h', 'x', 'x', 1, 1)`,
		// 500 without a Qualys QDS (derived: KEV + weaponized = 100), 501 with QDS 40.
		`INSERT INTO findings (record_id, asset_id, finding_key, qid, type, severity, status, qds, attributes, hash, first_seen, last_seen, first_run_id, last_run_id)
			VALUES (1, 1, '500////', 500, 'Confirmed', 4, 'Active', NULL, '{"severity":4,"type":"Confirmed"}', 'h', 'x', 'x', 1, 1),
			       (1, 1, '501////', 501, 'Confirmed', 2, 'Active', 40, '{"severity":2,"type":"Confirmed","qds":40}', 'h', 'x', 'x', 1, 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	st, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The engine finishes the upgrade (the store only asks for it).
	if err := load.Upgrade(ctx, st); err != nil {
		t.Fatal(err)
	}
	var title, cves string
	var q500, q501, derived int
	err = st.r.QueryRowContext(ctx, `SELECT title, cve_ids, risk_qds, qds_derived FROM findings WHERE qid = 500`).Scan(&title, &cves, &q500, &derived)
	if err != nil || title != "Old OpenSSL" || cves != `["CVE-2024-1"]` || q500 != 100 || derived != 1 {
		t.Errorf("finding 500 after upgrade: %q %s QDS %d derived %d, %v", title, cves, q500, derived, err)
	}
	if err := st.r.QueryRowContext(ctx, `SELECT risk_qds FROM findings WHERE qid = 501`).Scan(&q501); err != nil || q501 != 40 {
		t.Errorf("finding 501 QDS %d, %v; want Qualys's 40", q501, err)
	}
	var score int
	var band string
	if err := st.r.QueryRowContext(ctx, `SELECT trurisk, risk_band FROM assets WHERE id = 1`).Scan(&score, &band); err != nil {
		t.Fatal(err)
	}
	// ACS 2 × (2.8 × 100 + 0.7 × 40) = 616.
	if score != 616 || band != "medium" {
		t.Errorf("asset after upgrade: %d %s, want 616 medium", score, band)
	}
	checkCounts(t, st, "after the upgrade")
	if ft, err := st.FindingTotals(ctx); err != nil || ft.Findings != 2 || ft.ByStatus["Active"] != 2 {
		t.Errorf("finding totals after the upgrade: %+v, %v", ft, err)
	}
}
