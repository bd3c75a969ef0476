package transform

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/model"
)

// seedVMDRTable is the vendor's "VMDR Asset Transformation Mapping" table
// (seed 002): Source Attribute Label (a source path) → Target Attribute Label.
var seedVMDRTable = [][2]string{
	{"ID", "externalAssetId"},
	{"VULNERABILITIES[].QID_INFO.qid.title", "findingName"},
	{"VULNERABILITIES[].UNIQUE_VULN_ID", "externalFindingId"},
	{"VULNERABILITIES[].SEVERITY", "findingSeverity"},
	{"DNS_DATA.HOSTNAME", "assetName"},
	{"CLOUD_RESOURCE_ID", "cloudInstanceId"},
	{"CLOUD_PROVIDER", "cloudProvider"},
	{"VULNERABILITIES[].QID_INFO.qid.cvssTemporal", "cvss2Temporal"},
	{"VULNERABILITIES[].QID_INFO.qid.cvssBase", "cvssV2Base"},
	{"VULNERABILITIES[].QID_INFO.qid.cvss3Base", "cvss3Base"},
	{"VULNERABILITIES[].QID_INFO.qid.cvss3Temporal", "cvss3Temporal"},
	{"VULNERABILITIES[].QDS.value", "detectionScore"},
	{"VULNERABILITIES[].QID_INFO.corExploit[].vendorName", "exploitedByList"},
	{"VULNERABILITIES[].QID_INFO.qid.description", "findingDescription"},
	{"VULNERABILITIES[].FIRST_FOUND_DATETIME", "findingFirstFoundOn"},
	{"VULNERABILITIES[].LAST_FOUND_DATETIME", "findingLastFoundOn"},
	{"VULNERABILITIES[].PORT", "findingPort"},
	{"VULNERABILITIES[].PROTOCOL", "findingProtocol"},
	{"VULNERABILITIES[].FIRST_REOPENED_DATETIME", "findingReopenedOn"},
	{"VULNERABILITIES[].STATUS", "findingStatus"},
	{"VULNERABILITIES[].TYPE", "findingSubType"},
	{"DNS_DATA.FQDN", "fqdn"},
	{"VULNERABILITIES[].IS_IGNORED", "ignoreFinding"},
	{"VULNERABILITIES[].QID_INFO.qid.consequence", "impact"},
	{"IP", "ipAddress"},
	{"VULNERABILITIES[].QID_INFO.qid.patchExist", "isPatchAvailable"},
	{"NETBIOS", "netBiosName"},
	{"OS", "operatingSystemName"},
	{"VULNERABILITIES[].QID_INFO.qid.solution", "recommendation"},
	{"VULNERABILITIES[].QID", "sourceVulnerabilityId"},
	{"VULNERABILITIES[].QID_INFO.qid.cvssAccessVector", "vector"},
	{"VULNERABILITIES[].MITRE_TACTIC_ID", "id"},
	{"VULNERABILITIES[].MITRE_TACTIC_NAME", "name"},
	{"VULNERABILITIES[].MITRE_TECHNIQUE_ID", "id"},
	{"VULNERABILITIES[].MITRE_TECHNIQUE_NAME", "name"},
	{"VULNERABILITIES[].QID_INFO.qid.cveId", "cveId"},
}

// seedVMDRPath is the seed document, relative to this package.
var seedVMDRPath = filepath.Join("..", "..", "..", "shared", "seeds", "002_0db7cb34d697cd4a.txt")

// TestSeedVMDRTableComplete checks the table above against the seed document
// itself when shared/ is present: every pair, in order.
func TestSeedVMDRTableComplete(t *testing.T) {
	data, err := os.ReadFile(seedVMDRPath)
	if err != nil {
		t.Skipf("VMDR seed document not found at %s (it lives in shared/seeds beside the repository): skipping: %v", seedVMDRPath, err)
	}
	text := strings.ReplaceAll(string(data), "\u00a0", " ")
	i := strings.Index(text, "VMDR Asset Transformation Mapping")
	if i < 0 {
		t.Fatal("seed: VMDR mapping table not found")
	}
	var cells []string
	for _, l := range strings.Split(text[i:], "\n")[1:] {
		l = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(l), "|"))
		if l == "" || strings.Trim(l, "-|") == "" {
			continue // blank lines and the "---|---|" rule
		}
		cells = append(cells, l)
	}
	if len(cells) < 2 || cells[0] != "Source Attribute Label" || cells[1] != "Target Attribute Label" {
		t.Fatalf("seed: unexpected table header %q", cells[:min(2, len(cells))])
	}
	cells = cells[2:]
	var got [][2]string
	for k := 0; k+1 < len(cells); k += 2 {
		got = append(got, [2]string{cells[k], cells[k+1]})
	}
	if diff := cmp.Diff(seedVMDRTable, got); diff != "" {
		t.Errorf("seed table differs from the test's copy (-test +seed):\n%s", diff)
	}
}

// TestVMDRDefaultMapSeedRows checks that every pair of the vendor table is a
// row of vmdr-default: its source is the table's source path and its label
// the table's target label. A source path that names a list of plain strings
// (cveId, the MITRE lists) is read with a final "[]".
func TestVMDRDefaultMapSeedRows(t *testing.T) {
	c := defaultCompiledFor(t, model.SourceVMDR)
	schema, err := loadSchema(model.SourceVMDR)
	if err != nil {
		t.Fatal(err)
	}
	rows := c.Map().Rows
	for _, pair := range seedVMDRTable {
		source := pair[0]
		if schema[source] == schemaArray {
			source += "[]"
		}
		if !slices.ContainsFunc(rows, func(r Row) bool { return r.Source == source && r.Label == pair[1] }) {
			t.Errorf("seed row %q → %q: no row with source %q and label %q", pair[0], pair[1], source, pair[1])
		}
	}
	// Where the catalog field carries the table's label, the row writes it.
	cat := model.NewCatalog()
	for _, r := range rows {
		f, _ := cat.Lookup(r.Target)
		if f.Entity == model.EntityFinding && r.Label != f.Label {
			t.Errorf("row %s → %s: label %q, the field's label is %q", r.Source, r.Target, r.Label, f.Label)
		}
	}
	// The rows the brief names.
	for _, want := range []Row{
		{Source: "ID", Type: model.TypeInteger, Target: "host.host_id", Label: "externalAssetId"},
		{Source: "IP", Type: model.TypeIP, Target: "host.ip_address", Label: "ipAddress"},
		{Source: "DNS_DATA.HOSTNAME", Type: model.TypeString, Target: "host.name", Label: "assetName"},
		{Source: "OS", Type: model.TypeString, Target: "host.os_name", Normalizer: "os", Label: "operatingSystemName"},
		{Source: "DNS_DATA.FQDN", Type: model.TypeString, Target: "host.fqdn", Normalizer: "hostname", Label: "fqdn"},
		{Source: "NETBIOS", Type: model.TypeString, Target: "host.netbios_name", Label: "netBiosName"},
		{Source: "CLOUD_PROVIDER", Type: model.TypeString, Target: "host.cloud_provider", Label: "cloudProvider"},
		{Source: "CLOUD_RESOURCE_ID", Type: model.TypeString, Target: "host.cloud_instance_id", Label: "cloudInstanceId"},
		{Source: "QG_HOSTID", Type: model.TypeString, Target: "host.agent_id", Label: "Agent Id"},
		{Source: "VULNERABILITIES[].RESULTS", Type: model.TypeString, Target: "finding.results", Normalizer: "html_unescape", Label: "Finding Results"},
		{Source: "VULNERABILITIES[].QID_INFO.corExploit[].vendorName", Type: model.TypeList, Target: "finding.exploited_by_list", Label: "exploitedByList"},
	} {
		if !slices.ContainsFunc(rows, func(r Row) bool { r.Line = 0; return r == want }) {
			t.Errorf("no row %+v", want)
		}
	}
}

// TestDefaultMapsCoverCatalog checks that vmdr-default writes every finding
// field and kb-default every vuln field.
func TestDefaultMapsCoverCatalog(t *testing.T) {
	for source, e := range map[model.Source]model.Entity{model.SourceVMDR: model.EntityFinding, model.SourceKB: model.EntityVuln} {
		written := map[string]bool{}
		for _, r := range defaultCompiledFor(t, source).Map().Rows {
			written[r.Target] = true
		}
		for _, f := range model.NewCatalog().Fields() {
			if f.Entity == e && !written[f.Target()] {
				t.Errorf("%s: the default map does not write %s", source, f.Target())
			}
		}
	}
	// and the VMDR host fields of the catalog
	written := map[string]bool{}
	for _, r := range defaultCompiledFor(t, model.SourceVMDR).Map().Rows {
		written[r.Target] = true
	}
	for _, f := range vmdrOnlyHostFields {
		if !written[f] {
			t.Errorf("VMDR: the default map does not write %s", f)
		}
	}
}

// vmdrOnlyHostFields are host fields only a VMDR host fills.
var vmdrOnlyHostFields = []string{
	"host.ipv6_address", "host.domain", "host.tracking_method", "host.last_vm_scanned",
	"host.last_vm_auth_scanned", "host.network_id", "host.cloud_service", "host.qg_host_id",
}

// TestSchemasCoverContracts checks that every path of the contract documents
// (the JSON the VMDR and KnowledgeBase clients produce) is in the embedded
// schema with the same kind, and that every schema path of those sources is
// in the contract (the schema describes exactly the contract).
func TestSchemasCoverContracts(t *testing.T) {
	for source, file := range map[model.Source]string{
		model.SourceVMDR: "testdata/vmdr-contract/input.json",
		model.SourceKB:   "testdata/kb-contract/input.json",
	} {
		schema, err := loadSchema(source)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		collectPaths(t, raw, seen)
		for _, p := range sortedKeys(seen) {
			kind, ok := schema[p]
			switch {
			case !ok:
				t.Errorf("%s: contract path %s (%s) is not in the schema", source, p, seen[p])
			case seen[p] == "null" || kind == schemaObject && seen[p] == "object":
			case seen[p] == schemaInteger && kind == schemaNumber:
			case seen[p] == "array" && kind == schemaArray:
			case seen[p] != kind:
				t.Errorf("%s: contract path %s is %s in the contract, %s in the schema", source, p, seen[p], kind)
			}
		}
		for _, p := range schemaPaths(schema) {
			if _, ok := seen[p]; !ok && !emptyInContract(p) {
				t.Errorf("%s: schema path %s is not in the contract", source, p)
			}
		}
	}
}

// emptyInContract reports whether a schema path lies under a list that is
// empty in the contract document (the other cloud providers' metadata).
func emptyInContract(p string) bool {
	return strings.HasPrefix(p, "METADATA.GOOGLE[].") || strings.HasPrefix(p, "METADATA.AZURE[].")
}

// TestDefaultMapsOnContracts applies vmdr-default and kb-default to the
// contract documents: every value of the document a row reads is written.
func TestDefaultMapsOnContracts(t *testing.T) {
	cat := model.NewCatalog()
	vmdr := defaultCompiledFor(t, model.SourceVMDR)
	rec := must(vmdr.Apply(must(os.ReadFile("testdata/vmdr-contract/input.json"))))
	checkTypes(t, cat, rec)
	if rec.NativeKey != "1000007" || rec.Host["host_id"] != int64(1000007) || rec.Host["agent_id"] != "9344043e-d326-4e35-a4ef-189752682154" {
		t.Errorf("host identity: key %q, host %v", rec.NativeKey, rec.Host)
	}
	findings := rec.Rows(model.EntityFinding)
	if len(findings) != 1 {
		t.Fatalf("%d findings, want 1", len(findings))
	}
	f := findings[0]
	for field, want := range map[string]any{
		"results": "Vulnerable version: < 38", "ssl": false, "is_ignored": false, "patch_available": true,
		"cvss2_base": 5.0, "qds": int64(53), "name": "OpenSSH Terrapin",
	} {
		if f[field] != want {
			t.Errorf("finding.%s = %#v, want %#v", field, f[field], want)
		}
	}
	for field, want := range map[string][]string{
		"cve_ids": {"CVE-2023-48795"}, "exploited_by_list": {"nvd"}, "malware_list": {"Trend Micro"},
		"mitre_tactic_ids": {"TA0004", "TA0002"}, "qds_factor_names": {"exploit_maturity", "CVSS"},
	} {
		if got, _ := f[field].([]string); !slices.Equal(got, want) {
			t.Errorf("finding.%s = %#v, want %q", field, f[field], want)
		}
	}
	kb := defaultCompiledFor(t, model.SourceKB)
	rec = must(kb.Apply(must(os.ReadFile("testdata/kb-contract/input.json"))))
	checkTypes(t, cat, rec)
	if rec.NativeKey != "375402" || len(rec.Lists) != 0 {
		t.Errorf("KB record: key %q, lists %v", rec.NativeKey, rec.Lists)
	}
	for field, want := range map[string]any{"cvss2_base": 9.3, "cvss3_base": 7.8, "patchable": true, "pci_flag": true, "remote": false} {
		if rec.Host[field] != want {
			t.Errorf("vuln.%s = %#v, want %#v", field, rec.Host[field], want)
		}
	}
	if got, _ := rec.Host["exploit_refs"].([]string); !slices.Equal(got, []string{"CVE-2025-23632"}) {
		t.Errorf("vuln.exploit_refs = %#v", rec.Host["exploit_refs"])
	}
}

// TestApplyVMDRBig applies vmdr-default to a large host: one finding per
// detection, the same record as the reference decoder.
func TestApplyVMDRBig(t *testing.T) {
	c := defaultCompiledFor(t, model.SourceVMDR)
	raw := bigVMDRHost(200)
	rec, err := c.Apply(raw)
	if err != nil {
		t.Fatal(err)
	}
	checkTypes(t, model.NewCatalog(), rec)
	if n := len(rec.Rows(model.EntityFinding)); n != 200 {
		t.Errorf("%d findings, want 200", n)
	}
	ref, err := applyReference(c, raw)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(renderRecord(ref)), string(renderRecord(rec))); diff != "" {
		t.Errorf("Apply differs from the reference (-ref +apply):\n%s", diff)
	}
}
