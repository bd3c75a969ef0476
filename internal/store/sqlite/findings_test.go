package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
	"github.com/qflow/qflow/internal/transform"
)

// docSource serves fixed raw documents in one partition.
type docSource struct {
	name string
	docs []string
}

func (d *docSource) Name() string                                    { return d.name }
func (d *docSource) Calls() int64                                    { return 0 }
func (d *docSource) Total(context.Context, time.Time) (int64, error) { return int64(len(d.docs)), nil }
func (d *docSource) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	return []sync.Partition{{ID: "all"}}, nil
}
func (d *docSource) Extract(_ context.Context, _ time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	for _, p := range parts {
		for i, doc := range d.docs {
			if err := emit(sync.Record{Partition: p.ID, Key: fmt.Sprint(i), Raw: []byte(doc)}); err != nil {
				return err
			}
		}
		if err := emit(sync.Record{Partition: p.ID, PartitionDone: true}); err != nil {
			return err
		}
	}
	return nil
}

func det(qid, port int, status string) string {
	return fmt.Sprintf(`{"QID":%d,"TYPE":"Confirmed","SEVERITY":4,"PORT":%d,"PROTOCOL":"tcp","SSL":0,"STATUS":%q,"RESULTS":"version &lt; 2","QDS":{"value":70,"severity":"HIGH"},"QDS_FACTORS":[{"name":"CVSS","value":"7.5"}],"IS_IGNORED":0,"IS_DISABLED":0}`, qid, port, status)
}

func host(id int, dets ...string) string {
	return fmt.Sprintf(`{"ID":%d,"IP":"10.0.0.%d","OS":"Ubuntu 22.04","DNS_DATA":{"HOSTNAME":"h%d"},"VULNERABILITIES":[%s]}`, id, id, id, strings.Join(dets, ","))
}

func runDocs(t *testing.T, st *sqlite.Store, src model.Source, mode sync.Mode, docs ...string) *sync.Run {
	t.Helper()
	data, err := transform.Default(src)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := transform.Load(data, "default", model.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := sync.New(sync.Options{Source: &docSource{name: strings.ToLower(string(src)), docs: docs}, Store: st, Transformer: tm,
		MapName: tm.Map().Name, MapHash: tm.Hash(), Mode: mode})
	if err != nil {
		t.Fatal(err)
	}
	run, err := eng.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// Findings are upserted per host × QID × port × protocol × ssl; status
// changes are counted as fixed or reopened; a detection a host no longer
// reports is kept as missing; the findings of a host a full run did not see
// become stale. Nothing is deleted.
func TestFindingsLifecycle(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "f.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	r1 := runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, det(100, 22, "Active"), det(101, 443, "Fixed"), det(102, 80, "Active")),
		host(2, det(100, 22, "New")))
	if got := r1.Counts.Findings; got != (sync.FindingCounts{Seen: 4, New: 4}) {
		t.Errorf("run 1 findings = %+v", got)
	}
	r2 := runDocs(t, st, model.SourceVMDR, sync.ModeIncremental,
		host(1, det(100, 22, "Fixed"), det(101, 443, "Re-Opened"), det(103, 0, "New")))
	want := sync.FindingCounts{Seen: 3, New: 1, Updated: 2, Fixed: 1, Reopened: 1, Missing: 1}
	if got := r2.Counts.Findings; got != want {
		t.Errorf("run 2 findings = %+v, want %+v", got, want)
	}
	r3 := runDocs(t, st, model.SourceVMDR, sync.ModeIncremental,
		host(1, det(100, 22, "Fixed"), det(101, 443, "Re-Opened"), det(103, 0, "New")))
	if got := r3.Counts.Findings; got != (sync.FindingCounts{Seen: 3}) {
		t.Errorf("unchanged run findings = %+v", got)
	}
	runDocs(t, st, model.SourceVMDR, sync.ModeFull,
		host(1, det(100, 22, "Fixed"), det(101, 443, "Re-Opened"), det(103, 0, "New")))

	db := st.DB()
	states := map[string]string{}
	rows, err := db.QueryContext(ctx, `SELECT r.native_key || ':' || f.finding_key, f.state || ':' || coalesce(f.status, '') FROM findings f JOIN asset_records r ON r.id = f.record_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		states[k] = v
	}
	rows.Close()
	wantStates := map[string]string{
		"1:100/22/tcp/0/":  "active:Fixed",
		"1:101/443/tcp/0/": "active:Re-Opened",
		"1:102/80/tcp/0/":  "missing:Active",
		"1:103/0/tcp/0/":   "active:New",
		"2:100/22/tcp/0/":  "stale:New",
	}
	for k, v := range wantStates {
		if states[k] != v {
			t.Errorf("finding %s = %q, want %q (all: %v)", k, states[k], v, states)
		}
	}
	var results, factors string
	if err := db.QueryRowContext(ctx, `SELECT results, qds_factors FROM findings WHERE finding_key = '103/0/tcp/0/'`).Scan(&results, &factors); err != nil {
		t.Fatal(err)
	}
	if results != "version < 2" || factors != `{"CVSS":"7.5"}` {
		t.Errorf("results %q, factors %q", results, factors)
	}
	ft, err := st.FindingTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ft.Findings != 3 || ft.Missing != 1 || ft.Stale != 1 || ft.Hosts != 1 || ft.ByStatus["Fixed"] != 1 {
		t.Errorf("totals %+v", ft)
	}
}

// KnowledgeBase records land in vulns with their CVEs and ATT&CK ids, and
// VulnAttributes returns their values for the VMDR join.
func TestVulns(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	kb := `{"QID":375402,"VULN_TYPE":"Vulnerability","SEVERITY_LEVEL":5,"TITLE":"Apple macOS Security Update","PATCHABLE":1,
		"CVE_LIST":[{"ID":"CVE-2025-1"},{"ID":"CVE-2025-2"}],"CVSS_V3":{"BASE":7.8,"VECTOR_STRING":"CVSS:3.1/AV:L"},
		"MITRE_ATTACK_LIST":[{"MITRE_TACTIC_ID":"TA0004","MITRE_TACTIC_NAME":"Privilege Escalation","MITRE_TECHNIQUE_ID":"T1068","MITRE_TECHNIQUE_NAME":"Exploitation"}]}`
	r := runDocs(t, st, model.SourceKB, sync.ModeFull, kb)
	if r.Counts.Vulns != 1 || r.Counts.New != 1 {
		t.Errorf("counts %+v", r.Counts)
	}
	if r := runDocs(t, st, model.SourceKB, sync.ModeFull, kb); r.Counts.Unchanged != 1 || r.Counts.Vulns != 0 {
		t.Errorf("second run counts %+v", r.Counts)
	}
	var cves, attack int
	var cvss float64
	db := st.DB()
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM vuln_cves), (SELECT count(*) FROM vuln_attack), (SELECT cvss3_base FROM vulns)`).Scan(&cves, &attack, &cvss); err != nil {
		t.Fatal(err)
	}
	if cves != 2 || attack != 2 || cvss != 7.8 {
		t.Errorf("cves %d attack %d cvss3 %v", cves, attack, cvss)
	}
	got, err := st.VulnAttributes(ctx, []int64{375402, 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[375402]["title"] != "Apple macOS Security Update" || got[375402]["patchable"] != true {
		t.Errorf("VulnAttributes = %v", got)
	}
}
