package qualys

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/secret"
)

// setupAPI starts a test server with an empty mux under basePath and a
// client whose API server URL points at it (no gateway).
func setupAPI(t testing.TB, opts ...func(*Options)) (*Client, *http.ServeMux) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL)
		http.Error(w, "outside the base path", http.StatusBadRequest)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	o := Options{APIURL: srv.URL + basePath, Username: "apiuser", Password: secret.New(testPassword), MaxRetries: 3, PageTimeout: 10 * time.Second}
	for _, f := range opts {
		f(&o)
	}
	c, err := NewClient(o)
	if err != nil {
		t.Fatal(err)
	}
	fastRetries(c)
	return c, mux
}

// apiForm checks the API-server conventions on r and returns its form.
func apiForm(t testing.TB, r *http.Request) url.Values {
	t.Helper()
	if r.Method != http.MethodPost {
		t.Errorf("method %s, want POST", r.Method)
	}
	if u, p, ok := r.BasicAuth(); !ok || u != "apiuser" || p != testPassword {
		t.Errorf("basic auth %q/%q (%v)", u, p, ok)
	}
	if r.Header.Get("X-Requested-With") != "qflow" || r.Header.Get("Accept") != "application/xml" {
		t.Errorf("headers %v", r.Header)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		t.Errorf("Content-Type %q", ct)
	}
	if r.URL.RawQuery != "" {
		t.Errorf("parameters in the query: %s", r.URL.RawQuery)
	}
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if r.PostForm.Get("action") != "list" {
		t.Errorf("action=%q", r.PostForm.Get("action"))
	}
	return r.PostForm
}

// hldDoc renders a host list detection page of hosts ids (each with one
// detection), a WARNING with next as id_min when next > 0, and the wire
// quirks: DOCTYPE with an empty SYSTEM id, keep-alive comments inside the
// list, CDATA with whitespace, a trailing comment.
func hldDoc(ids []int64, next int64) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n" + `<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "">` + "\n")
	b.WriteString("<HOST_LIST_VM_DETECTION_OUTPUT>\n  <RESPONSE>\n    <DATETIME> 2025-06-01T00:00:00Z </DATETIME>\n<!-- keep-alive -->\n    <HOST_LIST>\n")
	for i, id := range ids {
		fmt.Fprintf(&b, "      <HOST><ID>%d</ID><OS>\n  <![CDATA[Linux %d]]>\n</OS><DETECTION_LIST><DETECTION><QID>%d</QID><TYPE>Confirmed</TYPE>"+
			"<RESULTS><![CDATA[a &quot;b&quot;]]></RESULTS></DETECTION></DETECTION_LIST></HOST>\n", id, id, 1000+id)
		if i%2 == 0 {
			b.WriteString("<!-- keep-alive for HOST_LIST_VM_DETECTION_OUTPUT -->\n")
		}
	}
	b.WriteString("    </HOST_LIST>\n")
	if next > 0 {
		fmt.Fprintf(&b, "    <WARNING><CODE>1980</CODE><TEXT>limit exceeded</TEXT><URL><![CDATA[https://elsewhere.example.com/api/2.0/fo/asset/host/vm/detection/?action=list&truncation_limit=%d&id_min=%d]]></URL></WARNING>\n", len(ids), next)
	}
	b.WriteString("  </RESPONSE>\n</HOST_LIST_VM_DETECTION_OUTPUT>\n<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION. //-->\n")
	return b.String()
}

// fakeHLD serves host list detection pages over ids, honouring id_min,
// id_max and truncation_limit. cut, when set, truncates the body of the
// n-th call (from 1) after that many bytes.
type fakeHLD struct {
	t     testing.TB
	ids   []int64
	cut   func(n int64, body string) string
	calls atomic.Int64
	mu    sync.Mutex
	forms []url.Values
}

func (f *fakeHLD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	form := apiForm(f.t, r)
	f.mu.Lock()
	f.forms = append(f.forms, form)
	f.mu.Unlock()
	idMin, _ := strconv.ParseInt(form.Get("id_min"), 10, 64)
	idMax, _ := strconv.ParseInt(form.Get("id_max"), 10, 64)
	limit, _ := strconv.Atoi(form.Get("truncation_limit"))
	var page []int64
	var next int64
	for _, id := range f.ids {
		if id < idMin || (idMax > 0 && id > idMax) {
			continue
		}
		if limit > 0 && len(page) == limit {
			next = id
			break
		}
		page = append(page, id)
	}
	body := hldDoc(page, next)
	if f.cut != nil {
		body = f.cut(n, body)
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	io.WriteString(w, body)
}

func collectHosts(seq func(func(Host, error) bool)) ([]int64, error) {
	var out []int64
	for h, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, h.ID)
	}
	return out, nil
}

func TestDetectionsPagingAndRequests(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	c, mux := setupAPI(t, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	f := &fakeHLD{t: t, ids: seqIDs(23, 100, 5)}
	mux.Handle("POST /api/3.0/fo/asset/host/vm/detection/", f)
	q := AllDetections()
	q.TruncationLimit = 5
	q.APIVersion = "3.0"
	q.VMProcessedAfter = time.Date(2025, 5, 1, 12, 30, 0, 0, time.FixedZone("x", 3600))
	var first Host
	got, err := collectHosts(func(yield func(Host, error) bool) {
		for h, err := range c.VMDR.Detections(t.Context(), q, IDRange{}) {
			if first.ID == 0 {
				first = h
			}
			if !yield(h, err) {
				return
			}
		}
	})
	if err != nil || !slices.Equal(got, f.ids) {
		t.Fatalf("hosts %v (%v), want %v", got, err, f.ids)
	}
	if first.OS != "Linux "+strconv.FormatInt(first.ID, 10) || len(first.Detections) != 1 || first.Detections[0].Results != "a &quot;b&quot;" {
		t.Errorf("first host %+v", first)
	}
	if f.calls.Load() != 5 {
		t.Errorf("%d calls, want 5 pages", f.calls.Load())
	}
	form := f.forms[0]
	for k, v := range map[string]string{"status": "New,Active,Fixed,Re-Opened", "show_igs": "1", "include_ignored": "1", "include_disabled": "1",
		"show_qds": "1", "show_qds_factors": "1", "show_results": "1", "show_tags": "1", "show_asset_id": "1", "show_arf_data": "1",
		"truncation_limit": "5", "vm_processed_after": "2025-05-01T11:30:00Z", "host_metadata": "all"} {
		if form.Get(k) != v {
			t.Errorf("%s=%q, want %q", k, form.Get(k), v)
		}
	}
	if form.Has("id_min") || f.forms[1].Get("id_min") != strconv.FormatInt(f.ids[5], 10) {
		t.Errorf("id_min of pages 1 and 2: %q, %q", form.Get("id_min"), f.forms[1].Get("id_min"))
	}
	if l := logs.String(); strings.Contains(l, testPassword) || !strings.Contains(l, "form=") {
		t.Errorf("logs leak the password or lack the form:\n%s", l)
	}
	// A range bounds id_min and id_max.
	f.calls.Store(0)
	got, err = collectHosts(c.VMDR.Detections(t.Context(), q, IDRange{Min: f.ids[3], Max: f.ids[9]}))
	if err != nil || !slices.Equal(got, f.ids[3:10]) {
		t.Errorf("range: %v (%v)", got, err)
	}
}

func TestDetectionsTruncatedBodyResumesAfterLastHost(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	f := &fakeHLD{t: t, ids: seqIDs(30, 10, 3)}
	f.cut = func(n int64, body string) string {
		if n%2 == 1 { // every other call ends in the middle of its 4th host
			i := 0
			for range 4 {
				i += strings.Index(body[i:], "<HOST>") + 1
			}
			return body[:i+20]
		}
		return body
	}
	mux.Handle("POST /api/2.0/fo/asset/host/vm/detection/", f)
	q := AllDetections()
	q.TruncationLimit = 10
	got, err := collectHosts(c.VMDR.Detections(t.Context(), q, IDRange{}))
	if err != nil || !slices.Equal(got, f.ids) {
		t.Fatalf("hosts %v (%v), want %v", got, err, f.ids)
	}
	// Each retry starts after the last host yielded.
	for i := 1; i < len(f.forms); i += 2 {
		prev, _ := strconv.ParseInt(f.forms[i-1].Get("id_min"), 10, 64)
		retry, _ := strconv.ParseInt(f.forms[i].Get("id_min"), 10, 64)
		if k, _ := slices.BinarySearch(f.ids, max(prev, f.ids[0])); retry != f.ids[k+2]+1 {
			t.Errorf("call %d: id_min %d after a cut page from %d, want %d", i+1, retry, prev, f.ids[k+2]+1)
		}
	}
	if st := c.Stats(); st.Retries == 0 {
		t.Error("no retry")
	}
}

func TestDetectionsBreakStops(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	f := &fakeHLD{t: t, ids: seqIDs(30, 10, 3)}
	mux.Handle("POST /api/2.0/fo/asset/host/vm/detection/", f)
	n := 0
	for _, err := range c.VMDR.Detections(t.Context(), DetectionQuery{TruncationLimit: 10}, IDRange{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 12 {
			break
		}
	}
	if f.calls.Load() != 2 || c.Stats().Retries != 0 {
		t.Errorf("%d calls after a break on page 2", f.calls.Load())
	}
	if form := f.forms[0]; form.Get("show_results") != "0" || form.Has("status") || form.Has("show_igs") {
		t.Errorf("zero query sent %v", form)
	}
}

func TestWarningWithoutProgressStops(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	mux.HandleFunc("POST /api/2.0/fo/asset/host/", func(w http.ResponseWriter, r *http.Request) {
		apiForm(t, r)
		io.WriteString(w, `<HOST_LIST_OUTPUT><RESPONSE><DATETIME>2025-01-01T00:00:00Z</DATETIME><ID_SET><ID>5</ID><ID_RANGE>7-9</ID_RANGE></ID_SET>`+
			`<WARNING><CODE>1980</CODE><URL>https://x/?id_min=6</URL></WARNING></RESPONSE></HOST_LIST_OUTPUT>`)
	})
	var got []int64
	var err error
	for id, e := range c.VMDR.HostIDs(t.Context(), HostQuery{}) {
		if e != nil {
			err = e
			break
		}
		got = append(got, id)
	}
	if !slices.Equal(got, []int64{5, 7, 8, 9}) || err == nil || !strings.Contains(err.Error(), "does not advance") {
		t.Errorf("ids %v, err %v", got, err)
	}
}

// simpleReturnBody renders a SIMPLE_RETURN.
func simpleReturnBody(code, text string, items ...string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" ?>` + "\n" + `<!DOCTYPE SIMPLE_RETURN SYSTEM "https://qualysapi.qualys.com/api/2.0/simple_return.dtd">` + "\n")
	b.WriteString("<SIMPLE_RETURN><RESPONSE><DATETIME>2017-04-12T14:52:39Z </DATETIME>")
	if code != "" {
		b.WriteString("<CODE>" + code + "</CODE>")
	}
	b.WriteString("<TEXT> " + text + "</TEXT>")
	if len(items) > 0 {
		b.WriteString("<ITEM_LIST>")
		for i := 0; i+1 < len(items); i += 2 {
			b.WriteString("<ITEM><KEY>" + items[i] + "</KEY><VALUE>" + items[i+1] + "</VALUE></ITEM>")
		}
		b.WriteString("</ITEM_LIST>")
	}
	b.WriteString("</RESPONSE></SIMPLE_RETURN>\n")
	return b.String()
}

func TestSimpleReturnErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   int
		header   map[string]string
		body     string
		calls    int64 // with MaxRetries 3
		check    func(error) bool
		wantWait time.Duration
	}{
		{"1905 bad parameter", 400, nil, simpleReturnBody("1905", "parameter ids has invalid value: abc123"), 1,
			func(err error) bool {
				var a *APIError
				return errors.As(err, &a) && a.Code == "1905" && a.StatusCode == 400
			}, 0},
		{"1903 even with a 5xx status", 503, nil, simpleReturnBody("1903", "missing parameter"), 1,
			func(err error) bool { var a *APIError; return errors.As(err, &a) && a.Code == "1903" }, 0},
		{"2001 on HTTP 200", 200, nil, simpleReturnBody("2001", "This account has expired."), 1,
			func(err error) bool {
				var a *AuthError
				return errors.As(err, &a) && a.Code == "2001" && a.StatusCode == 200 && strings.Contains(err.Error(), "expired")
			}, 0},
		{"2011 SecureID", 409, nil, simpleReturnBody("2011", "SecureID authentication is required"), 1,
			func(err error) bool { var a *AuthError; return errors.As(err, &a) && a.Code == "2011" }, 0},
		{"401 bad login", 401, nil, simpleReturnBody("", "Bad Login/Password"), 1,
			func(err error) bool {
				var a *AuthError
				return errors.As(err, &a) && a.StatusCode == 401 && strings.Contains(err.Error(), "QUALYS_USERNAME")
			}, 0},
		{"1965 waits SECONDS_TO_WAIT", 409, nil, simpleReturnBody("1965", "This API cannot be run again for another 23 hours", "SECONDS_TO_WAIT", "68928"), 4,
			func(err error) bool {
				var rl *RateLimitError
				return errors.As(err, &rl) && rl.Err.Code == "1965" && errors.Is(err, ErrRateLimited)
			}, 68928 * time.Second},
		{"1960 waits the header", 409, map[string]string{"X-RateLimit-ToWait-Sec": "7", "X-Concurrency-Limit-Limit": "2"},
			simpleReturnBody("1960", "This API cannot be run again until 1 currently running API instance has finished.", "CALLS_TO_FINISH", "1"), 4,
			func(err error) bool { var rl *RateLimitError; return errors.As(err, &rl) && rl.Err.Code == "1960" }, 7 * time.Second},
		{"502 HTML retried", 502, nil, "<html><body>Bad Gateway</body></html>", 4,
			func(err error) bool { var a *APIError; return errors.As(err, &a) && a.StatusCode == 502 }, 0},
		{"200 HTML is an invalid page", 200, nil, "<html><body>maintenance</body></html>", 4,
			func(err error) bool { return errors.Is(err, ErrInvalidPage) }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := setupAPI(t)
			clock := newFakeClock()
			clock.install(c)
			var calls atomic.Int64
			mux.HandleFunc("POST /api/2.0/fo/asset/host/vm/detection/", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				apiForm(t, r)
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			var err error
			for _, err = range c.VMDR.Detections(t.Context(), DetectionQuery{}, IDRange{}) {
				break
			}
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %v (%T)", err, err)
			}
			if calls.Load() != tt.calls {
				t.Errorf("%d calls, want %d", calls.Load(), tt.calls)
			}
			if tt.wantWait > 0 {
				sleeps := clock.Sleeps()
				if len(sleeps) == 0 || sleeps[0] < tt.wantWait || sleeps[0] > tt.wantWait+time.Second {
					t.Errorf("waits %v, want %v", sleeps, tt.wantWait)
				}
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestRateLimitWaitBeyondDeadlineNotSlept(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	mux.HandleFunc("POST /api/2.0/fo/knowledge_base/vuln/", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, simpleReturnBody("1965", "wait", "SECONDS_TO_WAIT", "3600"))
	})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	var err error
	for _, err = range c.KB.Vulns(ctx, KBQuery{}) {
		break
	}
	if !errors.Is(err, ErrRateLimited) || time.Since(start) > 2*time.Second {
		t.Errorf("err %v after %v", err, time.Since(start))
	}
}

func TestNoAPIURL(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	var err error
	for _, err = range c.VMDR.HostIDs(t.Context(), HostQuery{}) {
		break
	}
	if err == nil || !strings.Contains(err.Error(), "no API server URL configured: VMDR needs it") {
		t.Errorf("err = %v", err)
	}
	if _, err := c.VMDR.ServerTime(t.Context()); err == nil {
		t.Error("ServerTime without an API URL")
	}
}

func TestInvalidQueries(t *testing.T) {
	t.Parallel()
	c, _ := setupAPI(t)
	first := func(seq func(func(Host, error) bool)) error {
		for _, err := range seq {
			return err
		}
		return nil
	}
	for name, err := range map[string]error{
		"version": first(c.VMDR.Detections(t.Context(), DetectionQuery{APIVersion: "9.0"}, IDRange{})),
		"limit":   first(c.VMDR.Detections(t.Context(), DetectionQuery{TruncationLimit: -1}, IDRange{})),
		"range":   first(c.VMDR.Detections(t.Context(), DetectionQuery{}, IDRange{Min: -1})),
		"details": first(c.VMDR.Hosts(t.Context(), HostQuery{Details: "None"})),
		"kb": func() error {
			_, err := collectVulns(c.KB.Vulns(t.Context(), KBQuery{Details: "Everything"}))
			return err
		}(),
		"nothing?": first(c.VMDR.Detections(t.Context(), DetectionQuery{}, IDRange{Min: 10, Max: 5})),
	} {
		if (err == nil) != (name == "nothing?") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if c.Stats().Calls != 0 {
		t.Errorf("%d calls sent", c.Stats().Calls)
	}
}

func collectVulns(seq func(func(Vuln, error) bool)) ([]int64, error) {
	var out []int64
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v.QID)
	}
	return out, nil
}

func TestKBBatchesIDs(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	var batches []string
	var inFlight, maxInFlight atomic.Int64
	mux.HandleFunc("POST /api/2.0/fo/knowledge_base/vuln/", func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		if n > maxInFlight.Load() {
			maxInFlight.Store(n)
		}
		form := apiForm(t, r)
		for _, p := range []string{"show_pci_reasons", "show_supported_modules_info", "show_disabled_flag", "show_qid_change_log"} {
			if form.Get(p) != "1" {
				t.Errorf("%s=%q", p, form.Get(p))
			}
		}
		if form.Get("details") != "All" || form.Get("last_modified_after") != "2025-01-02T03:04:05Z" {
			t.Errorf("form %v", form)
		}
		batches = append(batches, form.Get("ids"))
		time.Sleep(5 * time.Millisecond)
		var b strings.Builder
		b.WriteString("<KNOWLEDGE_BASE_VULN_LIST_OUTPUT><RESPONSE><DATETIME>2025-01-01T00:00:00Z</DATETIME><VULN_LIST>")
		for item := range strings.SplitSeq(form.Get("ids"), ",") {
			lo, hi, _ := strings.Cut(item, "-")
			a, _ := strconv.Atoi(lo)
			z := a
			if hi != "" {
				z, _ = strconv.Atoi(hi)
			}
			for q := a; q <= z; q++ {
				fmt.Fprintf(&b, "<VULN><QID>%d</QID><VULN_TYPE>Vulnerability</VULN_TYPE></VULN>", q)
			}
		}
		b.WriteString("</VULN_LIST></RESPONSE></KNOWLEDGE_BASE_VULN_LIST_OUTPUT>")
		io.WriteString(w, b.String())
	})
	var ids []int64
	for i := range int64(2500) {
		ids = append(ids, 10+i+i/7) // runs of 7
	}
	q := KBQuery{IDs: slices.Concat(ids, ids[:10]), LastModifiedAfter: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	var wg sync.WaitGroup
	for range 2 { // two walks at once: their calls never overlap
		wg.Go(func() {
			got, err := collectVulns(c.KB.Vulns(t.Context(), q))
			if err != nil || !slices.Equal(got, ids) {
				t.Errorf("%d QIDs (%v), want %d", len(got), err, len(ids))
			}
		})
	}
	wg.Wait()
	if len(batches) != 6 || maxInFlight.Load() != 1 {
		t.Errorf("%d calls, %d at once", len(batches), maxInFlight.Load())
	}
	if !strings.HasPrefix(batches[0], "10-16,18-24,") {
		t.Errorf("first batch %.40s", batches[0])
	}
}

func TestCompressIDs(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ids  []int64
		want string
	}{
		{nil, ""},
		{[]int64{5}, "5"},
		{[]int64{1, 2, 3, 5, 9, 10}, "1-3,5,9-10"},
		{[]int64{1, 3, 5}, "1,3,5"},
	} {
		if got := compressIDs(tt.ids); got != tt.want {
			t.Errorf("compressIDs(%v) = %q, want %q", tt.ids, got, tt.want)
		}
	}
	if got := sortedIDs([]int64{5, -1, 3, 5, 0, 4}); !slices.Equal(got, []int64{3, 4, 5}) {
		t.Errorf("sortedIDs = %v", got)
	}
}

func TestServerTime(t *testing.T) {
	t.Parallel()
	c, mux := setupAPI(t)
	mux.HandleFunc("POST /api/2.0/fo/asset/host/", func(w http.ResponseWriter, r *http.Request) {
		form := apiForm(t, r)
		if form.Get("details") != "None" || form.Get("truncation_limit") != "1" {
			t.Errorf("form %v", form)
		}
		w.Header().Set("X-RateLimit-Limit", "300")
		w.Header().Set("X-RateLimit-Remaining", "299")
		w.Header().Set("X-Concurrency-Limit-Limit", "1")
		io.WriteString(w, "<HOST_LIST_OUTPUT><RESPONSE><DATETIME>\n 2023-05-24T09:59:43Z </DATETIME></RESPONSE></HOST_LIST_OUTPUT>")
	})
	got, err := c.VMDR.ServerTime(t.Context())
	if err != nil || !got.Equal(time.Date(2023, 5, 24, 9, 59, 43, 0, time.UTC)) {
		t.Errorf("ServerTime = %v, %v", got, err)
	}
	if r := c.VMDRRate(); r.Limit != 300 || r.Remaining != 299 || c.VMDRConcurrency() != 1 {
		t.Errorf("VMDR rate %+v, concurrency %d", r, c.VMDRConcurrency())
	}
	if c.Rate().Seen || c.Concurrency() != DefaultConcurrency {
		t.Errorf("API-server headers changed the gateway state: %+v, %d", c.Rate(), c.Concurrency())
	}
}

// A range walk reads a page while it downloads: the first hosts of a page
// the server is still sending are yielded before its end. The server holds
// the rest of the page until the walk has yielded a host from it (or 10 s
// pass, which fails the test), for plain and compressed spools. Breaking
// out while the page still comes stops its download and leaves no spool.
func TestDetectionsDecodeWhileDownloading(t *testing.T) {
	for _, gz := range []bool{false, true} {
		t.Run(fmt.Sprintf("compress=%v", gz), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c, mux := setupAPI(t, func(o *Options) { o.SpoolCompress = gz; o.SpoolDir = dir; o.PageTimeout = time.Minute })
			ids := seqIDs(400, 10, 2)
			doc := hldDoc(ids, 0)
			half := strings.Index(doc, fmt.Sprintf("<HOST><ID>%d<", ids[200]))
			yielded := make(chan struct{})
			var calls atomic.Int64
			var released atomic.Bool
			mux.HandleFunc("POST /api/2.0/fo/asset/host/vm/detection/", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/xml")
				io.WriteString(w, doc[:half])
				w.(http.Flusher).Flush()
				if calls.Add(1) == 1 {
					select {
					case <-yielded:
						released.Store(true)
					case <-r.Context().Done():
						return
					case <-time.After(10 * time.Second):
					}
				}
				io.WriteString(w, doc[half:])
			})
			var got []int64
			for h, err := range c.VMDR.Detections(t.Context(), AllDetections(), IDRange{}) {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					close(yielded)
				}
				got = append(got, h.ID)
			}
			if !slices.Equal(got, ids) {
				t.Fatalf("%d hosts, want %d", len(got), len(ids))
			}
			if !released.Load() || calls.Load() != 1 {
				t.Errorf("no host was yielded before the page's end (%d calls): the page was read once downloaded", calls.Load())
			}

			// A break while the page comes: the download stops, no spool
			// is left.
			for range c.VMDR.Detections(t.Context(), AllDetections(), IDRange{}) {
				break
			}
			if left := spoolFiles(t, dir); len(left) != 0 {
				t.Errorf("spool files left: %v", left)
			}
		})
	}
}
