package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/postgres"
	"github.com/qflow/qflow/internal/store/postgres/pgtest"
	"github.com/qflow/qflow/internal/sync"
)

// open opens a store on a fresh database; it is closed when the test ends.
func open(t *testing.T) (*postgres.Store, string) {
	t.Helper()
	u := pgtest.URL(t)
	s, err := postgres.Open(t.Context(), u, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}

// at is a time PostgreSQL keeps exactly (microseconds).
var at = time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)

// update runs fn in one transaction with a lock, failing the test on error.
func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), store.Lock{Source: "vmdr", Subscription: "sub1"}, fn); err != nil {
		t.Fatal(err)
	}
}

// queryInt runs a one-value query on its own connection.
func queryInt(t *testing.T, u, q string, args ...any) int64 {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// findingValues returns FindingWrite values for a finding of qid with status
// and QDS.
func findingValues(qid int64, status string, qds int64) []any {
	v := map[string]any{
		"type": "Confirmed", "severity": int64(4), "status": status, "qds": qds, "qds_factors": `{"CVSS": "7.5"}`,
		"results": "found\x00 it", "first_found": at, "last_found": at, "times_found": int64(3), "is_ignored": false, "is_disabled": int64(0),
		"attributes": fmt.Sprintf(`{"qid": %d, "status": %q}`, qid, status), "hash": fmt.Sprintf("h%d-%s", qid, status),
		"title": fmt.Sprintf("Vuln %d", qid), "cvss3_base": 7.5, "patchable": true, "cve_ids": `["CVE-2026-0001"]`, "risk_qds": qds, "qds_derived": false,
	}
	out := make([]any, len(store.FindingColumns))
	for i, c := range store.FindingColumns {
		out[i] = v[c]
	}
	return out
}

// fixture is what seed wrote.
type fixture struct {
	run          *sync.Run
	asset        int64
	csam, vmdr   int64 // record ids
	findingCount int
}

// seed writes one asset with a CSAM and a VMDR record, software, list rows,
// a KnowledgeBase entry and findings, through the Tx methods.
func seed(t *testing.T, s store.Store, nFindings int) fixture {
	t.Helper()
	f := fixture{run: &sync.Run{Source: "vmdr", Subscription: "sub1", Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: at, MapName: "vmdr-default", MapHash: "abcdef123456"}}
	update(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		if err := tx.InsertRun(ctx, f.run); err != nil {
			return err
		}
		var err error
		if f.asset, err = tx.InsertAsset(ctx, store.AssetSummary{Name: "web01", IPAddress: "10.0.0.5", OSName: "Ubuntu", Criticality: int64(3)}, at); err != nil {
			return err
		}
		if f.csam, err = tx.InsertRecord(ctx, store.NewRecord{AssetID: f.asset, Source: "CSAM", Subscription: "sub1", NativeKey: "a1", RunID: f.run.ID, At: at}); err != nil {
			return err
		}
		if f.vmdr, err = tx.InsertRecord(ctx, store.NewRecord{AssetID: f.asset, Source: "VMDR", Subscription: "sub1", NativeKey: "h1", RunID: f.run.ID, At: at, IdentifiedBy: "agent_id"}); err != nil {
			return err
		}
		for _, r := range []int64{f.csam, f.vmdr} {
			if err := tx.SaveIdentifiers(ctx, r, f.asset, []store.Identifier{{Attribute: "agent_id", Value: "AG-1"}, {Attribute: "ip", Value: "10.0.0.5"}}); err != nil {
				return err
			}
		}
		ws := &store.WriteSet{RunID: f.run.ID, Source: "vmdr", Subscription: "sub1", At: at,
			Records: []store.RecordContent{
				{RecordID: f.csam, Hash: "c1", Attributes: `{"name": "web01", "criticality_score": 4, "criticality_is_default": false, "agent_id": "AG-1", "mac_addresses": ["00:11"], "virtual": true}`,
					SoftwareInstalls: 2,
					Installs: []store.Install{
						{Name: "openssl", Version: "3.0", Publisher: "OpenSSL", SoftwareAttributes: `{"name": "openssl"}`, InstallPath: "/usr", InstallDate: at, Attributes: `{}`},
						{Name: "nginx", Version: "1.24", Publisher: "F5", SoftwareAttributes: `{"name": "nginx"}`, InstallPath: "/usr", Attributes: `{}`},
						{Name: "nginx", Version: "1.24", Publisher: "F5", SoftwareAttributes: `{"name": "nginx", "dup": true}`, InstallPath: "/usr", Attributes: `{"dup": true}`},
					},
					Items: []store.Item{
						{Table: "open_ports", Ordinal: 0, Values: []any{int64(443), "tcp"}, Attributes: `{"number": 443}`},
						{Table: "network_interfaces", Ordinal: 0, Values: []any{"eth0", "00:11", "10.0.0.5", nil}, Attributes: `{}`},
						{Table: "volumes", Ordinal: 0, Values: []any{"/", int64(1) << 40, int64(12345)}, Attributes: `{}`},
						{Table: "services", Ordinal: 0, Values: []any{"sshd", "running"}, Attributes: `{}`},
						{Table: "tags", Ordinal: 0, Values: []any{int64(77), "Production", int64(5)}, Attributes: `{}`},
						{Table: "record_items", Entity: "business_app", Ordinal: 0, Attributes: `{"app": "shop"}`},
					}},
				{RecordID: f.vmdr, Hash: "v1", Attributes: `{"name": "web01"}`, Findings: int64(nFindings)},
			},
			Vulns: []store.VulnWrite{{QID: 1000, Values: []any{"Vuln 1000", "Vulnerability", int64(4), "General", at, nil, true, 5.0, 7.5, "AV:N"},
				Attributes: `{"diagnosis": "bad", "consequence": "worse", "solution": "patch"}`, Hash: "k1", CVEs: []string{"CVE-2026-0001"},
				Attack: []store.Attack{{Kind: "tactic", ID: "TA0001", Name: "Initial Access"}, {Kind: "technique", ID: "T1190"}}}},
			Changes: []store.ChangeWrite{{Kind: store.ChangeAssetNew, AssetID: f.asset, RecordID: f.csam}},
			Conflicts: []store.ConflictWrite{{Kind: "veto", RecordID: f.vmdr, Rule: "bios_serial", Chosen: f.asset, Candidates: "[99]",
				Attribute: "bios_serial", Value: "S1", OtherValue: "S2", OtherAsset: int64(99)}},
			Quarantine: []store.QuarantineWrite{{Key: "h9", Reason: "bad XML", RawGzip: []byte{0x1f, 0x8b}, RawHash: "q1"}},
		}
		for i := range nFindings {
			qid := int64(1000 + i)
			key := fmt.Sprintf("%d/443/tcp/0/", qid)
			ws.Findings = append(ws.Findings, store.FindingWrite{RecordID: f.vmdr, Key: key, QID: qid, Port: int64(443), Protocol: "tcp",
				Values: findingValues(qid, "New", 50+int64(i%50))})
			ws.Changes = append(ws.Changes, store.ChangeWrite{Kind: store.ChangeFindingNew, RecordID: f.vmdr, FindingKey: key, QID: qid, New: "New"})
		}
		if err := tx.Apply(ctx, ws); err != nil {
			return err
		}
		if err := tx.AddRunCounts(ctx, f.run.ID, sync.Counts{Seen: 2, New: 2, SoftwareInstalls: 2, Findings: sync.FindingCounts{Seen: int64(nFindings), New: int64(nFindings)}}); err != nil {
			return err
		}
		return tx.SaveCheckpoint(ctx, sync.Checkpoint{Source: "vmdr", Subscription: "sub1", RunID: f.run.ID, InProgress: true})
	})
	f.findingCount = nFindings
	return f
}

func TestOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	// With a password (trust authentication ignores it) that Location
	// leaves out.
	withPassword := u + " password=s3cret"
	if parsed, err := url.Parse(u); err == nil && strings.HasPrefix(u, "postgres") {
		parsed.User = url.UserPassword(parsed.User.Username(), "s3cret")
		withPassword = parsed.String()
	}
	for range 2 {
		s, err := postgres.Open(t.Context(), withPassword, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() != "postgres" {
			t.Errorf("Dialect() = %q", s.Dialect())
		}
		if strings.Contains(s.Location(), "s3cret") || !strings.Contains(s.Location(), "qflow_test_") {
			t.Errorf("Location() = %q, want the URL without its password", s.Location())
		}
		counts, err := s.TableCounts(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != len(store.Tables) {
			t.Errorf("TableCounts has %d tables, want %d", len(counts), len(store.Tables))
		}
		s.Close()
	}
	var want int64
	if ents, err := os.ReadDir("migrations"); err == nil {
		want = int64(len(ents))
	}
	if n := queryInt(t, u, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`); n != want || want < 2 {
		t.Errorf("%d migrations recorded, want %d (each once)", n, want)
	}
	// The view joins the long KnowledgeBase texts.
	if n := queryInt(t, u, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'finding_details' AND column_name IN ('description', 'impact', 'recommendation')`); n != 3 {
		t.Errorf("finding_details has %d of description, impact, recommendation", n)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://qflow:pw@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", nil)
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), "pw@") || !strings.Contains(err.Error(), "postgres: connect to") {
		t.Errorf("error %q: want a message naming the server without its password", err)
	}
}

func TestApplyAndRead(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	ctx := t.Context()
	f := seed(t, s, 3)

	tot, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantTot := store.Totals{Assets: 1, ActiveAssets: 1, AssetRecords: 2, Software: 2, SoftwareInstalls: 2, OpenPorts: 1, NetworkInterfaces: 1, Quarantined: 1,
		ActiveRecords: map[string]int64{"CSAM": 1, "VMDR": 1}}
	if d := cmp.Diff(wantTot, tot); d != "" {
		t.Errorf("Totals (-want +got):\n%s", d)
	}
	// The first catalog entry of a batch wins; a duplicate install is kept once.
	if n := queryInt(t, u, `SELECT count(*) FROM software WHERE name = 'nginx' AND NOT attributes ? 'dup'`); n != 1 {
		t.Errorf("nginx catalog entry: want the batch's first")
	}
	if n := queryInt(t, u, `SELECT count(*) FROM volumes WHERE size = $1`, int64(1)<<40); n != 1 {
		t.Errorf("volume size not stored as bigint")
	}
	// NUL bytes do not fit PostgreSQL text: they are dropped.
	if n := queryInt(t, u, `SELECT count(*) FROM findings WHERE results = 'found it'`); n != 3 {
		t.Errorf("%d findings with results cleaned of NUL, want 3", n)
	}

	feed, err := s.Changes(ctx, store.ChangeFilter{RunIDs: []int64{f.run.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if feed.Counts[store.ChangeAssetNew] != 1 || feed.Counts[store.ChangeFindingNew] != 3 || len(feed.Changes) != 4 {
		t.Fatalf("Changes: counts %v, %d entries", feed.Counts, len(feed.Changes))
	}
	port := int64(443)
	wantNew := store.Change{RunID: f.run.ID, Kind: store.ChangeFindingNew, AssetID: f.asset, AssetName: "web01", Source: "VMDR", Subscription: "sub1", NativeKey: "h1",
		QID: 1001, Port: &port, Protocol: "tcp", Title: "Vuln 1001", Severity: 4, New: "New", At: at.Format(time.RFC3339Nano)}
	if d := cmp.Diff(wantNew, feed.Changes[2]); d != "" {
		t.Errorf("finding_new change (its finding found by key) (-want +got):\n%s", d)
	}
	if feed.Runs[0].StartedAt != "2026-03-04T05:06:07.123456Z" || feed.Runs[0].FinishedAt != "" {
		t.Errorf("run times %q %q", feed.Runs[0].StartedAt, feed.Runs[0].FinishedAt)
	}

	ft, err := s.FindingTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ft.Findings != 3 || ft.ByStatus["New"] != 3 || ft.BySeverity["4"] != 3 || ft.Hosts != 1 || ft.Vulns != 1 {
		t.Errorf("FindingTotals = %+v", ft)
	}
	top, err := s.TopQIDs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(top) != 1 || top[0].Name != "1000 Vuln 1000" {
		t.Errorf("TopQIDs = %v", top)
	}
	attrs, err := s.VulnAttributes(ctx, []int64{1000, 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(attrs) != 1 || attrs[1000]["solution"] != "patch" {
		t.Errorf("VulnAttributes = %v", attrs)
	}
	var desc string
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(ctx, `SELECT description || '/' || impact || '/' || recommendation FROM finding_details WHERE qid = 1000`).Scan(&desc); err != nil || desc != "bad/worse/patch" {
		t.Errorf("finding_details texts = %q, %v", desc, err)
	}
	conf, err := s.Conflicts(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(conf) != 1 || conf[0].OtherAssetID != 99 || conf[0].NativeKey != "h1" || conf[0].At != at.Format(time.RFC3339Nano) {
		t.Errorf("Conflicts = %+v", conf)
	}
	q, err := s.Quarantine(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]store.QuarantineEntry{{RunID: f.run.ID, Source: "vmdr", NativeKey: "h9", Reason: "bad XML"}}, q); d != "" {
		t.Errorf("Quarantine (-want +got):\n%s", d)
	}
	cp, err := s.LoadCheckpoint(ctx, "vmdr", "sub1")
	if err != nil || cp.RunID != f.run.ID || !cp.InProgress {
		t.Errorf("LoadCheckpoint = %+v, %v", cp, err)
	}
	var values [][]any
	if err := s.RecordValues(ctx, []string{"agent_id", "mac_addresses", "criticality_score", "virtual", "absent"}, func(v []any) error {
		values = append(values, v)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantValues := [][]any{{"AG-1", []any{"00:11"}, 4.0, true, nil}, {nil, nil, nil, nil, nil}}
	if d := cmp.Diff(wantValues, values); d != "" {
		t.Errorf("RecordValues (-want +got):\n%s", d)
	}

	// Risk: the inputs, then the scores stored and read back.
	in, err := s.RiskInputs(ctx, []int64{f.asset, 12345})
	if err != nil {
		t.Fatal(err)
	}
	wantIn := []store.RiskInput{{AssetID: f.asset, State: "active", Scanned: true, Criticalities: []int{4}, TagCriticalities: []int{5},
		Findings: []store.ScoredFinding{{QDS: 50, Status: "New"}, {QDS: 51, Status: "New"}, {QDS: 52, Status: "New"}}}}
	if d := cmp.Diff(wantIn, in); d != "" {
		t.Errorf("RiskInputs (-want +got):\n%s", d)
	}
	tr, band := 640, "medium"
	update(t, s, func(tx store.Tx) error {
		return tx.SetRisk(t.Context(), f.run.ID, []store.AssetScore{{AssetID: f.asset, ACS: 5, TruRisk: &tr, Band: &band}})
	})
	list, err := s.RiskList(ctx, store.RiskFilter{Band: "medium"})
	if err != nil {
		t.Fatal(err)
	}
	wantRisk := store.AssetRisk{AssetID: f.asset, Name: "web01", IP: "10.0.0.5", OS: "Ubuntu", ACS: 5, TruRisk: 640, Band: "medium", Open: 3}
	if d := cmp.Diff([]store.AssetRisk{wantRisk}, list); d != "" {
		t.Errorf("RiskList (-want +got):\n%s", d)
	}
	if ar, err := s.AssetRisk(ctx, f.asset); err != nil || ar != wantRisk {
		t.Errorf("AssetRisk = %+v, %v", ar, err)
	}
	if _, err := s.AssetRisk(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AssetRisk of an unknown asset: %v, want ErrNotFound", err)
	}
	rf, err := s.RiskFindings(ctx, f.asset)
	if err != nil || len(rf) != 3 || rf[0].QDS != 52 || *rf[0].Port != 443 {
		t.Errorf("RiskFindings = %+v, %v", rf, err)
	}
	bands, err := s.RiskBands(ctx)
	if err != nil || bands["medium"] != 1 {
		t.Errorf("RiskBands = %v, %v", bands, err)
	}

	// A second batch: the CSAM record loses software, one finding is
	// fixed, one touched, one missing.
	var states map[int64][]store.FindingState
	update(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		recs, err := tx.Records(ctx, "VMDR", "sub1", []string{"h1", "zz"})
		if err != nil {
			return err
		}
		if len(recs) != 1 || recs["h1"].ID != f.vmdr || recs["h1"].Hash != "v1" || recs["h1"].Findings != 3 {
			t.Errorf("Records = %+v", recs)
		}
		if states, err = tx.Findings(ctx, []int64{f.vmdr}); err != nil {
			return err
		}
		hashes, err := tx.Vulns(ctx, []int64{1000, 1001})
		if err != nil {
			return err
		}
		if d := cmp.Diff(map[int64]string{1000: "k1"}, hashes); d != "" {
			t.Errorf("Vulns (-want +got):\n%s", d)
		}
		fs := states[f.vmdr]
		return tx.Apply(ctx, &store.WriteSet{RunID: f.run.ID + 1, At: at.Add(time.Hour),
			Records: []store.RecordContent{{RecordID: f.csam, Hash: "c2", Attributes: `{"name": "web01"}`, SoftwareInstalls: 1,
				Installs: []store.Install{{Name: "openssl", Version: "3.0", Publisher: "OpenSSL", SoftwareAttributes: `{"name": "openssl", "v": 2}`, InstallPath: "/opt", Attributes: `{}`}}}},
			Findings:  []store.FindingWrite{{ID: fs[0].ID, RecordID: f.vmdr, Key: fs[0].Key, QID: 1000, Values: findingValues(1000, "Fixed", 50), StatusChanged: true}},
			Touched:   []int64{fs[1].ID},
			Missing:   []int64{fs[2].ID},
			Changes:   []store.ChangeWrite{{Kind: store.ChangeFindingFixed, RecordID: f.vmdr, FindingID: fs[0].ID, QID: 1000, Old: "New", New: "Fixed"}},
			VulnsSeen: []int64{1000},
		})
	})
	if len(states[f.vmdr]) != 3 || states[f.vmdr][0].Status != "New" || states[f.vmdr][0].State != "active" {
		t.Fatalf("Findings = %+v", states)
	}
	for _, c := range []struct {
		q    string
		want int64
	}{
		{`SELECT count(*) FROM installed_software WHERE record_id = $1`, 1},
		{`SELECT count(*) FROM open_ports WHERE record_id = $1`, 0},
		{`SELECT count(*) FROM software WHERE name = 'openssl' AND attributes ->> 'v' = '2'`, 1},
		{`SELECT count(*) FROM findings WHERE status = 'Fixed' AND status_run_id = last_run_id AND state = 'active'`, 1},
		{`SELECT count(*) FROM findings WHERE state = 'missing'`, 1},
		{`SELECT count(*) FROM findings WHERE last_run_id = first_run_id + 1`, 3},
		{`SELECT count(*) FROM vulns WHERE last_run_id = changed_run_id + 1`, 1},
	} {
		arg := []any{f.csam}
		if !strings.Contains(c.q, "$1") {
			arg = nil
		}
		if n := queryInt(t, u, c.q, arg...); n != c.want {
			t.Errorf("%s: %d, want %d", c.q, n, c.want)
		}
	}
	var touched []int64
	update(t, s, func(tx store.Tx) error {
		var err error
		touched, err = tx.RunAssets(t.Context(), f.run.ID+1)
		return err
	})
	if d := cmp.Diff([]int64{f.asset}, touched); d != "" {
		t.Errorf("RunAssets (-want +got):\n%s", d)
	}
}

func TestFindingsOfChangedVulnsAndEnrichment(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	f := seed(t, s, 2500) // more than one read chunk
	var got []store.FindingKB
	update(t, s, func(tx store.Tx) error {
		err := tx.FindingsOfChangedVulns(t.Context(), f.run.ID, func(k store.FindingKB) error {
			got = append(got, k)
			// fn may write in the transaction while findings are read.
			vals := make([]any, len(store.EnrichColumns))
			vals[0] = "enriched"
			vals[len(vals)-2] = int64(99)
			vals[len(vals)-1] = true
			return tx.SetFindingEnrichment(t.Context(), []store.FindingEnrichment{{ID: k.ID, Values: vals}})
		})
		if err != nil {
			return err
		}
		n := 0
		if err := tx.FindingsWithVulns(t.Context(), func(store.FindingKB) error { n++; return nil }); err != nil {
			return err
		}
		if n != 1 {
			t.Errorf("FindingsWithVulns gave %d findings, want 1 (one QID has a KnowledgeBase entry)", n)
		}
		return nil
	})
	if len(got) != 1 || got[0].AssetID != f.asset || !strings.Contains(got[0].Vuln, `"solution": "patch"`) || !strings.Contains(got[0].Attributes, `"qid": 1000`) {
		t.Fatalf("FindingsOfChangedVulns = %+v", got)
	}
	if n := queryInt(t, u, `SELECT count(*) FROM findings WHERE title = 'enriched' AND risk_qds = 99 AND qds_derived AND cve_ids IS NULL`); n != 1 {
		t.Errorf("%d findings enriched, want 1", n)
	}
}

func TestMergeAssets(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	f := seed(t, s, 2)
	var other, otherRec int64
	update(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		var err error
		if other, err = tx.InsertAsset(ctx, store.AssetSummary{Name: "web01-old"}, at.Add(-48*time.Hour)); err != nil {
			return err
		}
		if otherRec, err = tx.InsertRecord(ctx, store.NewRecord{AssetID: other, Source: "CSAM", Subscription: "sub2", NativeKey: "a1", RunID: f.run.ID, At: at}); err != nil {
			return err
		}
		if err := tx.SaveIdentifiers(ctx, otherRec, other, []store.Identifier{{Attribute: "agent_id", Value: "AG-1"}}); err != nil {
			return err
		}
		if err := tx.Apply(ctx, &store.WriteSet{RunID: f.run.ID, At: at,
			Records:   []store.RecordContent{{RecordID: otherRec, Hash: "x", Attributes: `{}`, Items: []store.Item{{Table: "tags", Values: []any{int64(1), "t", nil}, Attributes: `{}`}}}},
			Changes:   []store.ChangeWrite{{Kind: store.ChangeAssetNew, AssetID: other, RecordID: otherRec}},
			Conflicts: []store.ConflictWrite{{Kind: "apart", RecordID: otherRec, Rule: "agent_id", Chosen: other, Candidates: fmt.Sprintf("[%d, %d]", other, f.asset), OtherAsset: f.asset}},
		}); err != nil {
			return err
		}
		ids, err := tx.AssetsWith(ctx, "agent_id", "AG-1")
		if err != nil {
			return err
		}
		if d := cmp.Diff([]int64{f.asset, other}, ids); d != "" {
			t.Errorf("AssetsWith (-want +got):\n%s", d)
		}
		return tx.MergeAssets(ctx, f.asset, []int64{other})
	})
	for _, c := range []struct {
		q    string
		want int64
	}{
		{`SELECT count(*) FROM assets`, 1},
		{`SELECT count(*) FROM asset_records WHERE asset_id = $1`, 3},
		{`SELECT count(*) FROM asset_identifiers WHERE asset_id <> $1`, 0},
		{`SELECT count(*) FROM tags WHERE asset_id <> $1`, 0},
		{`SELECT count(*) FROM changes WHERE asset_id <> $1`, 0},
		{`SELECT count(*) FROM identity_conflicts WHERE chosen <> $1 OR other_asset_id NOT IN ($1, 99)`, 0},
		{`SELECT count(*) FROM assets WHERE id = $1 AND first_seen = $2::timestamptz - interval '48 hours' AND state = 'active'`, 1},
	} {
		var args []any
		if strings.Contains(c.q, "$1") {
			args = append(args, f.asset)
		}
		if strings.Contains(c.q, "$2") {
			args = append(args, at)
		}
		if n := queryInt(t, u, c.q, args...); n != c.want {
			t.Errorf("after merge, %s: %d, want %d", c.q, n, c.want)
		}
	}
	update(t, s, func(tx store.Tx) error {
		recs, err := tx.AssetRecords(t.Context(), f.asset)
		if err != nil {
			return err
		}
		want := []store.RecordIdentifiers{
			{RecordID: f.csam, Identifiers: []store.Identifier{{Attribute: "agent_id", Value: "AG-1"}, {Attribute: "ip", Value: "10.0.0.5"}}},
			{RecordID: f.vmdr, Identifiers: []store.Identifier{{Attribute: "agent_id", Value: "AG-1"}, {Attribute: "ip", Value: "10.0.0.5"}}},
			{RecordID: otherRec, Identifiers: []store.Identifier{{Attribute: "agent_id", Value: "AG-1"}}},
		}
		if d := cmp.Diff(want, recs); d != "" {
			t.Errorf("AssetRecords (-want +got):\n%s", d)
		}
		// A split: a copy of the asset takes one record and its rows.
		split, err := tx.CopyAsset(t.Context(), f.asset)
		if err != nil {
			return err
		}
		if err := tx.MoveRecords(t.Context(), []int64{otherRec}, split); err != nil {
			return err
		}
		vals, err := tx.AssetValues(t.Context(), split, "agent_id")
		if err != nil {
			return err
		}
		if d := cmp.Diff([]string{"AG-1"}, vals); d != "" {
			t.Errorf("AssetValues (-want +got):\n%s", d)
		}
		return nil
	})
	if n := queryInt(t, u, `SELECT count(*) FROM tags WHERE record_id = $1 AND asset_id = (SELECT asset_id FROM asset_records WHERE id = $1)`, otherRec); n != 1 {
		t.Errorf("the split record's tag did not move with it")
	}
	if n := queryInt(t, u, `SELECT count(*) FROM changes WHERE record_id = $1 AND asset_id <> $2`, otherRec, f.asset); n != 1 {
		t.Errorf("the split record's change did not move with it")
	}
}

func TestMarkUnseen(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	f := seed(t, s, 2)
	run2 := &sync.Run{Source: "vmdr", Subscription: "sub1", Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: at.Add(time.Hour), MapName: "m", MapHash: "h"}
	var records, findings int64
	var gone []store.GoneAsset
	update(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		if err := tx.InsertRun(ctx, run2); err != nil {
			return err
		}
		// The VMDR record is seen unchanged; the CSAM record is not seen.
		if err := tx.TouchRecords(ctx, run2.ID, run2.StartedAt, []int64{f.vmdr}); err != nil {
			return err
		}
		var err error
		records, findings, gone, err = tx.MarkUnseen(ctx, run2)
		return err
	})
	if records != 1 || findings != 0 || len(gone) != 0 {
		t.Errorf("MarkUnseen = %d records, %d findings, gone %v; want 1, 0, none", records, findings, gone)
	}
	// A third run sees nothing: the host and its findings go stale, and
	// the asset is gone, with its last VMDR record.
	run3 := &sync.Run{Source: "vmdr", Subscription: "sub1", Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: at.Add(2 * time.Hour), MapName: "m", MapHash: "h"}
	update(t, s, func(tx store.Tx) error {
		ctx := t.Context()
		if err := tx.InsertRun(ctx, run3); err != nil {
			return err
		}
		var err error
		if records, findings, gone, err = tx.MarkUnseen(ctx, run3); err != nil {
			return err
		}
		if err := tx.SetAssetsState(ctx, []int64{f.asset}, "stale"); err != nil {
			return err
		}
		if err := tx.EndRun(ctx, &sync.Run{ID: run3.ID, State: sync.StateProcessed, FinishedAt: at.Add(3 * time.Hour), Counts: sync.Counts{Stale: records}}, findings); err != nil {
			return err
		}
		ids, err := tx.RunAssets(ctx, run3.ID)
		if err != nil {
			return err
		}
		if d := cmp.Diff([]int64{f.asset}, ids); d != "" {
			t.Errorf("RunAssets of the run that made findings stale (-want +got):\n%s", d)
		}
		return nil
	})
	if records != 1 || findings != 2 {
		t.Errorf("MarkUnseen = %d records, %d findings; want 1, 2", records, findings)
	}
	if d := cmp.Diff([]store.GoneAsset{{AssetID: f.asset, RecordID: f.vmdr}}, gone); d != "" {
		t.Errorf("gone assets (-want +got):\n%s", d)
	}
	runs, err := s.Runs(t.Context(), nil, at.Add(90*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].ID != run3.ID || runs[0].State != sync.StateProcessed || runs[0].FinishedAt != at.Add(3*time.Hour).Format(time.RFC3339Nano) {
		t.Errorf("Runs since = %+v", runs)
	}
	bands, err := s.RiskBands(t.Context())
	if err != nil || bands[store.Unscored] != 0 {
		t.Errorf("RiskBands of stale assets = %v, %v", bands, err)
	}
}

func TestResumeRun(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	f := seed(t, s, 1)
	update(t, s, func(tx store.Tx) error {
		if err := tx.EndRun(t.Context(), &sync.Run{ID: f.run.ID, State: sync.StateFailed, Error: "boom", FinishedAt: at}, 0); err != nil {
			return err
		}
		r := &sync.Run{ID: f.run.ID}
		if err := tx.ResumeRun(t.Context(), r); err != nil {
			return err
		}
		if !r.StartedAt.Equal(at) || r.Counts.New != 2 || r.Counts.Findings.New != 1 {
			t.Errorf("ResumeRun loaded %+v", r)
		}
		return nil
	})
	runs, err := s.Runs(t.Context(), []int64{f.run.ID}, time.Time{})
	if err != nil || len(runs) != 1 || runs[0].State != sync.StateProcessing || runs[0].FinishedAt != "" {
		t.Errorf("Runs = %+v, %v", runs, err)
	}
}

func TestLockRunBusy(t *testing.T) {
	t.Parallel()
	s1, u := open(t)
	s2, err := postgres.Open(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	l := store.Lock{Source: "vmdr", Subscription: "sub1"}
	unlock, err := s1.LockRun(t.Context(), l)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s2.LockRun(t.Context(), l)
	if !errors.Is(err, store.ErrBusy) || !strings.Contains(err.Error(), `subscription "sub1"`) {
		t.Fatalf("second LockRun: %v, want ErrBusy naming the subscription", err)
	}
	// Another subscription is free.
	unlock2, err := s2.LockRun(t.Context(), store.Lock{Source: "vmdr", Subscription: "sub2"})
	if err != nil {
		t.Fatal(err)
	}
	unlock2()
	unlock()
	unlock() // a second call does nothing
	if _, err := s2.LockRun(t.Context(), l); err != nil {
		t.Fatalf("LockRun after unlock: %v", err)
	}
	// Close releases the locks still held.
	s2.Close()
	unlock4, err := s1.LockRun(t.Context(), l)
	if err != nil {
		t.Fatalf("LockRun after the holder closed: %v", err)
	}
	unlock4()
}

func TestUpdatesWithLockSerialize(t *testing.T) {
	t.Parallel()
	s1, u := open(t)
	s2, err := postgres.Open(t.Context(), u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s1.Update(t.Context(), store.Lock{Source: "csam", Subscription: "a"}, func(tx store.Tx) error {
			close(inside)
			<-release
			return tx.SetSetting(t.Context(), "k", "first")
		})
	}()
	<-inside
	second := make(chan error, 1)
	go func() {
		// Another subscription: identity spans subscriptions, so it waits.
		second <- s2.Update(t.Context(), store.Lock{Source: "vmdr", Subscription: "b"}, func(tx store.Tx) error {
			return tx.SetSetting(t.Context(), "k", "second")
		})
	}()
	// Wait until the second transaction waits on the lock.
	deadline := time.Now().Add(10 * time.Second)
	for queryInt(t, u, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the second Update never waited for the write lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if v, _, err := s1.Setting(t.Context(), "k"); err != nil || v != "second" {
		t.Errorf("setting = %q, %v; want the second writer's", v, err)
	}
	// Without a lock no advisory lock is taken.
	if err := s1.Update(t.Context(), store.Lock{}, func(tx store.Tx) error { return tx.SetSetting(t.Context(), "k", "") }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s1.Setting(t.Context(), "k"); ok {
		t.Error("an empty value did not delete the setting")
	}
}

func TestDumpLoadRoundTrip(t *testing.T) {
	t.Parallel()
	src, _ := open(t)
	f := seed(t, src, 5)
	if err := src.SetRules(t.Context(), []store.Rule{{Name: "agent", Attributes: []string{"agent_id"}, Enabled: true}}); err != nil {
		t.Fatal(err)
	}
	if err := src.AddJunk(t.Context(), store.JunkEntry{Attribute: "mac", Value: "00:00", Origin: "manual"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.SaveMap(t.Context(), store.StoredMap{Name: "mine", Source: "CSAM", YAML: "rows: []", Hash: "h"}); err != nil {
		t.Fatal(err)
	}
	dst, dstURL := open(t)
	dump := func(s store.Store) map[string][][]any {
		out := map[string][][]any{}
		for _, tb := range store.Tables {
			err := s.DumpTable(t.Context(), tb, func(cols []string, row []any) error {
				out[tb] = append(out[tb], row)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	for _, tb := range store.Tables {
		var cols []string
		var rows [][]any
		if err := src.DumpTable(t.Context(), tb, func(c []string, row []any) error {
			cols = c
			rows = append(rows, row)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			continue
		}
		i := 0
		n, err := dst.LoadTable(t.Context(), tb, cols, func() ([]any, bool, error) {
			if i == len(rows) {
				return nil, false, nil
			}
			i++
			return rows[i-1], true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(rows)) {
			t.Errorf("LoadTable %s loaded %d rows, want %d", tb, n, len(rows))
		}
	}
	want, got := dump(src), dump(dst)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("dump of the copy differs (-want +got):\n%s", d)
	}
	for _, row := range want["assets"] {
		if _, ok := row[len(row)-5].(time.Time); !ok {
			t.Errorf("assets.last_seen dumped as %T, want time.Time", row[len(row)-5])
		}
	}
	// New ids continue after the copied ones.
	update(t, dst, func(tx store.Tx) error {
		id, err := tx.InsertAsset(t.Context(), store.AssetSummary{}, at)
		if err == nil && id <= f.asset {
			t.Errorf("new asset id %d after copying asset %d", id, f.asset)
		}
		return err
	})
	if n := queryInt(t, dstURL, `SELECT count(*) FROM findings`); n != 5 {
		t.Errorf("%d findings copied", n)
	}
}

func TestLoadTableFromSQLite(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	// As the SQLite store dumps: times as RFC 3339 text, booleans as 0/1,
	// JSON as text.
	n, err := s.LoadTable(t.Context(), "identification_rules", []string{"position", "name", "attributes", "enabled"}, rowsOf([][]any{
		{int64(1), "agent", `["agent_id"]`, int64(1)},
		{int64(2), "ip", `["ip"]`, int64(0)},
	}))
	if err != nil || n != 2 {
		t.Fatalf("LoadTable = %d, %v", n, err)
	}
	rules, err := s.Rules(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]store.Rule{{Name: "agent", Attributes: []string{"agent_id"}, Enabled: true}, {Name: "ip", Attributes: []string{"ip"}}}, rules); d != "" {
		t.Errorf("Rules (-want +got):\n%s", d)
	}
	if _, err := s.LoadTable(t.Context(), "runs", []string{"id", "source", "subscription", "mode", "state", "started_at", "map_name", "map_hash"}, rowsOf([][]any{
		{int64(41), "csam", "s", "full", "Processed", "2026-01-02T03:04:05.123456789Z", "m", "h"},
	})); err != nil {
		t.Fatal(err)
	}
	runs, err := s.Runs(t.Context(), nil, time.Time{})
	if err != nil || len(runs) != 1 || runs[0].StartedAt != "2026-01-02T03:04:05.123456Z" {
		t.Errorf("Runs = %+v, %v", runs, err)
	}
	update(t, s, func(tx store.Tx) error {
		r := &sync.Run{Source: "csam", Subscription: "s", Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: at}
		if err := tx.InsertRun(t.Context(), r); err != nil {
			return err
		}
		if r.ID != 42 {
			t.Errorf("run id after loading run 41: %d", r.ID)
		}
		return nil
	})
	if _, err := s.LoadTable(t.Context(), "runs", []string{"id", "nope"}, rowsOf(nil)); err == nil || !strings.Contains(err.Error(), "no column nope") {
		t.Errorf("LoadTable of an unknown column: %v", err)
	}
	if _, err := s.LoadTable(t.Context(), "runs", []string{"id", "source", "subscription", "mode", "state", "started_at", "map_name", "map_hash"}, rowsOf([][]any{
		{int64(43), "csam", "s", "full", "Processed", "yesterday", "m", "h"},
	})); err == nil || !strings.Contains(err.Error(), "started_at") {
		t.Errorf("LoadTable of a bad time: %v, want an error naming the column", err)
	}
}

func rowsOf(rows [][]any) func() ([]any, bool, error) {
	i := 0
	return func() ([]any, bool, error) {
		if i == len(rows) {
			return nil, false, nil
		}
		i++
		return rows[i-1], true, nil
	}
}

func TestReaderWrites(t *testing.T) {
	t.Parallel()
	s, _ := open(t)
	ctx := t.Context()
	created, err := s.SaveMap(ctx, store.StoredMap{Name: "m1", Source: "CSAM", YAML: "a", Hash: "h1"})
	if err != nil || !created {
		t.Fatalf("SaveMap = %v, %v", created, err)
	}
	first, err := s.Map(ctx, "m1")
	if err != nil {
		t.Fatal(err)
	}
	if created, err = s.SaveMap(ctx, store.StoredMap{Name: "m1", Source: "CSAM", YAML: "b", Hash: "h2"}); err != nil || created {
		t.Fatalf("SaveMap again = %v, %v", created, err)
	}
	m, err := s.Map(ctx, "m1")
	if err != nil || m.YAML != "b" || !m.ImportedAt.Equal(first.ImportedAt) || m.UpdatedAt.Before(first.UpdatedAt) {
		t.Errorf("Map = %+v, %v", m, err)
	}
	if _, err := s.Map(ctx, "none"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Map of an unknown name: %v", err)
	}
	if err := s.SaveRunMap(ctx, "abcdef0123", "csam-default", "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRunMap(ctx, "abcdef0123", "other", "y"); err != nil {
		t.Fatal(err)
	}
	if rm, err := s.RunMap(ctx, "abcdef"); err != nil || rm.YAML != "x" {
		t.Errorf("RunMap = %+v, %v", rm, err)
	}
	if _, err := s.RunMap(ctx, "ffffff"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RunMap of an unknown hash: %v", err)
	}
	if err := s.AddJunk(ctx, store.JunkEntry{Attribute: "mac", Value: "00:00", Origin: "learned", Machines: 7, Subscription: "s", RunID: 3}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddJunk(ctx, store.JunkEntry{Attribute: "mac", Value: "00:00", Origin: "learned", Machines: 9}); err != nil {
		t.Fatal(err)
	}
	j, err := s.Junk(ctx)
	if err != nil || len(j) != 1 || j[0].Machines != 7 || j[0].Origin != "learned" {
		t.Errorf("Junk after learning twice = %+v, %v", j, err)
	}
	if err := s.AddJunk(ctx, store.JunkEntry{Attribute: "mac", Value: "00:00", Origin: "manual"}); err != nil {
		t.Fatal(err)
	}
	if j, _ := s.Junk(ctx); len(j) != 1 || j[0].Origin != "manual" || j[0].Machines != 7 {
		t.Errorf("Junk after a manual entry = %+v", j)
	}
	if ok, err := s.RemoveJunk(ctx, "mac", "00:00"); err != nil || !ok {
		t.Errorf("RemoveJunk = %v, %v", ok, err)
	}
	if ok, _ := s.RemoveJunk(ctx, "mac", "00:00"); ok {
		t.Error("RemoveJunk of an unlisted value reported it listed")
	}
	if err := s.SetSetting(ctx, "risk.weights", `{"a": 1}`); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Setting(ctx, "risk.weights"); err != nil || !ok || v != `{"a": 1}` {
		t.Errorf("Setting = %q, %v, %v", v, ok, err)
	}
	if rules, err := s.Rules(ctx); err != nil || rules != nil {
		t.Errorf("Rules of a new store = %v, %v; want none", rules, err)
	}
}

func TestApplyManyFindings(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	const n = 5000
	start := time.Now()
	f := seed(t, s, n)
	t.Logf("inserted %d findings (and their changes) in %v", n, time.Since(start))
	var states []store.FindingState
	update(t, s, func(tx store.Tx) error {
		m, err := tx.Findings(t.Context(), []int64{f.vmdr})
		states = m[f.vmdr]
		return err
	})
	if len(states) != n {
		t.Fatalf("Findings gave %d, want %d", len(states), n)
	}
	run2 := &sync.Run{Source: "vmdr", Subscription: "sub1", Mode: sync.ModeIncremental, State: sync.StateProcessing, StartedAt: at.Add(time.Hour), MapName: "m", MapHash: "h"}
	update(t, s, func(tx store.Tx) error { return tx.InsertRun(t.Context(), run2) })
	ws := &store.WriteSet{RunID: run2.ID, At: at.Add(time.Hour)}
	for i, st := range states {
		if i%2 == 0 {
			ws.Findings = append(ws.Findings, store.FindingWrite{ID: st.ID, RecordID: f.vmdr, Key: st.Key, QID: 1000 + int64(i),
				Values: findingValues(1000+int64(i), "Fixed", 50), StatusChanged: true})
			ws.Changes = append(ws.Changes, store.ChangeWrite{Kind: store.ChangeFindingFixed, RecordID: f.vmdr, FindingID: st.ID, Old: "New", New: "Fixed"})
		} else {
			ws.Touched = append(ws.Touched, st.ID)
		}
	}
	start = time.Now()
	// Two write sets in one transaction: the second reuses the staging
	// tables of the first.
	half := *ws
	half.Findings, half.Changes, half.Touched = ws.Findings[:n/4], ws.Changes[:n/4], nil
	rest := *ws
	rest.Findings, rest.Changes = ws.Findings[n/4:], ws.Changes[n/4:]
	update(t, s, func(tx store.Tx) error {
		if err := tx.Apply(t.Context(), &half); err != nil {
			return err
		}
		return tx.Apply(t.Context(), &rest)
	})
	t.Logf("updated %d findings and touched %d in %v", len(ws.Findings), len(ws.Touched), time.Since(start))
	if got := queryInt(t, u, `SELECT count(*) FROM findings WHERE status = 'Fixed' AND status_run_id = $1`, run2.ID); got != n/2 {
		t.Errorf("%d findings fixed by the run, want %d", got, n/2)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM findings WHERE last_run_id = $1 AND status_run_id = $2`, run2.ID, f.run.ID); got != n/2 {
		t.Errorf("%d findings touched keep their status run, want %d", got, n/2)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM changes WHERE kind = 'finding_new' AND finding_id IS NOT NULL`); got != n {
		t.Errorf("%d finding_new changes name their finding, want %d", got, n)
	}
	feed, err := s.Changes(t.Context(), store.ChangeFilter{Kinds: []string{store.ChangeFindingFixed}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if feed.Counts[store.ChangeFindingFixed] != n/2 || len(feed.Changes) != 10 || !feed.Truncated {
		t.Errorf("Changes: counts %v, %d entries, truncated %v", feed.Counts, len(feed.Changes), feed.Truncated)
	}
}

// The staging tables of Apply outlive a transaction on their connection
// and are emptied by its end: a write set applied after a committed one, or
// after one rolled back (that created the tables), writes its own rows
// only. One connection in the pool, so that every transaction meets the
// tables the one before left.
func TestStagingTablesAcrossTransactions(t *testing.T) {
	t.Parallel()
	u := pgtest.URL(t)
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	s, err := postgres.Open(t.Context(), u+sep+"pool_max_conns=1", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := &sync.Run{Source: "vmdr", Subscription: "sub1", Mode: sync.ModeFull, State: sync.StateProcessing, StartedAt: at, MapName: "m", MapHash: "h"}
	var rec int64
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertRun(t.Context(), run); err != nil {
			return err
		}
		var err error
		_, rec, err = tx.AddRecord(t.Context(), store.NewRecord{Source: "VMDR", Subscription: "sub1", NativeKey: "h1", RunID: run.ID, At: at},
			&store.AssetSummary{Name: "web01"}, nil)
		return err
	})
	finding := func(qid int64) *store.WriteSet {
		key := fmt.Sprintf("%d/443/tcp/0/", qid)
		return &store.WriteSet{RunID: run.ID, Source: "vmdr", Subscription: "sub1", At: at,
			Findings: []store.FindingWrite{{RecordID: rec, Key: key, QID: qid, Port: int64(443), Protocol: "tcp", Values: findingValues(qid, "New", 50)}},
			Changes:  []store.ChangeWrite{{Kind: store.ChangeFindingNew, RecordID: rec, FindingKey: key, QID: qid, New: "New"}}}
	}
	update(t, s, func(tx store.Tx) error { return tx.Apply(t.Context(), finding(1)) })
	// Rolled back after its Apply.
	errStop := errors.New("stop")
	if err := s.Update(t.Context(), store.Lock{Source: "vmdr", Subscription: "sub1"}, func(tx store.Tx) error {
		if err := tx.Apply(t.Context(), finding(2)); err != nil {
			return err
		}
		return errStop
	}); !errors.Is(err, errStop) {
		t.Fatalf("rolled back transaction: %v", err)
	}
	update(t, s, func(tx store.Tx) error { return tx.Apply(t.Context(), finding(3)) })
	if got := queryInt(t, u, `SELECT count(*) FROM findings`); got != 2 {
		t.Errorf("%d findings, want 2 (QIDs 1 and 3)", got)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM changes WHERE kind = 'finding_new'`); got != 2 {
		t.Errorf("%d finding_new changes, want 2", got)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM findings WHERE qid = 2`); got != 0 {
		t.Errorf("the rolled-back finding was written %d times", got)
	}
}

// New findings get ids in the order of their write set, as the SQLite
// store gives them. A new finding of a record that is not stored fails the
// write set, and the transaction writes nothing.
func TestNewFindingIDsAndAnUnknownRecord(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	f := seed(t, s, 50) // QIDs 1000–1049, in this order
	if got := queryInt(t, u, `SELECT count(*) FROM findings a JOIN findings b ON a.qid < b.qid AND a.id > b.id`); got != 0 {
		t.Errorf("%d pairs of findings numbered out of their write set's order", got)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM changes c JOIN findings f ON f.id = c.finding_id AND f.qid = c.qid WHERE c.kind = 'finding_new'`); got != 50 {
		t.Errorf("%d finding_new changes name their finding, want 50", got)
	}
	err := s.Update(t.Context(), store.Lock{Source: "vmdr", Subscription: "sub1"}, func(tx store.Tx) error {
		return tx.Apply(t.Context(), &store.WriteSet{RunID: f.run.ID, Source: "vmdr", Subscription: "sub1", At: at,
			Findings: []store.FindingWrite{
				{RecordID: f.vmdr, Key: "2000/443/tcp/0/", QID: 2000, Port: int64(443), Protocol: "tcp", Values: findingValues(2000, "New", 50)},
				{RecordID: f.vmdr + 1000, Key: "2001/443/tcp/0/", QID: 2001, Port: int64(443), Protocol: "tcp", Values: findingValues(2001, "New", 50)}}})
	})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 records of new findings are not stored") {
		t.Errorf("Apply with a finding of an unknown record: %v", err)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM findings`); got != 50 {
		t.Errorf("%d findings after the failed write, want the seeded 50", got)
	}
}

// Installs and list rows are copied into their tables with their records'
// assets read first: a row of a record that is not stored fails the write
// set, and the transaction writes nothing.
func TestContentOfAnUnknownRecord(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	f := seed(t, s, 1)
	installs := queryInt(t, u, `SELECT count(*) FROM installed_software`)
	ports := queryInt(t, u, `SELECT count(*) FROM open_ports`)
	unknown := f.vmdr + 1000
	for _, tc := range []struct {
		name    string
		content store.RecordContent
		want    string
	}{
		{"an install", store.RecordContent{RecordID: unknown, Hash: "x", Attributes: `{}`, SoftwareInstalls: 1,
			Installs: []store.Install{{Name: "openssl", Version: "3.0", Publisher: "OpenSSL", InstallPath: "/opt", Attributes: `{}`}}},
			fmt.Sprintf("insert installed software: record %d is not stored", unknown)},
		{"a list row", store.RecordContent{RecordID: unknown, Hash: "x", Attributes: `{}`,
			Items: []store.Item{{Table: "open_ports", Entity: "OpenPort", Values: []any{int64(8443), "TCP"}, Attributes: `{}`}}},
			"insert open_ports: 1 of 2 rows belong to no stored record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(t.Context(), store.Lock{Source: "csam", Subscription: "sub1"}, func(tx store.Tx) error {
				return tx.Apply(t.Context(), &store.WriteSet{RunID: f.run.ID, Source: "csam", Subscription: "sub1", At: at,
					Records: []store.RecordContent{
						{RecordID: f.csam, Hash: "c2", Attributes: `{}`, SoftwareInstalls: 1,
							Installs: []store.Install{{Name: "curl", Version: "8.0", Publisher: "curl", InstallPath: "/usr", Attributes: `{}`}},
							Items:    []store.Item{{Table: "open_ports", Entity: "OpenPort", Values: []any{int64(22), "TCP"}, Attributes: `{}`}}},
						tc.content}})
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Apply: %v; want an error with %q", err, tc.want)
			}
			if got := queryInt(t, u, `SELECT count(*) FROM installed_software`); got != installs {
				t.Errorf("%d installs after the failed write, want the seeded %d", got, installs)
			}
			if got := queryInt(t, u, `SELECT count(*) FROM open_ports`); got != ports {
				t.Errorf("%d open ports after the failed write, want the seeded %d", got, ports)
			}
		})
	}
}

// A change that names its finding by key only gets the finding's id, and
// the asset of its record (not the one the write set gave); a change of an
// asset alone keeps its asset and has no record.
func TestChangesNameTheirFindingsAndAssets(t *testing.T) {
	t.Parallel()
	s, u := open(t)
	f := seed(t, s, 3)
	fid := queryInt(t, u, `SELECT id FROM findings WHERE record_id = $1 AND qid = 1001`, f.vmdr)
	var key string
	conn, err := pgx.Connect(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(t.Context(), `SELECT finding_key FROM findings WHERE id = $1`, fid).Scan(&key); err != nil {
		t.Fatal(err)
	}
	update(t, s, func(tx store.Tx) error {
		return tx.Apply(t.Context(), &store.WriteSet{RunID: f.run.ID, Source: "vmdr", Subscription: "sub1", At: at,
			Changes: []store.ChangeWrite{
				{Kind: store.ChangeFindingFixed, AssetID: f.asset + 99, RecordID: f.vmdr, FindingKey: key, QID: 1001, Old: "Active", New: "Fixed"},
				{Kind: store.ChangeRiskBand, AssetID: f.asset, Old: "LOW", New: "HIGH"}}})
	})
	if got := queryInt(t, u, `SELECT count(*) FROM changes WHERE kind = 'finding_fixed' AND finding_id = $1 AND asset_id = $2 AND record_id = $3 AND qid = 1001`,
		fid, f.asset, f.vmdr); got != 1 {
		t.Errorf("%d finding_fixed changes name finding %d, asset %d and record %d, want 1", got, fid, f.asset, f.vmdr)
	}
	if got := queryInt(t, u, `SELECT count(*) FROM changes WHERE kind = 'risk_band' AND asset_id = $1 AND record_id IS NULL AND finding_id IS NULL AND qid IS NULL AND new_value = 'HIGH'`,
		f.asset); got != 1 {
		t.Errorf("%d risk_band changes of asset %d with no record, finding or QID, want 1", got, f.asset)
	}
}
