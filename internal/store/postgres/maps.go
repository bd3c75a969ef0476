package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/qflow/qflow/internal/store"
)

// SaveMap implements store.Writer: the map replaces the one of the same
// name, whose ImportedAt is kept.
func (s *Store) SaveMap(ctx context.Context, m store.StoredMap) (created bool, err error) {
	now := time.Now()
	err = s.pool.QueryRow(ctx, `INSERT INTO transform_maps (name, source, description, yaml, hash, imported_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (name) DO UPDATE SET source = excluded.source, description = excluded.description,
			yaml = excluded.yaml, hash = excluded.hash, updated_at = excluded.updated_at
		RETURNING xmax = 0`, cleanText(m.Name), m.Source, cleanText(m.Description), cleanText(m.YAML), m.Hash, now).Scan(&created)
	if err != nil {
		return false, fmt.Errorf("postgres: save map %s: %w", m.Name, err)
	}
	return created, nil
}

const mapColumns = `name, source, description, yaml, hash, imported_at, updated_at`

func scanMap(r pgx.Row) (store.StoredMap, error) {
	var m store.StoredMap
	if err := r.Scan(&m.Name, &m.Source, &m.Description, &m.YAML, &m.Hash, &m.ImportedAt, &m.UpdatedAt); err != nil {
		return store.StoredMap{}, err
	}
	m.ImportedAt, m.UpdatedAt = m.ImportedAt.UTC(), m.UpdatedAt.UTC()
	return m, nil
}

// Map implements store.Reader.
func (s *Store) Map(ctx context.Context, name string) (store.StoredMap, error) {
	m, err := scanMap(s.pool.QueryRow(ctx, `SELECT `+mapColumns+` FROM transform_maps WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.StoredMap{}, fmt.Errorf("postgres: map %s: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.StoredMap{}, fmt.Errorf("postgres: read map %s: %w", name, err)
	}
	return m, nil
}

// Maps implements store.Reader.
func (s *Store) Maps(ctx context.Context) ([]store.StoredMap, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+mapColumns+` FROM transform_maps ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: list maps: %w", err)
	}
	out, err := collect(rows, func(r pgx.CollectableRow) (store.StoredMap, error) { return scanMap(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: list maps: %w", err)
	}
	return out, nil
}

// SaveRunMap implements store.Writer: the first text seen for a hash is
// kept.
func (s *Store) SaveRunMap(ctx context.Context, hash, name, yaml string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO run_maps (hash, name, yaml, first_used) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING`,
		hash, cleanText(name), cleanText(yaml), time.Now())
	if err != nil {
		return fmt.Errorf("postgres: save map %s of the run: %w", name, err)
	}
	return nil
}

// RunMap implements store.Reader: hash may be a unique prefix of at least 6
// characters.
func (s *Store) RunMap(ctx context.Context, hash string) (store.StoredMap, error) {
	if len(hash) < 6 {
		return store.StoredMap{}, fmt.Errorf("postgres: map hash %q: give at least 6 characters", hash)
	}
	rows, err := s.pool.Query(ctx, `SELECT hash, name, yaml FROM run_maps WHERE substr(hash, 1, $1) = $2 LIMIT 2`, len(hash), hash)
	if err != nil {
		return store.StoredMap{}, fmt.Errorf("postgres: read map %s: %w", hash, err)
	}
	found, err := collect(rows, func(r pgx.CollectableRow) (store.StoredMap, error) {
		var m store.StoredMap
		err := r.Scan(&m.Hash, &m.Name, &m.YAML)
		return m, err
	})
	if err != nil {
		return store.StoredMap{}, fmt.Errorf("postgres: read map %s: %w", hash, err)
	}
	switch len(found) {
	case 0:
		return store.StoredMap{}, fmt.Errorf("postgres: no run used a map with hash %s: %w", hash, store.ErrNotFound)
	case 1:
		return found[0], nil
	}
	return store.StoredMap{}, fmt.Errorf("postgres: hash prefix %s matches several maps: give more characters", hash)
}
