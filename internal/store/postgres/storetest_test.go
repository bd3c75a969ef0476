package postgres_test

import (
	"testing"

	"github.com/qflow/qflow/internal/store"
	"github.com/qflow/qflow/internal/store/postgres"
	"github.com/qflow/qflow/internal/store/postgres/pgtest"
	"github.com/qflow/qflow/internal/store/storetest"
)

// TestConformance runs the store conformance suite on PostgreSQL, a fresh
// database per store the suite opens.
func TestConformance(t *testing.T) {
	t.Run("postgres", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store {
			st, err := postgres.Open(t.Context(), pgtest.URL(t), nil)
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
