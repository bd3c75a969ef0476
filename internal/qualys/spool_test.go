package qualys

// Spooling API-server pages: the loop body holds no slot and does not count
// against the page timeout; spool files never outlive their page.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
)

// spoolFiles returns the names of the files in dir, and of the files that
// were in dir and are still open.
func spoolFiles(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return append(out, openUnlinked(t, dir)...)
}

// openUnlinked returns the names of the files in dir that this process
// holds open after their names were removed (spool files, see
// newSpool), read from /proc/self/fd. Where there is no /proc the
// tests see only named files.
func openUnlinked(t testing.TB, dir string) []string {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var out []string
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err != nil {
			continue // closed since ReadDir
		}
		if name, ok := strings.CutSuffix(target, " (deleted)"); ok && filepath.Dir(name) == filepath.Clean(dir) {
			out = append(out, filepath.Base(name))
		}
	}
	return out
}

// TestSpoolFilesLeaveNoNames proves that spool files lose their names as
// they are created, so that a process killed mid-run leaves none behind,
// and that they are still written and read.
func TestSpoolFilesLeaveNoNames(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps the names of open files")
	}
	c := &Client{spoolDir: t.TempDir()}
	sp, err := c.newSpool(".xml", false)
	if err != nil {
		t.Fatal(err)
	}
	if sp.named {
		t.Fatalf("spool file %s kept its name", sp.f.Name())
	}
	if ents, _ := os.ReadDir(c.spoolDir); len(ents) != 0 {
		t.Errorf("spool directory holds %d entries, want none", len(ents))
	}
	if _, err := io.WriteString(spoolWriter{sp}, "<HOST_LIST/>"); err != nil {
		t.Fatal(err)
	}
	if err := sp.finish(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 12)
	if _, err := sp.f.ReadAt(buf, 0); err != nil || string(buf) != "<HOST_LIST/>" {
		t.Errorf("read back %q, %v", buf, err)
	}
	if _, err := os.Stat("/proc/self/fd"); err == nil {
		if got := openUnlinked(t, c.spoolDir); len(got) != 1 || !strings.HasPrefix(got[0], "qflow-qualys-") {
			t.Errorf("open unlinked files %v, want the one spool file", got)
		}
	}
	sp.remove()
	if got := spoolFiles(t, c.spoolDir); len(got) != 0 {
		t.Errorf("spool files after remove: %v", got)
	}
}

// A loop body slower than the page timeout holds neither the connection nor
// the concurrency slot: pages are spooled, so none times out. On synctest's
// fake clock the loop body's waits and the page timeouts cost nothing.
func TestSimVMDRSlowConsumer(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testSimVMDRSlowConsumer)
}

func testSimVMDRSlowConsumer(t *testing.T) {
	const (
		pageTimeout = 600 * time.Millisecond // ample for a page of 8 hosts (fake time: CPU costs none)
		perHost     = 90 * time.Millisecond  // 8 hosts a page: 720 ms of loop body per page
	)
	dir := t.TempDir()
	srv, c := startMemVMSim(t, qualyssim.Config{Assets: 30, Seed: 12}, func(o *Options) {
		o.PageTimeout = pageTimeout
		o.Concurrency = 1 // one slot: the loop body could not call the API if the walk held it
		o.SpoolDir = dir
	})
	truth := srv.Truth()
	q := AllDetections()
	q.TruncationLimit = 8
	q.ShowResults = false
	d := newTally()
	var hostErrs []error
	start := time.Now()
	for h, err := range c.VMDR.Detections(t.Context(), q, IDRange{}) {
		if err != nil {
			if !errors.Is(err, ErrHostUnavailable) {
				t.Fatal(err)
			}
			hostErrs = append(hostErrs, err)
			continue
		}
		if len(d.hosts) == 0 {
			// The page's slot is free: the loop body may call the API server.
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			_, err := c.VMDR.ServerTime(ctx)
			cancel()
			if err != nil {
				t.Errorf("ServerTime inside the loop body: %v", err)
			}
			if files := spoolFiles(t, dir); len(files) != 1 || !strings.HasPrefix(files[0], "qflow-qualys-") || !strings.HasSuffix(files[0], ".xml") {
				t.Errorf("spool files while a page is decoded: %v, want its one file", files)
			}
		}
		d.add(h)
		time.Sleep(perHost)
	}
	elapsed := time.Since(start)
	checkDetections(t, d, truth)
	if len(hostErrs) > 0 {
		t.Errorf("host errors: %v", hostErrs)
	}
	st := c.Stats()
	if st.Retries != 0 {
		t.Errorf("%d retries: the slow loop body made pages time out", st.Retries)
	}
	pages := (len(d.hosts) + q.TruncationLimit - 1) / q.TruncationLimit
	if len(d.hosts) < 2*q.TruncationLimit || elapsed < time.Duration(pages-1)*pageTimeout {
		t.Errorf("%d hosts in %v: the loop body did not outlast the page timeout, the test proves nothing", len(d.hosts), elapsed)
	}
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left: %v", files)
	}
	t.Logf("%d hosts, %d detections in %v; client %+v", len(d.hosts), d.total, elapsed, st)
}

func TestSpoolFilesRemoved(t *testing.T) {
	t.Parallel()
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", compress), func(t *testing.T) {
			t.Parallel()
			testSpoolFilesRemoved(t, compress)
		})
	}
}

func testSpoolFilesRemoved(t *testing.T, compress bool) {
	dir := t.TempDir()
	c, mux := setupAPI(t, func(o *Options) { o.SpoolDir = dir; o.SpoolCompress = compress })
	ids := seqIDs(30, 10, 3)
	f := &fakeHLD{t: t, ids: ids}
	f.cut = func(n int64, body string) string {
		if n == 2 { // one truncated page on the way
			return body[:len(body)/2]
		}
		return body
	}
	mux.Handle("POST /api/2.0/fo/asset/host/vm/detection/", f)
	mux.HandleFunc("POST /api/2.0/fo/knowledge_base/vuln/", func(w http.ResponseWriter, r *http.Request) {
		var b strings.Builder
		b.WriteString("<KNOWLEDGE_BASE_VULN_LIST_OUTPUT><RESPONSE><VULN_LIST>")
		for q := 1; q <= 50; q++ {
			b.WriteString("<VULN><QID>" + strconv.Itoa(q) + "</QID></VULN>")
		}
		b.WriteString("</VULN_LIST></RESPONSE></KNOWLEDGE_BASE_VULN_LIST_OUTPUT>")
		io.WriteString(w, b.String())
	})
	mux.HandleFunc("POST /api/2.0/fo/asset/host/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, simpleReturnBody("2001", "This account has expired."))
	})
	q := DetectionQuery{TruncationLimit: 7}
	check := func(name string) {
		t.Helper()
		if files := spoolFiles(t, dir); len(files) != 0 {
			t.Errorf("%s: spool files left: %v", name, files)
		}
	}

	got, err := collectHosts(c.VMDR.Detections(t.Context(), q, IDRange{}))
	if err != nil || !slices.Equal(got, ids) {
		t.Errorf("full walk: %d hosts (%v), want %d", len(got), err, len(ids))
	}
	check("full walk")

	n := 0
	for _, err := range c.VMDR.Detections(t.Context(), q, IDRange{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			ext := ".xml"
			if compress {
				ext = ".xml.gz"
			}
			if files := spoolFiles(t, dir); len(files) != 1 || !strings.HasSuffix(files[0], ext) {
				t.Errorf("spool files while a page is decoded: %v, want one *%s", files, ext)
			}
			break
		}
	}
	check("break")

	func() {
		defer func() {
			if r := recover(); r != "loop body panics" {
				t.Errorf("recovered %v", r)
			}
		}()
		for range c.VMDR.Detections(t.Context(), q, IDRange{}) {
			// Deliberate: a caller's loop body that panics must still
			// leave no spool file behind (checked below).
			panic("loop body panics")
		}
	}()
	check("panic in the loop body")

	n = 0
	for _, err := range c.VMDR.DetectionsParallel(t.Context(), q, splitHostIDs(ids, 3), 3) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 5 {
			break
		}
	}
	check("DetectionsParallel break")

	for _, err := range c.KB.Vulns(t.Context(), KBQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	check("KnowledgeBase break")

	for _, err = range c.VMDR.HostIDs(t.Context(), HostQuery{}) {
		break
	}
	if !errors.Is(err, ErrAuth) {
		t.Errorf("2001: err = %v", err)
	}
	check("SIMPLE_RETURN")
}

func TestDetectionsBadHostInSpooledPageResumesAfterLastHost(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	f := &fakeHLD{t: t, ids: seqIDs(30, 10, 3)}
	f.cut = func(n int64, body string) string {
		if n%2 == 1 { // every other page is complete but its 4th host is not XML
			i := 0
			for range 4 {
				i += strings.Index(body[i:], "<HOST>") + 1
			}
			return body[:i+10] + "\x01" + body[i+10:]
		}
		return body
	}
	mux.Handle("POST /api/2.0/fo/asset/host/vm/detection/", f)
	q := AllDetections()
	q.TruncationLimit = 10
	var got []int64
	var err error
	for h, e := range c.VMDR.Detections(t.Context(), q, IDRange{}) {
		if e != nil {
			err = e
			break
		}
		got = append(got, h.ID)
	}
	if err != nil || !slices.Equal(got, f.ids) {
		t.Fatalf("hosts %v (%v), want %v", got, err, f.ids)
	}
	for i := 1; i < len(f.forms); i += 2 {
		prev, _ := strconv.ParseInt(f.forms[i-1].Get("id_min"), 10, 64)
		retry, _ := strconv.ParseInt(f.forms[i].Get("id_min"), 10, 64)
		if k, _ := slices.BinarySearch(f.ids, max(prev, f.ids[0])); retry != f.ids[k+2]+1 {
			t.Errorf("call %d: id_min %d after a bad page from %d, want %d", i+1, retry, prev, f.ids[k+2]+1)
		}
	}
}

func TestDetectionsCutInTrailingCommentIsComplete(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	f := &fakeHLD{t: t, ids: seqIDs(12, 10, 3)}
	f.cut = func(_ int64, body string) string { return body[:strings.LastIndex(body, "PROPRIETARY")] }
	mux.Handle("POST /api/2.0/fo/asset/host/vm/detection/", f)
	got, err := collectHosts(c.VMDR.Detections(t.Context(), DetectionQuery{TruncationLimit: 5}, IDRange{}))
	if err != nil || !slices.Equal(got, f.ids) {
		t.Fatalf("hosts %v (%v), want %v", got, err, f.ids)
	}
	if st := c.Stats(); st.Retries != 0 || f.calls.Load() != 3 {
		t.Errorf("%d calls, %d retries: a document complete up to its root's end was retried", f.calls.Load(), st.Retries)
	}
}

func TestDocumentComplete(t *testing.T) {
	t.Parallel()
	const root = "HOST_LIST_OUTPUT"
	long := "<!-- " + strings.Repeat("x", spoolTail) + " -->"
	for _, tt := range []struct {
		tail string
		want bool
	}{
		{"</RESPONSE></HOST_LIST_OUTPUT>", true},
		{"</RESPONSE>\n</HOST_LIST_OUTPUT >\n<!-- CONFIDENTIAL //-->\n", true},
		{"</HOST_LIST_OUTPUT><!-- a --> <!-- b -->\r\n\t", true},
		{"</RESPONSE>\n</HOST_LIST_OUT", false},
		{"</RESPONSE>\n", false},
		{"<HOST><ID>5</ID>", false},
		{"<!-- keep-alive -->\n<HOST>", false},
		{"", false},
		{"</HOST_LIST_OUTPUT>\n<!-- CONFIDENTIAL AND", false}, // the decoder decides
		{long[len(long)-spoolTail:], true},                    // a comment longer than the window: unknown
		{"<!-- x -->", false},
		{"</" + root + ">x-->", false},
	} {
		if got := documentComplete([]byte(tt.tail), root); got != tt.want {
			t.Errorf("documentComplete(%.60q) = %v, want %v", tt.tail, got, tt.want)
		}
	}
}

func TestSpoolDirMustExist(t *testing.T) {
	t.Parallel()
	_, err := NewClient(Options{APIURL: "https://qualysapi.qg1.apps.qualys.com", Username: "u", Password: secret.New("p"),
		SpoolDir: t.TempDir() + "/missing"})
	if err == nil || !strings.Contains(err.Error(), "spool directory") {
		t.Errorf("err = %v", err)
	}
}
