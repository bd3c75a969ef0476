package postgres

import (
	"strings"
	"testing"
)

// A column the schema lacks is an error that says what is wrong, not a
// crash: the database may have been migrated by another qflow.
func TestStageColsUnknownColumn(t *testing.T) {
	s := &Store{schema: map[string]*table{"findings": {name: "findings", kinds: map[string]kind{"id": kindInt}}}}
	if _, ks, err := s.stageCols("findings", nil, nil, "id"); err != nil || len(ks) != 1 {
		t.Fatalf("known column: %v, %v", ks, err)
	}
	for _, c := range []struct{ table, col string }{{"findings", "risk_qds"}, {"vulns", "qid"}} {
		_, _, err := s.stageCols(c.table, nil, nil, c.col)
		if err == nil || !strings.Contains(err.Error(), "schema is not the one this qflow writes") {
			t.Errorf("%s.%s: err = %v", c.table, c.col, err)
		}
	}
}
