package qualys

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/qualyssim"
)

// A DETECTION's MITRE_ATTACK_LIST (mitre_attack_details=1) decodes into
// Detection.MitreAttackList, trimmed, and its JSON (the VMDR source
// document) is VULNERABILITIES[].MITRE_ATTACK_LIST[] with the element names.
func TestDecodeDetectionMitre(t *testing.T) {
	t.Parallel()
	page := `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "https://qualysapi.qualys.com/api/5.0/fo/asset/host/vm/detection/dtd/output.dtd">
<HOST_LIST_VM_DETECTION_OUTPUT>
  <RESPONSE>
    <DATETIME>2025-06-01T00:00:00Z</DATETIME>
    <HOST_LIST>
      <HOST>
        <ID>1000042</ID>
        <IP>10.0.0.42</IP>
        <DETECTION_LIST>
          <DETECTION>
            <UNIQUE_VULN_ID>100004200</UNIQUE_VULN_ID>
            <QID>92080</QID>
            <TYPE>Confirmed</TYPE>
            <STATUS>Active</STATUS>
            <LAST_PROCESSED_DATETIME>2025-05-31T22:00:00Z</LAST_PROCESSED_DATETIME>
            <MITRE_ATTACK_LIST>
              <MITRE_ATTACK>
                <MITRE_TACTIC_ID>TA0008</MITRE_TACTIC_ID>
                <MITRE_TACTIC_NAME>
                  <![CDATA[Lateral Movement]]>
                </MITRE_TACTIC_NAME>
                <MITRE_TECHNIQUE_ID>T1210</MITRE_TECHNIQUE_ID>
                <MITRE_TECHNIQUE_NAME><![CDATA[Exploitation of Remote Services]]></MITRE_TECHNIQUE_NAME>
              </MITRE_ATTACK>
              <MITRE_ATTACK>
                <MITRE_TACTIC_ID>TA0004</MITRE_TACTIC_ID>
                <MITRE_TACTIC_NAME><![CDATA[Privilege Escalation]]></MITRE_TACTIC_NAME>
                <MITRE_TECHNIQUE_ID>T1068</MITRE_TECHNIQUE_ID>
                <MITRE_TECHNIQUE_NAME><![CDATA[Exploitation for Privilege Escalation]]></MITRE_TECHNIQUE_NAME>
              </MITRE_ATTACK>
            </MITRE_ATTACK_LIST>
          </DETECTION>
          <DETECTION>
            <QID>6</QID>
            <TYPE>Info</TYPE>
          </DETECTION>
        </DETECTION_LIST>
      </HOST>
    </HOST_LIST>
  </RESPONSE>
</HOST_LIST_VM_DETECTION_OUTPUT>
`
	var hosts []Host
	_, err := readPage(strings.NewReader(page), hldRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
		return decodeHostItem(dec, se, func(_ int64, h Host) bool { hosts = append(hosts, h); return true })
	})
	if err != nil || len(hosts) != 1 || len(hosts[0].Detections) != 2 {
		t.Fatalf("%d hosts, %v", len(hosts), err)
	}
	want := []MitreAttack{
		{TacticID: "TA0008", TacticName: "Lateral Movement", TechniqueID: "T1210", TechniqueName: "Exploitation of Remote Services"},
		{TacticID: "TA0004", TacticName: "Privilege Escalation", TechniqueID: "T1068", TechniqueName: "Exploitation for Privilege Escalation"},
	}
	d := hosts[0].Detections
	if !slices.Equal(d[0].MitreAttackList, want) || d[1].MitreAttackList != nil {
		t.Errorf("ATT&CK %+v, %+v; want %+v, none", d[0].MitreAttackList, d[1].MitreAttackList, want)
	}
	b, err := json.Marshal(hosts[0])
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vulns []map[string]json.RawMessage `json:"VULNERABILITIES"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	wantJSON := `[{"MITRE_TACTIC_ID":"TA0008","MITRE_TACTIC_NAME":"Lateral Movement","MITRE_TECHNIQUE_ID":"T1210","MITRE_TECHNIQUE_NAME":"Exploitation of Remote Services"},` +
		`{"MITRE_TACTIC_ID":"TA0004","MITRE_TACTIC_NAME":"Privilege Escalation","MITRE_TECHNIQUE_ID":"T1068","MITRE_TECHNIQUE_NAME":"Exploitation for Privilege Escalation"}]`
	if got := string(doc.Vulns[0]["MITRE_ATTACK_LIST"]); got != wantJSON {
		t.Errorf("JSON MITRE_ATTACK_LIST %s\nwant %s", got, wantJSON)
	}
	if _, ok := doc.Vulns[1]["MITRE_ATTACK_LIST"]; ok {
		t.Error("a detection without ATT&CK has a MITRE_ATTACK_LIST key")
	}
	// The contract document carries the key with that shape.
	raw, err := os.ReadFile("testdata/vmdr_host.json")
	if err != nil {
		t.Fatal(err)
	}
	var contract Host
	if err := json.Unmarshal(raw, &contract); err != nil {
		t.Fatal(err)
	}
	if len(contract.Detections) == 0 || len(contract.Detections[0].MitreAttackList) == 0 || contract.Detections[0].MitreAttackList[0].TechniqueID == "" {
		t.Error("testdata/vmdr_host.json: the detection has no MITRE_ATTACK_LIST")
	}
}

// mitre_attack_details is sent to the API versions that have it (4.0 and
// 5.0) when MitreAttackDetails is set, never to 2.0 and 3.0.
func TestDetectionQueryMitreParam(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		version string
		on      bool
		want    bool
	}{{"", true, false}, {"2.0", true, false}, {"3.0", true, false}, {"4.0", true, true}, {"5.0", true, true}, {"5.0", false, false}} {
		q := AllDetections()
		q.APIVersion, q.MitreAttackDetails = tc.version, tc.on
		path, form, err := q.params()
		if err != nil {
			t.Fatal(err)
		}
		if got := form.Get("mitre_attack_details") == "1"; got != tc.want || (!tc.want && form.Has("mitre_attack_details")) {
			t.Errorf("%s (option %v): %s mitre_attack_details=%q", tc.version, tc.on, path, form.Get("mitre_attack_details"))
		}
	}
	if !AllDetections().MitreAttackDetails || LatestDetectionAPIVersion != "5.0" {
		t.Error("AllDetections does not ask for the ATT&CK details, or the latest version is not 5.0")
	}
}

// Against the simulator: from API 5.0 every detection of a QID with ATT&CK
// data carries the pairs of its KnowledgeBase entry; 2.0 and 3.0 accept the
// same query (the parameter is not sent) and carry none.
func TestSimDetectionsMitre(t *testing.T) {
	t.Parallel()
	_, c := startVMSim(t, qualyssim.Config{Assets: 60, Seed: 17, Epoch: 1})
	kb := map[int64][]MitreAttack{}
	for v, err := range c.KB.Vulns(t.Context(), KBQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		kb[v.QID] = v.MitreAttackList
	}
	for _, version := range []string{"2.0", "3.0", "4.0", "5.0"} {
		q := AllDetections()
		q.APIVersion, q.TruncationLimit = version, 25
		dets, with := 0, 0
		for h, err := range c.VMDR.Detections(t.Context(), q, IDRange{}) {
			if err != nil {
				t.Fatalf("%s: %v", version, err)
			}
			for _, d := range h.Detections {
				dets++
				if len(d.MitreAttackList) > 0 {
					with++
				}
				if version >= "4.0" && !slices.Equal(d.MitreAttackList, kb[d.QID]) {
					t.Errorf("%s host %d QID %d: ATT&CK %+v, KnowledgeBase %+v", version, h.ID, d.QID, d.MitreAttackList, kb[d.QID])
				}
			}
		}
		switch {
		case dets == 0:
			t.Errorf("%s: no detection", version)
		case version >= "4.0" && with == 0:
			t.Errorf("%s: no detection with ATT&CK details", version)
		case version < "4.0" && with > 0:
			t.Errorf("%s: %d detections with ATT&CK details", version, with)
		}
	}
}
