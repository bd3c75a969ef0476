package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// topDistinct prunes by bounds; whatever the data (many ties, members
// counted more than once in their group, groups whose bound is far above
// their count), it must answer what one GROUP BY with count(DISTINCT)
// answers.
func TestTopDistinctMatchesOneStatement(t *testing.T) {
	t.Parallel()
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "top.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := t.Context()
	if _, err := st.w.ExecContext(ctx, `CREATE TABLE m (k, member); CREATE INDEX m_k ON m(k, member)`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name          string
		groups, dupes int // groups; up to dupes rows per member
		members, rows int // distinct members; rows in all
		textKeys      bool
		fixed         [][2]any // these rows instead
	}{
		// Group b comes first by its bound (3 rows) but counts 2, as a
		// does with a bound of 2: a wins the tie by its key.
		{name: "equal bound after, smaller key", textKeys: true, fixed: [][2]any{{"b", 1}, {"b", 1}, {"b", 2}, {"a", 1}, {"a", 2}}},
		{"ties", 30, 1, 4, 200, false, nil},
		{"ties and duplicates", 30, 3, 3, 100, true, nil},
		{"ties and duplicates, int keys", 50, 4, 4, 150, false, nil},
		{"duplicates", 40, 6, 30, 400, true, nil},
		{"bounds far above", 25, 20, 10, 200, false, nil},
		{"one group", 1, 3, 5, 20, true, nil},
		{"empty", 0, 1, 1, 0, false, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(c.rows), uint64(c.groups)))
			rows := c.fixed
			for range c.rows {
				var k any = rng.Int64N(int64(c.groups))
				if c.textKeys {
					k = fmt.Sprintf("g%d", k)
				}
				m := rng.IntN(c.members)
				for range 1 + rng.IntN(c.dupes) {
					rows = append(rows, [2]any{k, m})
				}
			}
			w, err := st.w.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.ExecContext(ctx, `DELETE FROM m`); err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				if _, err := w.ExecContext(ctx, `INSERT INTO m VALUES (?, ?)`, r[0], r[1]); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			const bounds, exact = `SELECT k, count(*) FROM m GROUP BY k`, `SELECT count(DISTINCT member) FROM m WHERE k = ?`
			for _, n := range []int{1, 2, 3, 5, 10, 100} {
				var want, got []string
				err := st.readTx(ctx, func(tx *sql.Tx) error {
					rows, err := tx.QueryContext(ctx, `SELECT k, count(DISTINCT member) c FROM m GROUP BY k ORDER BY c DESC, k LIMIT ?`, n)
					if err != nil {
						return err
					}
					defer rows.Close()
					for rows.Next() {
						var k any
						var c int64
						if err := rows.Scan(&k, &c); err != nil {
							return err
						}
						want = append(want, fmt.Sprintf("%v:%d", k, c))
					}
					if c.textKeys {
						top, err := topDistinct[string](ctx, tx, n, bounds, exact)
						for _, e := range top {
							got = append(got, fmt.Sprintf("%v:%d", e.key, e.n))
						}
						return err
					}
					top, err := topDistinct[int64](ctx, tx, n, bounds, exact)
					for _, e := range top {
						got = append(got, fmt.Sprintf("%v:%d", e.key, e.n))
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("top %d (-one statement +topDistinct):\n%s", n, diff)
				}
			}
		})
	}
}
