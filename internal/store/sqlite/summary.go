package sqlite

import (
	"context"
	"fmt"
)

// Totals counts the rows of the main tables.
type Totals struct {
	Assets            int64 `json:"assets"`
	ActiveAssets      int64 `json:"active_assets"`
	AssetRecords      int64 `json:"asset_records"`
	Software          int64 `json:"software"`
	SoftwareInstalls  int64 `json:"software_installs"`
	OpenPorts         int64 `json:"open_ports"`
	NetworkInterfaces int64 `json:"network_interfaces"`
	Quarantined       int64 `json:"quarantined"`
	// ActiveRecords counts the active source records by source (CSAM, VMDR).
	ActiveRecords map[string]int64 `json:"active_records"`
}

// NameCount is a value with how often it occurs.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Totals returns the row counts of the main tables.
func (s *Store) Totals(ctx context.Context) (Totals, error) {
	var t Totals
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM assets),
		(SELECT count(*) FROM assets WHERE state = 'active'),
		(SELECT count(*) FROM asset_records),
		(SELECT count(*) FROM software),
		(SELECT count(*) FROM installed_software),
		(SELECT count(*) FROM open_ports),
		(SELECT count(*) FROM network_interfaces),
		(SELECT count(*) FROM quarantine)`).Scan(&t.Assets, &t.ActiveAssets, &t.AssetRecords, &t.Software, &t.SoftwareInstalls,
		&t.OpenPorts, &t.NetworkInterfaces, &t.Quarantined)
	if err != nil {
		return t, fmt.Errorf("sqlite: totals: %w", err)
	}
	t.ActiveRecords = map[string]int64{}
	rows, err := s.top(ctx, `SELECT source, count(*) FROM asset_records WHERE state = 'active' GROUP BY 1 ORDER BY 1 LIMIT ?`, 10)
	if err != nil {
		return t, err
	}
	for _, r := range rows {
		t.ActiveRecords[r.Name] = r.Count
	}
	return t, nil
}

// TopOperatingSystems returns the most common OS names among active assets.
func (s *Store) TopOperatingSystems(ctx context.Context, n int) ([]NameCount, error) {
	return s.top(ctx, `SELECT coalesce(os_name, '(unknown)'), count(*) c FROM assets WHERE state = 'active' GROUP BY 1 ORDER BY c DESC, 1 LIMIT ?`, n)
}

// TopSoftware returns the software installed on the most assets.
func (s *Store) TopSoftware(ctx context.Context, n int) ([]NameCount, error) {
	return s.top(ctx, `SELECT s.name, count(DISTINCT i.asset_id) c FROM installed_software i JOIN software s ON s.id = i.software_id
		GROUP BY s.name ORDER BY c DESC, s.name LIMIT ?`, n)
}

func (s *Store) top(ctx context.Context, q string, n int) ([]NameCount, error) {
	rows, err := s.r.QueryContext(ctx, q, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: top: %w", err)
	}
	defer rows.Close()
	var out []NameCount
	for rows.Next() {
		var nc NameCount
		if err := rows.Scan(&nc.Name, &nc.Count); err != nil {
			return nil, fmt.Errorf("sqlite: top: %w", err)
		}
		out = append(out, nc)
	}
	return out, rows.Err()
}

// QuarantineEntry is one quarantined record.
type QuarantineEntry struct {
	RunID     int64  `json:"run_id"`
	Source    string `json:"source"`
	NativeKey string `json:"native_key"`
	Reason    string `json:"reason"`
}

// Quarantine lists quarantined records, newest first.
func (s *Store) Quarantine(ctx context.Context, limit int) ([]QuarantineEntry, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT run_id, source, native_key, reason FROM quarantine ORDER BY last_seen DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantineEntry
	for rows.Next() {
		var e QuarantineEntry
		if err := rows.Scan(&e.RunID, &e.Source, &e.NativeKey, &e.Reason); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
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

// FindingTotals returns the counts of active findings by status, type and
// severity, plus the number of VMDR host records and KnowledgeBase entries.
func (s *Store) FindingTotals(ctx context.Context) (FindingTotals, error) {
	t := FindingTotals{ByStatus: map[string]int64{}, ByType: map[string]int64{}, BySeverity: map[string]int64{}}
	err := s.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM findings WHERE state = 'active'),
		(SELECT count(*) FROM findings WHERE state = 'active' AND is_ignored = 1),
		(SELECT count(*) FROM findings WHERE state = 'active' AND is_disabled = 1),
		(SELECT count(*) FROM findings WHERE state = 'missing'),
		(SELECT count(*) FROM findings WHERE state = 'stale'),
		(SELECT count(*) FROM asset_records WHERE source = 'VMDR' AND state = 'active'),
		(SELECT count(*) FROM vulns)`).Scan(&t.Findings, &t.Ignored, &t.Disabled, &t.Missing, &t.Stale, &t.Hosts, &t.Vulns)
	if err != nil {
		return t, fmt.Errorf("sqlite: finding totals: %w", err)
	}
	for col, m := range map[string]map[string]int64{"status": t.ByStatus, "type": t.ByType, "severity": t.BySeverity} {
		rows, err := s.top(ctx, `SELECT coalesce(CAST(`+col+` AS TEXT), '(none)'), count(*) FROM findings WHERE state = 'active' GROUP BY 1 ORDER BY 1 LIMIT ?`, 100)
		if err != nil {
			return t, err
		}
		for _, r := range rows {
			m[r.Name] = r.Count
		}
	}
	return t, nil
}

// TopQIDs returns the QIDs open (not Fixed) on the most hosts, named by
// their KnowledgeBase title where known.
func (s *Store) TopQIDs(ctx context.Context, n int) ([]NameCount, error) {
	return s.top(ctx, `SELECT f.qid || coalesce(' ' || v.title, ''), count(DISTINCT f.record_id) c FROM findings f LEFT JOIN vulns v ON v.qid = f.qid
		WHERE f.state = 'active' AND coalesce(f.status, '') <> 'Fixed' AND f.type <> 'Info'
		GROUP BY f.qid ORDER BY c DESC, f.qid LIMIT ?`, n)
}
