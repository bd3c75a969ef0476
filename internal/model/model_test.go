package model

import (
	"regexp"
	"testing"
)

func TestRecordEntity(t *testing.T) {
	for s, want := range map[Source]Entity{SourceCSAM: EntityHost, SourceVMDR: EntityHost, SourceKB: EntityVuln, "WAS": ""} {
		if got := s.RecordEntity(); got != want {
			t.Errorf("%s.RecordEntity() = %q, want %q", s, got, want)
		}
	}
}

var snake = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestCatalog checks every field: a snake_case name, a valid type, a label,
// and one field per target.
func TestCatalog(t *testing.T) {
	c := NewCatalog()
	seen := map[string]bool{}
	perEntity := map[Entity]int{}
	for _, f := range c.Fields() {
		if seen[f.Target()] {
			t.Errorf("%s: listed twice", f.Target())
		}
		seen[f.Target()] = true
		perEntity[f.Entity]++
		if !snake.MatchString(f.Name) || !ValidType(f.Type) || f.Label == "" {
			t.Errorf("bad field %+v", f)
		}
		if got, ok := c.Lookup(f.Target()); !ok || got != f {
			t.Errorf("Lookup(%s) = %+v, %v", f.Target(), got, ok)
		}
		if EntityOf(f.Target()) != f.Entity {
			t.Errorf("EntityOf(%s) = %s", f.Target(), EntityOf(f.Target()))
		}
	}
	if perEntity[EntityFinding] != 53 || perEntity[EntityVuln] != 39 {
		t.Errorf("finding has %d fields, vuln %d; want 53 and 39", perEntity[EntityFinding], perEntity[EntityVuln])
	}
	for target, want := range map[string]Field{
		"finding.name":              {EntityFinding, "name", TypeString, "findingName"},
		"finding.unique_vuln_id":    {EntityFinding, "unique_vuln_id", TypeInteger, "externalFindingId"},
		"finding.cve_ids":           {EntityFinding, "cve_ids", TypeList, "cveId"},
		"finding.exploited_by_list": {EntityFinding, "exploited_by_list", TypeList, "exploitedByList"},
		"finding.cvss2_base":        {EntityFinding, "cvss2_base", TypeFloat, "cvssV2Base"},
		"vuln.exploit_refs":         {EntityVuln, "exploit_refs", TypeList, "Exploit References"},
		"host.qg_host_id":           {EntityHost, "qg_host_id", TypeString, "Qualys Host Id"},
	} {
		if got, ok := c.Lookup(target); !ok || got != want {
			t.Errorf("Lookup(%s) = %+v, %v; want %+v", target, got, ok, want)
		}
	}
}

func TestValues(t *testing.T) {
	v := Values{"s": "x", "i": int64(3)}
	if v.String("s") != "x" || v.String("i") != "" {
		t.Error("Values.String")
	}
	if i, ok := v.Int("i"); !ok || i != 3 {
		t.Error("Values.Int")
	}
	if _, ok := v.Time("s"); ok {
		t.Error("Values.Time")
	}
}
