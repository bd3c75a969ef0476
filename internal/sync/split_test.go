package sync

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	gosync "sync"
	"testing"
	"time"
)

// splitSource plans one partition, "head", which emits two records, then
// hands the rest of its work to the partitions "a" and "b" with a Split
// record, as VMDR does once its host list arrives. Records report server
// times: the head's first record headAt, the Split record splitAt.
type splitSource struct {
	headAt, splitAt time.Time
	failAt          string // key before which Extract fails, once
	failed          bool
	total           int64

	mu       gosync.Mutex
	extracts [][]Partition
}

func (s *splitSource) Name() string                                    { return srcName }
func (s *splitSource) Calls() int64                                    { return 0 }
func (s *splitSource) Total(context.Context, time.Time) (int64, error) { return -1, nil }
func (s *splitSource) LiveTotal() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

func (s *splitSource) Plan(context.Context, time.Time) ([]Partition, error) {
	return []Partition{{ID: "head"}}, nil
}

func (s *splitSource) Extract(ctx context.Context, _ time.Time, parts []Partition, emit func(Record) error) error {
	s.mu.Lock()
	s.extracts = append(s.extracts, slices.Clone(parts))
	s.total = -1
	s.mu.Unlock()
	walk := func(p Partition, n int, first Record) error {
		start := 0
		if p.Position != "" {
			start, _ = strconv.Atoi(p.Position)
			start++
		}
		for i := start; i < n; i++ {
			key := fmt.Sprintf("%s-%d", p.ID, i)
			if key == s.failAt && !s.failed {
				s.failed = true
				return errSource
			}
			raw, _ := json.Marshal(rawRecord{ID: key})
			r := first
			first = Record{}
			r.Partition, r.Position, r.Key, r.Raw = p.ID, strconv.Itoa(i), key, raw
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}
	for i := 0; i < len(parts); i++ { // parts grows at the split
		p := parts[i]
		switch p.ID {
		case "head":
			if err := walk(p, 2, Record{ServerTime: s.headAt}); err != nil {
				return err
			}
			s.mu.Lock()
			s.total = 8
			s.mu.Unlock()
			split := Record{Partition: "head", PartitionDone: true, ServerTime: s.splitAt, Split: []Partition{{ID: "a"}, {ID: "b"}}}
			if err := emit(split); err != nil {
				return err
			}
			parts = append(parts, split.Split...)
		default:
			if err := walk(p, 3, Record{}); err != nil {
				return err
			}
			if err := emit(Record{Partition: p.ID, PartitionDone: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestSplitPartitions proves that partitions a source adds while it
// extracts (Record.Split) are saved with the checkpoint and walked to their
// end, that a run failing in one of them resumes it without reading any
// record twice, that the watermark is the earliest server time the records
// reported, and that LiveTotal reaches the progress reports.
func TestSplitPartitions(t *testing.T) {
	for _, tc := range []struct {
		name            string
		headAt, splitAt time.Time
		failAt          string
		wantExtracts    [][]string // partition IDs handed to each Extract
	}{
		{name: "one run", headAt: t1, splitAt: t1.Add(time.Minute), wantExtracts: [][]string{{"head"}}},
		{name: "list older than the head", headAt: t1.Add(time.Minute), splitAt: t1, wantExtracts: [][]string{{"head"}}},
		{name: "resumed in a split partition", headAt: t1, splitAt: t1.Add(time.Minute), failAt: "a-2", wantExtracts: [][]string{{"head"}, {"a", "b"}}},
		{name: "resumed in the head", headAt: t1, splitAt: t1.Add(time.Minute), failAt: "head-1", wantExtracts: [][]string{{"head"}, {"head"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &splitSource{headAt: tc.headAt, splitAt: tc.splitAt, failAt: tc.failAt}
			st := newStore()
			var totals []int64
			e := newEngine(t, src, st, func(o *Options) {
				o.Mode, o.Now = ModeResume, stepClock(t2)
				o.Progress = func(p Progress) { totals = append(totals, p.Total) }
			})
			_, err := e.Run(t.Context())
			if tc.failAt != "" {
				if err == nil {
					t.Fatal("the failing run succeeded")
				}
				cp := st.checkpoint()
				if !cp.InProgress || !cp.ServerTime.Equal(t1) {
					t.Errorf("checkpoint after the failure: %+v; want in progress, server time %v", cp, t1)
				}
				_, err = newEngine(t, src, st, func(o *Options) { o.Mode, o.Now = ModeResume, stepClock(t2) }).Run(t.Context())
			}
			if err != nil {
				t.Fatal(err)
			}
			var got [][]string
			for _, ps := range src.extracts {
				var ids []string
				for _, p := range ps {
					ids = append(ids, p.ID)
				}
				got = append(got, ids)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantExtracts) {
				t.Errorf("Extract calls got partitions %v, want %v", got, tc.wantExtracts)
			}
			want := []string{"head-0", "head-1", "a-0", "a-1", "a-2", "b-0", "b-1", "b-2"}
			for _, k := range want {
				if n := st.commits[k]; n != 1 {
					t.Errorf("record %s committed %d times, want 1", k, n)
				}
			}
			if len(st.commits) != len(want) {
				t.Errorf("%d records committed, want %d", len(st.commits), len(want))
			}
			cp := st.checkpoint()
			if !cp.Watermark.Equal(t1) || cp.InProgress {
				t.Errorf("checkpoint after the run: %+v; want watermark %v (the earliest server time)", cp, t1)
			}
			if tc.failAt == "" {
				if len(totals) == 0 || totals[len(totals)-1] != 8 {
					t.Errorf("progress totals %v: want the live total, 8, at the end", totals)
				}
				// The batch that committed the Split saved a and b.
				var saw bool
				for _, b := range st.committedBatches() {
					if len(b.Checkpoint.Partitions) == 3 {
						saw = true
						if p := b.Checkpoint.Partitions; p[0].ID != "head" || !p[0].Done || p[1].ID != "a" || p[2].ID != "b" {
							t.Errorf("checkpoint partitions after the split: %+v", p)
						}
					}
				}
				if !saw {
					t.Error("no batch saved the split partitions")
				}
			}
		})
	}
}
