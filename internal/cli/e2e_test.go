package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/qflow/qflow/internal/qualyssim"
)

// TestMain lets a test re-execute this binary as the qflow command (for the
// kill -9 test): QFLOW_TEST_MAIN=1 runs cli.Execute with the arguments.
func TestMain(m *testing.M) {
	if os.Getenv("QFLOW_TEST_MAIN") == "1" {
		os.Exit(Execute(context.Background(), DefaultEnv(), os.Args[1:]))
	}
	os.Exit(m.Run())
}

type simEnv struct {
	srv *qualyssim.Server
	url string
}

func startSim(t *testing.T, cfg qualyssim.Config) *simEnv {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &simEnv{srv: srv, url: ts.URL}
}

func (s *simEnv) env(t *testing.T, password string) map[string]string {
	u, p := s.srv.Credentials()
	if password != "" {
		p = password
	}
	return map[string]string{"QUALYS_USERNAME": u, "QUALYS_PASSWORD": p}
}

// qflow runs the command line in-process and returns exit code, stdout, stderr.
func qflow(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	code := Execute(t.Context(), env, args)
	return code, out.String(), errb.String()
}

func syncJSON(t *testing.T, s *simEnv, db string, extra ...string) Summary {
	t.Helper()
	args := append([]string{"sync", "--gateway-url", s.url, "--db", db, "--json", "--log-level", "warn"}, extra...)
	code, out, stderr := qflow(t, s.env(t, ""), args...)
	if code != 0 {
		t.Fatalf("qflow %v: exit %d\nstdout: %s\nstderr: %s", args, code, out, stderr)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary is not JSON: %v\n%s", err, out)
	}
	return sum
}

func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func scalar(t *testing.T, db *sql.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// assertMatchesTruth checks the database against the simulator's truth:
// every well-formed asset once, every installed software row once.
func assertMatchesTruth(t *testing.T, dbPath string, truth qualyssim.Truth) {
	t.Helper()
	db := openDB(t, dbPath)
	if got := scalar(t, db, "SELECT count(*) FROM asset_records WHERE state = 'active'"); got != int64(truth.Assets) {
		t.Errorf("asset records = %d, truth %d", got, truth.Assets)
	}
	if got := scalar(t, db, "SELECT count(DISTINCT native_key) FROM asset_records"); got != scalar(t, db, "SELECT count(*) FROM asset_records") {
		t.Errorf("duplicate asset records")
	}
	// One asset per machine: within one subscription's CSAM every asset is
	// a distinct machine (junk identifiers must not merge any).
	if got := scalar(t, db, "SELECT count(*) FROM assets WHERE state = 'active'"); got != int64(truth.Assets) {
		t.Errorf("assets = %d, truth %d", got, truth.Assets)
	}
	if got := scalar(t, db, "SELECT count(*) FROM assets a WHERE NOT EXISTS (SELECT 1 FROM asset_records r WHERE r.asset_id = a.id)"); got != 0 {
		t.Errorf("%d assets without a record", got)
	}
	if got := scalar(t, db, "SELECT count(*) FROM installed_software"); got != int64(truth.SoftwareInstalls) {
		t.Errorf("installed_software = %d, truth %d", got, truth.SoftwareInstalls)
	}
	want := map[string]bool{}
	for _, id := range truth.AssetIDs {
		want[strconv.FormatInt(id, 10)] = true
	}
	rows, err := db.QueryContext(t.Context(), "SELECT native_key FROM asset_records")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		if !want[k] {
			t.Errorf("asset %s is not in the truth", k)
		}
		delete(want, k)
	}
	if len(want) > 0 {
		t.Errorf("%d assets of the truth are missing from the database", len(want))
	}
}

func TestSyncFullEqualsTruthAndIncrementalIsCheap(t *testing.T) {
	t.Parallel()
	s := startSim(t, qualyssim.Config{Assets: 700, Seed: 7})
	db := filepath.Join(t.TempDir(), "q.db")
	sum := syncJSON(t, s, db, "--full")
	truth := s.srv.Truth()
	if sum.State != "Processed" || sum.Assets.New != int64(truth.Assets) || sum.SoftwareInstalls != int64(truth.SoftwareInstalls) {
		t.Fatalf("full sync summary %+v, truth %d assets %d installs", sum, truth.Assets, truth.SoftwareInstalls)
	}
	if sum.RunID == 0 || sum.APICalls == 0 || sum.Source != "csam" {
		t.Fatalf("summary lacks run_id/api_calls/source: %+v", sum)
	}
	assertMatchesTruth(t, db, truth)

	searches := func() int64 { return s.srv.Stats().Calls["POST /rest/2.0/search/am/asset"] }
	before := searches()
	inc := syncJSON(t, s, db, "--incremental")
	if inc.State != "Processed" || inc.Mode != "incremental" || inc.Assets.New != 0 || inc.Assets.Updated != 0 {
		t.Fatalf("incremental summary %+v", inc)
	}
	if got := searches() - before; got > 1 {
		t.Fatalf("incremental sync made %d search calls, want at most the first page", got)
	}
	if s.srv.Stats().LimitViolations != 0 {
		t.Fatalf("limit violations: %+v", s.srv.Stats())
	}
	assertMatchesTruth(t, db, truth)
}

func TestSyncWithFaultsStillMatchesTruth(t *testing.T) {
	t.Parallel()
	faults, err := qualyssim.ParseFaults("5xx=0.1,reset=0.05,nohasmore=0.05")
	if err != nil {
		t.Fatal(err)
	}
	s := startSim(t, qualyssim.Config{Assets: 600, Seed: 3, Faults: faults})
	db := filepath.Join(t.TempDir(), "q.db")
	sum := syncJSON(t, s, db, "--full", "--page-size", "50", "--max-retries", "8")
	if sum.State != "Processed" {
		t.Fatalf("summary %+v", sum)
	}
	st := s.srv.Stats()
	if st.LimitViolations != 0 {
		t.Fatalf("limit violations %d", st.LimitViolations)
	}
	var injected int64
	for _, n := range st.Faults {
		injected += n
	}
	if injected == 0 {
		t.Fatalf("no fault was injected; the test proves nothing: %+v", st)
	}
	assertMatchesTruth(t, db, s.srv.Truth())
}

func TestSyncQuarantinesMalformedAssets(t *testing.T) {
	t.Parallel()
	faults, err := qualyssim.ParseFaults("malformed=0.03")
	if err != nil {
		t.Fatal(err)
	}
	s := startSim(t, qualyssim.Config{Assets: 400, Seed: 11, Faults: faults})
	db := filepath.Join(t.TempDir(), "q.db")
	sum := syncJSON(t, s, db, "--full")
	truth := s.srv.Truth()
	if len(truth.MalformedAssetIDs) == 0 {
		t.Fatal("simulator served no malformed asset")
	}
	if sum.State != "Processed" || sum.Quarantined != int64(len(truth.MalformedAssetIDs)) {
		t.Fatalf("quarantined %d, want %d (%+v)", sum.Quarantined, len(truth.MalformedAssetIDs), sum)
	}
	assertMatchesTruth(t, db, truth)
	d := openDB(t, db)
	if n := scalar(t, d, "SELECT count(*) FROM quarantine WHERE reason = '' OR length(raw) = 0"); n != 0 {
		t.Fatalf("%d quarantine rows without reason or record", n)
	}
}

func TestSyncWrongPasswordFailsClearlyAndWritesNothing(t *testing.T) {
	t.Parallel()
	s := startSim(t, qualyssim.Config{Assets: 10, Seed: 1})
	for _, src := range []string{"csam", "vmdr", "kb", "all"} {
		t.Run(src, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "q.db")
			code, out, stderr := qflow(t, s.env(t, "wrong-password"), "sync", "--gateway-url", s.url, "--db", db, "--source", src)
			if code == 0 {
				t.Fatalf("exit 0 with a wrong password; stdout %s", out)
			}
			for _, want := range []string{s.url, "401"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("error output lacks %q:\n%s", want, stderr)
				}
			}
			if strings.Contains(stderr+out, "wrong-password") {
				t.Fatal("the password was printed")
			}
			if _, err := os.Stat(db); !os.IsNotExist(err) {
				t.Fatalf("database was created despite failed authentication (stat err %v)", err)
			}
		})
	}
}

func TestSyncRefusesPlainHTTPToRemoteHosts(t *testing.T) {
	t.Parallel()
	code, _, stderr := qflow(t, map[string]string{"QUALYS_USERNAME": "u", "QUALYS_PASSWORD": "p"},
		"sync", "--gateway-url", "http://gateway.qg1.apps.qualys.com", "--db", filepath.Join(t.TempDir(), "q.db"))
	if code == 0 || !strings.Contains(stderr, "https") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

func TestSyncRequiresCredentialsFromEnvironment(t *testing.T) {
	t.Parallel()
	code, _, stderr := qflow(t, nil, "sync", "--gateway-url", "http://127.0.0.1:1", "--db", filepath.Join(t.TempDir(), "q.db"))
	if code == 0 || !strings.Contains(stderr, "QUALYS_USERNAME") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

func TestSyncOverTLSWithCAFile(t *testing.T) {
	t.Parallel()
	srv, err := qualyssim.New(qualyssim.Config{Assets: 50, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	running, err := srv.Start(t.Context(), "127.0.0.1:0", true, ca)
	if err != nil {
		t.Fatal(err)
	}
	defer running.Close()
	if !strings.HasPrefix(running.URL, "https://") {
		t.Fatalf("URL %s", running.URL)
	}
	s := &simEnv{srv: srv, url: running.URL}
	db := filepath.Join(t.TempDir(), "q.db")
	code, _, stderr := qflow(t, s.env(t, ""), "sync", "--gateway-url", s.url, "--db", db, "--max-retries", "0")
	if code == 0 {
		t.Fatal("sync trusted a self-signed certificate without --ca-file")
	}
	_ = stderr
	sum := syncJSON(t, s, db, "--ca-file", ca, "--full")
	if sum.State != "Processed" || sum.Assets.Seen != int64(srv.Truth().Assets) {
		t.Fatalf("summary %+v", sum)
	}
}

func TestDemoRunsEndToEnd(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	code, out, stderr := qflow(t, nil, "demo", "--assets", "150", "--db", db, "--log-level", "warn")
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"Processed", "API calls", "top operating systems", "top software", "findings by severity", "top open QIDs", "assets by TruRisk band", "database matches",
		"day 1 (incremental)", "change feed matches"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestSyncKilledMidRunResumes kills a real qflow process with SIGKILL in the
// middle of a sync, then runs the sync again: the database must end equal to
// the truth, without duplicates.
func TestSyncKilledMidRunResumes(t *testing.T) {
	t.Parallel()
	lat, err := qualyssim.ParseLatency("30ms")
	if err != nil {
		t.Fatal(err)
	}
	s := startSim(t, qualyssim.Config{Assets: 900, Seed: 5, Latency: lat})
	db := filepath.Join(t.TempDir(), "q.db")
	u, p := s.srv.Credentials()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "sync", "--gateway-url", s.url, "--db", db, "--page-size", "20", "--json", "--log-level", "warn")
	cmd.Env = append(os.Environ(), "QFLOW_TEST_MAIN=1", "QUALYS_USERNAME="+u, "QUALYS_PASSWORD="+p)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill once some batches are committed but well before the end.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("sync made no progress in time; stderr: %s", stderr.String())
		}
		if n := committed(db); n >= 100 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if n := committed(db); n >= 900 {
		t.Fatalf("the sync finished before the kill (%d rows); the test proves nothing", n)
	}
	sum := syncJSON(t, s, db)
	if !sum.Resumed || sum.State != "Processed" {
		t.Fatalf("second run did not resume: %+v", sum)
	}
	assertMatchesTruth(t, db, s.srv.Truth())
}

func committed(path string) int64 {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(1000)")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM asset_records").Scan(&n); err != nil {
		return 0
	}
	return n
}
