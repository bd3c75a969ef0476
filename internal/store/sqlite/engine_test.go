package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/sync"
)

// fakeSource serves records {"id":N,"sw":K} over partitions of ids; it can
// fail after a number of emitted records, and logs where each partition
// started.
type fakeSource struct {
	mu        gosync.Mutex
	parts     map[string][]int64
	order     []string
	failAfter int // emit this many records, then fail (0 = never)
	emitted   int
	starts    map[string]string
	swPerRec  int
	bad       map[int64]bool
}

func newFakeSource(parts map[string][]int64) *fakeSource {
	f := &fakeSource{parts: parts, starts: map[string]string{}, swPerRec: 3, bad: map[int64]bool{}}
	for k := range parts {
		f.order = append(f.order, k)
	}
	return f
}

func (f *fakeSource) Name() string { return "fake" }
func (f *fakeSource) Calls() int64 { return 0 }
func (f *fakeSource) Total(context.Context, time.Time) (int64, error) {
	n := 0
	for _, ids := range f.parts {
		n += len(ids)
	}
	return int64(n), nil
}
func (f *fakeSource) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	var out []sync.Partition
	for _, k := range f.order {
		out = append(out, sync.Partition{ID: k})
	}
	return out, nil
}

var errInjected = errors.New("injected source failure")

func (f *fakeSource) Extract(ctx context.Context, _ time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	for _, p := range parts {
		f.mu.Lock()
		f.starts[p.ID] = p.Position
		f.mu.Unlock()
		after := int64(-1)
		if p.Position != "" {
			after, _ = strconv.ParseInt(p.Position, 10, 64)
		}
		for _, id := range f.parts[p.ID] {
			if id <= after {
				continue
			}
			if f.failAfter > 0 && f.emitted >= f.failAfter {
				return errInjected
			}
			f.emitted++
			raw := fmt.Sprintf(`{"id":%d,"sw":%d}`, id, f.swPerRec)
			if f.bad[id] {
				raw = fmt.Sprintf(`{"id":"bad-%d"}`, id)
			}
			key := strconv.FormatInt(id, 10)
			if err := emit(sync.Record{Partition: p.ID, Position: key, Key: key, Raw: []byte(raw)}); err != nil {
				return err
			}
		}
		if err := emit(sync.Record{Partition: p.ID, PartitionDone: true}); err != nil {
			return err
		}
	}
	return nil
}

// fakeMap turns {"id":N,"sw":K} into a host with K installed software.
type fakeMap struct{}

func (fakeMap) Apply(raw []byte) (*model.Record, error) {
	var v struct {
		ID json.Number `json:"id"`
		SW int         `json:"sw"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("id: %w", err)
	}
	id, err := v.ID.Int64()
	if err != nil {
		return nil, fmt.Errorf("id: want integer, got %q", v.ID)
	}
	rec := &model.Record{Source: model.SourceCSAM, NativeKey: v.ID.String(),
		Host: model.Values{"name": "host-" + v.ID.String(), "os_name": "Linux"}, Lists: map[string][]model.Item{}}
	for i := range v.SW {
		rec.Lists["sw"] = append(rec.Lists["sw"], model.Item{
			model.EntitySoftware:          {"name": fmt.Sprintf("pkg%d", i), "version": "1"},
			model.EntityInstalledSoftware: {"install_path": fmt.Sprintf("/opt/%d", id)},
		})
	}
	rec.Lists["ports"] = []model.Item{{model.EntityOpenPort: {"number": int64(22), "protocol": "TCP"}}}
	return rec, nil
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "q.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func run(t *testing.T, st *sqlite.Store, src sync.Source, mode sync.Mode) (*sync.Run, error) {
	t.Helper()
	eng, err := sync.New(sync.Options{Source: src, Store: st, Transformer: fakeMap{}, MapName: "fake", MapHash: "h1", Mode: mode, BatchSize: 7})
	if err != nil {
		t.Fatal(err)
	}
	return eng.Run(t.Context())
}

func ids(from, n int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)*3
	}
	return out
}

func count(t *testing.T, st *sqlite.Store, q string) int64 {
	t.Helper()
	var n int64
	if err := st.DB().QueryRowContext(t.Context(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestEngineFullThenIncrementalThenStale(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	src := newFakeSource(map[string][]int64{"a": ids(1, 40), "b": ids(1000, 25), "c": nil})
	r, err := run(t, st, src, sync.ModeResume)
	if err != nil {
		t.Fatal(err)
	}
	if r.Mode != sync.ModeFull || r.State != sync.StateProcessed {
		t.Fatalf("first run: mode %s state %s, want full Processed", r.Mode, r.State)
	}
	if r.Counts.Seen != 65 || r.Counts.New != 65 || r.Counts.SoftwareInstalls != 65*3 {
		t.Fatalf("counts %+v", r.Counts)
	}
	if got := count(t, st, "SELECT count(*) FROM installed_software"); got != 65*3 {
		t.Fatalf("installed_software = %d", got)
	}
	if got := count(t, st, "SELECT count(*) FROM software"); got != 3 {
		t.Fatalf("software catalog = %d, want 3", got)
	}
	r2, err := run(t, st, src, sync.ModeFull)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Counts.Unchanged != 65 || r2.Counts.New != 0 || r2.Counts.Updated != 0 {
		t.Fatalf("second run counts %+v", r2.Counts)
	}
	// A full run that no longer sees partition b marks its records stale.
	delete(src.parts, "b")
	src.order = []string{"a", "c"}
	r3, err := run(t, st, src, sync.ModeFull)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Counts.Stale != 25 {
		t.Fatalf("stale = %d, want 25", r3.Counts.Stale)
	}
	if got := count(t, st, "SELECT count(*) FROM assets WHERE state = 'active'"); got != 40 {
		t.Fatalf("active assets = %d", got)
	}
	cp, err := st.LoadCheckpoint(t.Context(), "fake", "default")
	if err != nil {
		t.Fatal(err)
	}
	if cp.InProgress || cp.Watermark.IsZero() {
		t.Fatalf("checkpoint after completed run: %+v", cp)
	}
}

func TestEngineQuarantinesBadRecordAndGoesOn(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	src := newFakeSource(map[string][]int64{"a": ids(1, 20)})
	src.bad[ids(1, 20)[5]] = true
	r, err := run(t, st, src, sync.ModeFull)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != sync.StateProcessed || r.Counts.Quarantined != 1 || r.Counts.New != 19 {
		t.Fatalf("run %+v", r)
	}
	q, err := st.Quarantine(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(q) != 1 || q[0].NativeKey != "16" || q[0].Reason == "" {
		t.Fatalf("quarantine = %+v", q)
	}
	// Seen again in the next run: still one quarantine row, counted again.
	if _, err := run(t, st, src, sync.ModeFull); err != nil {
		t.Fatal(err)
	}
	if got := count(t, st, "SELECT count(*) FROM quarantine"); got != 1 {
		t.Fatalf("quarantine rows = %d, want 1", got)
	}
}

func TestEngineResumesAfterFailureWithoutLossOrDuplicates(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	parts := map[string][]int64{"a": ids(1, 50), "b": ids(5000, 50)}
	src := newFakeSource(parts)
	src.order = []string{"a", "b"}
	src.failAfter = 73
	r, err := run(t, st, src, sync.ModeFull)
	if !errors.Is(err, errInjected) {
		t.Fatalf("err = %v, want injected failure", err)
	}
	if r.State != sync.StateFailed {
		t.Fatalf("state = %s", r.State)
	}
	cp, err := st.LoadCheckpoint(t.Context(), "fake", "default")
	if err != nil {
		t.Fatal(err)
	}
	if !cp.InProgress || cp.RunID != r.ID {
		t.Fatalf("checkpoint %+v", cp)
	}
	src.failAfter = 0
	r2, err := run(t, st, src, sync.ModeResume)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Resumed || r2.ID != r.ID || r2.State != sync.StateProcessed {
		t.Fatalf("resumed run %+v", r2)
	}
	if src.starts["a"] != "" || src.starts["b"] == "" {
		t.Fatalf("partition a was finished and b half-done; resume started at %v", src.starts)
	}
	if got := count(t, st, "SELECT count(*) FROM asset_records"); got != 100 {
		t.Fatalf("records = %d, want 100", got)
	}
	if got := count(t, st, "SELECT count(*) FROM installed_software"); got != 300 {
		t.Fatalf("installed = %d, want 300", got)
	}
	if r2.Counts.New != 100 {
		t.Fatalf("new over both attempts = %d, want 100 (counts %+v)", r2.Counts.New, r2.Counts)
	}
}

func TestEngineRejectsBadOptions(t *testing.T) {
	t.Parallel()
	_, err := sync.New(sync.Options{Mode: "sideways"})
	if err == nil {
		t.Fatal("want error")
	}
	for _, want := range []string{"no source", "no store", "no transform map", `unknown mode "sideways"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
