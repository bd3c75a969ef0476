package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/qflow/qflow/internal/store"
)

// SaveMap stores a user map under m.Name, replacing the map of that name if
// there is one (its ImportedAt is kept). It reports whether the name was new.
// The caller validates the map first; the store keeps the text as given.
func (s *Store) SaveMap(ctx context.Context, m store.StoredMap) (created bool, err error) {
	now := ts(time.Now())
	err = s.write(ctx, func(x *tx) error {
		tx := x.tx
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

// Map returns the user map called name, or an error wrapping store.ErrNotFound.
func (s *Store) Map(ctx context.Context, name string) (store.StoredMap, error) {
	row := s.r.QueryRowContext(ctx, `SELECT name, source, description, yaml, hash, imported_at, updated_at
		FROM transform_maps WHERE name = ?`, name)
	m, err := scanMap(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.StoredMap{}, fmt.Errorf("sqlite: map %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", name, err)
	}
	return m, nil
}

// Maps returns every user map, ordered by name.
func (s *Store) Maps(ctx context.Context) ([]store.StoredMap, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT name, source, description, yaml, hash, imported_at, updated_at
		FROM transform_maps ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list maps: %w", err)
	}
	defer rows.Close()
	var out []store.StoredMap
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

func scanMap(row interface{ Scan(...any) error }) (store.StoredMap, error) {
	var m store.StoredMap
	var imported, updated string
	if err := row.Scan(&m.Name, &m.Source, &m.Description, &m.YAML, &m.Hash, &imported, &updated); err != nil {
		return store.StoredMap{}, err
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
// (at least 6 characters), or an error wrapping store.ErrNotFound.
func (s *Store) RunMap(ctx context.Context, hash string) (store.StoredMap, error) {
	if len(hash) < 6 {
		return store.StoredMap{}, fmt.Errorf("sqlite: map hash %q: give at least 6 characters", hash)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT hash, name, yaml FROM run_maps WHERE substr(hash, 1, ?) = ? LIMIT 2`, len(hash), hash)
	if err != nil {
		return store.StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", hash, err)
	}
	defer rows.Close()
	var found []store.StoredMap
	for rows.Next() {
		var m store.StoredMap
		if err := rows.Scan(&m.Hash, &m.Name, &m.YAML); err != nil {
			return store.StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", hash, err)
		}
		found = append(found, m)
	}
	if err := rows.Err(); err != nil {
		return store.StoredMap{}, fmt.Errorf("sqlite: read map %s: %w", hash, err)
	}
	switch len(found) {
	case 0:
		return store.StoredMap{}, fmt.Errorf("sqlite: no run used a map with hash %s: %w", hash, store.ErrNotFound)
	case 1:
		return found[0], nil
	}
	return store.StoredMap{}, fmt.Errorf("sqlite: hash prefix %s matches several maps: give more characters", hash)
}
