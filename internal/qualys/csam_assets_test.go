package qualys

import (
	"bytes"
	"context"
	"encoding/json"
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
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAssetsWalksPagesWithCursor(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	all := seqIDs(25, 67_000_000, 50)
	var (
		mu      sync.Mutex
		cursors []string
		bodies  []string
		params  []string
	)
	f := &fakeCSAM{t: t, ids: all}
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q := r.URL.Query()
		mu.Lock()
		cursors = append(cursors, q.Get("lastSeenAssetId"))
		bodies = append(bodies, string(b))
		params = append(params, q.Get("pageSize")+"|"+q.Get("assetLastUpdated")+"|"+q.Get("includeFields")+"|"+q.Get("excludeFields"))
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		f.search(w, r)
	})
	q := AssetQuery{
		Filters:       []Filter{{Field: "tags.name", Operator: OpEquals, Value: "Production"}},
		UpdatedSince:  time.Date(2025, 3, 4, 5, 6, 7, 890, time.FixedZone("CET", 3600)),
		IncludeFields: []string{"assetId", "operatingSystem"},
		PageSize:      10,
	}
	r := Range{After: 0, Max: all[22]}
	got, err := collect(c.CSAM.Assets(t.Context(), q, r))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(all[:23], ids(got)); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	wantCursors := []string{"0", fmt.Sprint(all[9]), fmt.Sprint(all[19])}
	if diff := cmp.Diff(wantCursors, cursors); diff != "" {
		t.Errorf("cursors (-want +got):\n%s", diff)
	}
	wantBody := fmt.Sprintf(`{"filters":[{"field":"tags.name","operator":"EQUALS","value":"Production"},{"field":"asset.assetID","operator":"LESS_THAN_EQUAL","value":"%d"}]}`, all[22])
	for i, b := range bodies {
		if b != wantBody {
			t.Errorf("body %d = %s, want %s", i, b, wantBody)
		}
		if params[i] != "10|2025-03-04T04:06:07Z|assetId,operatingSystem|" {
			t.Errorf("params %d = %s", i, params[i])
		}
	}
	var v map[string]any
	if err := json.Unmarshal(got[0].Raw, &v); err != nil || v["assetName"] != fmt.Sprintf("host-%d", all[0]) {
		t.Errorf("Raw = %s (%v)", got[0].Raw, err)
	}
}

func TestAssetsEmptyBodyWithoutFilters(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	var body atomic.Value
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		io.WriteString(w, pageJSON(nil, false))
	})
	if got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{})); err != nil || len(got) != 0 {
		t.Fatalf("%v, %v", got, err)
	}
	if body.Load() != "{}" {
		t.Errorf("body %q, want {}", body.Load())
	}
}

// pageServer serves search pages from a list of handlers, one per call; the
// last one repeats. It reports the number of calls.
func pageServer(t *testing.T, mux *http.ServeMux, pages ...func(w http.ResponseWriter, r *http.Request)) *atomic.Int64 {
	var n atomic.Int64
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		i := int(n.Add(1)) - 1
		pages[min(i, len(pages)-1)](w, r)
	})
	return &n
}

func body(s string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, s) }
}

func TestAssetsNoContentIsEmpty(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := pageServer(t, mux, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err != nil || len(got) != 0 || calls.Load() != 1 {
		t.Fatalf("%d assets, %v, %d calls", len(got), err, calls.Load())
	}
}

func TestAssetsMissingHasMoreRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := pageServer(t, mux,
		body(`{"responseCode":"SUCCESS","count":2,"lastSeenAssetId":2,"assetListData":{"asset":[{"assetId":1},{"assetId":2}]}}`),
		body(pageJSON([]int64{1, 2}, false)))
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err != nil || !slices.Equal(ids(got), []int64{1, 2}) {
		t.Fatalf("%v, %v", ids(got), err)
	}
	if calls.Load() != 2 || c.Stats().Retries != 1 {
		t.Errorf("%d calls, %d retries; want 2, 1", calls.Load(), c.Stats().Retries)
	}
}

func TestAssetsMissingHasMoreGivesUp(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t, func(o *Options) { o.MaxRetries = 2 })
	(&authServer{t: t}).register(mux)
	calls := pageServer(t, mux, body(`{"responseCode":"SUCCESS","assetListData":{"asset":[{"assetId":1}]}}`))
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if !errors.Is(err, ErrInvalidPage) || len(got) != 0 || calls.Load() != 3 {
		t.Fatalf("%d assets, err %v, %d calls", len(got), err, calls.Load())
	}
	if !strings.Contains(err.Error(), "hasMore missing") {
		t.Errorf("error %q", err)
	}
}

func TestAssetsLastSeenMissingWhileMoreRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := pageServer(t, mux,
		body(`{"responseCode":"SUCCESS","hasMore":1,"assetListData":{"asset":[{"assetId":1}]}}`),
		body(`{"responseCode":"SUCCESS","hasMore":1,"lastSeenAssetId":null,"assetListData":{"asset":[{"assetId":1}]}}`),
		body(pageJSON([]int64{1}, false)))
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err != nil || len(got) != 1 || calls.Load() != 3 {
		t.Fatalf("%d assets, %v, %d calls", len(got), err, calls.Load())
	}
}

func TestAssetsHasMoreForms(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	pageServer(t, mux,
		// String hasMore and cursor, envelope after the list.
		body(`{"assetListData":{"asset":[{"assetId":"10"},{"assetId":20}]},"hasMore":"1","lastSeenAssetId":"20","responseCode":"SUCCESS"}`),
		body(`{"responseCode":"SUCCESS","hasMore":true,"lastSeenAssetId":30,"assetListData":{"asset":[{"assetId":30}]}}`),
		body(`{"responseCode":"SUCCESS","hasMore":"0","assetListData":{"asset":[{"assetId":40}],"extra":{"a":[1,2]}},"unknown":[{"x":1}]}`))
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err != nil || !slices.Equal(ids(got), []int64{10, 20, 30, 40}) {
		t.Fatalf("%v, %v", ids(got), err)
	}
}

func TestAssetsBadHasMoreIsInvalid(t *testing.T) {
	t.Parallel()
	_, err := decodeSearchPage(strings.NewReader(`{"responseCode":"SUCCESS","hasMore":"maybe"}`), "op")
	if !errors.Is(err, ErrInvalidPage) {
		t.Fatalf("err = %v", err)
	}
}

func TestAssetsResponseCodeFailedNotRetried(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := pageServer(t, mux, body(`{"responseCode":"FAILED","responseMessage":"Invalid value for pageSize","count":0}`))
	_, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	var api *APIError
	if !errors.As(err, &api) || api.Code != "FAILED" || api.Message != "Invalid value for pageSize" || api.StatusCode != 200 {
		t.Fatalf("err = %#v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("%d calls, want 1 (not retried)", calls.Load())
	}
	if !strings.Contains(api.URL, "/rest/2.0/search/am/asset?") {
		t.Errorf("URL %q", api.URL)
	}
}

func TestAssetsCursorMustAdvance(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	calls := pageServer(t, mux,
		body(`{"responseCode":"SUCCESS","hasMore":1,"lastSeenAssetId":5,"assetListData":{"asset":[{"assetId":5}]}}`),
		body(`{"responseCode":"SUCCESS","hasMore":1,"lastSeenAssetId":5,"assetListData":{"asset":[]}}`))
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err == nil || !strings.Contains(err.Error(), "cursor did not advance") {
		t.Fatalf("err = %v", err)
	}
	if len(got) != 1 || calls.Load() != 2 {
		t.Errorf("%d assets, %d calls", len(got), calls.Load())
	}
}

func TestAssetsLenientIDs(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	raws := []string{
		`{"assetId":101,"assetName":"a"}`,
		`{"assetName":"b","assetId":"102"}`,
		`{"assetId":1.03e2}`,
		`{"assetId":"x-104","assetName":"malformed"}`,
		`{"assetId":null}`,
		`{"assetName":"no id"}`,
		`{"assetId":-7}`,
		`{"nested":{"assetId":9},"assetId" : 108}`,
		`{"assetId":99999999999999999999999}`,
		`null`,
	}
	pageServer(t, mux, body(`{"responseCode":"SUCCESS","hasMore":0,"assetListData":{"asset":[`+strings.Join(raws, ",")+`]}}`))
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{101, 102, 103, 0, 0, 0, 0, 108, 0, 0}; !slices.Equal(ids(got), want) {
		t.Errorf("ids %v, want %v", ids(got), want)
	}
	for i, a := range got {
		if string(a.Raw) != raws[i] {
			t.Errorf("Raw %d = %s, want %s", i, a.Raw, raws[i])
		}
	}
}

func TestPageSizeAboveMaximumRejectedBeforeSending(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	var calls atomic.Int64
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	q := AssetQuery{PageSize: 301}
	_, err := collect(c.CSAM.Assets(t.Context(), q, Range{}))
	if err == nil || !strings.Contains(err.Error(), "at most 300") {
		t.Errorf("Assets: %v", err)
	}
	if _, err := c.CSAM.Count(t.Context(), q); err == nil {
		t.Error("Count accepted page size 301")
	}
	if _, err := c.CSAM.SplitRanges(t.Context(), q, 4); err == nil {
		t.Error("SplitRanges accepted page size 301")
	}
	for _, err := range c.CSAM.AssetsParallel(t.Context(), q, []Range{{}}, 2) {
		if err == nil {
			t.Error("AssetsParallel accepted page size 301")
		}
	}
	if _, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{IncludeFields: []string{"a"}, ExcludeFields: []string{"b"}}, Range{})); err == nil {
		t.Error("IncludeFields and ExcludeFields together accepted")
	}
	if calls.Load() != 0 || c.Stats().Calls != 0 {
		t.Errorf("%d requests sent", calls.Load())
	}
}

func TestAssetsEmptyRangeSendsNothing(t *testing.T) {
	t.Parallel()
	c, _, _ := setup(t)
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{After: 10, Max: 10}))
	if err != nil || len(got) != 0 || c.Stats().Calls != 0 {
		t.Fatalf("%v %v %d", got, err, c.Stats().Calls)
	}
	if _, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{}, Range{After: -1})); err == nil {
		t.Error("negative range accepted")
	}
}

func TestAssetsBreakStopsFetching(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	f := (&fakeCSAM{t: t, ids: seqIDs(100, 0, 3)}).register(mux)
	n := 0
	for _, err := range c.CSAM.Assets(t.Context(), AssetQuery{PageSize: 10}, Range{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	if s, _, _ := f.stats(); s != 2 {
		t.Errorf("%d pages fetched for 15 assets, want 2", s)
	}
}

func TestCount(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	var bodies []string
	var mu sync.Mutex
	calls := countHandler(mux, func(n int64, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		bodies = append(bodies, r.URL.RawQuery)
		mu.Unlock()
		switch n {
		case 1:
			io.WriteString(w, `{"responseCode":"SUCCESS","responseMessage":"Valid API Access"}`) // count missing: retried
		case 2:
			io.WriteString(w, `{"responseCode":"SUCCESS","count":"1234567"}`)
		default:
			io.WriteString(w, `{"responseCode":"FAILED","responseMessage":"License expired"}`)
		}
	})
	n, err := c.CSAM.Count(t.Context(), AssetQuery{UpdatedSince: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil || n != 1234567 || calls.Load() != 2 {
		t.Fatalf("Count = %d, %v after %d calls", n, err, calls.Load())
	}
	mu.Lock()
	if bodies[1] != "assetLastUpdated=2021-06-01T00%3A00%3A00Z" {
		t.Errorf("query %q", bodies[1])
	}
	mu.Unlock()
	_, err = c.CSAM.Count(t.Context(), AssetQuery{})
	var api *APIError
	if !errors.As(err, &api) || api.Code != "FAILED" || calls.Load() != 3 {
		t.Errorf("err = %v after %d calls", err, calls.Load())
	}
}

// checkRanges verifies that ranges are contiguous from 0 to unbounded and
// returns how many of ids each holds.
func checkRanges(t *testing.T, ranges []Range, ids []int64) []int {
	t.Helper()
	if len(ranges) == 0 || ranges[0].After != 0 || ranges[len(ranges)-1].Max != 0 {
		t.Fatalf("ranges %v do not run from 0 to unbounded", ranges)
	}
	for i := 1; i < len(ranges); i++ {
		if ranges[i].After != ranges[i-1].Max || ranges[i-1].Max <= ranges[i-1].After {
			t.Fatalf("ranges %v are not contiguous and increasing at %d", ranges, i)
		}
	}
	sizes := make([]int, len(ranges))
	for _, id := range ids {
		n := 0
		for i, r := range ranges {
			if id > r.After && (r.Max == 0 || id <= r.Max) {
				sizes[i]++
				n++
			}
		}
		if n != 1 {
			t.Fatalf("id %d is in %d ranges", id, n)
		}
	}
	return sizes
}

func TestSplitRanges(t *testing.T) {
	t.Parallel()
	uniform := seqIDs(6000, 60_000_000, 5000)
	// Clustered: dense at the start, sparse in the middle, dense at the end.
	var clustered []int64
	clustered = append(clustered, seqIDs(2000, 1_000, 2)...)
	clustered = append(clustered, seqIDs(1000, 1_000_000, 2000)...)
	clustered = append(clustered, seqIDs(3000, 90_000_000, 3)...)
	// Extreme: a dense block, then a jump of eight orders of magnitude.
	var extreme []int64
	extreme = append(extreme, seqIDs(3000, 1_000, 2)...)
	extreme = append(extreme, seqIDs(3000, 900_000_000_000, 3)...)
	tests := []struct {
		name     string
		ids      []int64
		n        int
		pageSize int
		want     int     // number of ranges
		maxSkew  float64 // largest range / ideal size
	}{
		{"uniform", uniform, 8, 100, 8, 1.5},
		{"clustered", clustered, 6, 300, 6, 1.5},
		{"extreme jump", extreme, 6, 300, 6, 1.5},
		{"n capped at one page per range", uniform, 50, 300, 20, 1.5},
		{"small total", uniform[:200], 8, 100, 1, 0},
		{"n=1", uniform, 1, 100, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux, _ := setup(t)
			(&authServer{t: t}).register(mux)
			f := (&fakeCSAM{t: t, ids: tt.ids}).register(mux)
			ranges, err := c.CSAM.SplitRanges(t.Context(), AssetQuery{PageSize: tt.pageSize}, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			sizes := checkRanges(t, ranges, tt.ids)
			if len(ranges) != tt.want {
				t.Errorf("%d ranges, want %d: %v", len(ranges), tt.want, sizes)
			}
			ideal := float64(len(tt.ids)) / float64(len(ranges))
			if len(ranges) > 1 && float64(slices.Max(sizes)) > tt.maxSkew*ideal {
				t.Errorf("unbalanced ranges %v (ideal %.0f)", sizes, ideal)
			}
			searches, counts, _ := f.stats()
			if limit := 2 + splitRounds*(tt.n-1); searches+counts > limit {
				t.Errorf("%d calls (%d searches, %d counts), want at most %d", searches+counts, searches, counts, limit)
			}
			t.Logf("%d ranges %v in %d calls", len(ranges), sizes, searches+counts)
			// Walking the ranges yields every asset exactly once.
			var got []int64
			for a, err := range c.CSAM.AssetsParallel(t.Context(), AssetQuery{PageSize: tt.pageSize}, ranges, 3) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, a.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.ids) {
				t.Errorf("walk returned %d ids, want %d", len(got), len(tt.ids))
			}
		})
	}
	c, _, _ := setup(t)
	if _, err := c.CSAM.SplitRanges(t.Context(), AssetQuery{}, 0); err == nil {
		t.Error("n = 0 accepted")
	}
}

func TestAssetsParallelOnceEachInOrderWithinLimit(t *testing.T) {
	t.Parallel()
	const concurrency = 3
	c, mux, _ := setup(t, func(o *Options) { o.Concurrency = concurrency })
	(&authServer{t: t}).register(mux)
	all := seqIDs(3000, 5_000, 40)
	f := (&fakeCSAM{t: t, ids: all, delay: 2 * time.Millisecond}).register(mux)
	var ranges []Range
	for i := 0; i < len(all); i += 250 {
		r := Range{After: 0, Max: all[min(i+249, len(all)-1)]}
		if i > 0 {
			r.After = ranges[len(ranges)-1].Max
		}
		ranges = append(ranges, r)
	}
	ranges[len(ranges)-1].Max = 0
	seen := map[int64]int{}
	last := make([]int64, len(ranges))
	for a, err := range c.CSAM.AssetsParallel(t.Context(), AssetQuery{PageSize: 50}, ranges, 8) {
		if err != nil {
			t.Fatal(err)
		}
		seen[a.ID]++
		if a.ID <= last[a.Range] {
			t.Errorf("range %d: %d after %d", a.Range, a.ID, last[a.Range])
		}
		last[a.Range] = a.ID
		if r := ranges[a.Range]; a.ID <= r.After || (r.Max > 0 && a.ID > r.Max) {
			t.Errorf("id %d outside its range %+v", a.ID, r)
		}
	}
	for _, id := range all {
		if seen[id] != 1 {
			t.Fatalf("id %d seen %d times", id, seen[id])
		}
	}
	if len(seen) != len(all) {
		t.Errorf("%d ids, want %d", len(seen), len(all))
	}
	if _, _, maxIn := f.stats(); maxIn > concurrency {
		t.Errorf("%d calls in flight, limit %d", maxIn, concurrency)
	} else if maxIn < 2 {
		t.Errorf("max %d calls in flight: no parallelism", maxIn)
	}
}

// qualysGoroutines returns the stacks of goroutines running this package's
// iterator code.
func qualysGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "qualys.(*CSAMService)") || strings.Contains(g, "qualys.(*Client)") {
			out = append(out, g)
		}
	}
	return out
}

// TestAssetsParallelBreakCancels runs alone (not parallel): it counts the
// package's goroutines.
func TestAssetsParallelBreakCancels(t *testing.T) {
	c, mux, _ := setup(t, func(o *Options) { o.Concurrency = 4 })
	(&authServer{t: t}).register(mux)
	var arrived, cancelled atomic.Int64
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Query().Get("lastSeenAssetId") == "0" {
			// Answer once the three other cursors are in flight.
			for deadline := time.Now().Add(5 * time.Second); arrived.Load() < 3 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
			io.WriteString(w, pageJSON([]int64{1, 2, 3}, false))
			return
		}
		arrived.Add(1)
		select { // the other ranges never answer
		case <-r.Context().Done():
			cancelled.Add(1)
		case <-time.After(10 * time.Second):
		}
	})
	ranges := []Range{{0, 100}, {100, 200}, {200, 300}, {300, 0}}
	start := time.Now()
	for a, err := range c.CSAM.AssetsParallel(t.Context(), AssetQuery{}, ranges, 4) {
		if err != nil {
			t.Fatal(err)
		}
		if a.ID == 1 {
			break
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("break took %s", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for (cancelled.Load() < 3 || len(qualysGoroutines()) > 0) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if cancelled.Load() != 3 {
		t.Errorf("%d in-flight requests cancelled, want 3", cancelled.Load())
	}
	if g := qualysGoroutines(); len(g) > 0 {
		t.Errorf("goroutines left after break:\n%s", strings.Join(g, "\n\n"))
	}
}

func TestAssetsParallelErrorEndsIteration(t *testing.T) {
	t.Parallel()
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if bytes.Contains(b, []byte(`"200"`)) { // range 1 is refused
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"responseCode":"FAILED","responseMessage":"No CSAM license"}`)
			return
		}
		io.WriteString(w, pageJSON(nil, false))
	})
	ranges := []Range{{0, 100}, {100, 200}, {200, 300}}
	var errs []error
	for a, err := range c.CSAM.AssetsParallel(t.Context(), AssetQuery{}, ranges, 2) {
		if err != nil {
			errs = append(errs, err)
			if a.Range != 1 {
				t.Errorf("error reported for range %d", a.Range)
			}
		}
	}
	var api *APIError
	if len(errs) != 1 || !errors.As(errs[0], &api) || api.StatusCode != 403 {
		t.Fatalf("errors %v", errs)
	}
}

// samplesDir returns the shared Qualys samples folder, or skips.
func samplesDir(t testing.TB) string {
	dir := os.Getenv("QFLOW_SAMPLES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "qualys-samples")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Qualys samples not found at %s (set QFLOW_SAMPLES): %v", dir, err)
	}
	return dir
}

func TestDecodeSamplePages(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(samplesDir(t), "elastic-integrations", "qualys_gav", "extracted")
	tests := []struct {
		file     string
		ids      []int64
		hasMore  bool
		lastSeen int64
	}{
		{"rule1_search_am_asset_lastSeenAssetId0_pageSize2.json", []int64{67533741, 67538043}, true, 67538043},
		{"rule2_search_am_asset_lastSeenAssetId67538043_pageSize2.json", []int64{67543783, 67663823}, true, 67663823},
		{"rule3_search_am_asset_lastSeenAssetId67663823_pageSize2.json", []int64{67937113}, false, 67937113},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		p, err := decodeSearchPage(bytes.NewReader(b), "sample")
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if !slices.Equal(ids(p.assets), tt.ids) || p.hasMore != tt.hasMore || p.lastSeen != tt.lastSeen {
			t.Errorf("%s: ids %v hasMore %v lastSeen %d", tt.file, ids(p.assets), p.hasMore, p.lastSeen)
		}
		// Raw is each asset exactly as sent.
		var env struct {
			AssetListData struct{ Asset []json.RawMessage }
		}
		json.Unmarshal(b, &env)
		for i, raw := range env.AssetListData.Asset {
			if !bytes.Equal(raw, p.assets[i].Raw) {
				t.Errorf("%s: asset %d Raw differs from the payload", tt.file, i)
			}
		}
	}
	// Every sample page decodes.
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if _, err := decodeSearchPage(bytes.NewReader(b), "sample"); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

func TestTopLevelMember(t *testing.T) {
	t.Parallel()
	for _, in := range topLevelSeeds {
		checkTopLevelMember(t, []byte(in))
	}
}

var topLevelSeeds = []string{
	`{"assetId":1}`,
	` { "a" : [1, {"assetId": 2}], "b": "x\"assetId\":3", "assetId" : 4 } `,
	`{"assetId":"55"}`,
	`{"assetI\u0064":77}`,
	`{"x":{"y":{"z":[[[]]]}},"assetId":-1.5e3}`,
	`{"x":"\\","assetId":true}`,
	`{}`,
	`[]`,
	`"str"`,
	`null`,
	`{"a":null,"b":false,"assetId":null}`,
}

// checkTopLevelMember compares topLevelMember with encoding/json.
func checkTopLevelMember(t *testing.T, in []byte) {
	if !json.Valid(in) {
		return
	}
	var want struct {
		AssetID json.RawMessage `json:"assetId"`
	}
	wantOK := json.Unmarshal(in, &want) == nil && want.AssetID != nil
	got, ok := topLevelMember(in, "assetId")
	if ok != wantOK || (ok && !bytes.Equal(bytes.TrimSpace(got), want.AssetID)) {
		// encoding/json keeps the last of duplicate keys, topLevelMember the first.
		var m map[string]json.RawMessage
		if json.Unmarshal(in, &m) == nil && bytes.Count(in, []byte(`assetId`)) > 1 {
			return
		}
		t.Errorf("%s: got %s, %v; want %s, %v", in, got, ok, want.AssetID, wantOK)
	}
}

func FuzzTopLevelMember(f *testing.F) {
	for _, s := range topLevelSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkTopLevelMember(t, in) })
}

func TestQuantile(t *testing.T) {
	t.Parallel()
	pts := []cdfPoint{{0, 0}, {100, 100}}
	for tgt, want := range map[int64]int64{50: 50, 100: 100, 300: 300} {
		if got := quantile(pts, tgt); got != want {
			t.Errorf("quantile(%d) = %d, want %d", tgt, got, want)
		}
	}
	// Past the end, the density of the last stretch counts, not the mean.
	pts = []cdfPoint{{0, 0}, {1_000_000, 1}, {1_000_100, 101}}
	if got := quantile(pts, 201); got != 1_000_200 {
		t.Errorf("extrapolated = %d", got)
	}
	sp := &splitter{total: 100, n: 4, cdf: []cdfPoint{{0, 0}, {10, 50}, {1000, 100}}}
	if got := sp.bounds(); !slices.Equal(got, []int64{5, 10, 505}) {
		t.Errorf("bounds %v", got)
	}
}

// BenchmarkAssetsWalk walks canned pages of realistic assets.
func BenchmarkAssetsWalk(b *testing.B) {
	const pages, perPage = 20, 300
	asset := `{"assetId":%d,"assetUUID":"4cf3040a-82a5-46a1-b059-17372b051ec7","hostId":1437387,"assetName":"host-%d",` +
		`"operatingSystem":{"osName":"Ubuntu 22.04.4 LTS","category1":"Linux","category2":"Linux Server","lifecycle":{"stage":"GA"}},` +
		`"softwareListData":{"software":[` + strings.Repeat(`{"id":8464359598295418000,"fullName":"OpenSSL 3.0.2","category1":"Security","version":"3.0.2","lifecycle":{"stage":"GA"}},`, 40) +
		`{"id":1}]},"tagList":{"tag":[{"tagId":1,"tagName":"Production","criticalityScore":4}]}}`
	bodies := make(map[string][]byte, pages)
	id := int64(60_000_000)
	cursor := int64(0)
	var size int
	for p := range pages {
		ids := make([]int64, perPage)
		for i := range ids {
			id += 7
			ids[i] = id
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, `{"responseMessage":"Valid API Access","count":%d,"responseCode":"SUCCESS","lastSeenAssetId":%d,"hasMore":%d,"assetListData":{"asset":[`, perPage, id, min(1, pages-1-p))
		for i, x := range ids {
			if i > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, asset, x, x)
		}
		sb.WriteString("]}}")
		bodies[fmt.Sprint(cursor)] = []byte(sb.String())
		size += sb.Len()
		cursor = id
	}
	c, mux, _ := setup(b)
	mux.HandleFunc("POST /auth", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "tok")
	})
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write(bodies[r.URL.Query().Get("lastSeenAssetId")])
	})
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	n := 0
	for b.Loop() {
		for a, err := range c.CSAM.Assets(context.Background(), AssetQuery{}, Range{}) {
			if err != nil || a.ID == 0 {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "assets/s")
}

// While the loop body consumes a page, the next one downloads: its request
// is made before the body has seen the page's last asset. Stopping early
// leaves no spool file of the page fetched ahead.
func TestAssetsFetchNextPageWhileConsuming(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, mux, _ := setup(t, func(o *Options) { o.SpoolDir = dir })
	(&authServer{t: t}).register(mux)
	all := seqIDs(30, 1000, 7)
	f := &fakeCSAM{t: t, ids: all}
	var (
		mu      sync.Mutex
		cursors []string
	)
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cursors = append(cursors, r.URL.Query().Get("lastSeenAssetId"))
		mu.Unlock()
		f.search(w, r)
	})
	asked := func(cursor int64) bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(cursors, strconv.FormatInt(cursor, 10))
	}
	n := 0
	for a, err := range c.CSAM.Assets(t.Context(), AssetQuery{PageSize: 10}, Range{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 1 { // the first asset of the first page: the second is asked for meanwhile
			deadline := time.Now().Add(5 * time.Second)
			for !asked(all[9]) && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if !asked(all[9]) {
				t.Errorf("page 2 (after %d) not requested while page 1 was consumed; requests %v", all[9], cursors)
			}
		}
		if a.ID != all[n-1] {
			t.Fatalf("asset %d is %d, want %d", n, a.ID, all[n-1])
		}
		if n == 12 { // inside page 2, page 3 fetched ahead
			break
		}
	}
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left after stopping early: %v", files)
	}
	got, err := collect(c.CSAM.Assets(t.Context(), AssetQuery{PageSize: 10}, Range{}))
	if err != nil || !slices.Equal(ids(got), all) {
		t.Errorf("whole walk: %d assets (%v), want %d", len(got), err, len(all))
	}
	if files := spoolFiles(t, dir); len(files) != 0 {
		t.Errorf("spool files left after a whole walk: %v", files)
	}
}

// Split returns the ranges SplitRanges does and the count they were cut
// from.
func TestSplitReturnsTotal(t *testing.T) {
	ids := seqIDs(3000, 60_000_000, 5000)
	c, mux, _ := setup(t)
	(&authServer{t: t}).register(mux)
	(&fakeCSAM{t: t, ids: ids}).register(mux)
	sp, err := c.CSAM.Split(t.Context(), AssetQuery{PageSize: 100}, 6)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Total != int64(len(ids)) {
		t.Errorf("Total = %d, want %d", sp.Total, len(ids))
	}
	ranges, err := c.CSAM.SplitRanges(t.Context(), AssetQuery{PageSize: 100}, 6)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sp.Ranges, ranges) {
		t.Errorf("Split ranges %v, SplitRanges %v", sp.Ranges, ranges)
	}
	checkRanges(t, sp.Ranges, ids)
	if sp, err := c.CSAM.Split(t.Context(), AssetQuery{PageSize: 100}, 1); err != nil || sp.Total != int64(len(ids)) || len(sp.Ranges) != 1 {
		t.Errorf("Split(n=1) = %+v, %v; want one range and the count", sp, err)
	}

	// SplitFrom takes the first page from its caller: the same ranges,
	// without a search of its own (evenly spread IDs need no gap search).
	c2, mux2, _ := setup(t)
	(&authServer{t: t}).register(mux2)
	f := (&fakeCSAM{t: t, ids: ids}).register(mux2)
	first := func(context.Context) ([]int64, bool, error) { return ids[:100], true, nil }
	from, err := c2.CSAM.SplitFrom(t.Context(), AssetQuery{PageSize: 100}, 6, first)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(from.Ranges, ranges) || from.Total != int64(len(ids)) {
		t.Errorf("SplitFrom = %+v, want the ranges %v and the count %d", from, ranges, len(ids))
	}
	if searches, _, _ := f.stats(); searches != 0 {
		t.Errorf("SplitFrom made %d search calls, want none", searches)
	}
}

// AssetsUntil walks with no bound until one is set, then asks only for
// assets up to it and ends past it; a bound set before the walk is sent
// with the first request. Each page's IDs are passed to checked before its
// assets are yielded, with whether the walk goes on.
func TestAssetsUntil(t *testing.T) {
	ids := seqIDs(1000, 1_000, 10)
	for _, tc := range []struct {
		name     string
		setAt    int // set the bound once this many assets were yielded (-1: before the walk)
		bound    int64
		searches int // search calls, at most
	}{
		{name: "no bound", setAt: 1 << 30, searches: 10},
		{name: "bound before the walk", setAt: -1, bound: ids[149], searches: 2},
		{name: "bound set in the first page", setAt: 50, bound: ids[349], searches: 4},
		{name: "bound inside a page already fetched", setAt: 50, bound: ids[120], searches: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, mux, _ := setup(t)
			(&authServer{t: t}).register(mux)
			f := (&fakeCSAM{t: t, ids: ids}).register(mux)
			var b atomic.Int64
			if tc.setAt < 0 {
				b.Store(tc.bound)
			}
			var (
				got   []int64
				pages [][]int64 // as checked got them
				mores []bool
			)
			checked := func(ids []int64, more bool) {
				if before := len(slices.Concat(pages...)); len(got) != before {
					t.Errorf("page %d checked after %d assets were yielded, want %d (before its own)", len(pages)+1, len(got), before)
				}
				pages, mores = append(pages, ids), append(mores, more)
			}
			for a, err := range c.CSAM.AssetsUntil(t.Context(), AssetQuery{PageSize: 100}, 0, b.Load, checked) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, a.ID)
				if len(got) == tc.setAt {
					b.Store(tc.bound)
				}
			}
			want := ids
			if tc.bound > 0 {
				i, _ := slices.BinarySearch(ids, tc.bound)
				want = ids[:i+1]
			}
			// The caller drops what a page fetched before the bound holds
			// above it; everything up to the bound comes, once, in order.
			var kept []int64
			for _, id := range got {
				if tc.bound == 0 || id <= tc.bound {
					kept = append(kept, id)
				}
			}
			if !slices.Equal(kept, want) {
				t.Errorf("got %d assets up to the bound, want %d", len(kept), len(want))
			}
			if len(got) > len(want)+200 {
				t.Errorf("%d assets yielded past the bound, want at most two pages", len(got)-len(want))
			}
			if s, _, _ := f.stats(); s > tc.searches {
				t.Errorf("%d search calls, want at most %d", s, tc.searches)
			}
			if !slices.Equal(slices.Concat(pages...), got) {
				t.Errorf("the pages checked hold %d IDs, %d assets were yielded, or in another order", len(slices.Concat(pages...)), len(got))
			}
			for i, more := range mores {
				if last := i == len(mores)-1; more == last {
					t.Errorf("page %d of %d checked with more=%v", i+1, len(mores), more)
				}
			}
		})
	}
	c, _, _ := setup(t)
	for _, err := range c.CSAM.AssetsUntil(t.Context(), AssetQuery{}, -1, func() int64 { return 0 }, nil) {
		if err == nil {
			t.Error("a negative cursor was accepted")
		}
	}
}
