package sync

// In-memory fakes of the engine's three collaborators: a Store, a scripted
// Source and a JSON Transformer. They are small on purpose; the tests read
// what they recorded.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	gosync "sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/model"
)

var (
	errWrite  = errors.New("disk full")
	errFinish = errors.New("database is locked")
	errSource = errors.New("HTTP 503")

	errNeverCancelled = errors.New("blocked source never cancelled")
)

// memStore is a sync.Store in memory. Records are kept by their
// model.Record.NativeKey. A batch commits atomically: a failing WriteBatch
// changes nothing.
type memStore struct {
	mu gosync.Mutex
	// failWrite and failFinish make the Nth call (1-based, counted over the
	// store's life) of WriteBatch or FinishRun fail; 0 never.
	failWrite, failFinish   int
	writeCalls, finishCalls int

	nextID      int64
	runs        map[int64]Run
	records     map[string]*model.Record
	hashes      map[string]string
	commits     map[string]int // times each key was committed
	quarantine  []quarRow
	checkpoints map[string]Checkpoint
	batches     []committed
	finishErrs  []error // ctx.Err() seen by each FinishRun
}

type quarRow struct {
	RunID       int64
	Key, Reason string
}

// committed is a WriteBatch that committed.
type committed struct {
	Keys       []string // records and quarantined entries, in batch order
	Checkpoint Checkpoint
	At         time.Time
}

var _ Store = (*memStore)(nil)

func newStore() *memStore {
	return &memStore{
		runs:        map[int64]Run{},
		records:     map[string]*model.Record{},
		hashes:      map[string]string{},
		commits:     map[string]int{},
		checkpoints: map[string]Checkpoint{},
	}
}

func cpKey(source, sub string) string { return source + "/" + sub }

func (s *memStore) LoadCheckpoint(ctx context.Context, source, sub string) (Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp, ok := s.checkpoints[cpKey(source, sub)]
	if !ok {
		return Checkpoint{Source: source, Subscription: sub}, nil
	}
	return cp.clone(), nil
}

func (s *memStore) StartRun(ctx context.Context, run *Run, cp Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if run.ID != 0 { // resumed: the run goes on with what it committed
		prev, ok := s.runs[run.ID]
		if !ok {
			return fmt.Errorf("resume run %d: no such run", run.ID)
		}
		run.Counts, run.APICalls, run.StartedAt = prev.Counts, prev.APICalls, prev.StartedAt
	} else {
		s.nextID++
		run.ID = s.nextID
	}
	s.runs[run.ID] = *run
	cp.RunID = run.ID
	s.checkpoints[cpKey(cp.Source, cp.Subscription)] = cp.clone()
	return nil
}

func (s *memStore) WriteBatch(ctx context.Context, b *Batch) (BatchResult, error) {
	if err := ctx.Err(); err != nil {
		return BatchResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeCalls++
	if s.writeCalls == s.failWrite {
		return BatchResult{}, fmt.Errorf("batch %d: %w", s.writeCalls, errWrite)
	}
	var res BatchResult
	var keys []string
	for i, rec := range b.Records {
		k := rec.NativeKey
		switch old, ok := s.hashes[k]; {
		case !ok:
			res.New++
		case old != b.Hashes[i]:
			res.Updated++
		default:
			res.Unchanged++
		}
		s.records[k], s.hashes[k] = rec, b.Hashes[i]
		s.commits[k]++
		keys = append(keys, k)
	}
	for _, q := range b.Quarantined {
		s.quarantine = append(s.quarantine, quarRow{b.Run.ID, q.Key, q.Reason})
		s.commits[q.Key]++
		keys = append(keys, q.Key)
	}
	r := s.runs[b.Run.ID]
	r.Counts.Seen += int64(len(b.Records) + len(b.Quarantined))
	r.Counts.New += int64(res.New)
	r.Counts.Updated += int64(res.Updated)
	r.Counts.Unchanged += int64(res.Unchanged)
	r.Counts.Quarantined += int64(len(b.Quarantined))
	s.runs[b.Run.ID] = r
	cp := b.Checkpoint.clone()
	s.checkpoints[cpKey(cp.Source, cp.Subscription)] = cp
	s.batches = append(s.batches, committed{Keys: keys, Checkpoint: cp.clone(), At: time.Now()})
	return res, nil
}

func (s *memStore) FinishRun(ctx context.Context, run *Run, cp Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishCalls++
	s.finishErrs = append(s.finishErrs, ctx.Err())
	if s.finishCalls == s.failFinish {
		return errFinish
	}
	r := s.runs[run.ID] // counts stay what the batches added
	r.State, r.Error, r.FinishedAt, r.APICalls = run.State, run.Error, run.FinishedAt, run.APICalls
	s.runs[run.ID] = r
	s.checkpoints[cpKey(cp.Source, cp.Subscription)] = cp.clone()
	return nil
}

// checkpoint returns the stored checkpoint of the fake source.
func (s *memStore) checkpoint() Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := s.checkpoints[cpKey(srcName, "default")]
	return cp.clone()
}

func (s *memStore) committedBatches() []committed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.batches)
}

// checkExactlyOnce fails t unless every key of src was committed exactly
// once over the store's life.
func (s *memStore) checkExactlyOnce(t *testing.T, src *fakeSource) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range src.keys() {
		if n := s.commits[k]; n != 1 {
			t.Errorf("record %s committed %d times, want 1", k, n)
		}
	}
	if len(s.commits) != src.parts*src.perPart {
		t.Errorf("%d keys committed, want %d", len(s.commits), src.parts*src.perPart)
	}
}

const srcName = "fake"

// fakeSource is a scripted sync.Source: partitions p0…p{parts-1} of perPart
// records each, keyed "p1-3"; a record's Position is its index.
type fakeSource struct {
	parts, perPart int
	parallel       bool              // extract partitions concurrently
	bad            map[string]bool   // keys the transformer rejects
	quarantine     map[string]string // keys the source cannot deliver, with why
	// before, if set, runs before each record is emitted: returning an
	// error fails Extract, blocking on ctx blocks it.
	before func(ctx context.Context, key string) error

	mu          gosync.Mutex
	calls       int64
	plans       int
	planSince   []time.Time
	extracts    [][]Partition // partitions of each Extract call
	extractEnds []error       // context.Cause of each Extract's ctx at return
}

var _ Source = (*fakeSource)(nil)

func newSource(parts, perPart int) *fakeSource {
	return &fakeSource{parts: parts, perPart: perPart}
}

func (s *fakeSource) Name() string { return srcName }

func (s *fakeSource) Calls() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

func (s *fakeSource) Plan(ctx context.Context, since time.Time) ([]Partition, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	s.plans++
	s.planSince = append(s.planSince, since)
	var out []Partition
	for i := range s.parts {
		out = append(out, Partition{ID: "p" + strconv.Itoa(i)})
	}
	return out, nil
}

func (s *fakeSource) Total(ctx context.Context, since time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return int64(s.parts * s.perPart), nil
}

func (s *fakeSource) Extract(ctx context.Context, since time.Time, parts []Partition, emit func(Record) error) error {
	s.mu.Lock()
	s.extracts = append(s.extracts, slices.Clone(parts))
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.extractEnds = append(s.extractEnds, context.Cause(ctx))
		s.mu.Unlock()
	}()
	one := func(p Partition) error {
		if p.Done {
			return nil
		}
		s.mu.Lock()
		s.calls++
		s.mu.Unlock()
		start := 0
		if p.Position != "" {
			n, err := strconv.Atoi(p.Position)
			if err != nil {
				return err
			}
			start = n + 1
		}
		for i := start; i < s.perPart; i++ {
			key := fmt.Sprintf("%s-%d", p.ID, i)
			if s.before != nil {
				if err := s.before(ctx, key); err != nil {
					return err
				}
			}
			raw, _ := json.Marshal(rawRecord{ID: key, Bad: s.bad[key]})
			r := Record{Partition: p.ID, Position: strconv.Itoa(i), Key: key, Raw: raw, Quarantine: s.quarantine[key]}
			if err := emit(r); err != nil {
				return err
			}
		}
		return emit(Record{Partition: p.ID, PartitionDone: true})
	}
	if !s.parallel {
		for _, p := range parts {
			if err := one(p); err != nil {
				return err
			}
		}
		return nil
	}
	errs := make(chan error, len(parts))
	for _, p := range parts {
		go func() { errs <- one(p) }()
	}
	var err error
	for range parts {
		err = errors.Join(err, <-errs)
	}
	return err
}

// keys returns every record key of the source.
func (s *fakeSource) keys() []string {
	var out []string
	for p := range s.parts {
		for i := range s.perPart {
			out = append(out, fmt.Sprintf("p%d-%d", p, i))
		}
	}
	return out
}

// failOnceAt makes Extract fail with errSource just before emitting key,
// once.
func (s *fakeSource) failOnceAt(key string) {
	var once gosync.Once
	s.before = func(_ context.Context, k string) error {
		err := error(nil)
		if k == key {
			once.Do(func() { err = errSource })
		}
		return err
	}
}

// blockAt makes Extract block just before emitting key until ctx ends. It
// is meant for synctest bubbles: should the engine never cancel, Extract
// gives up after a minute of fake time with errNeverCancelled.
func (s *fakeSource) blockAt(key string) {
	s.before = func(ctx context.Context, k string) error {
		if k != key {
			return nil
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(time.Minute):
			return errNeverCancelled
		}
	}
}

// clockSource is a fakeSource whose server has a clock (sync.ServerClock).
type clockSource struct {
	*fakeSource
	server time.Time
}

func (c *clockSource) ServerTime(ctx context.Context) (time.Time, error) { return c.server, nil }

// rawRecord is what the fake source emits and jsonTransformer reads.
type rawRecord struct {
	ID  string `json:"id"`
	Bad bool   `json:"bad,omitempty"`
}

// jsonTransformer decodes a rawRecord; a bad one is an error.
type jsonTransformer struct{}

func (jsonTransformer) Apply(raw []byte) (*model.Record, error) {
	var r rawRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	if r.Bad {
		return nil, fmt.Errorf("record %s: no asset ID", r.ID)
	}
	return &model.Record{Source: model.SourceCSAM, NativeKey: r.ID, Host: model.Values{"name": "host " + r.ID}}, nil
}

// newEngine returns an engine over src and st with small batches and a
// flush interval long enough never to fire in real time; edit may change
// the options.
func newEngine(t *testing.T, src Source, st Store, edit func(*Options)) *Engine {
	t.Helper()
	o := Options{Source: src, Store: st, Transformer: jsonTransformer{}, MapName: "m", MapHash: "h", BatchSize: 2, FlushInterval: time.Hour}
	if edit != nil {
		edit(&o)
	}
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// stepClock returns a clock that reads start, then one minute later at
// each call.
func stepClock(start time.Time) func() time.Time {
	n := 0
	return func() time.Time {
		n++
		return start.Add(time.Duration(n-1) * time.Minute)
	}
}

// splitKey splits "p1-3" into its partition "p1" and index 3.
func splitKey(key string) (string, int) {
	p, i, _ := strings.Cut(key, "-")
	n, _ := strconv.Atoi(i)
	return p, n
}
