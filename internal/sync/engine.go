package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Options configure one run of the engine.
type Options struct {
	Source       Source
	Store        Store
	Transformer  Transformer
	MapName      string
	MapHash      string
	Subscription string // default "default"
	Mode         Mode   // default ModeResume
	// BatchSize is the number of records per transaction (default 100).
	BatchSize int
	// BatchBytes ends a batch early once its records' raw bytes reach it
	// (default 4 MiB), so that large records (a CSAM asset with hundreds
	// of installed software) do not multiply the memory a batch holds.
	BatchBytes int
	// FlushInterval bounds how long a partial batch waits (default 2s).
	FlushInterval time.Duration
	Logger        *slog.Logger
	// BeforeFinish, if set, is called once every batch of a successful run
	// is committed, before the run is finished (FinishRun: stale records,
	// risk, the run's end). Runs of one sync that go side by side use it to
	// finish in order; an error fails the run.
	BeforeFinish func(ctx context.Context) error
	// Progress, if set, is called after each committed batch.
	Progress func(Progress)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Progress is reported after each committed batch.
type Progress struct {
	Total  int64 // -1 when unknown
	Counts Counts
}

// Engine runs syncs.
type Engine struct {
	opts Options
	log  *slog.Logger
}

// New checks opts and returns an engine.
func New(opts Options) (*Engine, error) {
	var errs []error
	if opts.Source == nil {
		errs = append(errs, errors.New("no source"))
	}
	if opts.Store == nil {
		errs = append(errs, errors.New("no store"))
	}
	if opts.Transformer == nil {
		errs = append(errs, errors.New("no transform map"))
	}
	switch opts.Mode {
	case "":
		opts.Mode = ModeResume
	case ModeFull, ModeIncremental, ModeResume:
	default:
		errs = append(errs, fmt.Errorf("unknown mode %q (want full, incremental or resume)", opts.Mode))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("sync: %w", errors.Join(errs...))
	}
	if opts.Subscription == "" {
		opts.Subscription = "default"
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 100
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 4 << 20
	}
	if opts.FlushInterval <= 0 {
		opts.FlushInterval = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{opts: opts, log: opts.Logger.With("source", opts.Source.Name(), "subscription", opts.Subscription)}, nil
}

// Run performs one sync and returns its run record. The returned error is
// non-nil when the run failed; the run record is returned in every case
// where one was started.
func (e *Engine) Run(ctx context.Context) (*Run, error) {
	o := e.opts
	src := o.Source
	cp, err := o.Store.LoadCheckpoint(ctx, src.Name(), o.Subscription)
	if err != nil {
		return nil, fmt.Errorf("sync: load checkpoint: %w", err)
	}
	cp.Source, cp.Subscription = src.Name(), o.Subscription
	now := o.Now().UTC()
	run := &Run{Source: src.Name(), Subscription: o.Subscription, MapName: o.MapName, MapHash: o.MapHash, State: StateProcessing, StartedAt: now}

	resume := o.Mode == ModeResume && cp.InProgress && cp.RunID != 0
	if resume {
		run.ID = cp.RunID
		run.Mode = cp.Mode
		run.Resumed = true
		e.log.Info("resuming unfinished run", "run_id", cp.RunID, "mode", cp.Mode)
	} else {
		mode := o.Mode
		if mode == ModeResume {
			mode = ModeIncremental
		}
		if mode == ModeIncremental && cp.Watermark.IsZero() {
			e.log.Info("no completed run yet: running a full sync")
			mode = ModeFull
		}
		run.Mode = mode
		cp.Mode = mode
		cp.Since = time.Time{}
		if mode == ModeIncremental {
			cp.Since = cp.Watermark
		}
		cp.StartedAt = now
		cp.Planned = false
		cp.Partitions = nil
		cp.InProgress = true
	}
	if err := o.Store.StartRun(ctx, run, cp); err != nil {
		return nil, fmt.Errorf("sync: start run: %w", err)
	}
	cp.RunID = run.ID
	startCalls := src.Calls()

	err = e.execute(ctx, run, &cp)
	run.APICalls += src.Calls() - startCalls
	if err == nil && o.BeforeFinish != nil {
		err = o.BeforeFinish(ctx)
	}
	run.FinishedAt = o.Now().UTC()
	if err != nil {
		run.State = StateFailed
		run.Error = err.Error()
	} else {
		run.State = StateProcessed
		cp.InProgress = false
		cp.Watermark = cp.StartedAt
		if !cp.ServerTime.IsZero() {
			cp.Watermark = cp.ServerTime
		}
		cp.Partitions = nil
		cp.Planned = false
	}
	// The run record must be written even when ctx was cancelled.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := o.Store.FinishRun(fctx, run, cp); ferr != nil {
		return run, errors.Join(err, fmt.Errorf("sync: record end of run %d: %w", run.ID, ferr))
	}
	if err != nil {
		return run, err
	}
	return run, nil
}

func (e *Engine) execute(ctx context.Context, run *Run, cp *Checkpoint) error {
	o := e.opts
	src := o.Source
	if !cp.Planned {
		parts, err := src.Plan(ctx, cp.Since)
		if err != nil {
			return fmt.Errorf("plan %s run: %w", src.Name(), err)
		}
		// Asked after planning, so a source may answer with the time of the
		// call that planned the run (no extra call).
		cp.ServerTime = time.Time{}
		if sc, ok := src.(ServerClock); ok {
			t, err := sc.ServerTime(ctx)
			if err != nil {
				return fmt.Errorf("read %s server time: %w", src.Name(), err)
			}
			cp.ServerTime = t.UTC()
		}
		cp.Partitions = parts
		cp.Planned = true
		// Persist the plan before any data, so a resumed run keeps it.
		if _, err := o.Store.WriteBatch(ctx, &Batch{Run: run, Checkpoint: cp.clone()}); err != nil {
			return fmt.Errorf("save run plan: %w", err)
		}
	}
	// Counted after planning: a source may learn its total while planning.
	total, err := src.Total(ctx, cp.Since)
	if err != nil {
		return fmt.Errorf("count records at %s: %w", src.Name(), err)
	}
	var todo []Partition
	for _, p := range cp.Partitions {
		if !p.Done {
			todo = append(todo, p)
		}
	}
	e.log.Info("sync started", "run_id", run.ID, "mode", run.Mode, "since", cp.Since, "partitions", len(cp.Partitions), "pending", len(todo), "total", total)
	if len(todo) == 0 {
		return nil
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// What is in flight between the stages bounds the memory of a run:
	// a few raw records (the source's own pages are its buffer), the
	// batch being filled, one waiting to be prepared, the one being
	// prepared and the one being written.
	raw := make(chan Record, min(o.BatchSize, 16))
	batches := make(chan *Batch, 1)

	extractErr := make(chan error, 1)
	go func() {
		defer close(raw)
		extractErr <- src.Extract(ctx, cp.Since, todo, func(r Record) error {
			select {
			case raw <- r:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		})
	}()

	// Transform stage: builds batches; owns the running checkpoint.
	go func() {
		defer close(batches)
		state := cp.clone()
		var b *Batch
		bytes := 0 // raw bytes of the records in b
		flush := func() bool {
			if b == nil {
				return true
			}
			b.Checkpoint = state.clone()
			select {
			case batches <- b:
				b, bytes = nil, 0
				return true
			case <-ctx.Done():
				return false
			}
		}
		timer := time.NewTimer(o.FlushInterval)
		defer timer.Stop()
		for {
			select {
			case r, ok := <-raw:
				if !ok {
					flush()
					return
				}
				if b == nil {
					b = &Batch{Run: run}
				}
				e.transform(b, r)
				bytes += len(r.Raw)
				if !r.ServerTime.IsZero() && (state.ServerTime.IsZero() || r.ServerTime.Before(state.ServerTime)) {
					state.ServerTime = r.ServerTime.UTC()
				}
				for _, np := range r.Split {
					if state.partition(np.ID) == nil {
						state.Partitions = append(state.Partitions, np)
					}
				}
				if p := state.partition(r.Partition); p != nil {
					if r.PartitionDone {
						p.Done = true
					} else if r.Position != "" {
						p.Position = r.Position
					}
				}
				if len(b.Records)+len(b.Quarantined) >= o.BatchSize || bytes >= o.BatchBytes || r.PartitionDone {
					if !flush() {
						return
					}
				}
			case <-timer.C:
				if !flush() {
					return
				}
				timer.Reset(o.FlushInterval)
			case <-ctx.Done():
				return
			}
		}
	}()

	// Load stage: this goroutine is the single writer.
	// The store's preparation of a batch overlaps the write of the one
	// before.
	toWrite := (<-chan *Batch)(batches)
	if pr, ok := o.Store.(Preparer); ok {
		in := batches
		out := make(chan *Batch)
		go func() {
			defer close(out)
			for b := range in {
				if ctx.Err() == nil {
					pr.Prepare(b)
				}
				out <- b // the writer below drains every batch
			}
		}()
		toWrite = out
	}

	// Only full runs build early: a first load is one (an incremental run
	// into an empty table, which also defers, leaves them to its end).
	ib, _ := o.Store.(IndexBuilder)
	built := run.Mode != ModeFull // no indexes to build, or built
	var writeErr error
	for {
		var b *Batch
		var ok bool
		if ib != nil && !built && writeErr == nil && ctx.Err() == nil && nearEnd(run.Counts.Seen, total) {
			idle := time.NewTimer(indexIdleWait)
			select {
			case b, ok = <-toWrite:
				idle.Stop()
			case <-idle.C:
				built = true
				// The early build only saves time: when it fails, the
				// run's end builds the indexes (and fails there if it
				// still cannot); a run stopped meanwhile fails as
				// stopped, its stages closing toWrite.
				if err := ib.BuildIndexes(ctx, run); err != nil && ctx.Err() == nil {
					e.log.Warn("could not build deferred indexes ahead of the run's end; its end builds them", "run_id", run.ID, "error", err)
				}
				continue
			}
		} else {
			b, ok = <-toWrite
		}
		if !ok {
			break
		}
		if writeErr != nil {
			continue // drain
		}
		res, err := o.Store.WriteBatch(ctx, b)
		if err != nil {
			writeErr = fmt.Errorf("write batch: %w", err)
			cancel(writeErr)
			continue
		}
		*cp = b.Checkpoint
		run.Counts.Seen += int64(len(b.Records) + len(b.Quarantined))
		run.Counts.New += int64(res.New)
		run.Counts.Updated += int64(res.Updated)
		run.Counts.Unchanged += int64(res.Unchanged)
		run.Counts.Quarantined += int64(len(b.Quarantined))
		run.Counts.SoftwareInstalls += int64(res.SoftwareInstalls)
		run.Counts.Findings.add(res.Findings)
		run.Counts.Vulns += int64(res.Vulns)
		for _, q := range b.Quarantined {
			e.log.Warn("record quarantined", "key", q.Key, "reason", q.Reason)
		}
		e.log.Debug("batch committed", "run_id", run.ID, "records", len(b.Records), "quarantined", len(b.Quarantined))
		if lt, ok := src.(LiveTotal); ok && total < 0 {
			total = lt.LiveTotal()
		}
		if o.Progress != nil {
			o.Progress(Progress{Total: total, Counts: run.Counts})
		}
	}
	xerr := <-extractErr
	if writeErr != nil {
		return writeErr
	}
	if xerr != nil {
		return fmt.Errorf("extract from %s: %w", src.Name(), xerr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, p := range cp.Partitions {
		if !p.Done {
			return fmt.Errorf("extract from %s: partition %s ended without completing", src.Name(), p.ID)
		}
	}
	return nil
}

// indexIdleWait is how long the writer of a nearly finished run waits for
// data before it has the store build its deferred indexes (IndexBuilder).
const indexIdleWait = 50 * time.Millisecond

// nearEndRecords caps the records a run may have left when its store
// builds its deferred indexes early. The rows of the records written after
// the build update the indexes one by one, each batch rewriting index pages
// all over them, and the larger the index the more pages: at the
// simulator's sizes a thousand records are some 120,000 CSAM installs or
// 28,000 VMDR findings, the last tenth of a 10,000-record load, where the
// early build was measured a gain.
const nearEndRecords = 1000

// nearEnd reports whether a run that has written seen of its total
// records has at most a tenth of them, and at most nearEndRecords, left;
// false while the total is unknown, and once seen passes it (the count was
// short: how many are left is not known).
func nearEnd(seen, total int64) bool {
	left := total - seen
	return total > 0 && left >= 0 && left*10 <= total && left <= nearEndRecords
}

func (e *Engine) transform(b *Batch, r Record) {
	if r.PartitionDone {
		return
	}
	if r.Quarantine != "" {
		b.Quarantined = append(b.Quarantined, Quarantined{Key: r.Key, Reason: r.Quarantine, Raw: r.Raw})
		return
	}
	rec, err := e.opts.Transformer.Apply(r.Raw)
	if err != nil {
		b.Quarantined = append(b.Quarantined, Quarantined{Key: r.Key, Reason: err.Error(), Raw: r.Raw})
		return
	}
	b.Records = append(b.Records, rec)
	b.Hashes = append(b.Hashes, contentHash(e.opts.MapHash, r.Raw))
}

// contentHash identifies a record's content under one transform map: the
// same bytes through the same map give the same normalized rows.
func contentHash(mapHash string, raw []byte) string {
	h := sha256.New()
	h.Write([]byte(mapHash))
	h.Write([]byte{0})
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)[:16])
}
