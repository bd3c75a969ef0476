package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A database qflow creates gets 16 KiB pages; one that exists keeps its
// own. The writer checkpoints every walPages pages either way.
func TestPageSize(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, path string) // nil: no file
		want    int
		wantErr string
	}{
		{name: "new file", want: 16384},
		{name: "empty file", prepare: func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: 16384},
		{name: "existing 4 KiB database", prepare: func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`PRAGMA page_size=4096; CREATE TABLE keep (v TEXT); INSERT INTO keep VALUES ('kept')`); err != nil {
				t.Fatal(err)
			}
		}, want: 4096},
		{name: "not a database", prepare: func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("not sqlite\n", 200)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "is it an SQLite database?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "q.db")
			if tc.prepare != nil {
				tc.prepare(t, path)
			}
			st, err := Open(t.Context(), path, nil)
			if tc.wantErr != "" {
				if err == nil {
					st.Close()
					t.Fatalf("Open succeeded; want an error containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Open: %v; want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var ps, ckpt int
			if err := st.w.QueryRowContext(t.Context(), `PRAGMA page_size`).Scan(&ps); err != nil {
				t.Fatal(err)
			}
			if err := st.w.QueryRowContext(t.Context(), `PRAGMA wal_autocheckpoint`).Scan(&ckpt); err != nil {
				t.Fatal(err)
			}
			if ps != tc.want {
				t.Errorf("page_size = %d, want %d", ps, tc.want)
			}
			if ckpt != walPages {
				t.Errorf("wal_autocheckpoint = %d pages, want %d", ckpt, walPages)
			}
			var mode string
			if err := st.r.QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
				t.Errorf("journal_mode = %q (%v), want wal", mode, err)
			}
			if tc.want == 4096 {
				var v string
				if err := st.r.QueryRowContext(t.Context(), `SELECT v FROM keep`).Scan(&v); err != nil || v != "kept" {
					t.Errorf("the existing database's row: %q, %v", v, err)
				}
			}
		})
	}
}
