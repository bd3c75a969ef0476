package transform

import (
	"errors"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/model"
)

func TestValidate(t *testing.T) {
	ok := Row{Source: "dnsName", Type: model.TypeString, Target: "host.dns_name"}
	// vmdr and kb replace the map by one of that source: a valid first row
	// and the given rows.
	vmdr := func(rows ...Row) func(*Map) {
		return func(m *Map) {
			m.Source, m.Key = model.SourceVMDR, "ID"
			m.Rows = append([]Row{{Source: "ID", Type: model.TypeInteger, Target: "host.host_id"}}, rows...)
		}
	}
	kb := func(rows ...Row) func(*Map) {
		return func(m *Map) {
			m.Source, m.Key = model.SourceKB, "QID"
			m.Rows = append([]Row{{Source: "QID", Type: model.TypeInteger, Target: "vuln.qid"}}, rows...)
		}
	}
	tests := []struct {
		name      string
		row       Row
		edit      func(m *Map)
		wantRow   int
		wantField string
		wantMsg   string // substring of Msg
	}{
		{name: "valid row", row: Row{Source: "softwareListData.software[].fullName", Type: "string", Target: "software.name"}},
		{name: "valid host list", row: Row{Source: "tagList.tag[].tagName", Type: "list", Target: "host.tag_names"}},
		{name: "valid scalar list element", row: Row{Source: "sensor.activatedForModules[]", Type: "list", Target: "host.ip_addresses"}},
		{name: "valid ip into string", row: Row{Source: "networkInterfaceListData.networkInterface[].gatewayAddress", Type: "ip", Target: "network_interface.gateway_address"}},
		{name: "unknown source", row: Row{Source: "dnsNam", Type: "string", Target: "host.fqdn"}, wantRow: 2, wantField: "source", wantMsg: `"dnsNam": unknown source path (did you mean "dnsName"?)`},
		{name: "bad path syntax", row: Row{Source: "a..b", Type: "string", Target: "host.fqdn"}, wantRow: 2, wantField: "source", wantMsg: "empty segment"},
		{name: "bracket inside name", row: Row{Source: "tagList.tag[0].tagName", Type: "string", Target: "tag.name"}, wantRow: 2, wantField: "source", wantMsg: `bad segment "tag[0]"`},
		{name: "object path", row: Row{Source: "hardware", Type: "string", Target: "host.fqdn"}, wantRow: 2, wantField: "source", wantMsg: "is an object"},
		{name: "list without brackets", row: Row{Source: "domain", Type: "list", Target: "host.tag_names"}, wantRow: 2, wantField: "source", wantMsg: `write "domain[]"`},
		{name: "nested list", row: Row{Source: "softwareListData.software[].softwareInstances[].PROC", Type: "string", Target: "software.component"}, wantRow: 2, wantField: "source", wantMsg: "nested lists: a row of type string reads at most one list level"},
		// VMDR and KB maps: record entities, findings, nested lists
		{name: "vmdr valid finding", edit: vmdr(Row{Source: "VULNERABILITIES[].QID", Type: "integer", Target: "finding.qid"})},
		{name: "vmdr valid nested list of objects", edit: vmdr(Row{Source: "VULNERABILITIES[].QID_INFO.corExploit[].vendorName", Type: "list", Target: "finding.exploited_by_list"})},
		{name: "vmdr valid nested list of strings", edit: vmdr(Row{Source: "VULNERABILITIES[].QID_INFO.qid.cveId[]", Type: "list", Target: "finding.cve_ids"})},
		{name: "vmdr valid nested list into the host", edit: vmdr(Row{Source: "VULNERABILITIES[].QDS_FACTORS[].name", Type: "list", Target: "host.tag_names"})},
		{name: "kb valid two levels into the vuln", edit: kb(Row{Source: "CORRELATION.EXPLOITS[].EXPLT_LIST[].REF", Type: "list", Target: "vuln.exploit_refs"})},
		{name: "kb valid one level into the vuln", edit: kb(Row{Source: "DISCOVERY.AUTH_TYPE_LIST[]", Type: "list", Target: "vuln.auth_types"})},
		{name: "vmdr top-level vuln target", edit: vmdr(Row{Source: "QG_HOSTID", Type: "string", Target: "vuln.title", Line: 40}),
			wantRow: 2, wantField: "target", wantMsg: `"vuln.title": vuln is the record entity of KB maps; a VMDR map writes the values of its record (paths outside any list) to host fields`},
		{name: "vmdr vuln target from a list", edit: vmdr(Row{Source: "VULNERABILITIES[].QID", Type: "integer", Target: "vuln.qid"}),
			wantRow: 2, wantField: "target", wantMsg: "vuln is the record entity of KB maps"},
		{name: "kb top-level host target", edit: kb(Row{Source: "TITLE", Type: "string", Target: "host.name"}),
			wantRow: 2, wantField: "target", wantMsg: `"host.name": host is the record entity of CSAM and VMDR maps; a KB map writes the values of its record (paths outside any list) to vuln fields`},
		{name: "csam top-level vuln target", row: Row{Source: "assetName", Type: "string", Target: "vuln.title"},
			wantRow: 2, wantField: "target", wantMsg: "vuln is the record entity of KB maps; a CSAM map"},
		{name: "kb finding target", edit: kb(Row{Source: "CVE_LIST[].ID", Type: "list", Target: "finding.cve_ids"}),
			wantRow: 2, wantField: "target", wantMsg: `finding rows are the elements of VULNERABILITIES[] of a VMDR record; a KB map cannot write them`},
		{name: "csam finding target", row: Row{Source: "softwareListData.software[].fullName", Type: "string", Target: "finding.name"},
			wantRow: 2, wantField: "target", wantMsg: "a CSAM map cannot write them"},
		{name: "finding from another list", edit: vmdr(Row{Source: "TAGS[].NAME", Type: "string", Target: "finding.name"}),
			wantRow: 2, wantField: "source", wantMsg: `"TAGS[].NAME": finding rows are the elements of VULNERABILITIES[]: the path must read that list (e.g. "VULNERABILITIES[].QID")`},
		{name: "finding from a top-level value", edit: vmdr(Row{Source: "QG_HOSTID", Type: "string", Target: "finding.instance"}),
			wantRow: 2, wantField: "source", wantMsg: "finding rows are the elements of VULNERABILITIES[]"},
		{name: "three list levels", edit: vmdr(Row{Source: "VULNERABILITIES[].QDS_FACTORS[].name.x[]", Type: "list", Target: "finding.qds_factor_names"}),
			wantRow: 2, wantField: "source", wantMsg: `nested lists: a row reads at most two list levels (two "[]"), and only a row of type list reads two`},
		{name: "two list levels, type not list", edit: vmdr(Row{Source: "VULNERABILITIES[].QID_INFO.corExploit[].vendorName", Type: "string", Target: "finding.name"}),
			wantRow: 2, wantField: "source", wantMsg: "nested lists: a row of type string reads at most one list level"},
		{name: "list type on an element field needs a second list", edit: vmdr(Row{Source: "VULNERABILITIES[].ASSET_CVE", Type: "list", Target: "finding.cve_ids"}),
			wantRow: 2, wantField: "source", wantMsg: `the path needs a second "[]" (e.g. "VULNERABILITIES[].QID_INFO.qid.cveId[]")`},
		{name: "vmdr host scalar from a list", edit: vmdr(Row{Source: "VULNERABILITIES[].QID", Type: "integer", Target: "host.asset_id"}),
			wantRow: 2, wantField: "type", wantMsg: `the path reads every element of list "VULNERABILITIES" but host field host.asset_id holds one value`},
		{name: "kb vuln scalar from a list", edit: kb(Row{Source: "CVE_LIST[].ID", Type: "string", Target: "vuln.title"}),
			wantRow: 2, wantField: "type", wantMsg: "but vuln field vuln.title holds one value"},
		{name: "kb list without list", edit: kb(Row{Source: "TITLE", Type: "list", Target: "vuln.cve_ids"}),
			wantRow: 2, wantField: "source", wantMsg: `names no list element: mark the list with "[]" (e.g. "CVE_LIST[].ID")`},
		{name: "vmdr list path without brackets", edit: vmdr(Row{Source: "VULNERABILITIES[].QID_INFO.qid.cveId", Type: "list", Target: "finding.cve_ids"}),
			wantRow: 2, wantField: "source", wantMsg: `write "VULNERABILITIES[].QID_INFO.qid.cveId[]"`},
		{name: "missing type", row: Row{Source: "dnsName", Target: "host.fqdn"}, wantRow: 2, wantField: "type", wantMsg: "is required"},
		{name: "bad type", row: Row{Source: "dnsName", Type: "text", Target: "host.fqdn"}, wantRow: 2, wantField: "type", wantMsg: `"text": unknown type`},
		{name: "unknown target", row: Row{Source: "dnsName", Type: "string", Target: "host.dns_nam"}, wantRow: 2, wantField: "target", wantMsg: `"host.dns_nam": unknown target field`},
		{name: "duplicate target", row: Row{Source: "netbiosName", Type: "string", Target: "host.dns_name"}, wantRow: 2, wantField: "target", wantMsg: "duplicate target (row 1 writes it too)"},
		{name: "unknown normalizer", row: Row{Source: "dnsName", Type: "string", Target: "host.fqdn", Normalizer: "fqdn"}, wantRow: 2, wantField: "normalizer", wantMsg: `"fqdn": unknown normalizer`},
		{name: "normalizer vs type", row: Row{Source: "totalMemory", Type: "integer", Target: "host.total_memory", Normalizer: "os"}, wantRow: 2, wantField: "normalizer", wantMsg: "cannot be used with type integer"},
		{name: "type vs target", row: Row{Source: "lastBoot", Type: "datetime", Target: "host.total_memory"}, wantRow: 2, wantField: "type", wantMsg: "a field of type integer"},
		{name: "list type into scalar field", row: Row{Source: "tagList.tag[].tagName", Type: "list", Target: "tag.name"}, wantRow: 2, wantField: "type", wantMsg: "a field of type string"},
		{name: "entity without list", row: Row{Source: "assetName", Type: "string", Target: "software.name"}, wantRow: 2, wantField: "source", wantMsg: "must name a list element"},
		{name: "host scalar from list", row: Row{Source: "tagList.tag[].tagName", Type: "string", Target: "host.name"}, wantRow: 2, wantField: "type", wantMsg: "holds one value"},
		{name: "list type without list", row: Row{Source: "dnsName", Type: "list", Target: "host.tag_names"}, wantRow: 2, wantField: "source", wantMsg: "names no list element"},
		{name: "entity from two lists", edit: func(m *Map) {
			m.Rows = append(m.Rows,
				Row{Source: "softwareListData.software[].fullName", Type: "string", Target: "software.name"},
				Row{Source: "volumeListData.volume[].name", Type: "string", Target: "software.version"})
		}, wantRow: 3, wantField: "source", wantMsg: `already read from list "softwareListData.software" (row 2)`},
		{name: "missing name", edit: func(m *Map) { m.Name = "" }, wantField: "name", wantMsg: "is required"},
		{name: "bad name", edit: func(m *Map) { m.Name = "my map" }, wantField: "name", wantMsg: "use letters"},
		{name: "missing source", edit: func(m *Map) { m.Source = "" }, wantField: "source", wantMsg: "is required (one of CSAM, KB, VMDR)"},
		{name: "unknown source", edit: func(m *Map) { m.Source = "WAS" }, wantField: "source", wantMsg: `"WAS": unknown source (one of CSAM, KB, VMDR)`},
		{name: "missing key", edit: func(m *Map) { m.Key = "" }, wantField: "key", wantMsg: "is required"},
		{name: "unknown key", edit: func(m *Map) { m.Key = "assetID" }, wantField: "key", wantMsg: `unknown source path (did you mean "assetId"?)`},
		{name: "key in a list", edit: func(m *Map) { m.Key = "tagList.tag[].tagId" }, wantField: "key", wantMsg: "not a list element"},
		{name: "key not integer or string", edit: func(m *Map) { m.Key = "isContainerHost" }, wantField: "key", wantMsg: "this is a boolean"},
		{name: "no rows", edit: func(m *Map) { m.Rows = nil }, wantField: "rows", wantMsg: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Map{Name: "t", Source: model.SourceCSAM, Key: "assetId", Rows: []Row{ok}}
			if tt.row.Source != "" || tt.row.Type != "" || tt.row.Target != "" {
				r := tt.row
				r.Line = 40
				m.Rows = append(m.Rows, r)
			}
			if tt.edit != nil {
				tt.edit(m)
			}
			err := m.Validate(model.NewCatalog())
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if _, err := Compile(m, nil); err != nil {
					t.Fatalf("Compile: %v", err)
				}
				return
			}
			errs := unjoin(err)
			if err == nil || len(errs) != 1 {
				t.Fatalf("want one error, got %v", err)
			}
			var re *RowError
			if !errors.As(errs[0], &re) {
				t.Fatalf("not a *RowError: %T", errs[0])
			}
			if re.Row != tt.wantRow || re.Field != tt.wantField || !strings.Contains(re.Msg, tt.wantMsg) {
				t.Errorf("got row %d field %q msg %q; want row %d field %q msg containing %q",
					re.Row, re.Field, re.Msg, tt.wantRow, tt.wantField, tt.wantMsg)
			}
			if re.Row > 0 && re.Line == 0 && re.Row == len(m.Rows) && m.Rows[re.Row-1].Line != 0 {
				t.Errorf("line not reported")
			}
			if _, cerr := Compile(m, nil); cerr == nil {
				t.Error("Compile accepted an invalid map")
			}
		})
	}
}

func TestRowErrorFormat(t *testing.T) {
	for _, tt := range []struct {
		e    RowError
		want string
	}{
		{RowError{Row: 12, Line: 40, Field: "target", Msg: `"host.dns_nam": unknown target field`}, `row 12 (line 40): target "host.dns_nam": unknown target field`},
		{RowError{Row: 3, Field: "type", Msg: "is required"}, "row 3: type is required"},
		{RowError{Line: 2, Field: "key", Msg: "is required"}, "line 2: key is required"},
		{RowError{Field: "name", Msg: "is required"}, "name is required"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	t.Run("brief example", func(t *testing.T) {
		// The example of the design brief: unquoted "[]" paths in flow rows.
		src := `name: csam-default
description: Out-of-box map for CSAM host assets
source: CSAM            # model.Source
key: assetId
rows:
  - {source: dnsName, type: string, target: host.dns_name, label: DNS Name}
  - {source: lastBoot, type: datetime, target: host.last_boot}
  - {source: softwareListData.software[].fullName, type: string, target: software.name}
  - {source: softwareListData.software[].installPath, type: string, target: installed_software.install_path}
  - {source: networkInterfaceListData.networkInterface[].macAddress, type: mac, target: network_interface.mac_address}
  - {source: operatingSystem.osName, type: string, target: host.os_name, normalizer: os}
  - {source: tagList.tag[].tagName, type: list, target: host.tag_names}   # list type on a host target collects all elements
`
		m, err := Parse([]byte(src), "ex.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Rows) != 7 || m.Rows[2].Source != "softwareListData.software[].fullName" || m.Rows[2].Line != 8 || m.Rows[0].Label != "DNS Name" {
			t.Errorf("rows = %+v", m.Rows)
		}
		if _, err := Compile(m, nil); err != nil {
			t.Errorf("Compile: %v", err)
		}
	})
	t.Run("block style", func(t *testing.T) {
		src := "name: b\nsource: CSAM\nkey: assetId\nrows:\n  - source: tagList.tag[].tagName\n    type: list\n    target: host.tag_names\n"
		m, err := Parse([]byte(src), "b.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if m.Rows[0].Source != "tagList.tag[].tagName" || m.Rows[0].Line != 5 {
			t.Errorf("row = %+v", m.Rows[0])
		}
	})
	for _, tt := range []struct{ name, src, want string }{
		{"unknown row key", "name: x\nsource: CSAM\nkey: assetId\nrows:\n  - {source: dnsName, type: string, target: host.dns_name, normaliser: lower}\n", "m.yaml:5:"},
		{"unknown top key", "name: x\nsource: CSAM\nkey: assetId\nmode: fast\nrows: []\n", "m.yaml:4:1: unknown field \"mode\""},
		{"syntax", "name: x\nrows: [\n", "m.yaml:"},
		{"duplicate key", "name: x\nname: y\n", "m.yaml:2:1:"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), "m.yaml")
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestLoadError(t *testing.T) {
	src := "name: x\nsource: CSAM\nkey: assetId\nrows:\n  - {source: dnsName, type: string, target: host.dns_nam}\n  - {source: lastBoot, type: date, target: host.last_boot}\n"
	_, err := Load([]byte(src), "my.yaml", nil)
	want := "my.yaml: row 1 (line 5): target \"host.dns_nam\": unknown target field (did you mean \"host.dns_name\"?)\n" +
		"my.yaml: row 2 (line 6): type \"date\": unknown type (one of string, integer, float, boolean, datetime, ip, mac, list)"
	if err == nil || err.Error() != want {
		t.Fatalf("Load error:\n%v\nwant:\n%s", err, want)
	}
	var re *RowError
	if !errors.As(err, &re) || re.Row != 1 {
		t.Errorf("errors.As *RowError: %v", re)
	}
}

func TestHash(t *testing.T) {
	a := "name: h\nsource: CSAM\nkey: assetId\nrows:\n  - {source: dnsName, type: string, target: host.dns_name}\n"
	b := "# a comment\nname: h\nsource: CSAM\n\nkey: assetId\nrows:\n  - source: dnsName\n    type: string\n    target: host.dns_name\n"
	c := strings.Replace(a, "host.dns_name", "host.fqdn", 1)
	ha, hb, hc := must(Load([]byte(a), "a", nil)).Hash(), must(Load([]byte(b), "b", nil)).Hash(), must(Load([]byte(c), "c", nil)).Hash()
	if ha != hb {
		t.Errorf("layout changed the hash: %s vs %s", ha, hb)
	}
	if ha == hc {
		t.Error("a changed row kept the hash")
	}
	if len(ha) != 64 {
		t.Errorf("hash %q: want 64 hex digits", ha)
	}
	// Map returns a copy.
	cm := must(Load([]byte(a), "a", nil))
	cm.Map().Rows[0].Target = "x"
	if cm.Map().Rows[0].Target != "host.dns_name" {
		t.Error("Map() exposes the compiled map")
	}
}
func TestParseEdges(t *testing.T) {
	m, err := Parse(nil, "empty.yaml")
	if err != nil {
		t.Fatalf("empty: %v", err)
	}
	if err := m.Validate(nil); err == nil || !strings.Contains(err.Error(), "name is required") {
		t.Errorf("empty map: %v", err)
	}
	if _, err := Parse([]byte("name: x\nrows: {a: 1}\n"), "r.yaml"); err == nil || !strings.HasPrefix(err.Error(), "r.yaml:2:") {
		t.Errorf("rows as a mapping: %v", err)
	}
	// a description that mentions a flow row is not rewritten
	src := "name: x\ndescription: 'like {source: a[].b}'\nsource: CSAM\nkey: assetId\nrows:\n  - {source: dnsName, type: string, target: host.dns_name}\n"
	m, err = Parse([]byte(src), "d.yaml")
	if err != nil || m.Description != "like {source: a[].b}" {
		t.Errorf("description: %q, %v", m.Description, err)
	}
}
