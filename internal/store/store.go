// Package store is the seam between qflow's engine and its databases: the
// interfaces a store driver implements and the typed values that cross
// them. It holds no logic of its own.
//
// The engine decides, stores apply (design.md §2). Every decision about
// data (which asset a record is, new or unchanged, the finding lifecycle,
// the change feed, stale and removal, KnowledgeBase enrichment, risk) is
// made by internal/load, outside any driver. A driver:
//   - looks up prior state by natural keys (Tx lookups);
//   - applies typed writes (Tx writes and one WriteSet per batch) inside
//     one transaction (Store.Update);
//   - answers typed read queries (Reader).
//
// internal/store/storetest is the whole contract: a driver that passes it is
// a qflow store. The drivers are internal/store/sqlite (the embedded
// default) and internal/store/postgres.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/qflow/qflow/internal/sync"
)

// IndexDeferrer is implemented by a store that builds some indexes at the
// end of a first load instead of row by row (SQLite). Its run's end
// builds them in any case; BuildDeferredIndexes builds those a run of
// lock deferred before then, so that the build overlaps the run's last
// downloads.
type IndexDeferrer interface {
	BuildDeferredIndexes(ctx context.Context, lock Lock) error
}

// ErrNotFound is returned by the lookups of a single row (Map, RunMap) when
// there is no such row.
var ErrNotFound = errors.New("not found")

// ErrBusy is returned by LockRun when another process (or another run of
// this one) holds the run lock of the same source and subscription.
var ErrBusy = errors.New("another qflow process is writing this subscription")

// Store is a qflow database.
type Store interface {
	Reader
	Writer
	// Dialect names the driver: "sqlite" or "postgres".
	Dialect() string
	// Location says where the data is, for messages (a file path, or a
	// URL without its password).
	Location() string
	// LoadCheckpoint returns a source's checkpoint; a missing one is the
	// zero value with Source and Subscription set.
	LoadCheckpoint(ctx context.Context, source, subscription string) (sync.Checkpoint, error)
	// Update runs fn in one transaction: all of fn's writes commit
	// together, or none does. Lock names the source and subscription the
	// transaction writes (empty for settings and other global writes): a
	// driver shared by several processes serializes transactions of the
	// same lock, and all transactions that touch identity.
	Update(ctx context.Context, lock Lock, fn func(Tx) error) error
	// LockRun takes the run lock of a source and subscription for the
	// length of a run, so that two processes never run the same
	// subscription's source at once; it fails with an error wrapping
	// ErrBusy when another process holds it. unlock releases it.
	LockRun(ctx context.Context, lock Lock) (unlock func(), err error)
	// DumpTable calls fn with each row of table (one of Tables), in
	// primary-key order: int64, float64, string, []byte, bool, time.Time or
	// nil values, cols the column names.
	DumpTable(ctx context.Context, table string, fn func(cols []string, row []any) error) error
	// LoadTable bulk-inserts rows (as DumpTable gives them, from either
	// driver) into table, keeping their ids; next returns false at the end.
	// Id sequences continue after the largest id loaded.
	LoadTable(ctx context.Context, table string, cols []string, next func() ([]any, bool, error)) (int64, error)
	// Close releases the store.
	Close() error
}

// Lock names what a transaction writes.
type Lock struct {
	Source, Subscription string
}

// Tx is one transaction. Lookups see the writes made earlier in the same
// transaction.
type Tx interface {
	// Setting returns a stored setting (ok false when unset).
	Setting(ctx context.Context, key string) (value string, ok bool, err error)
	// SetSetting stores a setting; an empty value deletes it.
	SetSetting(ctx context.Context, key, value string) error

	// InsertRun inserts a run (Processing) and sets run.ID.
	InsertRun(ctx context.Context, run *sync.Run) error
	// ResumeRun marks run.ID Processing again (one more resume) and loads
	// its stored counts, API calls and start time into run.
	ResumeRun(ctx context.Context, run *sync.Run) error
	// AddRunCounts adds c to the stored counts of run id.
	AddRunCounts(ctx context.Context, id int64, c sync.Counts) error
	// EndRun stores a run's final state, finish time, API calls, error and
	// stale counts.
	EndRun(ctx context.Context, run *sync.Run, findingsStale int64) error
	// SaveCheckpoint stores a source's checkpoint.
	SaveCheckpoint(ctx context.Context, cp sync.Checkpoint) error

	// Records returns the stored records of one source and subscription
	// among keys (native keys), by key; absent keys are not stored.
	Records(ctx context.Context, source, subscription string, keys []string) (map[string]RecordState, error)
	// TouchRecords marks records seen unchanged by run: the records and
	// their assets active with last_seen at, and their active findings seen
	// by run too.
	TouchRecords(ctx context.Context, runID int64, at time.Time, ids []int64) error
	// Findings returns the stored findings of records, by record id.
	Findings(ctx context.Context, recordIDs []int64) (map[int64][]FindingState, error)
	// Vulns returns the content hashes of the stored KnowledgeBase entries
	// among qids, by QID.
	Vulns(ctx context.Context, qids []int64) (map[int64]string, error)

	// AssetsWith returns the assets (ascending) with an identifier.
	AssetsWith(ctx context.Context, attribute, value string) ([]int64, error)
	// AssetValues returns the values (ascending, distinct) of one attribute
	// of an asset's identifiers.
	AssetValues(ctx context.Context, asset int64, attribute string) ([]string, error)
	// Carriers returns, for records of subscription carrying the
	// identifier, their machine identifiers (bios_serial, hardware_uuid,
	// agent_id, other than attribute): at most about 3×limit values.
	Carriers(ctx context.Context, subscription, attribute, value string, limit int) (map[string][]string, error)
	// LookupIdentifiers answers many AssetsWith and Carriers lookups at
	// once, as they would be answered one by one at this point of the
	// transaction: a store over a network does it in one round trip.
	LookupIdentifiers(ctx context.Context, q IdentifierLookup) (IdentifierAnswers, error)
	// AssetRecords returns the records of an asset (ascending by id) with
	// their identifiers.
	AssetRecords(ctx context.Context, asset int64) ([]RecordIdentifiers, error)
	// JunkValues returns the learned and manual junk identifiers.
	JunkValues(ctx context.Context) ([]Identifier, error)
	// AddJunk stores a junk value: a learned one is kept once (the first
	// learning wins), a manual one replaces what was there.
	AddJunk(ctx context.Context, j JunkEntry) error

	// InsertAsset creates an asset from a record's summary and returns its
	// id.
	InsertAsset(ctx context.Context, a AssetSummary, at time.Time) (int64, error)
	// UpdateAsset refreshes an asset's summary columns and marks it active
	// and seen at: every column when overwrite is set, else only those that
	// are empty.
	UpdateAsset(ctx context.Context, id int64, a AssetSummary, overwrite bool, at time.Time) error
	// CopyAsset creates an asset with the columns of asset from (a split)
	// and returns its id.
	CopyAsset(ctx context.Context, from int64) (int64, error)
	// InsertRecord creates a source record (content empty until its
	// RecordContent is applied) and returns its id.
	InsertRecord(ctx context.Context, r NewRecord) (int64, error)
	// AddRecord inserts a new source record with its identifiers, on a new
	// asset made from asset when asset is not nil (r.AssetID is then
	// ignored), else on r.AssetID, and returns both ids: InsertAsset,
	// InsertRecord and SaveIdentifiers in one call, which a store over a
	// network makes in one round trip.
	AddRecord(ctx context.Context, r NewRecord, asset *AssetSummary, ids []Identifier) (assetID, recordID int64, err error)
	// SaveIdentifiers replaces the identifiers of a record.
	SaveIdentifiers(ctx context.Context, recordID, assetID int64, ids []Identifier) error
	// MoveRecords moves records, and every row of theirs, to asset.
	MoveRecords(ctx context.Context, recordIDs []int64, asset int64) error
	// MergeAssets moves every record and row of others (their change feed
	// and identity conflicts included) to survivor, keeps the earliest
	// first_seen, marks survivor active and deletes others.
	MergeAssets(ctx context.Context, survivor int64, others []int64) error

	// Apply writes a batch's rows (see WriteSet).
	Apply(ctx context.Context, ws *WriteSet) error

	// MarkUnseen ends a completed full run of a source and subscription:
	// its active records the run did not see (and were not quarantined by
	// it) become stale, and so do the active findings of stale records
	// (last_run_id the run). It returns the counts, and the active assets
	// left without any active record.
	MarkUnseen(ctx context.Context, run *sync.Run) (records, findings int64, gone []GoneAsset, err error)
	// SetAssetsState sets the state of assets.
	SetAssetsState(ctx context.Context, ids []int64, state string) error

	// RunAssets returns the assets a run touched: records it wrote or
	// marked, findings it wrote or marked, changes it recorded (and the
	// asset a split came from).
	RunAssets(ctx context.Context, runID int64) ([]int64, error)
	// AssetIDs returns every asset id, ascending.
	AssetIDs(ctx context.Context) ([]int64, error)
	// FindingsOfChangedVulns calls fn for each finding whose QID's
	// KnowledgeBase entry run runID changed.
	FindingsOfChangedVulns(ctx context.Context, runID int64, fn func(FindingKB) error) error
	// FindingsWithVulns calls fn for each finding whose QID has a
	// KnowledgeBase entry.
	FindingsWithVulns(ctx context.Context, fn func(FindingKB) error) error
	// SetFindingEnrichment writes the KnowledgeBase columns of findings.
	SetFindingEnrichment(ctx context.Context, rows []FindingEnrichment) error
	// RiskInputs returns what scoring needs of each asset among ids.
	RiskInputs(ctx context.Context, ids []int64) ([]RiskInput, error)
	// SetRisk stores the scores of assets (RunID 0: no run).
	SetRisk(ctx context.Context, runID int64, rows []AssetScore) error
}

// RecordState is a stored source record as the planner needs it.
type RecordState struct {
	ID, AssetID      int64
	Hash             string
	SoftwareInstalls int64
	Findings         int64
}

// FindingState is a stored finding as the planner needs it.
type FindingState struct {
	ID     int64
	Key    string
	Status string
	Hash   string
	State  string // active, missing or stale
}

// Identifier is one identifier value of a record.
type Identifier struct {
	Attribute, Value string
}

// IdentifierLookup asks for AssetsWith of each of Assets and for
// Carriers(Subscription, ·, Limit) of each of Carriers.
type IdentifierLookup struct {
	Assets       []Identifier
	Subscription string
	Carriers     []Identifier
	Limit        int
}

// IdentifierAnswers are the answers to an IdentifierLookup, by identifier;
// an identifier asked for and absent has no asset or no carrier.
type IdentifierAnswers struct {
	Assets   map[Identifier][]int64
	Carriers map[Identifier]map[string][]string
}

// RecordIdentifiers are a record's stored identifiers.
type RecordIdentifiers struct {
	RecordID    int64
	Identifiers []Identifier
}

// AssetSummary are an asset's summary columns, taken from one of its
// records (nil: no value).
type AssetSummary struct {
	Name, IPAddress, DNSName, OSName, OSCategory1, OSCategory2 any
	BIOSSerial, HardwareUUID, AgentID                          any
	Criticality                                                any
}

// NewRecord is a source record to create.
type NewRecord struct {
	AssetID      int64
	Source       string // CSAM, VMDR
	Subscription string
	NativeKey    string
	RunID        int64
	At           time.Time
	// IdentifiedBy is the rule that matched an existing asset ("" new).
	IdentifiedBy string
}

// GoneAsset is an active asset left without an active record.
type GoneAsset struct {
	AssetID int64
	// RecordID is the asset's last record of the run's source and
	// subscription (0 when none).
	RecordID int64
}

// FindingKB is a finding with its KnowledgeBase entry, for enrichment.
type FindingKB struct {
	ID, AssetID int64
	// Attributes are the finding's stored values (JSON object).
	Attributes string
	// Vuln are the KnowledgeBase entry's values (JSON object), with the
	// typed columns title, cvss2_base, cvss3_base and patchable laid over
	// them (a NULL column removes the key).
	Vuln string
}

// FindingEnrichment are the KnowledgeBase columns of one finding, in the
// order of EnrichColumns.
type FindingEnrichment struct {
	ID     int64
	Values []any
}

// RiskInput is what scoring needs of one asset.
type RiskInput struct {
	AssetID int64
	// Band is the stored band ("" none), State the asset's state.
	Band, State string
	// Scanned is true when the asset has any finding at all.
	Scanned bool
	// Criticalities are the criticality.score values of its active CSAM
	// records that are not defaults.
	Criticalities []int
	// TagCriticalities are the criticality scores of the tags of its active
	// records.
	TagCriticalities []int
	// Findings are the QDS and status of its counted findings (active, not
	// Fixed, not ignored or disabled, with a QDS).
	Findings []ScoredFinding
}

// ScoredFinding is one counted finding of RiskInput.
type ScoredFinding struct {
	QDS    int
	Status string
}

// AssetScore is an asset's computed risk (TruRisk and Band nil: unscored).
type AssetScore struct {
	AssetID int64
	ACS     int
	TruRisk *int
	Band    *string
}

// WriteSet is what a batch writes besides identity, applied in this order:
// record contents (children replaced), KnowledgeBase entries, findings,
// changes, identity conflicts, quarantine. Rows hanging off a record take
// the record's asset at the time of Apply (a merge earlier in the
// transaction moves them with it).
type WriteSet struct {
	RunID int64
	// Source and Subscription of the run (quarantine rows).
	Source, Subscription string
	At                   time.Time

	Records    []RecordContent
	Vulns      []VulnWrite
	VulnsSeen  []int64 // QIDs seen unchanged
	Findings   []FindingWrite
	Touched    []int64 // finding ids seen unchanged
	Missing    []int64 // finding ids no longer reported by their host
	Changes    []ChangeWrite
	Conflicts  []ConflictWrite
	Quarantine []QuarantineWrite
}

// Empty reports whether the write set writes nothing.
func (ws *WriteSet) Empty() bool {
	return len(ws.Records)+len(ws.Vulns)+len(ws.VulnsSeen)+len(ws.Findings)+len(ws.Touched)+len(ws.Missing)+
		len(ws.Changes)+len(ws.Conflicts)+len(ws.Quarantine) == 0
}

// RecordContent is the new content of a source record: its values and
// list rows (replacing the stored ones), active and seen by the run.
type RecordContent struct {
	RecordID int64
	Hash     string
	// Attributes are the record's host values (JSON object).
	Attributes       string
	SoftwareInstalls int64
	Findings         int64
	Installs         []Install
	// Items are the other list rows.
	Items []Item
}

// Install is one installed software row (the catalog entry is upserted by
// name, version and publisher).
type Install struct {
	Name, Version, Publisher string
	// SoftwareAttributes are the catalog values (JSON object).
	SoftwareAttributes string
	InstallPath        string
	InstallDate        any // time.Time or nil
	// Attributes are the installed_software values (JSON object).
	Attributes string
}

// Item is one list row other than software: Table is one of open_ports,
// network_interfaces, volumes, services, tags (Values in the order of
// ItemColumns[Table]) or record_items (Entity set, no Values).
type Item struct {
	Table   string
	Entity  string
	Ordinal int
	Values  []any
	// Attributes are all the row's values (JSON object).
	Attributes string
}

// ItemColumns are the typed columns of each list table, in the order of
// Item.Values.
var ItemColumns = map[string][]string{
	"open_ports":         {"port", "protocol"},
	"network_interfaces": {"name", "mac_address", "ipv4", "ipv6"},
	"volumes":            {"name", "size", "free"},
	"services":           {"name", "status"},
	"tags":               {"tag_id", "name", "criticality_score"},
	"record_items":       {},
}

// VulnWrite is a KnowledgeBase entry to upsert (its changed_run_id becomes
// the run).
type VulnWrite struct {
	QID int64
	// Values in the order of VulnColumns.
	Values     []any
	Attributes string // JSON object
	Hash       string
	CVEs       []string
	Attack     []Attack
}

// VulnColumns are the typed columns of vulns, in the order of
// VulnWrite.Values.
var VulnColumns = []string{"title", "vuln_type", "severity", "category", "published", "last_modified", "patchable", "cvss2_base", "cvss3_base", "cvss3_vector"}

// Attack is one MITRE ATT&CK tactic or technique of a vuln.
type Attack struct {
	Kind string // tactic or technique
	ID   string
	Name any
}

// FindingWrite is a finding to insert (ID 0) or update.
type FindingWrite struct {
	ID       int64
	RecordID int64
	// Key identifies the finding within its record (the natural key).
	Key      string
	QID      int64
	Port     any
	Protocol any
	SSL      bool
	Instance any
	// Values in the order of FindingColumns.
	Values []any
	// StatusChanged sets the finding's status_run_id to the run.
	StatusChanged bool
}

// FindingColumns are the columns of findings a FindingWrite sets, in the
// order of its Values; the last thirteen are EnrichColumns.
var FindingColumns = append([]string{"unique_vuln_id", "type", "severity", "status", "qds", "qds_severity", "qds_factors", "results",
	"first_found", "last_found", "times_found", "last_test", "last_update", "last_fixed", "first_reopened", "last_reopened",
	"times_reopened", "is_ignored", "is_disabled", "last_processed", "attributes", "hash"}, EnrichColumns...)

// EnrichColumns are the KnowledgeBase columns of findings, in the order of
// FindingEnrichment.Values: JSON arrays for the lists, risk_qds the QDS
// TruRisk uses (nil: none), qds_derived whether it was derived.
var EnrichColumns = []string{"title", "cvss2_base", "cvss3_base", "vector", "patchable", "cve_ids", "exploited_by", "malware",
	"threat_intel", "mitre_tactics", "mitre_techniques", "risk_qds", "qds_derived"}

// ChangeWrite is one entry of the change feed to record. With RecordID set,
// its asset is the record's at the time of Apply; FindingKey (with
// RecordID) names a finding written in the same write set.
type ChangeWrite struct {
	Kind       string
	AssetID    int64
	RecordID   int64
	FindingID  int64
	FindingKey string
	QID        int64
	Old, New   any
}

// ConflictWrite is one identity_conflicts row: a veto or an apart.
type ConflictWrite struct {
	Kind       string // veto or apart
	RecordID   int64
	Rule       string
	Chosen     int64
	Candidates string // JSON array of asset ids
	Attribute  any
	Value      any
	OtherValue any
	OtherAsset any
}

// QuarantineWrite is a record that could not be loaded.
type QuarantineWrite struct {
	Key    string
	Reason string
	// RawGzip is the record as received, gzip-compressed; RawHash its hash.
	RawGzip []byte
	RawHash string
}

// Change kinds of the change feed.
const (
	ChangeAssetNew        = "asset_new"
	ChangeAssetRemoved    = "asset_removed"
	ChangeAssetMerged     = "asset_merged"
	ChangeAssetSplit      = "asset_split"
	ChangeFindingNew      = "finding_new"
	ChangeFindingFixed    = "finding_fixed"
	ChangeFindingReopened = "finding_reopened"
	ChangeRiskBand        = "risk_band"
)

// ChangeKinds lists the change kinds in the order they are reported.
var ChangeKinds = []string{ChangeAssetNew, ChangeAssetRemoved, ChangeAssetMerged, ChangeAssetSplit, ChangeFindingNew, ChangeFindingFixed, ChangeFindingReopened, ChangeRiskBand}

// Unscored is the RiskBands key of active assets without vulnerability
// data (no finding), which have no TruRisk.
const Unscored = "unscored"
