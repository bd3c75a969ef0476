package cli

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
)

// vmdrSync runs qflow sync against the simulator's API server.
func vmdrSync(t *testing.T, s *simEnv, db string, extra ...string) Summary {
	t.Helper()
	return syncJSON(t, s, db, append([]string{"--api-url", s.url}, extra...)...)
}

func assertNoTruthDiffs(t *testing.T, sum Summary, truth qualyssim.Truth) {
	t.Helper()
	if d := truthDiffs(&sum, truth); len(d) > 0 {
		t.Errorf("database differs from the simulator's truth:\n  %s", strings.Join(d, "\n  "))
	}
}

func runOf(t *testing.T, sum Summary, source string) RunSummary {
	t.Helper()
	for _, r := range sum.Runs {
		if r.Source == source {
			return r
		}
	}
	t.Fatalf("no %s run in summary %+v", source, sum.Runs)
	return RunSummary{}
}

// A full sync of every source equals the truth; after the simulator moves
// on a day, an incremental sync brings the new, fixed and reopened
// detections for a small fraction of the full sync's calls.
func TestVMDRFullThenIncremental(t *testing.T) {
	t.Parallel()
	s := startSim(t, qualyssim.Config{Assets: scale(t, 30, 100), Hosts: scale(t, 150, 800), Seed: 3})
	db := t.TempDir() + "/q.db"
	pageSize := strconv.Itoa(scale(t, 20, 100))
	full := vmdrSync(t, s, db, "--source", "all", "--full", "--page-size", pageSize)
	if full.State != "Processed" {
		t.Fatalf("full run %s: %s", full.State, full.Error)
	}
	truth := s.srv.Truth()
	assertNoTruthDiffs(t, full, truth)
	if full.Findings.New != int64(truth.Detections.Total) || full.Findings.Seen != int64(truth.Detections.Total) {
		t.Errorf("full run findings = %+v, truth total %d", full.Findings, truth.Detections.Total)
	}
	if full.Vulns.New != int64(len(truth.KBQIDs)) {
		t.Errorf("full run vulns = %+v, truth %d QIDs", full.Vulns, len(truth.KBQIDs))
	}
	db2 := openDB(t, db)
	if n := scalar(t, db2, "SELECT count(*) FROM findings f JOIN vulns v ON v.qid = f.qid"); n != scalar(t, db2, "SELECT count(*) FROM findings") {
		t.Errorf("%d findings have no KnowledgeBase entry", scalar(t, db2, "SELECT count(*) FROM findings")-n)
	}
	if n := scalar(t, db2, "SELECT count(*) FROM findings WHERE json_extract(attributes, '$.name') IS NULL"); n != 0 {
		t.Errorf("%d findings lack the KnowledgeBase title (findingName)", n)
	}
	if n := scalar(t, db2, "SELECT count(*) FROM findings WHERE results LIKE '%&lt;%' OR results LIKE '%&quot;%'"); n != 0 {
		t.Errorf("%d findings keep HTML-escaped RESULTS", n)
	}
	if n := scalar(t, db2, "SELECT count(*) FROM vuln_attack"); n == 0 {
		t.Error("no ATT&CK tactics or techniques stored")
	}
	if n := scalar(t, db2, "SELECT count(*) FROM vuln_cves"); n == 0 {
		t.Error("no CVEs stored")
	}
	assertEnriched(t, db2)
	fullVM := runOf(t, full, "vmdr")
	bandsBefore := bandsOf(t, db2)

	if _, err := s.srv.Advance(); err != nil {
		t.Fatal(err)
	}
	truth = s.srv.Truth()
	inc := vmdrSync(t, s, db, "--source", "all", "--incremental", "--page-size", pageSize)
	if inc.State != "Processed" {
		t.Fatalf("incremental run %s: %s", inc.State, inc.Error)
	}
	assertNoTruthDiffs(t, inc, truth)
	incVM := runOf(t, inc, "vmdr")
	if got, want := inc.Hosts.Seen, int64(len(truth.ChangedHostIDs)); got != want {
		t.Errorf("incremental run read %d hosts, the simulator changed %d", got, want)
	}
	f := inc.Findings
	if f.Fixed == 0 || f.Reopened == 0 || f.New == 0 {
		t.Errorf("incremental findings %+v: want new, fixed and reopened detections", f)
	}
	// At this size the full run makes 9 calls and the incremental one 3, or
	// 4 when the host list arrives before the head's first page and the
	// rest is split into a range (the order of arrival depends on the
	// machine's load: 4 in one CI run). At most half, then.
	if incVM.APICalls*2 > fullVM.APICalls {
		t.Errorf("incremental VMDR run made %d calls, full %d: want at most half", incVM.APICalls, fullVM.APICalls)
	}
	t.Logf("VMDR calls: full %d, incremental %d; findings full %+v, incremental %+v", fullVM.APICalls, incVM.APICalls, full.Findings, f)
	assertChangesMatch(t, s, db, inc, truth, bandsBefore, bandsOf(t, db2))

	// A second incremental run with nothing new changes nothing.
	again := vmdrSync(t, s, db, "--source", "vmdr", "--incremental")
	if again.Findings.New+again.Findings.Updated+again.Findings.Missing != 0 {
		t.Errorf("idle incremental run changed findings: %+v", again.Findings)
	}
	assertNoTruthDiffsVMDR(t, db, truth)
}

// assertNoTruthDiffsVMDR checks the finding counts straight from the
// database.
func assertNoTruthDiffsVMDR(t *testing.T, path string, truth qualyssim.Truth) {
	t.Helper()
	db := openDB(t, path)
	if got := scalar(t, db, "SELECT count(*) FROM findings WHERE state = 'active'"); got != int64(truth.Detections.Total) {
		t.Errorf("active findings = %d, truth %d", got, truth.Detections.Total)
	}
	for status, want := range truth.Detections.ByStatus {
		if got := scalar(t, db, "SELECT count(*) FROM findings WHERE state = 'active' AND status = '"+status+"'"); got != int64(want) {
			t.Errorf("findings %s = %d, truth %d", status, got, want)
		}
	}
	if got := scalar(t, db, "SELECT count(*) FROM (SELECT record_id, finding_key FROM findings GROUP BY 1, 2 HAVING count(*) > 1)"); got != 0 {
		t.Errorf("%d duplicate findings", got)
	}
}

// With a concurrency limit of 2 and a rate limit hit mid-run, no call
// breaks a limit and the data still equals the truth. The rate window is
// waited out on synctest's fake clock.
func TestVMDRLimits(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := startMemSim(t, qualyssim.Config{Assets: scale(t, 20, 50), Hosts: scale(t, 150, 600), Seed: 4, ConcurrencyLimit: 2, RateLimit: 12, RateWindow: 3 * time.Second})
		db := t.TempDir() + "/q.db"
		start := time.Now()
		sum := vmdrSync(t, s, db, "--source", "all", "--full", "--page-size", strconv.Itoa(scale(t, 10, 50)), "--parallel", "4")
		if sum.State != "Processed" {
			t.Fatalf("run %s: %s", sum.State, sum.Error)
		}
		assertNoTruthDiffs(t, sum, s.srv.Truth())
		st := s.srv.Stats()
		if st.LimitViolations != 0 {
			t.Errorf("limit violations = %d (%v), want 0", st.LimitViolations, st.LimitViolationsByAPI)
		}
		if st.VMMaxConcurrency > 2 {
			t.Errorf("VMDR concurrency reached %d, limit 2", st.VMMaxConcurrency)
		}
		var calls int64
		for k, n := range st.Calls {
			if strings.Contains(k, "/fo/") {
				calls += n
			}
		}
		if calls <= 12 {
			t.Errorf("only %d VMDR/KB calls: the rate limit of 12 per window was never reached", calls)
		}
		// 12 calls per 3 s: the run cannot be shorter than the windows it
		// needed.
		if d, least := time.Since(start), time.Duration((calls-1)/12)*3*time.Second; d < least {
			t.Errorf("%d calls took %v of (fake) time, less than %v: the rate window was not waited out", calls, d, least)
		}
	})
}

// A host whose detection page always times out is quarantined with its
// reason; every other host loads, and the run ends Processed. The page
// timeouts and the truncation halvings run on synctest's fake clock.
func TestVMDRStuckHostQuarantined(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := startMemSim(t, qualyssim.Config{Assets: scale(t, 20, 50), Hosts: scale(t, 80, 300), Seed: 5, Faults: qualyssim.Faults{StuckHosts: 1}})
		db := t.TempDir() + "/q.db"
		if c, _, stderr := s.qflow(t, "", "sync", "--gateway-url", s.url, "--api-url", s.url, "--db", db, "--source", "kb", "--json"); c != 0 {
			t.Fatalf("kb sync failed: %s", stderr)
		}
		sum := vmdrSync(t, s, db, "--source", "vmdr", "--full", "--page-size", strconv.Itoa(scale(t, 20, 40)), "--page-timeout", "700ms", "--max-retries", "1")
		if sum.State != "Processed" {
			t.Fatalf("run %s: %s", sum.State, sum.Error)
		}
		truth := s.srv.Truth()
		if len(truth.StuckHosts) != 1 {
			t.Fatalf("truth stuck hosts = %v", truth.StuckHosts)
		}
		if sum.Quarantined != 1 {
			t.Errorf("quarantined = %d, want 1", sum.Quarantined)
		}
		dbh := openDB(t, db)
		stuck := strconv.FormatInt(truth.StuckHosts[0], 10)
		var key, reason string
		if err := dbh.QueryRowContext(t.Context(), "SELECT native_key, reason FROM quarantine WHERE source = 'vmdr'").Scan(&key, &reason); err != nil {
			t.Fatal(err)
		}
		if key != stuck || !strings.Contains(reason, stuck) || !strings.Contains(reason, "700ms") {
			t.Errorf("quarantined %q with reason %q, want host %s with a timeout reason", key, reason, stuck)
		}
		assertNoTruthDiffsVMDR(t, db, truth)
		if got := scalar(t, dbh, "SELECT count(*) FROM asset_records WHERE source = 'VMDR' AND state = 'active'"); got != int64(truth.Hosts-1) {
			t.Errorf("VMDR hosts = %d, want %d", got, truth.Hosts-1)
		}
	})
}

// A VMDR sync killed with SIGKILL mid-run resumes where its host ranges
// stopped: the database ends equal to the truth, with no duplicate finding.
func TestVMDRKilledMidRunResumes(t *testing.T) {
	t.Parallel()
	gate := newPageGate("/fo/asset/host/vm/detection/", 3)
	s := startSim(t, qualyssim.Config{Assets: 20, Hosts: scale(t, 150, 900), Seed: 6}, gate.wrap)
	db := filepath.Join(t.TempDir(), "q.db")
	vmdrSync(t, s, db, "--source", "kb")
	killMidRun(t, s, gate, []string{"--db", db}, "sync", "--api-url", s.url, "--source", "vmdr", "--page-size", strconv.Itoa(scale(t, 10, 20)))
	truth := s.srv.Truth()
	if n := committed(db); n == 0 || n >= int64(truth.Hosts) {
		t.Fatalf("%d of %d hosts committed at the kill: want some, not all", n, truth.Hosts)
	}
	sum := vmdrSync(t, s, db, "--source", "vmdr")
	if !sum.Resumed || sum.State != "Processed" {
		t.Fatalf("second run did not resume: %+v", sum)
	}
	assertNoTruthDiffsVMDR(t, db, truth)
	dbh := openDB(t, db)
	if got := scalar(t, dbh, "SELECT count(*) FROM asset_records WHERE source = 'VMDR'"); got != int64(truth.Hosts) {
		t.Errorf("VMDR host records = %d, truth %d", got, truth.Hosts)
	}
}
