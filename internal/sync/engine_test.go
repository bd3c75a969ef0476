package sync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
)

var (
	t1 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	t2 = time.Date(2025, 3, 2, 10, 0, 0, 0, time.UTC)
)

// TestModes proves how a run picks its mode and its Since, and which time
// becomes the next watermark: the source's clock when it has one, else
// Options.Now read at the start of the run.
func TestModes(t *testing.T) {
	skew := -7 * time.Minute // the server's clock is behind ours
	for _, tc := range []struct {
		name          string
		prior         bool // a completed run at t1 first
		clock         bool // the source has a ServerClock
		mode          Mode
		wantMode      Mode
		wantSince     time.Time
		wantWatermark time.Time
	}{
		{name: "first resume run is full", mode: ModeResume, wantMode: ModeFull, wantWatermark: t2},
		{name: "resume after a completed run is incremental", prior: true, mode: ModeResume, wantMode: ModeIncremental, wantSince: t1, wantWatermark: t2},
		{name: "incremental without watermark is full", mode: ModeIncremental, wantMode: ModeFull, wantWatermark: t2},
		{name: "incremental after a completed run", prior: true, mode: ModeIncremental, wantMode: ModeIncremental, wantSince: t1, wantWatermark: t2},
		{name: "full ignores the watermark", prior: true, mode: ModeFull, wantMode: ModeFull, wantWatermark: t2},
		{name: "watermark by the server clock", prior: true, clock: true, mode: ModeResume, wantMode: ModeIncremental, wantSince: t1.Add(skew), wantWatermark: t2.Add(skew)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newSource(2, 3)
			cs := &clockSource{fakeSource: fs}
			var src Source = fs
			if tc.clock {
				src = cs
			}
			st := newStore()
			run := func(mode Mode, at time.Time) *Run {
				cs.server = at.Add(skew)
				r, err := newEngine(t, src, st, func(o *Options) { o.Mode, o.Now = mode, stepClock(at) }).Run(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				return r
			}
			if tc.prior {
				run(ModeFull, t1)
			}
			plans := fs.plans
			r := run(tc.mode, t2)
			if r.Mode != tc.wantMode || r.Resumed || r.State != StateProcessed {
				t.Errorf("run: mode %s, resumed %v, state %s; want %s, false, %s", r.Mode, r.Resumed, r.State, tc.wantMode, StateProcessed)
			}
			if fs.plans != plans+1 || !fs.planSince[plans].Equal(tc.wantSince) {
				t.Errorf("Plan called %d times, since %v; want once, since %v", fs.plans-plans, fs.planSince[plans:], tc.wantSince)
			}
			cp := st.checkpoint()
			if !cp.Since.Equal(tc.wantSince) || !cp.Watermark.Equal(tc.wantWatermark) || cp.InProgress || cp.Planned || cp.Partitions != nil {
				t.Errorf("checkpoint after run: %+v; want since %v, watermark %v, not in progress, no plan", cp, tc.wantSince, tc.wantWatermark)
			}
			if !r.StartedAt.Equal(t2) || !r.FinishedAt.Equal(t2.Add(time.Minute)) {
				t.Errorf("run from %v to %v; want from %v to %v", r.StartedAt, r.FinishedAt, t2, t2.Add(time.Minute))
			}
		})
	}
}

// TestResume proves that a run that fails part-way leaves the checkpoint of
// what it committed, and that the next ModeResume run continues that same
// run from there (no new plan, Done partitions skipped) so that every record
// is committed exactly once over both runs.
func TestResume(t *testing.T) {
	for _, tc := range []struct {
		name     string
		parallel bool
		fail     func(*fakeSource, *memStore)
		wantErr  error
		// the stored partitions after the failed run (nil: any that match
		// what was committed, as when partitions are read concurrently)
		wantParts []Partition
	}{
		{
			name: "source fails after K records",
			// p0: [0 1] [2 3] [4 done]; p1: [0 1], then 2 is flushed when
			// the source gives up before 3.
			fail:      func(src *fakeSource, _ *memStore) { src.failOnceAt("p1-3") },
			wantErr:   errSource,
			wantParts: []Partition{{ID: "p0", Position: "4", Done: true}, {ID: "p1", Position: "2"}, {ID: "p2"}},
		},
		{
			name: "store fails a batch",
			// writes: 1 plan, 2-4 p0, 5 p1 [0 1], 6 p1 [2 3] fails.
			fail:      func(_ *fakeSource, st *memStore) { st.failWrite = 6 },
			wantErr:   errWrite,
			wantParts: []Partition{{ID: "p0", Position: "4", Done: true}, {ID: "p1", Position: "1"}, {ID: "p2"}},
		},
		{
			name: "store fails the plan",
			// No data committed. The plan's WriteBatch failed, yet FinishRun
			// saves the engine's checkpoint, plan included, so the resumed
			// run keeps it.
			fail:      func(_ *fakeSource, st *memStore) { st.failWrite = 1 },
			wantErr:   errWrite,
			wantParts: []Partition{{ID: "p0"}, {ID: "p1"}, {ID: "p2"}},
		},
		{
			name:     "concurrent partitions, source fails",
			parallel: true,
			fail:     func(src *fakeSource, _ *memStore) { src.failOnceAt("p1-3") },
			wantErr:  errSource,
		},
		{
			name:     "concurrent partitions, store fails",
			parallel: true,
			fail:     func(_ *fakeSource, st *memStore) { st.failWrite = 4 },
			wantErr:  errWrite,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, st := newSource(3, 5), newStore()
			src.parallel = tc.parallel
			tc.fail(src, st)
			first, err := newEngine(t, src, st, nil).Run(t.Context())
			if !errors.Is(err, tc.wantErr) || first.State != StateFailed {
				t.Fatalf("failing run: state %s, error %v; want %s, %v", first.State, err, StateFailed, tc.wantErr)
			}
			cp := st.checkpoint()
			if !cp.InProgress || !cp.Planned || cp.RunID != first.ID || cp.Mode != ModeFull {
				t.Errorf("checkpoint after failure: %+v; want run %d in progress, planned, full", cp, first.ID)
			}
			if diff := cmp.Diff(tc.wantParts, cp.Partitions); tc.wantParts != nil && diff != "" {
				t.Errorf("partitions after failure (-want +got):\n%s", diff)
			}
			checkPositions(t, cp, committedKeys(st.committedBatches()), src.perPart)

			src.before = nil
			second, err := newEngine(t, src, st, nil).Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if !second.Resumed || second.ID != first.ID || second.Mode != first.Mode || second.State != StateProcessed {
				t.Errorf("resumed run %d: resumed %v, mode %s, state %s; want run %d resumed, mode %s, %s",
					second.ID, second.Resumed, second.Mode, second.State, first.ID, first.Mode, StateProcessed)
			}
			if src.plans != 1 {
				t.Errorf("Plan called %d times, want once", src.plans)
			}
			var pending []Partition
			for _, p := range cp.Partitions {
				if !p.Done {
					pending = append(pending, p)
				}
			}
			if diff := cmp.Diff(pending, src.extracts[len(src.extracts)-1]); diff != "" {
				t.Errorf("partitions the resumed run extracted (-want +got):\n%s", diff)
			}
			st.checkExactlyOnce(t, src)
			if n := int64(src.parts * src.perPart); second.Counts.Seen != n || second.Counts.New != n || st.runs[first.ID].Counts != second.Counts {
				t.Errorf("counts: run %+v, stored %+v; want %d seen and new in both", second.Counts, st.runs[first.ID].Counts, n)
			}
			if second.APICalls != src.Calls() {
				t.Errorf("run made %d API calls over both attempts, source counted %d", second.APICalls, src.Calls())
			}
		})
	}
}

// TestCheckpointAfterCommit proves that the plan is committed before any
// data and that the checkpoint committed with each batch covers exactly the
// records of that batch and the batches before it, with partitions read
// concurrently.
func TestCheckpointAfterCommit(t *testing.T) {
	src, st := newSource(3, 7), newStore()
	src.parallel = true
	src.quarantine = map[string]string{"p1-4": "gone"}
	src.bad = map[string]bool{"p2-0": true}
	run, err := newEngine(t, src, st, func(o *Options) { o.BatchSize = 3 }).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	batches := st.committedBatches()
	plan := batches[0]
	wantPlan := Checkpoint{Source: srcName, Subscription: "default", RunID: run.ID, Mode: ModeFull, StartedAt: run.StartedAt,
		Planned: true, InProgress: true, Partitions: []Partition{{ID: "p0"}, {ID: "p1"}, {ID: "p2"}}}
	if diff := cmp.Diff(wantPlan, plan.Checkpoint); len(plan.Keys) != 0 || diff != "" {
		t.Errorf("first batch has %d records and checkpoint (-want +got):\n%s", len(plan.Keys), diff)
	}
	for i := range batches {
		checkPositions(t, batches[i].Checkpoint, committedKeys(batches[:i+1]), src.perPart)
	}
	st.checkExactlyOnce(t, src)
}

// committedKeys returns the keys committed by batches.
func committedKeys(batches []committed) map[string]bool {
	out := map[string]bool{}
	for _, b := range batches {
		for _, k := range b.Keys {
			out[k] = true
		}
	}
	return out
}

// checkPositions fails t unless every partition of cp stands exactly at its
// committed records: those are indexes 0…Position, and Done only when all
// are.
func checkPositions(t *testing.T, cp Checkpoint, committed map[string]bool, perPart int) {
	t.Helper()
	last := map[string]int{}
	n := map[string]int{}
	for k := range committed {
		p, i := splitKey(k)
		last[p] = max(last[p], i+1)
		n[p]++
	}
	for _, p := range cp.Partitions {
		want := ""
		if n[p.ID] > 0 {
			want = strconv.Itoa(last[p.ID] - 1)
		}
		if p.Position != want || n[p.ID] != last[p.ID] || p.Done && n[p.ID] != perPart {
			t.Errorf("checkpoint has %+v with %d records committed up to %q", p, n[p.ID], want)
		}
	}
}

// TestQuarantine proves that a record the transformer rejects and one the
// source could not deliver are quarantined with their key and reason, and
// that the run goes on and completes with the right counts.
func TestQuarantine(t *testing.T) {
	src, st := newSource(1, 6), newStore()
	src.bad = map[string]bool{"p0-1": true}
	src.quarantine = map[string]string{"p0-3": "detections never arrived"}
	run, err := newEngine(t, src, st, nil).Run(t.Context())
	if err != nil || run.State != StateProcessed {
		t.Fatalf("run: state %s, error %v", run.State, err)
	}
	want := []quarRow{{run.ID, "p0-1", "record p0-1: no asset ID"}, {run.ID, "p0-3", "detections never arrived"}}
	if diff := cmp.Diff(want, st.quarantine); diff != "" {
		t.Errorf("quarantine (-want +got):\n%s", diff)
	}
	if want := (Counts{Seen: 6, New: 4, Quarantined: 2}); run.Counts != want {
		t.Errorf("counts %+v, want %+v", run.Counts, want)
	}
	if len(st.records) != 4 || st.records["p0-5"] == nil {
		t.Errorf("%d records stored, want the 4 good ones", len(st.records))
	}
}

// TestFlushBySize proves that a batch is committed when it holds BatchSize
// records and when a partition ends, never later.
func TestFlushBySize(t *testing.T) {
	for _, tc := range []struct {
		parts, perPart, batchSize int
		want                      []int // records per data batch
	}{
		{1, 7, 3, []int{3, 3, 1}},
		{1, 6, 3, []int{3, 3, 0}}, // the end of p0 alone
		{1, 5, 100, []int{5}},
		{3, 2, 100, []int{2, 2, 2}},
		{0, 0, 100, nil},
	} {
		t.Run(fmt.Sprintf("%dx%d by %d", tc.parts, tc.perPart, tc.batchSize), func(t *testing.T) {
			src, st := newSource(tc.parts, tc.perPart), newStore()
			if _, err := newEngine(t, src, st, func(o *Options) { o.BatchSize = tc.batchSize }).Run(t.Context()); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, b := range st.committedBatches()[1:] {
				got = append(got, len(b.Keys))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlushByBytes proves that a batch is committed once its records' raw
// bytes reach BatchBytes, even with room left under BatchSize: large
// records make small batches, which bounds the memory a batch holds.
func TestFlushByBytes(t *testing.T) {
	one, err := json.Marshal(rawRecord{ID: "p0-0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		bytes int
		want  []int
	}{
		{2 * len(one), []int{2, 2, 1}},
		{2*len(one) - 1, []int{2, 2, 1}}, // the record that reaches the bound ends the batch
		{len(one), []int{1, 1, 1, 1, 1}},
		{100 * len(one), []int{5}},
	} {
		t.Run(strconv.Itoa(tc.bytes), func(t *testing.T) {
			src, st := newSource(1, 5), newStore()
			if _, err := newEngine(t, src, st, func(o *Options) { o.BatchSize, o.BatchBytes = 100, tc.bytes }).Run(t.Context()); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, b := range st.committedBatches()[1:] {
				if len(b.Keys) > 0 {
					got = append(got, len(b.Keys))
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFlushByTime proves that a partial batch is committed FlushInterval
// after the run started reading, not before, while the source is stalled;
// and that the end of a partition then flushes without waiting. Time is
// synctest's fake clock.
func TestFlushByTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const every = 5 * time.Second
		src, st := newSource(1, 5), newStore()
		release := make(chan struct{})
		src.before = func(ctx context.Context, key string) error {
			if key == "p0-3" {
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		}
		e := newEngine(t, src, st, func(o *Options) { o.BatchSize, o.FlushInterval = 100, every })
		start := time.Now()
		done := make(chan error)
		go func() {
			_, err := e.Run(t.Context())
			done <- err
		}()
		synctest.Wait()
		if n := len(st.committedBatches()); n != 1 {
			t.Fatalf("%d batches before any time passed, want the plan only", n)
		}
		time.Sleep(every - time.Nanosecond)
		synctest.Wait()
		if n := len(st.committedBatches()); n != 1 {
			t.Fatalf("%d batches just before the flush interval, want the plan only", n)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		b := st.committedBatches()
		if len(b) != 2 || len(b[1].Keys) != 3 || b[1].At.Sub(start) != every || b[1].Checkpoint.Partitions[0].Position != "2" {
			t.Fatalf("after the flush interval: %+v; want a batch of p0-0…2 at %v", b, every)
		}
		close(release)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		b = st.committedBatches()
		if len(b) != 3 || len(b[2].Keys) != 2 || b[2].At.Sub(start) != every || !b[2].Checkpoint.Partitions[0].Done {
			t.Errorf("after the source went on: %+v; want p0-3…4 and the end of p0 committed at once", b)
		}
	})
}

// TestCancel proves that cancelling ctx mid-run fails the run, records it
// Failed through a live context, leaks no goroutine (synctest.Test fails on
// one left blocked), and that a resume then completes it exactly once.
func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src, st := newSource(2, 6), newStore()
		src.blockAt("p1-1")
		ctx, cancel := context.WithCancel(t.Context())
		var (
			run *Run
			err error
		)
		done := make(chan struct{})
		go func() {
			run, err = newEngine(t, src, st, nil).Run(ctx)
			close(done)
		}()
		synctest.Wait() // p0 committed, p1-0 waits in a partial batch
		cancel()
		<-done
		if !errors.Is(err, context.Canceled) || run.State != StateFailed || st.runs[run.ID].State != StateFailed {
			t.Fatalf("cancelled run: state %s (stored %s), error %v", run.State, st.runs[run.ID].State, err)
		}
		if diff := cmp.Diff([]error{nil}, st.finishErrs, cmpErrors); diff != "" {
			t.Errorf("FinishRun's context errors (-want +got):\n%s", diff)
		}
		want := []Partition{{ID: "p0", Position: "5", Done: true}, {ID: "p1"}}
		if diff := cmp.Diff(want, st.checkpoint().Partitions); diff != "" {
			t.Errorf("partitions after cancel (-want +got):\n%s", diff)
		}

		src.before = nil
		again, err := newEngine(t, src, st, nil).Run(t.Context())
		if err != nil || !again.Resumed || again.ID != run.ID || again.State != StateProcessed {
			t.Fatalf("resume: %+v, %v", again, err)
		}
		st.checkExactlyOnce(t, src)
	})
}

var cmpErrors = cmp.Comparer(func(a, b error) bool { return errors.Is(a, b) || errors.Is(b, a) })

// TestStoreFailures proves that a failing WriteBatch fails the run with an
// error naming the write, stops extraction (the source sees its ctx
// cancelled by that error) and still records the run; and that a failing
// FinishRun is joined into the returned error. In a synctest bubble, an
// extraction left running would be a deadlock, not a hang.
func TestStoreFailures(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		failWrite, failFinish int
		wantIs                []error
		wantMsg               []string
		wantState             string
	}{
		{name: "write", failWrite: 3, wantIs: []error{errWrite}, wantMsg: []string{"write batch"}, wantState: StateFailed},
		{name: "finish", failFinish: 1, wantIs: []error{errFinish}, wantMsg: []string{"record end of run 1"}, wantState: StateProcessed},
		{name: "write and finish", failWrite: 3, failFinish: 1, wantIs: []error{errWrite, errFinish}, wantMsg: []string{"write batch", "record end of run 1"}, wantState: StateFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				src, st := newSource(1, 10), newStore()
				st.failWrite, st.failFinish = tc.failWrite, tc.failFinish
				if tc.failWrite > 0 {
					src.blockAt("p0-9") // only the write failure can end the run
				}
				run, err := newEngine(t, src, st, nil).Run(t.Context())
				for _, want := range tc.wantIs {
					if !errors.Is(err, want) {
						t.Errorf("error %v is not %v", err, want)
					}
				}
				for _, want := range tc.wantMsg {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Errorf("error %v does not say %q", err, want)
					}
				}
				if run == nil || run.State != tc.wantState || st.finishCalls != 1 {
					t.Fatalf("run %+v, FinishRun called %d times; want state %s, once", run, st.finishCalls, tc.wantState)
				}
				if tc.failWrite > 0 && !errors.Is(src.extractEnds[0], errWrite) {
					t.Errorf("extraction ended with ctx cause %v, want the write error", src.extractEnds[0])
				}
				if tc.failFinish == 0 && st.runs[run.ID].State != StateFailed {
					t.Errorf("stored run state %s, want %s", st.runs[run.ID].State, StateFailed)
				}
			})
		})
	}
}

// TestFinishFailureResumes proves that a run whose data all committed but
// whose end could not be recorded is completed by the next resume without
// reading the source again.
func TestFinishFailureResumes(t *testing.T) {
	src, st := newSource(2, 3), newStore()
	st.failFinish = 1
	first, err := newEngine(t, src, st, nil).Run(t.Context())
	if !errors.Is(err, errFinish) {
		t.Fatalf("first run: %v", err)
	}
	second, err := newEngine(t, src, st, nil).Run(t.Context())
	if err != nil || !second.Resumed || second.ID != first.ID || second.State != StateProcessed || len(src.extracts) != 1 {
		t.Fatalf("resume: %+v, %v, %d extractions; want run %d completed with none", second, err, len(src.extracts)-1, first.ID)
	}
	if cp := st.checkpoint(); cp.InProgress || cp.Watermark.IsZero() {
		t.Errorf("checkpoint %+v: want completed with a watermark", cp)
	}
	st.checkExactlyOnce(t, src)
}

// TestNew proves that New reports every missing collaborator and a bad
// mode at once, and fills the defaults.
func TestNew(t *testing.T) {
	_, err := New(Options{Mode: "sometimes"})
	for _, want := range []string{"no source", "no store", "no transform map", `unknown mode "sometimes"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New error %v does not say %q", err, want)
		}
	}
	e, err := New(Options{Source: newSource(0, 0), Store: newStore(), Transformer: jsonTransformer{}})
	if err != nil {
		t.Fatal(err)
	}
	o := e.opts
	if o.Mode != ModeResume || o.Subscription != "default" || o.BatchSize != 100 || o.BatchBytes != 4<<20 || o.FlushInterval != 2*time.Second || o.Now == nil || o.Logger == nil {
		t.Errorf("defaults: %+v", o)
	}
}

// TestProgress proves that Progress is called once per committed data
// batch with the run's cumulative counts and the source's total, and that
// the source's API calls during the run land in Run.APICalls.
func TestProgress(t *testing.T) {
	src, st := newSource(2, 5), newStore()
	src.calls = 100 // calls made before this run
	var got []Progress
	run, err := newEngine(t, src, st, func(o *Options) { o.Progress = func(p Progress) { got = append(got, p) } }).Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// p0 [0 1] [2 3] [4 done], p1 the same
	var want []Progress
	for _, n := range []int64{2, 4, 5, 7, 9, 10} {
		want = append(want, Progress{Total: 10, Counts: Counts{Seen: n, New: n}})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	if len(got) != len(st.committedBatches())-1 || got[len(got)-1].Counts != run.Counts {
		t.Errorf("%d progress reports for %d data batches, last %+v, run %+v", len(got), len(st.committedBatches())-1, got[len(got)-1].Counts, run.Counts)
	}
	// Plan, Total and one call per partition.
	if run.APICalls != 4 || st.runs[run.ID].APICalls != 4 {
		t.Errorf("run made %d API calls (stored %d), want 4", run.APICalls, st.runs[run.ID].APICalls)
	}
}

// BeforeFinish runs once every batch of a successful run is committed and
// before the run is finished; its error fails the run, which is still
// finished (recorded Failed, resumable).
func TestBeforeFinish(t *testing.T) {
	errWait := errors.New("the other run failed")
	for _, tc := range []struct {
		name string
		ret  error
		want string
	}{
		{"ok", nil, StateProcessed},
		{"error", errWait, StateFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, st := newSource(2, 5), newStore()
			var calls, committedThen, finishedThen int
			run, err := newEngine(t, src, st, func(o *Options) {
				o.BeforeFinish = func(ctx context.Context) error {
					calls++
					st.mu.Lock()
					committedThen, finishedThen = len(st.records), st.finishCalls
					st.mu.Unlock()
					return tc.ret
				}
			}).Run(t.Context())
			if !errors.Is(err, tc.ret) || (tc.ret == nil) != (err == nil) {
				t.Errorf("Run error %v, want %v", err, tc.ret)
			}
			if calls != 1 || committedThen != 10 || finishedThen != 0 {
				t.Errorf("BeforeFinish called %d times with %d records committed and %d runs finished; want once, 10, 0", calls, committedThen, finishedThen)
			}
			if run == nil || run.State != tc.want || st.finishCalls != 1 {
				t.Errorf("run %+v, FinishRun called %d times; want state %s, once", run, st.finishCalls, tc.want)
			}
		})
	}
}

// indexStore is a memStore that builds deferred indexes (IndexBuilder); it
// records how many records were committed at each call.
type indexStore struct {
	*memStore
	fail   error
	during func() // if set, runs during the build, which then fails with ctx's error
	builds []int64
}

func (s *indexStore) BuildIndexes(ctx context.Context, run *Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.builds = append(s.builds, s.runs[run.ID].Counts.Seen)
	if s.during != nil { // the build is stopped: it fails as a store does
		s.during()
		return fmt.Errorf("sqlite: begin: %w", ctx.Err())
	}
	return s.fail
}

// unknownTotal is a fakeSource that cannot count its records.
type unknownTotal struct{ *fakeSource }

func (unknownTotal) Total(context.Context, time.Time) (int64, error) { return -1, nil }

// liveTotal is a fakeSource that counts its records only once it has
// emitted some (as CSAM and VMDR learn theirs from a call made beside the
// first page): Total is unknown, LiveTotal tells it after the first key.
type liveTotal struct {
	unknownTotal
	known atomic.Bool
}

func (s *liveTotal) LiveTotal() int64 {
	if !s.known.Load() {
		return -1
	}
	return int64(s.parts * s.perPart)
}

// A store's deferred indexes are built once at most a tenth of the run's
// records are left to commit and the writer then waits for data: the build
// overlaps the wait for the last records instead of following them. Not
// before, not while batches keep coming, not without a total, and at most
// once; its error is left to the run's end, which builds them again.
// Time is synctest's fake clock: the writer only waits where the source
// stalls.
func TestIndexesBuiltWhileWaitingForTheLastRecords(t *testing.T) {
	errBuild := errors.New("no space left on device")
	for _, tc := range []struct {
		name    string
		stallAt []string // keys the source waits a second before
		noTotal bool
		live    bool // the total is told by LiveTotal once the run is under way
		incr    bool // an incremental run, after a full one
		stop    bool // the run is cancelled at its first stall
		// buildErr is what BuildIndexes returns.
		buildErr error
		// stopInBuild cancels the run during BuildIndexes, which then
		// fails: the run fails as cancelled, not with the build's error.
		stopInBuild bool
		fail        error
		want        []int64 // records committed at each BuildIndexes
	}{
		{name: "stall before the last tenth", stallAt: []string{"p0-18"}, want: []int64{18}},
		{name: "two stalls in the last tenth: built once", stallAt: []string{"p0-18", "p0-19"}, want: []int64{18}},
		{name: "stall before nine tenths", stallAt: []string{"p0-16"}},
		{name: "no stall"},
		{name: "total unknown", stallAt: []string{"p0-18"}, noTotal: true},
		{name: "total learnt during the run", stallAt: []string{"p0-18"}, noTotal: true, live: true, want: []int64{18}},
		{name: "incremental run", stallAt: []string{"p0-18"}, incr: true},
		{name: "stopped while waiting", stallAt: []string{"p0-18"}, stop: true, fail: context.Canceled},
		{name: "build fails: the run goes on", stallAt: []string{"p0-18"}, buildErr: errBuild, want: []int64{18}},
		{name: "stopped during the build", stallAt: []string{"p0-18"}, fail: context.Canceled, stopInBuild: true, want: []int64{18}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fs := newSource(1, 20)
				st := &indexStore{memStore: newStore(), fail: tc.buildErr}
				mode := ModeFull
				if tc.incr {
					if _, err := newEngine(t, fs, st, nil).Run(t.Context()); err != nil {
						t.Fatal(err)
					}
					mode = ModeIncremental
				}
				ctx, stop := context.WithCancel(t.Context())
				defer stop()
				if tc.stopInBuild {
					st.during = stop
				}
				fs.before = func(ctx context.Context, key string) error {
					if slices.Contains(tc.stallAt, key) {
						if tc.stop {
							stop()
						}
						time.Sleep(time.Second)
					}
					return nil
				}
				var src Source = fs
				if tc.noTotal {
					src = unknownTotal{fs}
				}
				if tc.live {
					lt := &liveTotal{unknownTotal: unknownTotal{fs}}
					before := fs.before
					fs.before = func(ctx context.Context, key string) error {
						lt.known.Store(true)
						return before(ctx, key)
					}
					src = lt
				}
				run, err := newEngine(t, src, st, func(o *Options) { o.Mode = mode }).Run(ctx)
				if !errors.Is(err, tc.fail) || (tc.fail == nil) != (err == nil) {
					t.Fatalf("Run error %v, want %v", err, tc.fail)
				}
				if tc.fail == context.Canceled && (run.State != StateFailed || strings.Contains(run.Error, "index")) {
					t.Errorf("stopped run %s with error %q; want Failed by the cancellation, not by the build it stopped", run.State, run.Error)
				}
				if tc.fail == nil && !tc.incr {
					st.checkExactlyOnce(t, fs)
					if run.State != StateProcessed {
						t.Errorf("run %s (%s), want Processed", run.State, run.Error)
					}
				}
				if run.Mode != mode {
					t.Errorf("run mode %s, want %s", run.Mode, mode)
				}
				if !slices.Equal(st.builds, tc.want) {
					t.Errorf("BuildIndexes called with %v records committed, want %v", st.builds, tc.want)
				}
			})
		})
	}
}

// nearEnd: at most a tenth of the records, and at most nearEndRecords, left;
// never without a total, nor past a short one.
func TestNearEnd(t *testing.T) {
	for _, tc := range []struct {
		seen, total int64
		want        bool
	}{
		{0, 0, false}, {5, -1, false}, {0, 10, false},
		{8, 10, false}, {9, 10, true}, {10, 10, true},
		{12, 10, false}, // the count was short: how many are left is unknown
		{8_999, 10_000, false}, {9_000, 10_000, true},
		{90_000, 100_000, false}, {98_999, 100_000, false}, {99_000, 100_000, true},
	} {
		if got := nearEnd(tc.seen, tc.total); got != tc.want {
			t.Errorf("nearEnd(%d, %d) = %v, want %v", tc.seen, tc.total, got, tc.want)
		}
	}
}
