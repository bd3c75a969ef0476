// Package load decides what a batch of normalized records changes in the
// database and has a store apply it: the load planner the engine owns
// (design.md §2, "the engine decides, stores apply").
//
// For each record it decides new, updated or unchanged; which asset the
// record is (internal/identify: rules, vetoes, junk, merges and splits);
// the finding lifecycle (new, updated, fixed, re-opened, missing); what goes
// into the change feed; at the end of a run, stale and removal, the
// KnowledgeBase refresh of findings and the risk scores (internal/enrich).
// A store (internal/store/sqlite, internal/store/postgres) only looks up,
// applies and answers reads, so every driver behaves the same by
// construction.
package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/sync"
)

// Sink is the engine's sync.Store over a store driver.
type Sink struct {
	st     store.Store
	log    *slog.Logger
	now    func() time.Time
	unlock func()
	rules  identify.Rules
}

var _ sync.Store = (*Sink)(nil)

// New returns a Sink writing to st.
func New(st store.Store, logger *slog.Logger) *Sink {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Sink{st: st, log: logger, now: time.Now}
}

// LoadCheckpoint implements sync.Checkpointer.
func (s *Sink) LoadCheckpoint(ctx context.Context, source, subscription string) (sync.Checkpoint, error) {
	return s.st.LoadCheckpoint(ctx, source, subscription)
}

func lockOf(run *sync.Run) store.Lock {
	return store.Lock{Source: run.Source, Subscription: run.Subscription}
}

// StartRun implements sync.Sink: it takes the run lock of the source and
// subscription (held until FinishRun), then inserts or resumes the run with
// its checkpoint.
func (s *Sink) StartRun(ctx context.Context, run *sync.Run, cp sync.Checkpoint) error {
	unlock, err := s.st.LockRun(ctx, lockOf(run))
	if err != nil {
		return err
	}
	rules, err := Rules(ctx, s.st)
	if err != nil {
		unlock()
		return err
	}
	s.rules = rules
	err = s.st.Update(ctx, lockOf(run), func(tx store.Tx) error {
		if run.ID != 0 {
			if err := tx.ResumeRun(ctx, run); err != nil {
				return fmt.Errorf("resume run %d: %w", run.ID, err)
			}
		} else if err := tx.InsertRun(ctx, run); err != nil {
			return fmt.Errorf("insert run: %w", err)
		}
		cp.RunID = run.ID
		return tx.SaveCheckpoint(ctx, cp)
	})
	if err != nil {
		unlock()
		return err
	}
	s.unlock = unlock
	return nil
}

// WriteBatch implements sync.Sink: the batch's records, quarantine, run
// counts and checkpoint in one transaction.
func (s *Sink) WriteBatch(ctx context.Context, b *sync.Batch) (sync.BatchResult, error) {
	var res sync.BatchResult
	err := s.st.Update(ctx, lockOf(b.Run), func(tx store.Tx) error {
		res = sync.BatchResult{}
		p, err := s.newPlanner(ctx, tx, b.Run)
		if err != nil {
			return err
		}
		if err := p.batch(b, &res); err != nil {
			return err
		}
		if seen := len(b.Records) + len(b.Quarantined); seen > 0 {
			c := sync.Counts{Seen: int64(seen), New: int64(res.New), Updated: int64(res.Updated), Unchanged: int64(res.Unchanged),
				Quarantined: int64(len(b.Quarantined)), SoftwareInstalls: int64(res.SoftwareInstalls), Findings: res.Findings, Vulns: int64(res.Vulns)}
			if err := tx.AddRunCounts(ctx, b.Run.ID, c); err != nil {
				return fmt.Errorf("update run counts: %w", err)
			}
		}
		return tx.SaveCheckpoint(ctx, b.Checkpoint)
	})
	if err != nil {
		return sync.BatchResult{}, err
	}
	return res, nil
}

// BuildIndexes implements sync.IndexBuilder: a store that defers indexes
// through a first load (store.IndexDeferrer) builds those of the run's
// source and subscription now.
func (s *Sink) BuildIndexes(ctx context.Context, run *sync.Run) error {
	d, ok := s.st.(store.IndexDeferrer)
	if !ok {
		return nil
	}
	return d.BuildDeferredIndexes(ctx, lockOf(run))
}

// FinishRun implements sync.Sink: a completed full run marks what it did
// not see stale and records the assets that left; every run brings
// enrichment and risk up to date for what it touched; the run record and
// checkpoint are saved with them; the run lock is released.
func (s *Sink) FinishRun(ctx context.Context, run *sync.Run, cp sync.Checkpoint) error {
	defer func() {
		if s.unlock != nil {
			s.unlock()
			s.unlock = nil
		}
	}()
	return s.st.Update(ctx, lockOf(run), func(tx store.Tx) error {
		var findingsStale int64
		run.Counts.Stale = 0
		if run.State == sync.StateProcessed && run.Mode == sync.ModeFull {
			recs, fs, gone, err := tx.MarkUnseen(ctx, run)
			if err != nil {
				return fmt.Errorf("mark unseen records stale: %w", err)
			}
			run.Counts.Stale, findingsStale = recs, fs
			// An asset none of whose records is active any more is gone:
			// it goes stale, and the change feed says so (with the record
			// that left last).
			if len(gone) > 0 {
				ws := &store.WriteSet{RunID: run.ID, Source: run.Source, Subscription: run.Subscription, At: run.FinishedAt}
				ids := make([]int64, len(gone))
				for i, g := range gone {
					ids[i] = g.AssetID
					ws.Changes = append(ws.Changes, store.ChangeWrite{Kind: store.ChangeAssetRemoved, AssetID: g.AssetID, RecordID: g.RecordID})
				}
				if err := tx.Apply(ctx, ws); err != nil {
					return fmt.Errorf("record removed assets: %w", err)
				}
				if err := tx.SetAssetsState(ctx, ids, "stale"); err != nil {
					return fmt.Errorf("mark removed assets stale: %w", err)
				}
			}
		}
		if err := s.finishRisk(ctx, tx, run); err != nil {
			return err
		}
		if err := tx.EndRun(ctx, run, findingsStale); err != nil {
			return fmt.Errorf("update run %d: %w", run.ID, err)
		}
		return tx.SaveCheckpoint(ctx, cp)
	})
}

// finishRisk brings enrichment and risk up to date at the end of a run: a
// KnowledgeBase run refreshes the findings of the QIDs it changed and
// rescores their assets; any other run rescores every asset it touched.
func (s *Sink) finishRisk(ctx context.Context, tx store.Tx, run *sync.Run) error {
	if strings.EqualFold(run.Source, string(model.SourceKB)) {
		assets := map[int64]bool{}
		var rows []store.FindingEnrichment
		err := tx.FindingsOfChangedVulns(ctx, run.ID, func(f store.FindingKB) error {
			e, err := refreshed(f)
			if err != nil {
				return err
			}
			rows = append(rows, e)
			assets[f.AssetID] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("refresh findings from the KnowledgeBase: %w", err)
		}
		if err := tx.SetFindingEnrichment(ctx, rows); err != nil {
			return fmt.Errorf("refresh findings from the KnowledgeBase: %w", err)
		}
		ids := make([]int64, 0, len(assets))
		for id := range assets {
			ids = append(ids, id)
		}
		_, err = score(ctx, tx, run.ID, ids)
		return err
	}
	ids, err := tx.RunAssets(ctx, run.ID)
	if err != nil {
		return fmt.Errorf("risk: assets of run %d: %w", run.ID, err)
	}
	_, err = score(ctx, tx, run.ID, ids)
	return err
}

// errNoQID is a KnowledgeBase record without a QID.
var errNoQID = errors.New("KnowledgeBase record without a QID")
