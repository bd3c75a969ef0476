package qualys

// The JSON encoding of Host and Vuln is a contract with the transform maps
// (testdata/vmdr_host.json, testdata/kb_vuln.json). These tests read raw
// simulator pages, derive from the XML alone (generically, with the list
// container rules) which key paths the JSON must have, and compare with the
// decoder's JSON.

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/testscale"
)

// listContainers are the XML elements whose children become a JSON array,
// with the array's key.
var listContainers = map[string]string{
	"DETECTION_LIST": "VULNERABILITIES", "TAGS": "TAGS", "CLOUD_PROVIDER_TAGS": "CLOUD_PROVIDER_TAGS",
	"QDS_FACTORS": "QDS_FACTORS", "EC2": "EC2", "GOOGLE": "GOOGLE", "AZURE": "AZURE",
	"BUGTRAQ_LIST": "BUGTRAQ_LIST", "SOFTWARE_LIST": "SOFTWARE_LIST", "VENDOR_REFERENCE_LIST": "VENDOR_REFERENCE_LIST",
	"CVE_LIST": "CVE_LIST", "COMPLIANCE_LIST": "COMPLIANCE_LIST", "EXPLOITS": "EXPLOITS", "EXPLT_LIST": "EXPLT_LIST",
	"MALWARE": "MALWARE", "MW_LIST": "MW_LIST", "PCI_REASONS": "PCI_REASONS", "THREAT_INTELLIGENCE": "THREAT_INTELLIGENCE",
	"MITRE_ATTACK_LIST": "MITRE_ATTACK_LIST", "AUTH_TYPE_LIST": "AUTH_TYPE_LIST", "CHANGE_LOG_LIST": "CHANGE_LOG_LIST",
}

// xmlNode is a generic XML element.
type xmlNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []xmlNode  `xml:",any"`
}

// xmlKeyPaths adds the JSON key paths the children of n imply, under prefix
// ("" or "A.B[]."): leaves with text, attributes, "value" for the text of
// an element with attributes, "[]" for list containers.
func xmlKeyPaths(n *xmlNode, prefix string, out map[string]bool) {
	for i := range n.Nodes {
		c := &n.Nodes[i]
		name := c.XMLName.Local
		if key, ok := listContainers[name]; ok {
			for j := range c.Nodes {
				it := &c.Nodes[j]
				if len(it.Nodes) == 0 && len(it.Attrs) == 0 {
					if strings.TrimSpace(it.Text) != "" {
						out[prefix+key+"[]"] = true
					}
					continue
				}
				xmlElemPaths(it, prefix+key+"[]", out)
			}
			continue
		}
		if repeated[name] {
			name += "[]"
		}
		xmlElemPaths(c, prefix+name, out)
	}
}

// repeated are the elements that repeat without a container; they become
// an array under their own name.
var repeated = map[string]bool{"VULN_COUNT": true}

func xmlElemPaths(c *xmlNode, path string, out map[string]bool) {
	switch {
	case len(c.Attrs) > 0:
		for _, a := range c.Attrs {
			out[path+"."+a.Name.Local] = true
		}
		if strings.TrimSpace(c.Text) != "" {
			out[path+".value"] = true
		}
	case len(c.Nodes) > 0:
		xmlKeyPaths(c, path+".", out)
	case strings.TrimSpace(c.Text) != "":
		out[path] = true
	}
}

// jsonKind names the kind of a decoded JSON value.
func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// jsonKeyPaths records the kind of every key path of v under path
// (arrays as "[]").
func jsonKeyPaths(v any, path string, out map[string]string) {
	if path != "" {
		if k, ok := out[path]; ok && k != jsonKind(v) {
			out[path] = k + "|" + jsonKind(v)
		} else {
			out[path] = jsonKind(v)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			jsonKeyPaths(e, p, out)
		}
	case []any:
		for _, e := range x {
			jsonKeyPaths(e, path+"[]", out)
		}
	}
}

// contractPaths reads a contract document's key paths and kinds, without
// those another package adds (QID_INFO and MITRE_* of VULNERABILITIES).
func contractPaths(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	out := map[string]string{}
	jsonKeyPaths(v, "", out)
	for p := range out {
		if strings.HasPrefix(p, "VULNERABILITIES[].QID_INFO") || strings.HasPrefix(p, "VULNERABILITIES[].MITRE_") {
			delete(out, p)
		}
	}
	return out
}

// rawSimPage posts form to the simulator and returns the body.
func rawSimPage(t *testing.T, srv *qualyssim.Server, base, path string, form url.Values) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	user, pass := srv.Credentials()
	req.SetBasicAuth(user, pass)
	req.Header.Set("X-Requested-With", "qflow-test")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d %v: %.300s", path, resp.StatusCode, err, b)
	}
	return b
}

// comparePaths checks the decoder's JSON against the XML it came from and
// against the contract.
func comparePaths(t *testing.T, what string, xmlP map[string]bool, jsonP, contract map[string]string, minChecked int) {
	t.Helper()
	var missing []string
	for p := range xmlP {
		if _, ok := jsonP[p]; !ok {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%s: the XML has %d key paths the JSON lacks: %v", what, len(missing), missing)
	}
	checked := 0
	var notEmitted []string
	for p, kind := range contract {
		if !xmlP[p] && !strings.HasSuffix(kind, "array") && kind != "object" {
			notEmitted = append(notEmitted, p)
			continue
		}
		got, ok := jsonP[p]
		if !ok {
			if xmlP[p] {
				t.Errorf("%s: %s (%s) missing from the JSON", what, p, kind)
			}
			continue
		}
		checked++
		if got != kind {
			t.Errorf("%s: %s is %s in the JSON, %s in the contract", what, p, got, kind)
		}
	}
	sort.Strings(notEmitted)
	t.Logf("%s: %d contract paths checked; not emitted by the simulator: %v", what, checked, notEmitted)
	if checked < minChecked {
		t.Errorf("%s: only %d contract paths checked, want at least %d", what, checked, minChecked)
	}
}

func TestJSONContract(t *testing.T) {
	t.Parallel()
	// The 75 hosts of 80 assets have every XML and JSON key path (and kind)
	// of the host list and host list detection that the 140 of 150 have.
	srv, err := qualyssim.New(qualyssim.Config{Assets: testscale.N(t, 80, 150), Seed: 21, Epoch: 3})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)

	t.Run("host list detection", func(t *testing.T) {
		t.Parallel()
		_, form, err := AllDetections().params()
		if err != nil {
			t.Fatal(err)
		}
		form.Set("truncation_limit", "0")
		raw := rawSimPage(t, srv, hs.URL, hldPath("2.0"), form)
		xmlP, jsonP := map[string]bool{}, map[string]string{}
		hosts := 0
		_, err = readPage(bytes.NewReader(raw), hldRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			var n xmlNode
			if err := dec.DecodeElement(&n, se); err != nil {
				return err
			}
			xmlKeyPaths(&n, "", xmlP)
			hosts++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = readPage(bytes.NewReader(raw), hldRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			return decodeHostItem(dec, se, func(_ int64, h Host) bool {
				b, err := json.Marshal(h)
				if err != nil {
					t.Fatal(err)
				}
				var v any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Fatal(err)
				}
				jsonKeyPaths(v, "", jsonP)
				return true
			})
		})
		if minHosts := testscale.N(t, 70, 100); err != nil || hosts < minHosts {
			t.Fatalf("%d hosts, want at least %d; %v", hosts, minHosts, err)
		}
		comparePaths(t, "Host", xmlP, jsonP, contractPaths(t, "testdata/vmdr_host.json"), 55)
	})

	t.Run("host list", func(t *testing.T) {
		t.Parallel()
		form := url.Values{"action": {"list"}, "details": {"All/AGs"}, "show_asset_id": {"1"}, "show_tags": {"1"}, "show_trurisk": {"1"},
			"show_trurisk_factors": {"1"}, "show_ars": {"1"}, "host_metadata": {"all"}, "show_cloud_tags": {"1"}, "truncation_limit": {"0"}}
		raw := rawSimPage(t, srv, hs.URL, hostListPath, form)
		xmlP, jsonP := map[string]bool{}, map[string]string{}
		_, err := readPage(bytes.NewReader(raw), hostListRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			var n xmlNode
			if err := dec.DecodeElement(&n, se); err != nil {
				return err
			}
			xmlKeyPaths(&n, "", xmlP)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = readPage(bytes.NewReader(raw), hostListRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			return decodeHostItem(dec, se, func(_ int64, h Host) bool {
				b, _ := json.Marshal(h)
				var v any
				_ = json.Unmarshal(b, &v)
				jsonKeyPaths(v, "", jsonP)
				return true
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		comparePaths(t, "Host (host list)", xmlP, jsonP, nil, 0)
		for _, p := range []string{"TRURISK_SCORE", "ASSET_CRITICALITY_SCORE", "LAST_BOOT", "SERIAL_NUMBER", "HARDWARE_UUID", "FIRST_FOUND_DATE",
			"LAST_ACTIVITY", "AGENT_STATUS", "CLOUD_AGENT_RUNNING_ON", "LAST_VULN_SCAN_DATETIME", "OWNER", "COMMENTS", "USER_DEF.VALUE_1", "ASSET_GROUP_IDS",
			"TRURISK_SCORE_FACTORS.VULN_COUNT[].qds_severity"} {
			if _, ok := jsonP[p]; !ok {
				t.Errorf("host list: %s missing", p)
			}
		}
	})

	t.Run("KnowledgeBase", func(t *testing.T) {
		t.Parallel()
		form := url.Values{"action": {"list"}, "details": {"All"}}
		for _, p := range []string{"show_pci_reasons", "show_supported_modules_info", "show_disabled_flag", "show_qid_change_log"} {
			form.Set(p, "1")
		}
		raw := rawSimPage(t, srv, hs.URL, kbPath, form)
		xmlP, jsonP := map[string]bool{}, map[string]string{}
		_, err := readPage(bytes.NewReader(raw), kbRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			var n xmlNode
			if err := dec.DecodeElement(&n, se); err != nil {
				return err
			}
			xmlKeyPaths(&n, "", xmlP)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		vulns := 0
		_, err = readPage(bytes.NewReader(raw), kbRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			return decodeVulnItem(dec, se, func(_ int64, v Vuln) bool {
				vulns++
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				var x any
				_ = json.Unmarshal(b, &x)
				jsonKeyPaths(x, "", jsonP)
				return true
			})
		})
		if err != nil || vulns != len(srv.Truth().KBQIDs) {
			t.Fatalf("%d vulns, %v", vulns, err)
		}
		comparePaths(t, "Vuln", xmlP, jsonP, contractPaths(t, "testdata/kb_vuln.json"), 60)
	})
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/kb_vuln.json")
	if err != nil {
		t.Fatal(err)
	}
	var v Vuln
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.QID != 375402 || v.CVSS.Base.Value != FloatOf(9.3) || v.CVSSV3.Base != FloatOf(7.8) || v.ThreatIntelligence[1].ID != IntOf(18) ||
		v.Patchable != IntOf(1) || v.AutomaticPCIFail != IntOf(0) || !slices.Equal(v.Discovery.AuthTypeList, []string{"Unix"}) {
		t.Errorf("decoded %+v", v)
	}
	// Absent, zero, and non-numeric values.
	got, err := json.Marshal(struct {
		A, B, C Int `json:",omitzero"`
		D       Float
	}{IntOf(0), Int{}, Int{Text: "n/a"}, Float{}})
	if err != nil || string(got) != `{"A":0,"C":"n/a","D":null}` {
		t.Errorf("Int JSON %s, %v", got, err)
	}
}
