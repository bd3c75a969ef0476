package source

import (
	"testing"

	"github.com/qflow/qflow/internal/sync"
)

// Host-ID ranges hold whole pages, so a run costs as few detection calls as
// its hosts fill pages, and there are at most sixteen per worker.
func TestSplitIDsWholePages(t *testing.T) {
	for _, tc := range []struct {
		hosts, page, parallel int
		wantRanges, wantPages int
	}{
		{hosts: 0, page: 100, parallel: 2, wantRanges: 0, wantPages: 0},
		{hosts: 1, page: 1000, parallel: 2, wantRanges: 1, wantPages: 1},
		{hosts: 1025, page: 100, parallel: 2, wantRanges: 11, wantPages: 11},
		{hosts: 5000, page: 100, parallel: 2, wantRanges: 25, wantPages: 50},
		{hosts: 5000, page: 1000, parallel: 2, wantRanges: 5, wantPages: 5},
		{hosts: 10000, page: 1000, parallel: 2, wantRanges: 10, wantPages: 10},
		{hosts: 50000, page: 1000, parallel: 2, wantRanges: 25, wantPages: 50},
		{hosts: 1_000_000, page: 1000, parallel: 2, wantRanges: 32, wantPages: 1000},
		{hosts: 411, page: 1000, parallel: 4, wantRanges: 1, wantPages: 1},
	} {
		ids := make([]int64, tc.hosts)
		for i := range ids {
			ids[i] = int64(1000 + 3*i)
		}
		size := rangeSize(tc.hosts, tc.page, tc.parallel)
		parts := splitIDs(ids, size)
		pages, covered := 0, 0
		for _, p := range parts {
			r, err := parseIDRange(p)
			if err != nil {
				t.Fatal(err)
			}
			n := int((r.Max-r.Min)/3 + 1)
			covered += n
			pages += (n + tc.page - 1) / tc.page
		}
		if len(parts) != tc.wantRanges || pages != tc.wantPages || covered != tc.hosts {
			t.Errorf("%d hosts, page %d, parallel %d: %d ranges, %d pages, %d hosts covered; want %d ranges, %d pages",
				tc.hosts, tc.page, tc.parallel, len(parts), pages, covered, tc.wantRanges, tc.wantPages)
		}
	}
}

func TestParseIDRangeResumesAfterPosition(t *testing.T) {
	r, err := parseIDRange(syncPartition("10:99", "42"))
	if err != nil || r.Min != 43 || r.Max != 99 {
		t.Fatalf("got %+v, %v", r, err)
	}
	if _, err := parseIDRange(syncPartition("x:99", "")); err == nil {
		t.Fatal("bad partition accepted")
	}
}

func syncPartition(id, pos string) sync.Partition { return sync.Partition{ID: id, Position: pos} }
