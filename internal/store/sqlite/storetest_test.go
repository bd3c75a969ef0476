package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/sqlite"
	"github.com/qflow/qflow/internal/store/storetest"
)

// TestConformance runs the store conformance suite on SQLite, a fresh
// database file per scenario.
func TestConformance(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "qflow.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Error(err)
				}
			})
			return st
		})
	})
}
