package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
)

// The summary every sync prints must not read whole tables row by row: its
// top software reads an index alone (a covering index), so that an
// incremental sync does not pay for every install stored.
func TestTopSoftwareReadsTheIndexAlone(t *testing.T) {
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "plan.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	plan := queryPlan(t, st, topSoftwareQuery, 5)
	var installs string
	for _, d := range plan {
		if strings.Contains(d, " i ") || strings.HasSuffix(d, " i") {
			installs = d
		}
	}
	if !strings.Contains(installs, "COVERING INDEX installed_software_software") {
		t.Errorf("installs read by %q, want the covering index installed_software_software; plan: %q", installs, plan)
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
