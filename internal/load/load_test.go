package load

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/enrich"
	"github.com/qflow/qflow/internal/model"
	"github.com/qflow/qflow/internal/store"
)

func TestFindingKey(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    model.Values
		want string
		ok   bool
	}{
		{"qid only", model.Values{"qid": int64(38170)}, "38170///0/", true},
		{"port protocol ssl", model.Values{"qid": int64(38170), "port": int64(443), "protocol": "tcp", "ssl": true}, "38170/443/tcp/1/", true},
		{"instance", model.Values{"qid": int64(105943), "instance": "os"}, "105943///0/os", true},
		{"no qid", model.Values{"port": int64(22)}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := findingKey(tc.v)
			if got != tc.want || ok != tc.ok {
				t.Errorf("findingKey = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestValuesOfRestoresTransformTypes(t *testing.T) {
	v, err := valuesOf(`{"qds":70,"cvss3_base":7.5,"cve_ids":["CVE-1","CVE-2"],"type":"Confirmed","gone":null,"flag":true}`)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Values{"qds": int64(70), "cvss3_base": 7.5, "cve_ids": []string{"CVE-1", "CVE-2"}, "type": "Confirmed", "flag": true}
	if d := cmp.Diff(want, v); d != "" {
		t.Errorf("valuesOf (-want +got):\n%s", d)
	}
	if _, err := valuesOf(`{`); err == nil {
		t.Error("corrupt JSON accepted")
	}
}

// The KnowledgeBase entry's facts win over those the finding was loaded
// with, and a QDS Qualys did not give is derived from them.
func TestRefreshedTakesTheKnowledgeBase(t *testing.T) {
	e, err := refreshed(store.FindingKB{ID: 7,
		Attributes: `{"qid":500,"type":"Confirmed","severity":4,"name":"old title","cve_ids":["CVE-0"]}`,
		Vuln:       `{"title":"Old OpenSSL","cvss3_base":9.8,"patchable":true,"cve_ids":["CVE-2024-1"],"exploit_sources":["Metasploit"],"threat_intel":["Cisa_Known_Exploited_Vulns"]}`})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for i, c := range store.EnrichColumns {
		got[c] = e.Values[i]
	}
	want := map[string]any{"title": "Old OpenSSL", "cvss2_base": nil, "cvss3_base": 9.8, "vector": nil, "patchable": true,
		"cve_ids": `["CVE-2024-1"]`, "exploited_by": `["Metasploit"]`, "malware": nil, "threat_intel": `["Cisa_Known_Exploited_Vulns"]`,
		"mitre_tactics": nil, "mitre_techniques": nil, "risk_qds": 100, "qds_derived": true}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("refreshed (-want +got):\n%s", d)
	}
	if _, err := refreshed(store.FindingKB{ID: 8, Attributes: `{}`, Vuln: `[`}); err == nil {
		t.Error("corrupt KnowledgeBase entry accepted")
	}
}

func TestScore(t *testing.T) {
	w := enrich.DefaultWeights()
	for _, tc := range []struct {
		name      string
		in        store.RiskInput
		acs       int
		scored    bool
		wantScore int
	}{
		{"no vulnerability data: unscored", store.RiskInput{AssetID: 1, Criticalities: []int{4}}, 4, false, 0},
		{"default ACS 2", store.RiskInput{AssetID: 2, Scanned: true, Findings: []store.ScoredFinding{{QDS: 100, Status: "Active"}, {QDS: 40, Status: "Active"}}}, 2, true, 616},
		{"highest criticality wins", store.RiskInput{AssetID: 3, Scanned: true, Criticalities: []int{1, 3}, TagCriticalities: []int{2}}, 3, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Score(tc.in, w)
			if s.AssetID != tc.in.AssetID || s.ACS != tc.acs || (s.TruRisk != nil) != tc.scored {
				t.Fatalf("Score = %+v; want ACS %d, scored %v", s, tc.acs, tc.scored)
			}
			if tc.scored && (*s.TruRisk != tc.wantScore || *s.Band != enrich.Band(tc.wantScore)) {
				t.Errorf("TruRisk %d %s, want %d %s", *s.TruRisk, *s.Band, tc.wantScore, enrich.Band(tc.wantScore))
			}
		})
	}
}

// Installed software is written once per catalog entry and path; other
// list rows keep their order per entity.
func TestChildren(t *testing.T) {
	sw := model.Values{"name": "openssl", "version": "3.0", "publisher": "OpenSSL"}
	rec := &model.Record{Lists: map[string][]model.Item{
		"softwareListData.software": {
			{model.EntitySoftware: sw, model.EntityInstalledSoftware: model.Values{"install_path": "/usr"}},
			{model.EntitySoftware: sw, model.EntityInstalledSoftware: model.Values{"install_path": "/usr"}},
			{model.EntitySoftware: sw, model.EntityInstalledSoftware: model.Values{"install_path": "/opt"}},
		},
		"openPortListData.openPort": {
			{model.EntityOpenPort: model.Values{"number": int64(22), "protocol": "tcp"}},
			{model.EntityOpenPort: model.Values{"number": int64(443), "protocol": "tcp"}},
		},
	}}
	var c store.RecordContent
	if err := children(rec, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Installs) != 2 {
		t.Errorf("%d installs, want 2 (one per path)", len(c.Installs))
	}
	if len(c.Items) != 2 || c.Items[1].Table != "open_ports" || c.Items[1].Ordinal != 1 || c.Items[1].Values[0] != int64(443) {
		t.Errorf("ports = %+v", c.Items)
	}
}

// A finding's stored values leave out RESULTS and the KnowledgeBase texts,
// its hash covers them all, and the record's values are left as they were.
func TestFindingContent(t *testing.T) {
	v := model.Values{"qid": int64(1), "status": "Active", "results": "version 1.0", "description": "long text"}
	attrs, h1, err := findingContent(v)
	if err != nil {
		t.Fatal(err)
	}
	if attrs != `{"qid":1,"status":"Active"}` {
		t.Errorf("stored attributes = %s", attrs)
	}
	if len(v) != 4 || v["results"] != "version 1.0" {
		t.Errorf("the finding's values changed: %v", v)
	}
	v["results"] = "version 1.1"
	_, h2, _ := findingContent(v)
	delete(v, "description")
	_, h3, _ := findingContent(v)
	if h1 == h2 || h2 == h3 || h1 == h3 {
		t.Errorf("hashes %s %s %s: a change of RESULTS or a text must change the hash", h1, h2, h3)
	}
	_, again, _ := findingContent(model.Values{"qid": int64(1), "status": "Active", "results": "version 1.0", "description": "long text"})
	if again != h1 {
		t.Error("the hash is not a function of the values")
	}
}
