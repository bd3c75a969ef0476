package sync

import (
	"context"
	"time"

	"github.com/qflow/qflow/internal/model"
)

// Mode says how much of the source a run reads.
type Mode string

// Run modes.
const (
	// ModeFull reads everything the source holds.
	ModeFull Mode = "full"
	// ModeIncremental reads what changed since the last completed run.
	ModeIncremental Mode = "incremental"
	// ModeResume continues the last run if it did not complete, else runs
	// incrementally (or fully when there was never a completed run).
	ModeResume Mode = "resume"
)

// Run states, as the product shows them.
const (
	StateProcessing = "Processing"
	StateProcessed  = "Processed"
	StateFailed     = "Failed"
)

// Record is one raw record as a Source extracted it.
type Record struct {
	// Partition is the cursor partition the record came from.
	Partition string
	// Position is the partition's cursor once this record is committed.
	Position string
	// Key is the record's native key when the source knows it (used to name
	// quarantined records); may be empty.
	Key string
	// Raw is the record's bytes as received.
	Raw []byte
	// PartitionDone marks the end of a partition: no Raw, no Key.
	PartitionDone bool
	// Quarantine, when set, is why the source could not deliver this record
	// (e.g. a host whose detections never arrive): the record is quarantined
	// with this reason instead of being transformed.
	Quarantine string
	// Split adds partitions to the run, found while extracting (VMDR plans
	// its host-ID ranges once the host list arrives, CSAM its asset-ID
	// ranges once they are counted, both beside their first pages). They are saved with the checkpoint of this record's
	// batch, so the source must emit no record of them before this one.
	// Usually sent with PartitionDone: the partition hands the rest of its
	// work to the new ones.
	Split []Partition
	// ServerTime, when set, is the source's clock no later than the moment
	// it read this record and every record it emits after it (the
	// DATETIME of the page it came from, or earlier). The run's watermark is
	// the earliest time reported, by ServerClock or by records.
	ServerTime time.Time
}

// Partition is one independently resumable cursor of a run.
type Partition struct {
	ID       string `json:"id"`
	Position string `json:"position,omitempty"`
	Done     bool   `json:"done,omitempty"`
}

// Checkpoint is where a source stands: the run in progress (if any) with
// its partitions, and the watermark of the last completed run.
type Checkpoint struct {
	Source       string      `json:"source"`
	Subscription string      `json:"subscription"`
	RunID        int64       `json:"run_id,omitempty"`
	Mode         Mode        `json:"mode,omitempty"`
	Since        time.Time   `json:"since,omitzero"`
	StartedAt    time.Time   `json:"started_at,omitzero"`
	Planned      bool        `json:"planned,omitempty"`
	Partitions   []Partition `json:"partitions,omitempty"`
	// InProgress is true from the start of a run until it completes.
	InProgress bool `json:"in_progress,omitempty"`
	// ServerTime is the source's own clock when the run was planned (see
	// ServerClock); zero when the source has none.
	ServerTime time.Time `json:"server_time,omitzero"`
	// Watermark is the start of the last completed run, by the source's
	// clock when it has one, else by ours: the next incremental run asks for
	// what changed since then.
	Watermark time.Time `json:"watermark,omitzero"`
}

func (c *Checkpoint) partition(id string) *Partition {
	for i := range c.Partitions {
		if c.Partitions[i].ID == id {
			return &c.Partitions[i]
		}
	}
	return nil
}

func (c *Checkpoint) clone() Checkpoint {
	out := *c
	out.Partitions = append([]Partition(nil), c.Partitions...)
	return out
}

// Source extracts raw records. Implementations live in internal/source.
type Source interface {
	// Name is the source's name, e.g. "csam".
	Name() string
	// Plan returns the partitions of a new run (called once per run, before
	// Extract, and persisted so that a resumed run keeps them).
	Plan(ctx context.Context, since time.Time) ([]Partition, error)
	// Total estimates the number of records a run will read, for progress;
	// -1 when unknown.
	Total(ctx context.Context, since time.Time) (int64, error)
	// Extract emits the records of the unfinished partitions, starting after
	// each one's Position, and a PartitionDone record at the end of each.
	// It may call emit from several goroutines at once (partitions are
	// walked in parallel), in order within a partition. It returns when all
	// are done, emit fails or ctx is cancelled.
	Extract(ctx context.Context, since time.Time, parts []Partition, emit func(Record) error) error
	// Calls returns the number of API calls made so far.
	Calls() int64
}

// LiveTotal is implemented by sources that learn their total while
// extracting: while Total's answer is unknown (-1), the engine asks
// LiveTotal, which must not call the API, at each progress report.
type LiveTotal interface {
	LiveTotal() int64
}

// ServerClock is implemented by sources whose server reports its own time
// (Qualys's RESPONSE/DATETIME). The engine asks it right after Plan and
// uses that time, not the local clock, as the next incremental watermark, so
// clock skew between qflow and Qualys cannot lose changes. The time must not
// be later than the moment Plan read the source.
type ServerClock interface {
	ServerTime(ctx context.Context) (time.Time, error)
}

// Transformer turns a raw record into a normalized one; an error means the
// record is malformed and is quarantined with the error as its reason.
type Transformer interface {
	Apply(raw []byte) (*model.Record, error)
}

// Quarantined is a record that could not be loaded, with why.
type Quarantined struct {
	Key    string
	Reason string
	Raw    []byte
}

// Batch is what the engine hands the Sink in one transaction.
type Batch struct {
	Run         *Run
	Records     []*model.Record
	Hashes      []string // content hash of each record, parallel to Records
	Quarantined []Quarantined
	// Checkpoint is the source's state once this batch is committed.
	Checkpoint Checkpoint
	// Prepared is what the store's Prepare made of the records (see
	// Preparer), for its WriteBatch; nil without one.
	Prepared any
}

// Preparer is implemented by a Store that can do part of a batch's work
// without its transaction (encoding, hashing). The engine calls Prepare on
// a goroutine of its own, ahead of WriteBatch, so that it overlaps the
// write of the batch before. Prepare must not fail: what it cannot
// prepare, WriteBatch does (and reports).
type Preparer interface {
	Prepare(b *Batch)
}

// BatchResult counts what a batch changed.
type BatchResult struct {
	New, Updated, Unchanged int
	SoftwareInstalls        int
	Findings                FindingCounts
	Vulns                   int
}

// FindingCounts count vulnerability findings (VMDR detections) of a run.
type FindingCounts struct {
	// Seen is every finding the run read (unchanged hosts included).
	Seen int64 `json:"seen"`
	// New findings were not in the database before.
	New int64 `json:"new"`
	// Updated findings existed and changed (fixed and reopened included).
	Updated int64 `json:"updated"`
	// Fixed findings changed to status Fixed.
	Fixed int64 `json:"fixed"`
	// Reopened findings were Fixed and are open again.
	Reopened int64 `json:"reopened"`
	// Missing findings were in the database for a host the run read but
	// are no longer reported for it (kept, marked missing).
	Missing int64 `json:"missing"`
}

func (f *FindingCounts) add(o FindingCounts) {
	f.Seen += o.Seen
	f.New += o.New
	f.Updated += o.Updated
	f.Fixed += o.Fixed
	f.Reopened += o.Reopened
	f.Missing += o.Missing
}

// Run is the record of one sync run, as the Sink keeps it.
type Run struct {
	ID           int64     `json:"run_id"`
	Source       string    `json:"source"`
	Subscription string    `json:"subscription"`
	Mode         Mode      `json:"mode"`
	State        string    `json:"state"`
	StartedAt    time.Time `json:"started_at"`
	FinishedAt   time.Time `json:"finished_at,omitzero"`
	MapName      string    `json:"map_name"`
	MapHash      string    `json:"map_hash"`
	Error        string    `json:"error,omitempty"`
	Counts       Counts    `json:"counts"`
	APICalls     int64     `json:"api_calls"`
	Resumed      bool      `json:"resumed,omitempty"`
}

// Counts are a run's record counts.
type Counts struct {
	Seen             int64 `json:"seen"`
	New              int64 `json:"new"`
	Updated          int64 `json:"updated"`
	Unchanged        int64 `json:"unchanged"`
	Quarantined      int64 `json:"quarantined"`
	SoftwareInstalls int64 `json:"software_installs"`
	Stale            int64 `json:"stale"`
	// Findings counts VMDR detections (zero for other sources).
	Findings FindingCounts `json:"findings"`
	// Vulns counts KnowledgeBase entries written (new or changed).
	Vulns int64 `json:"vulns"`
}

// Sink stores runs, records, quarantine and checkpoints. Implementations
// live in internal/store/*.
type Sink interface {
	// StartRun inserts a new run (assigning its ID) or, when run.ID is set,
	// marks that existing run as resumed and Processing again.
	StartRun(ctx context.Context, run *Run, cp Checkpoint) error
	// WriteBatch upserts the batch's records, records its quarantined
	// entries, adds to the run's counts and saves the checkpoint, all in one
	// transaction.
	WriteBatch(ctx context.Context, b *Batch) (BatchResult, error)
	// FinishRun records the run's final state and counts; when the run
	// completed (Processed), cp is the new checkpoint and, for full runs,
	// records of the source not seen in this run are marked stale.
	FinishRun(ctx context.Context, run *Run, cp Checkpoint) error
}

// IndexBuilder is implemented by a Sink that can have its store build,
// ahead of FinishRun, the indexes a first load deferred (SQLite's deferred
// indexes; nothing on a store without them). The engine calls BuildIndexes
// at most once in a full run, when at most a tenth of the run's records
// (and at most a thousand) are left to write and its writer has waited
// for data for a while: the build then overlaps the last downloads instead
// of following them, and the last records maintain the indexes as they go.
// When it is not called, or fails (logged as a warning), FinishRun builds
// them.
type IndexBuilder interface {
	BuildIndexes(ctx context.Context, run *Run) error
}

// Checkpointer loads a source's checkpoint; a missing one is the zero value.
type Checkpointer interface {
	LoadCheckpoint(ctx context.Context, source, subscription string) (Checkpoint, error)
}

// Store is what the engine needs from a store driver.
type Store interface {
	Sink
	Checkpointer
}
