package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bareShape is a table and the rows a bare insert writes into it: the
// least work any SQLite store does for that many rows on this machine.
type bareShape struct {
	name  string
	rows  int // rows a load writes (a 10,000-host or 10,000-asset sync's)
	perTx int
	ddl   []string
	stmt  string
	row   func(i int, r *rand.Rand, args []any) // fills args for row i
	nArgs int
}

// bareShapes are the two write floors docs/benchmarks.md compares the
// syncs with (what holds targets 1 and 3):
//
//   - issue: the findings-shaped upsert of issue 12 (12 integers, 8 short
//     texts, a 300-byte RESULTS, a 100-byte JSON; 5,000 rows a
//     transaction), 281,380 rows: a VMDR sync of 10,000 hosts writes that
//     many findings, each larger (1.2 KB) and with four more indexes;
//   - installs: installed_software as the schema has it during a first
//     load (its key and the asset index; the software index is deferred),
//     without its foreign keys, 1,187,595 rows (a CSAM sync of 10,000
//     assets), 5,000 a transaction.
//
// Both insert in key order, into a new file with the writer's settings
// (16 KiB pages, WAL, its cache and checkpoint limit): the kindest case.
func bareShapes() []bareShape {
	// The short texts come from a pool made once, so that the time
	// measured is the store's, not the making of random strings.
	pool := make([]string, 4096)
	r0 := rand.New(rand.NewPCG(7, 7))
	for i := range pool {
		const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
		var b strings.Builder
		for range 12 {
			b.WriteByte(letters[r0.IntN(len(letters))])
		}
		pool[i] = b.String()
	}
	short := func(r *rand.Rand) string { return pool[r.IntN(len(pool))] }
	paths := make([]string, len(pool))
	for i, p := range pool {
		paths[i] = "/usr/lib/" + p
	}
	results := strings.Repeat("Some vulnerable package found: openssl 1.0.2k-fips; ", 6)[:300]
	attrs := `{"CVSS":"5.0","CVSS_version":"v2","epss":"0.25470","exploit":"none","trend":"up"}`
	attrs += strings.Repeat(" ", 100-len(attrs))
	return []bareShape{{
		name: "issue", rows: 281_380, perTx: 5000, nArgs: 22,
		ddl: []string{`CREATE TABLE bare (
			id INTEGER PRIMARY KEY, asset INTEGER NOT NULL, qid INTEGER NOT NULL, port INTEGER NOT NULL,
			i3 INTEGER, i4 INTEGER, i5 INTEGER, i6 INTEGER, i7 INTEGER, i8 INTEGER, i9 INTEGER, i10 INTEGER, i11 INTEGER,
			t0 TEXT, t1 TEXT, t2 TEXT, t3 TEXT, t4 TEXT, t5 TEXT, t6 TEXT, t7 TEXT, results TEXT, attributes TEXT,
			UNIQUE (asset, qid, port))`},
		stmt: `INSERT INTO bare (asset, qid, port, i3, i4, i5, i6, i7, i8, i9, i10, i11,
			t0, t1, t2, t3, t4, t5, t6, t7, results, attributes)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (asset, qid, port) DO UPDATE SET i3=excluded.i3, i4=excluded.i4, i5=excluded.i5,
			i6=excluded.i6, i7=excluded.i7, i8=excluded.i8, i9=excluded.i9, i10=excluded.i10, i11=excluded.i11,
			t0=excluded.t0, t1=excluded.t1, t2=excluded.t2, t3=excluded.t3, t4=excluded.t4, t5=excluded.t5,
			t6=excluded.t6, t7=excluded.t7, results=excluded.results, attributes=excluded.attributes`,
		row: func(i int, r *rand.Rand, a []any) {
			a[0], a[1], a[2] = int64(i/28), int64(i%28)*1000+r.Int64N(1000), int64(i%7)
			for k := 3; k < 12; k++ {
				a[k] = r.Int64N(1 << 40)
			}
			for k := 12; k < 20; k++ {
				a[k] = short(r)
			}
			a[20], a[21] = results, attrs
		},
	}, {
		name: "installs", rows: 1_187_595, perTx: 5000, nArgs: 6,
		ddl: []string{`CREATE TABLE bare (
			record_id INTEGER NOT NULL, asset_id INTEGER NOT NULL, software_id INTEGER NOT NULL,
			install_path TEXT NOT NULL, install_date TEXT, attributes TEXT NOT NULL,
			PRIMARY KEY (record_id, software_id, install_path)) WITHOUT ROWID`,
			`CREATE INDEX bare_asset ON bare(asset_id)`},
		stmt: `INSERT INTO bare (record_id, asset_id, software_id, install_path, install_date, attributes)
			VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING`,
		row: func(i int, r *rand.Rand, a []any) {
			asset := int64(i / 119)
			a[0], a[1] = asset, asset
			a[2] = int64(i%119)*400 + r.Int64N(400) // in key order within the record
			a[3] = paths[r.IntN(len(paths))]
			a[4] = "2025-03-14"
			a[5] = "{}"
		},
	}}
}

// BenchmarkBareInsert measures the write floors of bareShapes on the
// writer's own connection settings, and reports rows/s and the seconds one
// load of a 10,000-record sync's rows takes:
//
//	go test -run '^$' -bench BareInsert -benchtime 3x ./internal/store/sqlite/
func BenchmarkBareInsert(b *testing.B) {
	for _, sh := range bareShapes() {
		b.Run(sh.name, func(b *testing.B) {
			var total time.Duration
			for i := range b.N {
				b.StopTimer()
				st, err := Open(b.Context(), filepath.Join(b.TempDir(), fmt.Sprintf("bare%d.db", i)), nil)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				if err := bareLoad(b.Context(), st, sh, uint64(i)); err != nil {
					b.Fatal(err)
				}
				total += time.Since(start)
				b.StopTimer()
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(sh.rows)*float64(b.N)/total.Seconds(), "rows/s")
			b.ReportMetric(total.Seconds()/float64(b.N), "s/load")
		})
	}
}

// bareLoad writes sh.rows rows through one prepared statement on the
// writer, sh.perTx to a transaction. Its statements run without
// cancellation, as the writer's do (see Update): with a context that can
// end, the driver starts a watcher per statement, 10-20 % of a bare load.
func bareLoad(ctx context.Context, st *Store, sh bareShape, seed uint64) error {
	ctx = context.WithoutCancel(ctx)
	for _, q := range sh.ddl {
		if _, err := st.w.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("bare: %s: %w", q, err)
		}
	}
	r := rand.New(rand.NewPCG(seed, 12))
	args := make([]any, sh.nArgs)
	for done := 0; done < sh.rows; {
		tx, err := st.w.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, sh.stmt)
		if err != nil {
			tx.Rollback()
			return err
		}
		for end := min(done+sh.perTx, sh.rows); done < end; done++ {
			sh.row(done, r, args)
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				tx.Rollback()
				return fmt.Errorf("bare: row %d: %w", done, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// TestBareLoad checks that the bare loads write every row once (so the
// benchmark measures what it says), at a hundredth of their size.
func TestBareLoad(t *testing.T) {
	for _, sh := range bareShapes() {
		t.Run(sh.name, func(t *testing.T) {
			sh.rows /= 100
			st, err := Open(t.Context(), filepath.Join(t.TempDir(), "bare.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := bareLoad(t.Context(), st, sh, 1); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := st.w.QueryRowContext(t.Context(), `SELECT count(*) FROM bare`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != sh.rows {
				t.Fatalf("%s: %d rows stored, want %d", sh.name, n, sh.rows)
			}
		})
	}
}
