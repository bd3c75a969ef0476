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
