package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/qflow/qflow/internal/store"
)

// copyTable is one table of a copy: rows read and loaded.
type copyTable struct {
	Table  string `json:"table"`
	Source int64  `json:"source_rows"`
	Target int64  `json:"target_rows"`
}

// copyResult is what `qflow copy --json` prints.
type copyResult struct {
	From       string      `json:"from"`
	To         string      `json:"to"`
	Tables     []copyTable `json:"tables"`
	Rows       int64       `json:"rows"`
	Verified   bool        `json:"verified"`
	DurationMS int64       `json:"duration_ms"`
}

// dbFromURL turns a --from/--to value into store flags: a URL
// (postgres://…, sqlite:FILE) or a plain SQLite file path (never
// QFLOW_DATABASE_URL: both sides are named on the command line).
func dbFromURL(v string) dbFlags {
	if strings.Contains(v, "://") || strings.HasPrefix(v, "sqlite:") {
		return dbFlags{URL: v}
	}
	return dbFlags{URL: "sqlite:" + v}
}

func newCopyCmd(g *globals) *cobra.Command {
	var from, to string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "copy --from DATABASE --to DATABASE",
		Short: "Copy a whole qflow database to another store (SQLite to PostgreSQL, or back)",
		Long: `Copies every table of a qflow database into an empty one, keeping ids, then
counts the rows of every table on both sides and fails unless they are equal.
A team that started on the embedded SQLite file moves to a shared PostgreSQL
this way; syncs then go on against the new store with --database-url.

DATABASE is sqlite:FILE (or a plain file path) or postgres://user@host:5432/db.
The target is created and migrated if needed and must hold no data. Stop
syncs writing the source while it copies.`,
		Example: `  qflow copy --from sqlite:qflow.db --to postgres://postgres@127.0.0.1:5432/qflow
  qflow copy --from postgres://postgres@127.0.0.1:5432/qflow --to sqlite:backup.db --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return errors.New("give both --from and --to (sqlite:FILE or postgres://…)")
			}
			ctx := cmd.Context()
			log := g.logger()
			src, err := openStore(ctx, g, dbFromURL(from), openMustExist, log)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			defer src.Close()
			dst, err := openStore(ctx, g, dbFromURL(to), openCreate, log)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			defer dst.Close()
			res, err := copyStore(ctx, src, dst)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(g, res)
			}
			tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "TABLE\t%s\t%s\n", strings.ToUpper(src.Dialect()), strings.ToUpper(dst.Dialect()))
			for _, t := range res.Tables {
				fmt.Fprintf(tw, "%s\t%d\t%d\n", t.Table, t.Source, t.Target)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(g.env.Stdout, "copied %d rows from %s to %s in %s; row counts verified equal for all %d tables\n",
				res.Rows, res.From, res.To, time.Duration(res.DurationMS)*time.Millisecond, len(res.Tables))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "database to copy: sqlite:FILE or postgres://…")
	fl.StringVar(&to, "to", "", "empty database to copy into: sqlite:FILE or postgres://…")
	fl.BoolVar(&asJSON, "json", false, "print JSON: tables[] with source_rows and target_rows")
	return cmd
}

// copyStore copies every table of src into the empty dst and verifies the
// row counts.
func copyStore(ctx context.Context, src, dst store.Store) (copyResult, error) {
	start := time.Now()
	res := copyResult{From: src.Location(), To: dst.Location()}
	have, err := dst.TableCounts(ctx)
	if err != nil {
		return res, err
	}
	for _, t := range store.Tables {
		// A fresh store holds what its migrations seed: nothing but
		// settings the migrations wrote (which the copy replaces).
		if have[t] > 0 && t != "settings" {
			return res, fmt.Errorf("the target %s already holds data (%d rows in %s): copy into an empty database", dst.Location(), have[t], t)
		}
	}
	if have["settings"] > 0 {
		if err := clearSettings(ctx, dst); err != nil {
			return res, err
		}
	}
	for _, t := range store.Tables {
		if err := copyOne(ctx, src, dst, t); err != nil {
			return res, fmt.Errorf("copy %s: %w", t, err)
		}
	}
	want, err := src.TableCounts(ctx)
	if err != nil {
		return res, err
	}
	got, err := dst.TableCounts(ctx)
	if err != nil {
		return res, err
	}
	var bad []string
	for _, t := range store.Tables {
		res.Tables = append(res.Tables, copyTable{Table: t, Source: want[t], Target: got[t]})
		res.Rows += got[t]
		if want[t] != got[t] {
			bad = append(bad, fmt.Sprintf("%s: %d rows in the source, %d in the target", t, want[t], got[t]))
		}
	}
	res.DurationMS = time.Since(start).Milliseconds()
	if len(bad) > 0 {
		return res, fmt.Errorf("row counts differ after the copy (was the source written meanwhile?):\n  %s", strings.Join(bad, "\n  "))
	}
	res.Verified = true
	return res, nil
}

// clearSettings removes the settings a fresh target's migrations wrote.
func clearSettings(ctx context.Context, dst store.Store) error {
	var keys []string
	err := dst.DumpTable(ctx, "settings", func(cols []string, row []any) error {
		for i, c := range cols {
			if c == "key" {
				keys = append(keys, fmt.Sprint(row[i]))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := dst.SetSetting(ctx, k, ""); err != nil {
			return err
		}
	}
	return nil
}

// copyOne streams one table from src into dst.
func copyOne(ctx context.Context, src, dst store.Store, table string) error {
	type row struct {
		cols []string
		vals []any
	}
	rows := make(chan row, 256)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer close(rows)
		return src.DumpTable(ctx, table, func(cols []string, vals []any) error {
			select {
			case rows <- row{cols, vals}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	g.Go(func() error {
		first, ok := <-rows
		if !ok {
			return nil // empty table
		}
		pending := &first
		_, err := dst.LoadTable(ctx, table, first.cols, func() ([]any, bool, error) {
			if pending != nil {
				r := pending
				pending = nil
				return r.vals, true, nil
			}
			select {
			case r, ok := <-rows:
				if !ok {
					return nil, false, nil
				}
				return r.vals, true, nil
			case <-ctx.Done():
				return nil, false, ctx.Err()
			}
		})
		if err != nil {
			// Let the reader stop.
			for range rows {
			}
		}
		return err
	})
	return g.Wait()
}
