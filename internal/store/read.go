package store

import (
	"context"
	"time"
)

// Reader answers the typed read queries of the CLI, the API and the UI.
type Reader interface {
	// Setting returns a stored setting (ok false when unset).
	Setting(ctx context.Context, key string) (value string, ok bool, err error)

	// LatestRun returns the id of the newest run (0: none).
	LatestRun(ctx context.Context) (int64, error)
	// Runs returns runs, oldest first: those of ids when given, else those
	// started at or after since (zero: all).
	Runs(ctx context.Context, ids []int64, since time.Time) ([]RunInfo, error)
	// Changes returns the change feed of runs (see ChangeFilter).
	Changes(ctx context.Context, f ChangeFilter) (ChangeFeed, error)

	// Totals counts the main tables.
	Totals(ctx context.Context) (Totals, error)
	// TopOperatingSystems returns the commonest OS names of active assets.
	TopOperatingSystems(ctx context.Context, n int) ([]NameCount, error)
	// TopSoftware returns the software names installed on most assets.
	TopSoftware(ctx context.Context, n int) ([]NameCount, error)
	// TopQIDs returns the QIDs open (not Fixed) on the most hosts, named by
	// their KnowledgeBase title where known.
	TopQIDs(ctx context.Context, n int) ([]NameCount, error)
	// FindingTotals counts findings by state, status, type and severity.
	FindingTotals(ctx context.Context) (FindingTotals, error)
	// Quarantine lists quarantined records, newest first.
	Quarantine(ctx context.Context, limit int) ([]QuarantineEntry, error)
	// TableCounts counts the rows of every table of the schema.
	TableCounts(ctx context.Context) (map[string]int64, error)

	// RiskList returns the scored active assets by TruRisk, highest first.
	RiskList(ctx context.Context, f RiskFilter) ([]AssetRisk, error)
	// RiskBands counts active assets per stored band, those without one
	// under Unscored.
	RiskBands(ctx context.Context) (map[string]int64, error)
	// AssetRisk returns an asset's stored risk (an error wrapping
	// ErrNotFound for an unknown asset).
	AssetRisk(ctx context.Context, id int64) (AssetRisk, error)
	// RiskFindings returns the counted findings of an asset, highest QDS
	// first.
	RiskFindings(ctx context.Context, id int64) ([]RiskFinding, error)
	// RiskInputs returns what scoring needs of each asset among ids.
	RiskInputs(ctx context.Context, ids []int64) ([]RiskInput, error)

	// VulnAttributes returns the stored KnowledgeBase values of qids (JSON
	// values), absent QIDs left out.
	VulnAttributes(ctx context.Context, qids []int64) (map[int64]map[string]any, error)

	// Rules returns the stored identification rules (none: not set).
	Rules(ctx context.Context) ([]Rule, error)
	// Junk lists the learned and manual junk values.
	Junk(ctx context.Context) ([]JunkEntry, error)
	// RecordValues calls fn with the values of fields (JSON values, nil
	// when absent) of every active source record.
	RecordValues(ctx context.Context, fields []string, fn func([]any) error) error
	// Conflicts lists identity conflicts, newest first (limit <= 0: all).
	Conflicts(ctx context.Context, limit int) ([]Conflict, error)

	// Map returns the user map called name (an error wrapping ErrNotFound
	// when there is none).
	Map(ctx context.Context, name string) (StoredMap, error)
	// Maps lists the user maps by name.
	Maps(ctx context.Context) ([]StoredMap, error)
	// RunMap returns the map a run used, by hash.
	RunMap(ctx context.Context, hash string) (StoredMap, error)
}

// Writer holds the writes outside runs (settings, maps, rules, junk).
type Writer interface {
	// SetSetting stores a setting; an empty value deletes it.
	SetSetting(ctx context.Context, key, value string) error
	// SaveMap stores a user map, replacing one of the same name; it reports
	// whether the name was new.
	SaveMap(ctx context.Context, m StoredMap) (created bool, err error)
	// SaveRunMap stores the map a run used, once per hash.
	SaveRunMap(ctx context.Context, hash, name, yaml string) error
	// SetRules replaces the stored identification rules.
	SetRules(ctx context.Context, rules []Rule) error
	// AddJunk stores a junk value (see Tx.AddJunk).
	AddJunk(ctx context.Context, j JunkEntry) error
	// RemoveJunk takes a value off the junk list; it reports whether it
	// was listed.
	RemoveJunk(ctx context.Context, attribute, value string) (bool, error)
}

// Rule is a stored identification rule.
type Rule struct {
	Name       string
	Attributes []string
	Enabled    bool
}

// Change is one entry of the change feed.
type Change struct {
	RunID     int64  `json:"run_id"`
	Kind      string `json:"kind"`
	AssetID   int64  `json:"asset_id"`
	AssetName string `json:"asset_name,omitempty"`
	// Source, Subscription and NativeKey name the source record involved.
	Source       string `json:"source,omitempty"`
	Subscription string `json:"subscription,omitempty"`
	NativeKey    string `json:"native_key,omitempty"`
	// The finding involved (finding kinds).
	QID      int64  `json:"qid,omitempty"`
	Port     *int64 `json:"port,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	SSL      bool   `json:"ssl,omitempty"`
	Title    string `json:"title,omitempty"`
	Severity int64  `json:"severity,omitempty"`
	// Old and New are the values that changed: finding statuses, risk
	// bands, or the other asset of a merge or split.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	At  string `json:"at"`
}

// ChangeFilter selects changes.
type ChangeFilter struct {
	// RunIDs selects runs by id.
	RunIDs []int64
	// Since selects the runs started at or after it.
	Since time.Time
	// Kinds keeps only these kinds (none: all).
	Kinds []string
	// Limit caps the changes listed (0: all; <0: counts only).
	Limit int
}

// ChangeFeed is the changes of a set of runs.
type ChangeFeed struct {
	Runs      []RunInfo        `json:"runs"`
	Counts    map[string]int64 `json:"counts"`
	Changes   []Change         `json:"changes"`
	Truncated bool             `json:"truncated,omitempty"`
}

// RunInfo names a run.
type RunInfo struct {
	ID           int64  `json:"run_id"`
	Source       string `json:"source"`
	Subscription string `json:"subscription"`
	Mode         string `json:"mode"`
	State        string `json:"state"`
	StartedAt    string `json:"started_at"`
	FinishedAt   string `json:"finished_at,omitempty"`
}

// Totals count the main tables.
type Totals struct {
	Assets            int64 `json:"assets"`
	ActiveAssets      int64 `json:"active_assets"`
	AssetRecords      int64 `json:"asset_records"`
	Software          int64 `json:"software"`
	SoftwareInstalls  int64 `json:"software_installs"`
	OpenPorts         int64 `json:"open_ports"`
	NetworkInterfaces int64 `json:"network_interfaces"`
	Quarantined       int64 `json:"quarantined"`
	// ActiveRecords counts active source records per source.
	ActiveRecords map[string]int64 `json:"active_records"`
}

// NameCount is a name with a count.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// QuarantineEntry is one quarantined record.
type QuarantineEntry struct {
	RunID     int64  `json:"run_id"`
	Source    string `json:"source"`
	NativeKey string `json:"native_key"`
	Reason    string `json:"reason"`
}

// FindingTotals counts the active findings (the detections VMDR currently
// reports) and the KnowledgeBase.
type FindingTotals struct {
	Findings   int64            `json:"findings"`
	ByStatus   map[string]int64 `json:"by_status"`
	ByType     map[string]int64 `json:"by_type"`
	BySeverity map[string]int64 `json:"by_severity"`
	Ignored    int64            `json:"ignored"`
	Disabled   int64            `json:"disabled"`
	Missing    int64            `json:"missing"`
	Stale      int64            `json:"stale"`
	Hosts      int64            `json:"hosts"`
	Vulns      int64            `json:"vulns"`
}

// AssetRisk is one asset's risk as stored.
type AssetRisk struct {
	AssetID  int64  `json:"asset_id"`
	Name     string `json:"name"`
	IP       string `json:"ip_address,omitempty"`
	OS       string `json:"os,omitempty"`
	ACS      int    `json:"acs"`
	TruRisk  int    `json:"trurisk"`
	Band     string `json:"band"`
	Open     int64  `json:"open_findings"`
	Critical int64  `json:"critical_findings"`
}

// RiskFilter selects assets for RiskList.
type RiskFilter struct {
	// Band keeps only assets of that band ("" for all).
	Band string
	// Limit caps the result (0: 50).
	Limit int
}

// RiskFinding is one finding of an asset as its TruRisk counts it.
type RiskFinding struct {
	QID     int64  `json:"qid"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	QDS     int    `json:"qds"`
	Derived bool   `json:"qds_derived"`
	Port    *int64 `json:"port,omitempty"`
}

// JunkEntry is one value that never matches.
type JunkEntry struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
	// Origin is learned (shared by too many machines), manual (qflow rules
	// junk --add) or builtin.
	Origin string `json:"origin"`
	// Machines is how many different machines were seen carrying it when
	// it was learned; Records how many source records carry it now.
	Machines     int64  `json:"machines,omitempty"`
	Records      int64  `json:"records"`
	Subscription string `json:"subscription,omitempty"`
	RunID        int64  `json:"run_id,omitempty"`
	At           string `json:"at,omitempty"`
}

// Conflict is one entry of identity_conflicts.
type Conflict struct {
	RunID        int64  `json:"run_id"`
	Kind         string `json:"kind"` // veto or apart
	Rule         string `json:"rule"`
	Source       string `json:"source"`
	NativeKey    string `json:"native_key"`
	AssetID      int64  `json:"asset_id"`
	OtherAssetID int64  `json:"other_asset_id"`
	Attribute    string `json:"attribute,omitempty"`
	Value        string `json:"value,omitempty"`
	OtherValue   string `json:"other_value,omitempty"`
	At           string `json:"at"`
}

// StoredMap is a transform map kept in the database: a user map imported
// with `qflow map import`, or the map a run used.
type StoredMap struct {
	Name        string
	Source      string // CSAM, VMDR or KB
	Description string
	// YAML is the map's text exactly as imported or used.
	YAML string
	// Hash is the hash of the map's content (transform.Compiled.Hash).
	Hash       string
	ImportedAt time.Time // first import of this name (zero for run maps)
	UpdatedAt  time.Time // last import of this name (zero for run maps)
}

// Tables are the tables of the schema, parents before children: the order
// a copy loads them in.
var Tables = []string{"settings", "transform_maps", "run_maps", "identification_rules", "identity_junk",
	"runs", "cursors", "quarantine", "assets", "asset_records", "asset_identifiers", "identity_conflicts",
	"software", "installed_software", "open_ports", "network_interfaces", "volumes", "services", "tags", "record_items",
	"vulns", "vuln_cves", "vuln_attack", "findings", "changes"}
