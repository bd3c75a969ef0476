package source

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/qflow/qflow/internal/qualys"
	"github.com/qflow/qflow/internal/sync"
)

// KB reads the KnowledgeBase: every QID on a full run, those modified since
// the last run (last_modified_after) on an incremental one. Qualys refuses
// parallel KnowledgeBase calls, so a run is one partition walked in QID
// order; its position is the last QID read.
type KB struct {
	client *qualys.Client
}

var _ sync.Source = (*KB)(nil)
var _ sync.ServerClock = (*KB)(nil)

// NewKB returns a KnowledgeBase source reading through client.
func NewKB(client *qualys.Client) *KB { return &KB{client: client} }

// Name implements sync.Source.
func (k *KB) Name() string { return "kb" }

// Calls implements sync.Source.
func (k *KB) Calls() int64 { return k.client.Stats().Calls }

// ServerTime implements sync.ServerClock.
func (k *KB) ServerTime(ctx context.Context) (time.Time, error) { return k.client.VMDR.ServerTime(ctx) }

// Total implements sync.Source: unknown in advance.
func (k *KB) Total(context.Context, time.Time) (int64, error) { return -1, nil }

// Plan implements sync.Source: one partition.
func (k *KB) Plan(context.Context, time.Time) ([]sync.Partition, error) {
	return []sync.Partition{{ID: "qids"}}, nil
}

// Extract implements sync.Source.
func (k *KB) Extract(ctx context.Context, since time.Time, parts []sync.Partition, emit func(sync.Record) error) error {
	for _, p := range parts {
		q := qualys.KBQuery{LastModifiedAfter: since}
		if p.Position != "" {
			pos, err := strconv.ParseInt(p.Position, 10, 64)
			if err != nil {
				return fmt.Errorf("bad KnowledgeBase cursor position %q (run with --full to start over)", p.Position)
			}
			q.IDMin = pos + 1
		}
		for v, err := range k.client.KB.Vulns(ctx, q) {
			if err != nil {
				return fmt.Errorf("KnowledgeBase: %w", err)
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("encode QID %d: %w", v.QID, err)
			}
			key := strconv.FormatInt(v.QID, 10)
			if err := emit(sync.Record{Partition: p.ID, Key: key, Position: key, Raw: raw}); err != nil {
				return err
			}
		}
		if err := emit(sync.Record{Partition: p.ID, PartitionDone: true}); err != nil {
			return err
		}
	}
	return nil
}
