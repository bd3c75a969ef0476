package bench

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	gosync "sync"
	"testing"
	"time"
)

// The recorder keeps what was answered with data, in order, with the
// headers and body needed to ask again; Replay asks again and stores every
// body, and refuses to report a floor when a page did not come back.
func TestRecordAndReplay(t *testing.T) {
	var fail bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/busy" || fail:
			http.Error(w, "busy", http.StatusConflict)
		default:
			b, _ := io.ReadAll(r.Body)
			io.WriteString(w, r.Method+" "+r.URL.RequestURI()+" "+string(b)+" "+r.Header.Get("Authorization"))
		}
	})
	rec := NewRecorder(h)
	srv := httptest.NewServer(rec)
	defer srv.Close()
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/page?n=1", "filter"}, {"GET", "/busy", ""}, {"GET", "/_sim/stats", ""}, {"GET", "/page?n=2", ""},
	} {
		req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer t")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	reqs := rec.Take()
	if len(reqs) != 2 || reqs[0].URI != "/page?n=1" || string(reqs[0].Body) != "filter" || reqs[1].URI != "/page?n=2" {
		t.Fatalf("recorded %+v; want the two pages answered with data", reqs)
	}
	if len(rec.Take()) != 0 {
		t.Error("Take does not start a new record")
	}
	dir := t.TempDir()
	f, err := Replay(t.Context(), srv.Client(), srv.URL, reqs, 2, dir)
	if err != nil {
		t.Fatal(err)
	}
	if f.Requests != 2 || f.Bytes == 0 || f.Seconds <= 0 {
		t.Errorf("floor %+v", f)
	}
	b, err := os.ReadFile(filepath.Join(dir, "page-000000"))
	if err != nil || string(b) != "POST /page?n=1 filter Bearer t" {
		t.Errorf("first page on disk = %q, %v", b, err)
	}
	fail = true
	if _, err := Replay(t.Context(), srv.Client(), srv.URL, reqs, 1, t.TempDir()); err == nil {
		t.Error("a refused page gave a floor")
	}
}

// The record keeps the order requests arrived in, not the order they were
// answered in: a long call asked for first stays first, so the replay
// starts it first, as the client did.
func TestRecordKeepsArrivalOrder(t *testing.T) {
	slowArrived, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/host-list" {
			close(slowArrived)
			<-release
		}
		io.WriteString(w, "page")
	})
	rec := NewRecorder(h)
	srv := httptest.NewServer(rec)
	defer srv.Close()
	get := func(path string) error {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
	slow := make(chan error, 1)
	go func() { slow <- get("/host-list") }()
	<-slowArrived
	for _, p := range []string{"/detections?n=1", "/detections?n=2"} {
		if err := get(p); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	if err := <-slow; err != nil {
		t.Fatal(err)
	}
	var uris []string
	for _, r := range rec.Take() {
		uris = append(uris, r.URI)
	}
	if want := []string{"/host-list", "/detections?n=1", "/detections?n=2"}; !slices.Equal(uris, want) {
		t.Errorf("recorded %q, want the order of arrival %q", uris, want)
	}
}

// Replay keeps at most the given concurrency in flight per API, and runs
// the two APIs (the gateway and the API server) side by side, as a sync of
// --source all uses them.
func TestReplayConcurrencyPerAPI(t *testing.T) {
	var (
		mu            gosync.Mutex
		inFlight      = map[string]int{}
		maxAPI        = map[string]int{}
		total, maxAll int
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		api := APIOf(r.URL.RequestURI())
		mu.Lock()
		inFlight[api]++
		total++
		maxAPI[api] = max(maxAPI[api], inFlight[api])
		maxAll = max(maxAll, total)
		mu.Unlock()
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		inFlight[api]--
		total--
		mu.Unlock()
		io.WriteString(w, "page")
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	var reqs []Request
	for range 6 {
		reqs = append(reqs, Request{Method: "POST", URI: "/rest/2.0/search/am/asset"}, Request{Method: "POST", URI: "/api/2.0/fo/asset/host/vm/detection/?action=list"})
	}
	f, err := Replay(t.Context(), srv.Client(), srv.URL, reqs, 2, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if f.Requests != 12 {
		t.Errorf("replayed %d requests, want 12", f.Requests)
	}
	if maxAPI["gateway"] != 2 || maxAPI["api"] != 2 || maxAll != 4 {
		t.Errorf("most in flight: per API %v, in all %d; want 2 per API, 4 in all", maxAPI, maxAll)
	}
}
