package cli

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	_ "modernc.org/sqlite"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/testscale"
)

// TestMain lets a test re-execute this binary as the qflow command (for the
// kill -9 test): QFLOW_TEST_MAIN=1 runs cli.Execute with the arguments.
func TestMain(m *testing.M) {
	if os.Getenv("QFLOW_TEST_MAIN") == "1" {
		os.Exit(Execute(context.Background(), DefaultEnv(), os.Args[1:]))
	}
	os.Exit(m.Run())
}

// scale sizes a test's data to the path it proves (see testscale).
func scale(t testing.TB, small, full int) int {
	t.Helper()
	return testscale.N(t, small, full)
}

type simEnv struct {
	srv  *qualyssim.Server
	url  string
	dial func(ctx context.Context, network, addr string) (net.Conn, error) // in-memory simulator; nil: loopback TCP
}

// startSim serves a simulator on loopback TCP; h, when given, wraps it.
func startSim(t *testing.T, cfg qualyssim.Config, wrap ...func(http.Handler) http.Handler) *simEnv {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	for _, w := range wrap {
		h = w(h)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &simEnv{srv: srv, url: ts.URL}
}

// startMemSim serves a simulator on an in-memory network, for tests run in a
// testing/synctest bubble: the simulator's latency, limits and faults and
// the client's backoff, rate waits and page timeouts then run on the
// bubble's fake clock, so minutes of Qualys time take milliseconds.
func startMemSim(t *testing.T, cfg qualyssim.Config) *simEnv {
	t.Helper()
	srv, err := qualyssim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	run := srv.StartMemory(t.Context())
	t.Cleanup(func() { run.Close() })
	return &simEnv{srv: srv, url: run.URL, dial: run.DialContext}
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
	return qflowEnv(t, Env{Getenv: func(k string) string { return vars[k] }}, args...)
}

// qflowEnv is qflow with the rest of the Env given (Stdout and Stderr are
// set here).
func qflowEnv(t *testing.T, env Env, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env.Stdout, env.Stderr = &out, &errb
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	code := Execute(t.Context(), env, args)
	return code, out.String(), errb.String()
}

// qflow runs the command line against s with its credentials (password, if
// not empty, instead of the right one).
func (s *simEnv) qflow(t *testing.T, password string, args ...string) (int, string, string) {
	t.Helper()
	vars := s.env(t, password)
	return qflowEnv(t, Env{Getenv: func(k string) string { return vars[k] }, DialContext: s.dial}, args...)
}

func syncJSON(t *testing.T, s *simEnv, db string, extra ...string) Summary {
	t.Helper()
	args := append([]string{"sync", "--gateway-url", s.url, "--db", db, "--json", "--log-level", "warn"}, extra...)
	code, out, stderr := s.qflow(t, "", args...)
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
	s := startSim(t, qualyssim.Config{Assets: scale(t, 60, 700), Seed: 7})
	db := filepath.Join(t.TempDir(), "q.db")
	// Small pages: several pages per cursor, two cursors, several batches.
	sum := syncJSON(t, s, db, "--full", "--page-size", strconv.Itoa(scale(t, 10, 300)))
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

// With server errors, connection resets and pages without hasMore, every
// fault is retried (with the real backoff, on synctest's fake clock) and the
// database still equals the truth.
func TestSyncWithFaultsStillMatchesTruth(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		faults, err := qualyssim.ParseFaults("5xx=0.1,reset=0.05,nohasmore=0.1")
		if err != nil {
			t.Fatal(err)
		}
		s := startMemSim(t, qualyssim.Config{Assets: scale(t, 150, 600), Seed: 2, Faults: faults})
		db := filepath.Join(t.TempDir(), "q.db")
		start := time.Now()
		sum := syncJSON(t, s, db, "--full", "--page-size", strconv.Itoa(scale(t, 10, 50)), "--max-retries", "8")
		if sum.State != "Processed" {
			t.Fatalf("summary %+v", sum)
		}
		st := s.srv.Stats()
		if st.LimitViolations != 0 {
			t.Fatalf("limit violations %d", st.LimitViolations)
		}
		for _, kind := range []string{qualyssim.Fault5xx, qualyssim.FaultReset, qualyssim.FaultNoHasMore} {
			if st.Faults[kind] == 0 {
				t.Errorf("no %s fault was injected; the test proves less than it says: %+v", kind, st.Faults)
			}
		}
		// Each retry waited out a backoff of at least half a second.
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("the sync took %v of (fake) time: retries did not back off", d)
		}
		assertMatchesTruth(t, db, s.srv.Truth())
	})
}

func TestSyncQuarantinesMalformedAssets(t *testing.T) {
	t.Parallel()
	faults, err := qualyssim.ParseFaults("malformed=0.03")
	if err != nil {
		t.Fatal(err)
	}
	s := startSim(t, qualyssim.Config{Assets: scale(t, 150, 400), Seed: 11, Faults: faults})
	db := filepath.Join(t.TempDir(), "q.db")
	sum := syncJSON(t, s, db, "--full", "--page-size", strconv.Itoa(scale(t, 20, 300)))
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
			code, out, stderr := s.qflow(t, "wrong-password", "sync", "--gateway-url", s.url, "--db", db, "--source", src)
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
	srv, err := qualyssim.New(qualyssim.Config{Assets: 20, Seed: 2})
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
	code, _, stderr := s.qflow(t, "", "sync", "--gateway-url", s.url, "--db", db, "--max-retries", "0")
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
	code, out, stderr := qflow(t, nil, "demo", "--assets", strconv.Itoa(scale(t, 40, 150)), "--db", db, "--log-level", "warn")
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
	gate := newPageGate("/search/am/asset", 4)
	s := startSim(t, qualyssim.Config{Assets: scale(t, 120, 900), Seed: 5}, gate.wrap)
	db := filepath.Join(t.TempDir(), "q.db")
	killMidRun(t, s, gate, []string{"--db", db}, "sync", "--gateway-url", s.url, "--page-size", strconv.Itoa(scale(t, 10, 20)))
	truth := s.srv.Truth()
	if n := committed(db); n == 0 || n >= int64(truth.Assets) {
		t.Fatalf("%d of %d assets committed at the kill: want some, not all", n, truth.Assets)
	}
	sum := syncJSON(t, s, db)
	if !sum.Resumed || sum.State != "Processed" {
		t.Fatalf("second run did not resume: %+v", sum)
	}
	assertMatchesTruth(t, db, truth)
}

// pageGate lets the first `after` requests for data pages (paths containing
// path) through, then holds every later one until release is called:
// the point where killMidRun kills a sync is set by the simulator's pages,
// not by the clock.
type pageGate struct {
	path  string
	after int64

	n                 atomic.Int64
	heldOnce, relOnce sync.Once
	held, released    chan struct{}
}

func newPageGate(path string, after int64) *pageGate {
	return &pageGate{path: path, after: after, held: make(chan struct{}), released: make(chan struct{})}
}

func (g *pageGate) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, g.path) && g.n.Add(1) > g.after {
			g.heldOnce.Do(func() { close(g.held) })
			select {
			case <-g.released:
			case <-r.Context().Done():
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

func (g *pageGate) release() { g.relOnce.Do(func() { close(g.released) }) }

// killMidRun starts `qflow args… where…` (where selects the store) as a child process (this test
// binary, see TestMain), lets it fetch the gate's first pages, waits until
// the page after them is held and the child has logged a committed batch
// (the engine flushes a partial batch within its flush interval), then
// kills it with SIGKILL and opens the gate for the runs that follow. So the
// kill falls after some data is committed and before the run can finish,
// every time.
func killMidRun(t *testing.T, s *simEnv, gate *pageGate, where []string, args ...string) {
	t.Helper()
	u, p := s.srv.Credentials()
	args = append(append(args, where...), "--json", "--log-level", "debug")
	cmd := exec.CommandContext(t.Context(), os.Args[0], args...)
	cmd.Env = append(os.Environ(), "QFLOW_TEST_MAIN=1", "QUALYS_USERNAME="+u, "QUALYS_PASSWORD="+p)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer gate.release()
	var log bytes.Buffer
	commit := make(chan struct{})
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			line := sc.Text()
			log.WriteString(line + "\n")
			if strings.Contains(line, "batch committed") && !strings.Contains(line, "records=0 ") {
				once.Do(func() { close(commit) })
			}
		}
	}()
	fail := func(msg string) {
		cmd.Process.Kill()
		<-scanned
		t.Fatalf("%s; child's log:\n%s", msg, log.String())
	}
	for _, ch := range []chan struct{}{gate.held, commit} {
		select {
		case <-ch:
		case <-scanned:
			fail("the child ended before the kill point")
		case <-t.Context().Done():
			fail("the test ended before the kill point")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-scanned
	_ = cmd.Wait()
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
