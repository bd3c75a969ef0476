package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// The summary every sync prints must not read whole tables row by row, nor
// pass every row through a temporary B-tree: its top lists read covering
// indexes alone, the bounds in group order and the exact counts by key.
func TestTopListsReadTheIndexAlone(t *testing.T) {
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct {
		name, q, table, index string
		args                  []any
		tempOK                string // a temporary B-tree allowed (over the groups, not the rows)
	}{
		{"software bounds", topSoftwareBounds, "installed_software", "installed_software_software", nil, "GROUP BY"},
		{"software exact", topSoftwareExact, "installed_software", "installed_software_software", []any{"x"}, "count(DISTINCT)"},
		{"QID bounds", topQIDsBounds, "findings", "findings_qid", nil, ""},
		{"QID exact", topQIDsExact, "findings", "findings_qid", []any{1}, "count(DISTINCT)"},
		// A first load counts the findings when it builds its indexes.
		{"finding counts", countFindings[1], "findings", "findings_status", nil, ""},
		{"QID counts", countFindings[3], "findings", "findings_qid", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			plan := queryPlan(t, st, c.q, c.args...)
			read := ""
			for _, d := range plan {
				if strings.Contains(d, " "+c.table+" ") || strings.HasSuffix(d, " i") || strings.Contains(d, " i ") {
					read = d
				}
				if strings.Contains(d, "TEMP B-TREE") && (c.tempOK == "" || !strings.Contains(d, c.tempOK)) {
					t.Errorf("plan has %q; plan: %q", d, plan)
				}
			}
			if !strings.Contains(read, "COVERING INDEX "+c.index) {
				t.Errorf("%s read by %q, want the covering index %s; plan: %q", c.table, read, c.index, plan)
			}
		})
	}
}

// queryPlan returns the details of EXPLAIN QUERY PLAN for q.
func queryPlan(t *testing.T, st *Store, q string, a ...any) []string {
	t.Helper()
	rows, err := st.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, a...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return plan
}

// The end of every VMDR run scores the assets it touched from their
// counted findings: that read uses the asset index alone, not the rows.
func TestRiskInputsReadTheIndexAlone(t *testing.T) {
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	plan := queryPlan(t, st, riskFindingsQuery("(?, ?, ?)"), 1, 2, 3)
	if len(plan) != 1 || !strings.Contains(plan[0], "COVERING INDEX findings_asset") {
		t.Errorf("counted findings read by %q, want the covering index findings_asset alone", plan)
	}
}
