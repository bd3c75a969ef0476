package qualys

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
)

const fuzzHLD = `<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "">
<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2025-06-01T00:00:00Z</DATETIME>
<!-- keep-alive -->
<HOST_LIST><HOST><ID>7</ID><ASSET_ID>x</ASSET_ID><OS>
 <![CDATA[Linux]]> </OS><TAGS><TAG><TAG_ID><![CDATA[1]]></TAG_ID></TAG></TAGS>
<DETECTION_LIST><DETECTION><QID>38170</QID><PORT>0</PORT><SSL>n/a</SSL><QDS severity="LOW">35</QDS>
<QDS_FACTORS><QDS_FACTOR name="CVSS"><![CDATA[7.7]]></QDS_FACTOR></QDS_FACTORS>
<RESULTS><![CDATA[a &quot;b&quot;]]></RESULTS></DETECTION></DETECTION_LIST></HOST></HOST_LIST>
<WARNING><CODE>1980</CODE><URL><![CDATA[https://h/?id_min=9]]></URL></WARNING></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>
<!-- CONFIDENTIAL //-->`

const fuzzKB = `<KNOWLEDGE_BASE_VULN_LIST_OUTPUT><RESPONSE><DATETIME>2025-06-01T00:00:00Z</DATETIME><VULN_LIST>
<VULN><QID>6</QID><SEVERITY_LEVEL>1</SEVERITY_LEVEL><TITLE><![CDATA[]]></TITLE><CVE_LIST><CVE><ID/></CVE></CVE_LIST>
<CORRELATION><EXPLOITS><EXPLT_SRC><SRC_NAME>seebug</SRC_NAME></EXPLT_SRC><EXPLT_SRC><EXPLT_LIST><EXPLT/></EXPLT_LIST></EXPLT_SRC></EXPLOITS></CORRELATION>
<CVSS><BASE source="service">9.3</BASE><TEMPORAL>NaN</TEMPORAL></CVSS><THREAT_INTELLIGENCE><THREAT_INTEL id="2">Exploit_Public</THREAT_INTEL></THREAT_INTELLIGENCE>
<PCI_REASONS><PCI_REASON>r</PCI_REASON></PCI_REASONS></VULN></VULN_LIST></RESPONSE></KNOWLEDGE_BASE_VULN_LIST_OUTPUT>`

// fuzzDecode decodes data with item and checks the invariants: no panic,
// the JSON of every item encodes and is valid, text is trimmed.
func fuzzDecode[T any](t *testing.T, data []byte, roots []string, decode func(*xml.Decoder, *xml.StartElement, func(int64, T) bool) error, text func(T) []string) {
	_, _ = readPage(bytes.NewReader(data), roots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
		return decode(dec, se, func(_ int64, v T) bool {
			b, err := json.Marshal(v)
			if err != nil || !json.Valid(b) {
				t.Fatalf("json: %v: %s", err, b)
			}
			for _, s := range text(v) {
				if s != strings.TrimSpace(s) {
					t.Fatalf("untrimmed text %q", s)
				}
			}
			return true
		})
	})
}

func FuzzDecodeHLD(f *testing.F) {
	f.Add([]byte(fuzzHLD))
	f.Add([]byte(`<HOST_LIST_OUTPUT><RESPONSE><DATETIME/><ID_SET><ID_RANGE>1-3</ID_RANGE><ID>x</ID></ID_SET></RESPONSE></HOST_LIST_OUTPUT>`))
	f.Add([]byte(simpleReturnBody("1965", "wait", "SECONDS_TO_WAIT", "5")))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, hldRoots, decodeHostItem, func(h Host) []string {
			out := []string{h.OS, h.DNS, h.IP}
			for _, d := range h.Detections {
				out = append(out, d.Results, d.Status, d.Type)
			}
			return out
		})
		n := 0
		_, _ = readPage(bytes.NewReader(data), hostListRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
			return decodeIDItem(dec, se, func(id, _ int64) bool {
				if id <= 0 {
					t.Fatalf("host ID %d", id)
				}
				n++
				return n < 1000 // an ID_RANGE may be huge: stop as a consumer would
			})
		})
	})
}

func FuzzDecodeKB(f *testing.F) {
	f.Add([]byte(fuzzKB))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDecode(t, data, kbRoots, decodeVulnItem, func(v Vuln) []string {
			return []string{v.Title, v.Diagnosis, v.Solution, v.VulnType}
		})
	})
}
