package postgres_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/sqlite"
)

// copyAll copies every table of src into dst, as `qflow copy` does.
func copyAll(t *testing.T, src, dst store.Store) {
	t.Helper()
	for _, tb := range store.Tables {
		var cols []string
		var rows [][]any
		if err := src.DumpTable(t.Context(), tb, func(c []string, row []any) error {
			cols = c
			rows = append(rows, append([]any(nil), row...))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(rows) == 0 {
			continue
		}
		if _, err := dst.LoadTable(t.Context(), tb, cols, rowsOf(rows)); err != nil {
			t.Fatalf("copy %s from %s to %s: %v", tb, src.Dialect(), dst.Dialect(), err)
		}
	}
}

// reads are what must read the same from a store and its copy.
func reads(t *testing.T, s store.Store) map[string]any {
	t.Helper()
	ctx := t.Context()
	out := map[string]any{}
	add := func(name string, v any, err error) {
		if err != nil {
			t.Fatalf("%s of %s: %v", name, s.Dialect(), err)
		}
		out[name] = v
	}
	v1, err := s.Totals(ctx)
	add("Totals", v1, err)
	v2, err := s.FindingTotals(ctx)
	add("FindingTotals", v2, err)
	v3, err := s.Changes(ctx, store.ChangeFilter{})
	add("Changes", v3, err)
	v4, err := s.Conflicts(ctx, 0)
	add("Conflicts", v4, err)
	v5, err := s.TableCounts(ctx)
	add("TableCounts", v5, err)
	v6, err := s.VulnAttributes(ctx, []int64{1000})
	add("VulnAttributes", v6, err)
	v7, err := s.RiskInputs(ctx, []int64{1, 2, 3})
	add("RiskInputs", v7, err)
	v8, err := s.Quarantine(ctx, 10)
	add("Quarantine", v8, err)
	v9, err := s.LoadCheckpoint(ctx, "vmdr", "sub1")
	add("Checkpoint", v9, err)
	var values [][]any
	err = s.RecordValues(ctx, []string{"agent_id", "mac_addresses", "name"}, func(v []any) error {
		values = append(values, v)
		return nil
	})
	add("RecordValues", values, err)
	return out
}

// A SQLite store copied into PostgreSQL, and back, reads the same.
func TestCopyBetweenDrivers(t *testing.T) {
	t.Parallel()
	lite, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "q.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	seed(t, lite, 20)
	pg, _ := open(t)
	copyAll(t, lite, pg)
	want := reads(t, lite)
	if d := cmp.Diff(want, reads(t, pg)); d != "" {
		t.Errorf("PostgreSQL copy of SQLite reads differently (-sqlite +postgres):\n%s", d)
	}
	back, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "back.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	// A new SQLite store holds the settings its migrations leave (the
	// PostgreSQL copy has them from the original): start empty.
	var keys []string
	if err := back.DumpTable(t.Context(), "settings", func(_ []string, row []any) error {
		keys = append(keys, row[0].(string))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := back.SetSetting(t.Context(), k, ""); err != nil {
			t.Fatal(err)
		}
	}
	copyAll(t, pg, back)
	if d := cmp.Diff(want, reads(t, back)); d != "" {
		t.Errorf("SQLite copy of the PostgreSQL copy reads differently (-sqlite +copy):\n%s", d)
	}
}
