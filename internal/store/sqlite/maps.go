package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned by the lookups of a single row (Map, RunMap) when
// there is no such row.
var ErrNotFound = errors.New("not found")

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

// SaveMap stores a user map under m.Name, replacing the map of that name if
// there is one (its ImportedAt is kept). It reports whether the name was new.
// The caller validates the map first; the store keeps the text as given.
func (s *Store) SaveMap(ctx context.Context, m StoredMap) (created bool, err error) {
	now := ts(time.Now())
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM transform_maps WHERE name = ?`, m.Name).Scan(&n); err != nil {
			return fmt.Errorf("look up map %s: %w", m.Name, err)
		}
		created = n == 0
		_, err := tx.ExecContext(ctx, `INSERT INTO transform_maps (name, source, description, yaml, hash, imported_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET source = excluded.source, description = excluded.description,
				yaml = excluded.yaml, hash = excluded.hash, updated_at = excluded.updated_at`,
			m.Name, m.Source, m.Description, m.YAML, m.Hash, now, now)
		if err != nil {
			return fmt.Errorf("save map %s: %w", m.Name, err)
		}
		return nil
	})
	return created, err
}

// Map returns the user map called name, or an error wrapping ErrNotFound.
func (s *Store) Map(ctx context.Context, name string) (StoredMap, error) {
	row := s.r.QueryRowContext(ctx, `SELECT name, source, description, yaml, hash, imported_at, updated_at
		FROM transform_maps WHERE name = ?`, name)
	m, err := scanMap(row)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredMap{}, fmt.Errorf("sqlite: map %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", name, err)
	}
	return m, nil
}

// Maps returns every user map, ordered by name.
func (s *Store) Maps(ctx context.Context) ([]StoredMap, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, source, description, yaml, hash, imported_at, updated_at
		FROM transform_maps ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list maps: %w", err)
	}
	defer rows.Close()
	var out []StoredMap
	for rows.Next() {
		m, err := scanMap(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list maps: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list maps: %w", err)
	}
	return out, nil
}

func scanMap(row interface{ Scan(...any) error }) (StoredMap, error) {
	var m StoredMap
	var imported, updated string
	if err := row.Scan(&m.Name, &m.Source, &m.Description, &m.YAML, &m.Hash, &imported, &updated); err != nil {
		return StoredMap{}, err
	}
	m.ImportedAt, _ = time.Parse(timeFormat, imported)
	m.UpdatedAt, _ = time.Parse(timeFormat, updated)
	return m, nil
}

// SaveRunMap records the text of a map a run uses, keyed by its content hash
// (runs.map_hash). The first text seen for a hash is kept: texts with the
// same hash differ at most in comments and layout.
func (s *Store) SaveRunMap(ctx context.Context, hash, name, yaml string) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO run_maps (hash, name, yaml, first_used) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO NOTHING`, hash, name, yaml, ts(time.Now()))
	if err != nil {
		return fmt.Errorf("sqlite: save map %s of the run: %w", name, err)
	}
	return nil
}

// RunMap returns the map a run used, by its hash or a unique prefix of it
// (at least 6 characters), or an error wrapping ErrNotFound.
func (s *Store) RunMap(ctx context.Context, hash string) (StoredMap, error) {
	if len(hash) < 6 {
		return StoredMap{}, fmt.Errorf("sqlite: map hash %q: give at least 6 characters", hash)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT hash, name, yaml FROM run_maps WHERE substr(hash, 1, ?) = ? LIMIT 2`, len(hash), hash)
	if err != nil {
		return StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", hash, err)
	}
	defer rows.Close()
	var found []StoredMap
	for rows.Next() {
		var m StoredMap
		if err := rows.Scan(&m.Hash, &m.Name, &m.YAML); err != nil {
			return StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", hash, err)
		}
		found = append(found, m)
	}
	if err := rows.Err(); err != nil {
		return StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", hash, err)
	}
	switch len(found) {
	case 0:
		return StoredMap{}, fmt.Errorf("sqlite: no run used a map with hash %s: %w", hash, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return StoredMap{}, fmt.Errorf("sqlite: hash prefix %s matches several maps: give more characters", hash)
}
