package qualyssim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is an injectable clock that tests move by hand.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// testEnv is a simulator behind a real HTTP server.
type testEnv struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
	tok string
}

func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, sim: sim, srv: srv}
	e.tok = e.login()
	return e
}

func (e *testEnv) login() string {
	e.t.Helper()
	u, p := e.sim.Credentials()
	resp, body := e.post("/auth", "", url.Values{"username": {u}, "password": {p}, "token": {"true"}}.Encode(), "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusCreated {
		e.t.Fatalf("auth: status %d body %s", resp.StatusCode, body)
	}
	return string(body)
}

// post sends a request and returns the response with its body read.
func (e *testEnv) post(path, tok, body, contentType string) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("POST %s: read body: %v", path, err)
	}
	return resp, b
}

// search posts a search with the given query and filter body.
func (e *testEnv) search(q url.Values, body string) (*http.Response, []byte) {
	e.t.Helper()
	return e.post(pathSearch+"?"+q.Encode(), e.tok, body, "application/json")
}

// page is the decoded search envelope; assets keep their raw JSON.
type page struct {
	ResponseMessage string                            `json:"responseMessage"`
	Count           int                               `json:"count"`
	ResponseCode    string                            `json:"responseCode"`
	LastSeenAssetID int64                             `json:"lastSeenAssetId"`
	HasMore         json.RawMessage                   `json:"hasMore"`
	AssetListData   struct{ Asset []json.RawMessage } `json:"assetListData"`
}

func decodePage(t *testing.T, b []byte) page {
	t.Helper()
	var p page
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode page: %v\n%.300s", err, b)
	}
	return p
}

// walk pages through every asset matching q and body; it returns the raw assets.
func (e *testEnv) walk(q url.Values, body string) (assets []json.RawMessage, pages int) {
	e.t.Helper()
	q = cloneValues(q)
	last := int64(0)
	for {
		q.Set("lastSeenAssetId", itoa(last))
		resp, b := e.search(q, body)
		if resp.StatusCode == http.StatusNoContent {
			if len(b) != 0 {
				e.t.Fatalf("204 with a body: %q", b)
			}
			return assets, pages
		}
		if resp.StatusCode != http.StatusOK {
			e.t.Fatalf("search %v: status %d: %s", q, resp.StatusCode, b)
		}
		pages++
		p := decodePage(e.t, b)
		if p.Count != len(p.AssetListData.Asset) || p.ResponseCode != "SUCCESS" {
			e.t.Fatalf("bad envelope: count %d, %d assets, code %q", p.Count, len(p.AssetListData.Asset), p.ResponseCode)
		}
		assets = append(assets, p.AssetListData.Asset...)
		if p.LastSeenAssetID <= last {
			e.t.Fatalf("lastSeenAssetId did not advance: %d after %d", p.LastSeenAssetID, last)
		}
		last = p.LastSeenAssetID
		switch string(p.HasMore) {
		case "0":
			return assets, pages
		case "1":
		default:
			e.t.Fatalf("hasMore = %s", p.HasMore)
		}
		if pages > 100000 {
			e.t.Fatal("walk does not end")
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// assetID extracts assetId from a raw asset.
func assetID(t *testing.T, raw json.RawMessage) int64 {
	t.Helper()
	var a struct {
		AssetID json.Number `json:"assetId"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a); err != nil {
		t.Fatalf("decode asset: %v", err)
	}
	n, err := a.AssetID.Int64()
	if err != nil {
		t.Fatalf("assetId %q: %v", a.AssetID, err)
	}
	return n
}

// samplesDir locates shared/qualys-samples: $QFLOW_SAMPLES, else walking up
// from the test directory. Without it the test is skipped, except in CI.
func samplesDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("QFLOW_SAMPLES"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		for _, c := range []string{filepath.Join(dir, "shared", "qualys-samples"), filepath.Join(dir, "..", "shared", "qualys-samples")} {
			if st, err := os.Stat(c); err == nil && st.IsDir() {
				return c
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") != "" {
		t.Fatal("shared/qualys-samples not found (set QFLOW_SAMPLES); it must be present in CI")
	}
	t.Skip("shared/qualys-samples not found: set QFLOW_SAMPLES to run the conformance tests against the real Qualys samples")
	return ""
}
