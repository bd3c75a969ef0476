package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

func nowText() string { return ts(time.Now()) }

// change records one entry of the change feed inside the writer's
// transaction.
func (w *batchWriter) change(kind string, assetID int64, recordID, findingID, qid any, oldValue, newValue any) error {
	_, err := w.exec(`INSERT INTO changes (run_id, kind, asset_id, record_id, finding_id, qid, old_value, new_value, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.run.ID, kind, assetID, recordID, findingID, qid, oldValue, newValue, w.now)
	if err != nil {
		return fmt.Errorf("record %s change: %w", kind, err)
	}
	return nil
}

// Change is one entry of the change feed: what a run changed.
type Change struct {
	RunID int64 `json:"run_id"`
	// Kind is asset_new, asset_removed, asset_merged (Old: the asset
	// merged into this one), asset_split (Old: the asset the records
	// left), finding_new, finding_fixed, finding_reopened or risk_band.
	Kind      string `json:"kind"`
	AssetID   int64  `json:"asset_id"`
	AssetName string `json:"asset_name,omitempty"`
	// Source, Subscription and NativeKey name the source record (the VMDR
	// host of a finding, the record that created or left an asset).
	Source       string `json:"source,omitempty"`
	Subscription string `json:"subscription,omitempty"`
	NativeKey    string `json:"native_key,omitempty"`
	// QID, Port, Protocol, SSL and Title describe a finding.
	QID      int64  `json:"qid,omitempty"`
	Port     *int64 `json:"port,omitempty"`
	Protocol string `json:"protocol,omitempty"`
	SSL      bool   `json:"ssl,omitempty"`
	Title    string `json:"title,omitempty"`
	Severity int64  `json:"severity,omitempty"`
	// Old and New are the status (finding_fixed, finding_reopened) or band
	// (risk_band) before and after.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	At  string `json:"at"`
}

// ChangeFilter selects entries of the change feed.
type ChangeFilter struct {
	// RunIDs keeps the changes of these runs (empty: no restriction).
	RunIDs []int64
	// Since keeps the changes of runs started at or after it (zero: no restriction).
	Since time.Time
	// Kinds keeps these kinds (empty: all).
	Kinds []string
	// Limit caps the entries returned (0: all; negative: none, counts
	// only); counts are always complete.
	Limit int
}

// ChangeFeed is the result of Changes: counts per kind and the entries.
type ChangeFeed struct {
	// Runs are the runs the feed covers, oldest first.
	Runs []RunInfo `json:"runs"`
	// Counts has every kind, 0 included.
	Counts map[string]int64 `json:"counts"`
	// Changes are the entries, in the order they were recorded.
	Changes []Change `json:"changes"`
	// Truncated is true when Limit left entries out.
	Truncated bool `json:"truncated,omitempty"`
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

// ChangeKinds are the change feed's kinds, in display order.
var ChangeKinds = []string{ChangeAssetNew, ChangeAssetRemoved, ChangeAssetMerged, ChangeAssetSplit, ChangeFindingNew, ChangeFindingFixed, ChangeFindingReopened, ChangeRiskBand}

// LatestRun returns the id of the newest run, 0 when there is none.
func (s *Store) LatestRun(ctx context.Context) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM runs`).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("sqlite: read runs: %w", err)
	}
	return id, nil
}

// Changes returns the change feed entries f selects.
func (s *Store) Changes(ctx context.Context, f ChangeFilter) (ChangeFeed, error) {
	feed := ChangeFeed{Counts: map[string]int64{}, Runs: []RunInfo{}, Changes: []Change{}}
	for _, k := range ChangeKinds {
		feed.Counts[k] = 0
	}
	var where []string
	var args []any
	if len(f.RunIDs) > 0 {
		where = append(where, `r.id IN (`+placeholders(len(f.RunIDs))+`)`)
		for _, id := range f.RunIDs {
			args = append(args, id)
		}
	}
	if !f.Since.IsZero() {
		where = append(where, `r.started_at >= ?`)
		args = append(args, ts(f.Since))
	}
	runWhere := ""
	if len(where) > 0 {
		runWhere = " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT r.id, r.source, r.subscription, r.mode, r.state, r.started_at, coalesce(r.finished_at, '') FROM runs r`+runWhere+` ORDER BY r.id`, args...)
	if err != nil {
		return feed, fmt.Errorf("sqlite: read runs: %w", err)
	}
	var ids []any
	for rows.Next() {
		var r RunInfo
		if err := rows.Scan(&r.ID, &r.Source, &r.Subscription, &r.Mode, &r.State, &r.StartedAt, &r.FinishedAt); err != nil {
			rows.Close()
			return feed, err
		}
		feed.Runs = append(feed.Runs, r)
		ids = append(ids, r.ID)
	}
	if err := rows.Close(); err != nil {
		return feed, err
	}
	if len(ids) == 0 {
		return feed, nil
	}
	cw := `c.run_id IN (` + placeholders(len(ids)) + `)`
	cargs := append([]any{}, ids...)
	if len(f.Kinds) > 0 {
		cw += ` AND c.kind IN (` + placeholders(len(f.Kinds)) + `)`
		for _, k := range f.Kinds {
			cargs = append(cargs, k)
		}
	}
	rows, err = s.r.QueryContext(ctx, `SELECT c.kind, count(*) FROM changes c WHERE `+cw+` GROUP BY c.kind`, cargs...)
	if err != nil {
		return feed, fmt.Errorf("sqlite: count changes: %w", err)
	}
	var total int64
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return feed, err
		}
		feed.Counts[k] = n
		total += n
	}
	if err := rows.Close(); err != nil {
		return feed, err
	}
	if f.Limit < 0 {
		feed.Truncated = total > 0
		return feed, nil
	}
	q := `SELECT c.run_id, c.kind, c.asset_id, coalesce(a.name, ''), coalesce(r.source, ''), coalesce(r.subscription, ''), coalesce(r.native_key, ''),
		coalesce(c.qid, 0), f.port, coalesce(f.protocol, ''), coalesce(f.ssl, 0), coalesce(f.title, ''), coalesce(f.severity, 0),
		coalesce(c.old_value, ''), coalesce(c.new_value, ''), c.at
		FROM changes c LEFT JOIN assets a ON a.id = c.asset_id LEFT JOIN asset_records r ON r.id = c.record_id
		LEFT JOIN findings f ON f.id = c.finding_id
		WHERE ` + cw + ` ORDER BY c.id`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
		feed.Truncated = total > int64(f.Limit)
	}
	rows, err = s.r.QueryContext(ctx, q, cargs...)
	if err != nil {
		return feed, fmt.Errorf("sqlite: read changes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c Change
		var port sql.NullInt64
		if err := rows.Scan(&c.RunID, &c.Kind, &c.AssetID, &c.AssetName, &c.Source, &c.Subscription, &c.NativeKey,
			&c.QID, &port, &c.Protocol, &c.SSL, &c.Title, &c.Severity, &c.Old, &c.New, &c.At); err != nil {
			return feed, fmt.Errorf("sqlite: read changes: %w", err)
		}
		if port.Valid {
			c.Port = &port.Int64
		}
		feed.Changes = append(feed.Changes, c)
	}
	return feed, rows.Err()
}
