package source

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/secret"
	sy "github.com/qflow/qflow/internal/sync"
)

// gatewayClient serves h (srv, or srv wrapped) for the test and returns a
// client of it as the gateway.
func gatewayClient(t *testing.T, srv *qualyssim.Server, h http.Handler) *qualys.Client {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	user, pass := srv.Credentials()
	c, err := qualys.NewClient(qualys.Options{GatewayURL: hs.URL, Username: user, Password: secret.New(pass)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// holdPages holds every search page after the first (lastSeenAssetId > 0)
// until release is closed or a second has passed (the ranges may need such
// a page to find where the IDs resume after a gap).
func holdPages(h http.Handler, release <-chan struct{}) http.Handler {
	return holdWhere(h, release, time.Second, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/search/am/asset") && r.URL.Query().Get("lastSeenAssetId") != "0"
	})
}

// holdCounts holds the count calls (the first step of the ranges) until
// release is closed.
func holdCounts(h http.Handler, release <-chan struct{}) http.Handler {
	return holdWhere(h, release, 0, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/count/am/asset") })
}

// A CSAM run starts with the head partition and, once the ranges are
// worked out, hands the rest to them with one Split record: every asset
// comes exactly once, no record precedes the announcement of its
// partition, and a run stopped in the ranges or in the head resumes from
// the saved partitions without reading an asset twice. An incremental run
// whose changes fit in a page makes that one call.
func TestCSAMHeadSplits(t *testing.T) {
	future := time.Now().AddDate(1, 0, 0)
	for _, tc := range []struct {
		name        string
		rangesFirst bool      // the head's pages after the first wait for the split
		failAfter   int       // stop after this many assets of the split-off ranges, then resume
		failHead    int       // stop after this many assets of the head, before the ranges came, then resume
		since       time.Time // an incremental run
		want        int       // assets the run reads (-1: all)
	}{
		{name: "ranges first", rangesFirst: true, want: -1},
		{name: "pages and ranges together", want: -1},
		{name: "resumed in the ranges", rangesFirst: true, failAfter: 35, want: -1},
		{name: "resumed in the head", failHead: 45, want: -1},
		{name: "incremental, everything changed", since: time.Unix(1, 0), want: -1},
		{name: "incremental, nothing changed", since: future, want: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := qualyssim.New(qualyssim.Config{Assets: 240, Hosts: 20, Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			var firstPages atomic.Int32 // search calls from the first asset on
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/search/am/asset") && r.URL.Query().Get("lastSeenAssetId") == "0" {
					firstPages.Add(1)
				}
				srv.ServeHTTP(w, r)
			})
			release := make(chan struct{})
			var once sync.Once
			switch {
			case tc.rangesFirst:
				h = holdPages(h, release)
			case tc.failHead > 0:
				h = holdCounts(h, release)
			}
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			c := gatewayClient(t, srv, h)
			src := NewCSAM(c, CSAMOptions{PageSize: 20, Parallel: 2})
			// IDs alone: the pages stay small, and the test fast under -race.
			idsOnly := qualys.AssetQuery{IncludeFields: []string{"assetId"}}
			src.query.IncludeFields = idsOnly.IncludeFields
			parts, err := src.Plan(t.Context(), tc.since)
			if err != nil || len(parts) != 1 || parts[0].ID != headPartition {
				t.Fatalf("Plan = %v, %v; want the head alone", parts, err)
			}
			cur := &cursor{t: t, parts: parts, hosts: map[string]int{}, failAfter: tc.failAfter, failHead: tc.failHead, noClock: true,
				onSplit: func() { once.Do(func() { close(release) }) }}
			for _, err := range c.CSAM.Assets(t.Context(), idsOnly, qualys.Range{Max: 1}) { // authenticates
				if err != nil {
					t.Fatal(err)
				}
			}
			calls := c.Stats().Calls
			firstPages.Store(0)
			cur.run(t, func(parts []sy.Partition, emit func(sy.Record) error) error {
				return src.Extract(t.Context(), tc.since, parts, emit)
			}, func() { once.Do(func() { close(release) }) })
			// The ranges start from the head's first page, not one of their
			// own; a head resumed past it cannot lend it.
			if want := int32(1) + int32(min(tc.failHead, 1)); firstPages.Load() != want {
				t.Errorf("%d search calls from the first asset, want %d", firstPages.Load(), want)
			}
			if tc.rangesFirst && cur.splits < 2 {
				t.Errorf("%d partitions split off, want the head's remainder and ranges", cur.splits)
			}
			var want []string
			if tc.want != 0 {
				for a, err := range c.CSAM.Assets(t.Context(), idsOnly, qualys.Range{}) {
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, strconv.FormatInt(a.ID, 10))
				}
			}
			cur.exactlyOnce(want, "asset")
			if tc.want == 0 {
				// One search page, no count: nothing to split.
				if n := c.Stats().Calls - calls; n != 1 {
					t.Errorf("%d calls for an incremental run with nothing changed, want 1 (%v)", n, c.Stats().ByEndpoint)
				}
			}
			if got := src.LiveTotal(); tc.rangesFirst && got != int64(len(want)) {
				t.Errorf("LiveTotal = %d, want the %d assets", got, len(want))
			}
		})
	}
}

// holdFirstPage holds the first search page (lastSeenAssetId=0) until
// release is closed.
func holdFirstPage(h http.Handler, release <-chan struct{}) http.Handler {
	return holdWhere(h, release, 0, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/search/am/asset") && r.URL.Query().Get("lastSeenAssetId") == "0"
	})
}

// When the ranges' estimate is wrong and the head's page in flight runs
// past its bound, the assets above the bound are dropped from the head and
// read by the ranges: each comes once, also an asset whose ID cannot be
// read (served among the others with the malformed fault).
func TestCSAMHeadDropsPastBound(t *testing.T) {
	for _, malformed := range []float64{0, 0.3} {
		t.Run(fmt.Sprintf("malformed=%v", malformed), func(t *testing.T) {
			srv, err := qualyssim.New(qualyssim.Config{Assets: 240, Hosts: 20, Seed: 4, Faults: qualyssim.Faults{Malformed: malformed}})
			if err != nil {
				t.Fatal(err)
			}
			release := make(chan struct{})
			var once sync.Once
			t.Cleanup(func() { once.Do(func() { close(release) }) })
			c := gatewayClient(t, srv, holdFirstPage(srv, release))
			idsOnly := qualys.AssetQuery{IncludeFields: []string{"assetId"}}
			var ids []int64 // parsable IDs
			unparsable := 0
			lc := gatewayClient(t, srv, srv) // the IDs, before the run
			for a, err := range lc.CSAM.Assets(t.Context(), qualys.AssetQuery{IncludeFields: idsOnly.IncludeFields, PageSize: 300}, qualys.Range{}) {
				if err != nil {
					t.Fatal(err)
				}
				if a.ID > 0 {
					ids = append(ids, a.ID)
				} else {
					unparsable++
				}
			}
			if malformed > 0 && unparsable == 0 {
				t.Fatal("no asset with an unparsable ID: the case tests nothing")
			}
			src := NewCSAM(c, CSAMOptions{PageSize: 20, Parallel: 2})
			src.query.IncludeFields = idsOnly.IncludeFields
			// The estimate says 80 assets a range; the first holds 3.
			src.split = func(context.Context, qualys.AssetQuery, int, qualys.FirstPage) (qualys.Split, error) {
				return qualys.Split{Total: 240, Ranges: []qualys.Range{{Max: ids[2]}, {After: ids[2], Max: ids[99]}, {After: ids[99]}}}, nil
			}
			cur := &cursor{t: t, parts: []sy.Partition{{ID: headPartition}}, hosts: map[string]int{}, noClock: true,
				onSplit: func() { once.Do(func() { close(release) }) }}
			cur.run(t, func(parts []sy.Partition, emit func(sy.Record) error) error {
				return src.Extract(t.Context(), time.Time{}, parts, emit)
			}, nil)
			for _, id := range ids {
				if k := strconv.FormatInt(id, 10); cur.hosts[k] != 1 {
					t.Errorf("asset %s came %d times, want 1", k, cur.hosts[k])
				}
			}
			records := 0
			for _, n := range cur.hosts {
				records += n
			}
			if want := len(ids) + unparsable; records != want {
				t.Errorf("%d records, want %d (%d with an unparsable ID)", records, want, unparsable)
			}
		})
	}
}

// splitAfter bounds the head at the first range boundary two pages past
// its last asset, and hands it the ranges above.
func TestSplitAfter(t *testing.T) {
	sp := qualys.Split{Total: 400, Ranges: []qualys.Range{{After: 0, Max: 100}, {After: 100, Max: 200}, {After: 200, Max: 300}, {After: 300}}}
	for _, tc := range []struct {
		last     int64
		pageSize int
		bound    int64
		parts    []string
	}{
		{last: 0, pageSize: 20, bound: 100, parts: []string{"100:200", "200:300", "300:0"}},
		{last: 90, pageSize: 20, bound: 200, parts: []string{"200:300", "300:0"}},            // 10 left in the first range
		{last: 50, pageSize: 20, bound: 100, parts: []string{"100:200", "200:300", "300:0"}}, // 50 left
		{last: 0, pageSize: 100, bound: 200, parts: []string{"200:300", "300:0"}},
		{last: 250, pageSize: 20, bound: 300, parts: []string{"300:0"}}, // 50 left: enough
		{last: 280, pageSize: 20, bound: 0},                             // 20 left, then the unbounded range
		{last: 500, pageSize: 20, bound: 0},                             // in the unbounded range
	} {
		b, parts := splitAfter(sp, tc.last, tc.pageSize)
		var ids []string
		for _, p := range parts {
			ids = append(ids, p.ID)
		}
		if b != tc.bound || !slices.Equal(ids, tc.parts) {
			t.Errorf("splitAfter(last %d, page %d) = %d, %v; want %d, %v", tc.last, tc.pageSize, b, ids, tc.bound, tc.parts)
		}
	}
	if b, parts := splitAfter(qualys.Split{Total: 10, Ranges: []qualys.Range{{}}}, 0, 20); b != 0 || parts != nil {
		t.Errorf("one range: %d, %v; want no split", b, parts)
	}
}

// The splitter gets the head's first page as soon as the page is in and
// checked, before any of its records is consumed: a slow pipeline must not
// keep the range probes, and a concurrency slot, waiting at the start of a
// run.
func TestCSAMFirstPageBeforeItsRecords(t *testing.T) {
	srv, err := qualyssim.New(qualyssim.Config{Assets: 240, Hosts: 20, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	c := gatewayClient(t, srv, srv)
	idsOnly := qualys.AssetQuery{IncludeFields: []string{"assetId"}, PageSize: 20}
	var want []int64 // the first page's IDs
	for a, err := range c.CSAM.Assets(t.Context(), idsOnly, qualys.Range{}) {
		if err != nil {
			t.Fatal(err)
		}
		if want = append(want, a.ID); len(want) == idsOnly.PageSize {
			break
		}
	}
	src := NewCSAM(c, CSAMOptions{PageSize: idsOnly.PageSize, Parallel: 2})
	src.query.IncludeFields = idsOnly.IncludeFields
	firstPage := make(chan []int64, 1)
	src.split = func(ctx context.Context, _ qualys.AssetQuery, _ int, first qualys.FirstPage) (qualys.Split, error) {
		ids, more, err := first(ctx)
		if err != nil {
			return qualys.Split{}, err
		}
		if !more {
			t.Error("the first page says the head ends there; 240 assets come in pages of 20")
		}
		firstPage <- ids
		return qualys.Split{Total: 240, Ranges: []qualys.Range{{}}}, nil // one range: the head reads on
	}
	assets := 0
	err = src.Extract(t.Context(), time.Time{}, []sy.Partition{{ID: headPartition}}, func(r sy.Record) error {
		if r.Key == "" {
			return nil
		}
		if assets++; assets == 1 {
			select {
			case ids := <-firstPage:
				if !slices.Equal(ids, want) {
					t.Errorf("the splitter got the first page's IDs %v, want %v", ids, want)
				}
			case <-time.After(10 * time.Second):
				return fmt.Errorf("the splitter did not get the first page while the page's first record waited")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if assets != 240 {
		t.Errorf("%d assets, want 240", assets)
	}
}
