package qualyssim

import (
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/qflow/qflow/internal/testscale"
)

func TestCatalogsParseAndNamesAreUnique(t *testing.T) {
	t.Parallel()
	cats, err := parseCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range osProfiles {
		seen := map[string]bool{}
		for _, prod := range cats.family(&p) {
			name := prod.name
			if prod.rpmName != "" && strings.HasPrefix(p.distro, "rpm") {
				name = prod.rpmName
			}
			if seen[name] {
				t.Errorf("%s: software %q listed twice", p.osName, name)
			}
			seen[name] = true
			if prod.cat1 == "" || prod.cat2 == "" || len(prod.versions) == 0 || !strings.ContainsRune("ALDR", rune(prod.typ)) || !strings.ContainsRune("ocf", rune(prod.lic)) {
				t.Errorf("%s: bad catalog entry %+v", p.osName, prod)
			}
		}
		if p.family == famLinux || p.family == famWindows {
			if c := cats.capacity(&p); c < 250 {
				t.Errorf("%s: catalog of %d entries is too small for hosts with up to 300", p.osName, c)
			}
		}
	}
}

// TestIndexIsCompact checks that the data set keeps only a small index per
// asset: records are generated on demand.
func TestIndexIsCompact(t *testing.T) {
	if size := unsafe.Sizeof(assetMeta{}); size > 32 {
		t.Errorf("assetMeta is %d bytes", size)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s, err := New(Config{Assets: 50_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if perAsset := grown / 50_000; perAsset > 100 {
		t.Errorf("index costs %d bytes per asset (%d bytes for 50,000)", perAsset, grown)
	}
	// The index's own totals. Server.Truth reports the same two numbers but
	// first generates the detections of all 50,000 hosts, which this test
	// does not look at and which take seconds under -race: only the
	// full-size run asks it, to check that it agrees.
	tr := s.w.ds[0].truth
	if tr.Assets != 50_000 || tr.SoftwareInstalls < 50_000*20 || tr.SoftwareInstalls > 50_000*300 {
		t.Errorf("truth %d assets, %d installs", tr.Assets, tr.SoftwareInstalls)
	}
	if !testscale.Small() {
		if st := s.Truth(); st.Assets != tr.Assets || st.SoftwareInstalls != tr.SoftwareInstalls {
			t.Errorf("Server.Truth has %d assets, %d installs; the index %d, %d", st.Assets, st.SoftwareInstalls, tr.Assets, tr.SoftwareInstalls)
		}
	}
	runtime.KeepAlive(s)
}

func TestDataMix(t *testing.T) {
	t.Parallel()
	ds, err := newDataset(3, 5000, 0, dataAnchor.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	fam := map[osFamily]int{}
	src := map[uint8]int{}
	cloud, noHost := 0, 0
	for i, m := range ds.meta {
		fam[osProfiles[m.os].family]++
		src[m.source]++
		if m.cloud != cloudNone {
			cloud++
		}
		if !m.hostID {
			noHost++
		}
		if m.lastMod >= ds.anchorMs {
			t.Fatalf("asset %d modified after the anchor", i)
		}
	}
	for f := famWindows; f <= famUnix; f++ {
		if fam[f] == 0 {
			t.Errorf("no assets of family %d", f)
		}
	}
	if len(src) != len(sourceNames) || cloud < 200 || noHost < 100 {
		t.Errorf("sources %v, cloud %d, without hostId %d", src, cloud, noHost)
	}
	// An injected clock before the anchor moves the data back in time.
	early := dataAnchor.AddDate(-2, 0, 0)
	ds2, _ := newDataset(3, 10, 0, early)
	if ds2.anchorMs >= early.UnixMilli() {
		t.Errorf("anchor %d not before the injected clock", ds2.anchorMs)
	}
}

func TestIsoMs(t *testing.T) {
	t.Parallel()
	for _, ms := range []int64{0, 1, 999, 86399999, 951782400000, 951868800000, 1709164800000, 1735689599999, 1748736000123, 4102444800000, 253402300799999, -1} {
		if got, want := isoMs(ms), time.UnixMilli(ms).UTC().Format(isoMillis); got != want {
			t.Errorf("isoMs(%d) = %s, want %s", ms, got, want)
		}
	}
	for ms := int64(0); ms < 5e12; ms += 7777777777 {
		if got, want := isoMs(ms), time.UnixMilli(ms).UTC().Format(isoMillis); got != want {
			t.Fatalf("isoMs(%d) = %s, want %s", ms, got, want)
		}
	}
}
