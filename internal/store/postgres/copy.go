package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// tableOf returns the schema of table, one of store.Tables.
func (s *Store) tableOf(table string) (*table, error) {
	t, ok := s.schema[table]
	if !ok {
		return nil, fmt.Errorf("postgres: no table %q in qflow's schema", table)
	}
	return t, nil
}

// DumpTable implements store.Store: jsonb columns come as JSON text, times
// as time.Time in UTC.
func (s *Store) DumpTable(ctx context.Context, table string, fn func(cols []string, row []any) error) error {
	t, err := s.tableOf(table)
	if err != nil {
		return err
	}
	sel := make([]string, len(t.columns))
	for i, c := range t.columns {
		sel[i] = pgx.Identifier{c}.Sanitize()
		if t.kinds[c] == kindJSON {
			sel[i] += "::text"
		}
	}
	key := make([]string, len(t.key))
	for i, c := range t.key {
		key[i] = pgx.Identifier{c}.Sanitize()
	}
	rows, err := s.pool.Query(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+pgx.Identifier{table}.Sanitize()+` ORDER BY `+strings.Join(key, ", "))
	if err != nil {
		return fmt.Errorf("postgres: dump %s: %w", table, err)
	}
	defer rows.Close()
	cols := append([]string(nil), t.columns...)
	for rows.Next() {
		row, err := rows.Values()
		if err != nil {
			return fmt.Errorf("postgres: dump %s: %w", table, err)
		}
		for i, v := range row {
			if tm, ok := v.(time.Time); ok {
				row[i] = tm.UTC()
			}
		}
		if err := fn(cols, row); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: dump %s: %w", table, err)
	}
	return nil
}

// copySource feeds LoadTable's rows to CopyFrom, converting each value to
// its column's type.
type copySource struct {
	t    *table
	cols []string
	ks   []kind
	next func() ([]any, bool, error)
	row  []any
	err  error
	n    int64
}

// Next implements pgx.CopyFromSource: it reads and converts the next row.
func (c *copySource) Next() bool {
	if c.err != nil {
		return false
	}
	vals, ok, err := c.next()
	if err != nil {
		c.err = err
		return false
	}
	if !ok {
		return false
	}
	if len(vals) != len(c.cols) {
		c.err = fmt.Errorf("row %d of %s: %d values for %d columns", c.n+1, c.t.name, len(vals), len(c.cols))
		return false
	}
	if c.row, c.err = rowOf(c.t.name, c.cols, c.ks, vals); c.err != nil {
		c.err = fmt.Errorf("row %d: %w", c.n+1, c.err)
		return false
	}
	c.n++
	return true
}

// Values implements pgx.CopyFromSource.
func (c *copySource) Values() ([]any, error) { return c.row, nil }

// Err implements pgx.CopyFromSource.
func (c *copySource) Err() error { return c.err }

// LoadTable implements store.Store: one COPY, then the id sequence is set
// past the largest id.
func (s *Store) LoadTable(ctx context.Context, table string, cols []string, next func() ([]any, bool, error)) (int64, error) {
	t, err := s.tableOf(table)
	if err != nil {
		return 0, err
	}
	ks, err := t.kindsOf(cols)
	if err != nil {
		return 0, fmt.Errorf("postgres: load %s: %w", table, err)
	}
	var n int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		src := &copySource{t: t, cols: cols, ks: ks, next: next}
		var err error
		if n, err = tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
			if src.err != nil {
				return src.err
			}
			return err
		}
		if t.hasID() {
			_, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), coalesce(max(id), 0) + 1, false) FROM `+pgx.Identifier{table}.Sanitize(), table)
			if err != nil {
				return fmt.Errorf("continue the ids after the largest: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: load %s: %w", table, err)
	}
	return n, nil
}
