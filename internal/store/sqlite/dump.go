package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/store"
)

// tableOrder is the primary-key order of each table's dump.
var tableOrder = map[string]string{
	"settings": "key", "transform_maps": "name", "run_maps": "hash", "identification_rules": "position",
	"identity_junk": "attribute, value", "cursors": "source, subscription", "asset_identifiers": "attribute, value, record_id",
	"installed_software": "record_id, software_id, install_path", "open_ports": "record_id, ordinal",
	"network_interfaces": "record_id, ordinal", "volumes": "record_id, ordinal", "services": "record_id, ordinal",
	"tags": "record_id, ordinal", "record_items": "record_id, entity, ordinal", "vulns": "qid",
	"vuln_cves": "qid, cve_id", "vuln_attack": "qid, kind, attack_id",
}

func checkTable(table string) error {
	if !slices.Contains(store.Tables, table) {
		return fmt.Errorf("sqlite: no table %q", table)
	}
	return nil
}

// DumpTable implements store.Store. Values are as SQLite keeps them: times
// as RFC 3339 text, booleans as 0/1, JSON as text.
func (s *Store) DumpTable(ctx context.Context, table string, fn func(cols []string, row []any) error) error {
	if err := checkTable(table); err != nil {
		return err
	}
	order := tableOrder[table]
	if order == "" {
		order = "id"
	}
	rows, err := s.r.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+order)
	if err != nil {
		return fmt.Errorf("sqlite: dump %s: %w", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("sqlite: dump %s: %w", table, err)
		}
		row := make([]any, len(raw))
		copy(row, raw)
		if err := fn(cols, row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LoadTable implements store.Store: values from either driver are turned
// into what SQLite keeps (times as RFC 3339 text, booleans as 0/1, JSON as
// text).
func (s *Store) LoadTable(ctx context.Context, table string, cols []string, next func() ([]any, bool, error)) (_ int64, rerr error) {
	if err := checkTable(table); err != nil {
		return 0, err
	}
	// Loaded from empty, a table's random-order indexes and the finding
	// counts' triggers wait for its last row, as in a first load.
	if _, ok := deferrable[table]; ok {
		err := s.write(ctx, func(x *tx) error {
			x.lockKey = copyLock
			return x.deferIndexes(table, 0)
		})
		if err != nil {
			return 0, fmt.Errorf("load %s: %w", table, err)
		}
		defer func() {
			err := s.write(ctx, func(x *tx) error {
				x.lockKey = copyLock
				return x.restoreIndexes(ctx)
			})
			if err != nil {
				rerr = errors.Join(rerr, fmt.Errorf("load %s: %w", table, err))
			}
		}()
	}
	var n int64
	q := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (` + placeholders(len(cols)) + `)`
	flush := func(rows [][]any) error {
		return s.write(ctx, func(x *tx) error {
			for _, r := range rows {
				if _, err := x.exec(q, r...); err != nil {
					return fmt.Errorf("load %s: %w", table, err)
				}
			}
			return nil
		})
	}
	var buf [][]any
	for {
		row, ok, err := next()
		if err != nil {
			return n, err
		}
		if !ok {
			break
		}
		for i, v := range row {
			row[i] = loadValue(v)
		}
		buf = append(buf, row)
		n++
		if len(buf) == 1000 {
			if err := flush(buf); err != nil {
				return n, err
			}
			buf = buf[:0]
		}
	}
	if len(buf) > 0 {
		if err := flush(buf); err != nil {
			return n, err
		}
	}
	return n, nil
}

func loadValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return ts(t)
	case bool:
		if t {
			return int64(1)
		}
		return int64(0)
	case map[string]any, []any:
		b, _ := json.Marshal(t)
		return string(b)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	}
	return v
}
