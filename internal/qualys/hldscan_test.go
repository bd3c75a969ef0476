package qualys

// Differential tests of the fast host decoder (hldscan.go): every page is
// decoded by readPage with decodeHostItem (encoding/xml) and with
// decodeHostFast, and the two must give the same hosts, the same page
// information and the same error.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/qflow/qflow/internal/qualyssim"
	"github.com/qflow/qflow/internal/testscale"
)

// decodeResult is what one path made of a page.
type decodeResult struct {
	info  pageInfo
	hosts []Host
	err   error
}

// decodeOld decodes an HLD page with encoding/xml alone.
func decodeOld(data []byte) decodeResult {
	var res decodeResult
	res.info, res.err = readPage(bytes.NewReader(data), hldRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
		return decodeHostItem(dec, se, func(_ int64, h Host) bool { res.hosts = append(res.hosts, h); return true })
	})
	return res
}

// decodeNew decodes an HLD page with the fast path, reading src through a
// pageReader with a buffer of size bytes growing up to maxSize.
func decodeNew(src io.Reader, size, maxSize int) (decodeResult, *pageReader) {
	var res decodeResult
	pr := newPageReaderSize(src, size, maxSize)
	res.info, res.err = readPage(pr, hldRoots, nil, func(dec *xml.Decoder, se *xml.StartElement) error {
		return decodeHostFast(pr, dec, se, func(_ int64, h Host) bool { res.hosts = append(res.hosts, h); return true })
	})
	return res, pr
}

// errString is err's message, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// diffDecoders decodes data both ways, through several reader shapes
// (whole, one byte per Read with a tiny buffer, a few bytes per Read), and
// reports any difference. It returns the pageReader of the first new run.
func diffDecoders(t testing.TB, name string, data []byte) *pageReader {
	t.Helper()
	old := decodeOld(data)
	var first *pageReader
	for _, shape := range []struct {
		name      string
		src       io.Reader
		size, max int
	}{
		{"whole", bytes.NewReader(data), pageReaderBufSize, maxScannedHost},
		{"bytewise", iotest.OneByteReader(bytes.NewReader(data)), 16, maxScannedHost},
		{"half", iotest.HalfReader(bytes.NewReader(data)), 100, maxScannedHost},
		{"hosts too large", bytes.NewReader(data), 64, 256}, // hosts of more than 256 bytes fall back
	} {
		got, pr := decodeNew(shape.src, shape.size, shape.max)
		if first == nil {
			first = pr
		}
		if errString(got.err) != errString(old.err) {
			t.Fatalf("%s (%s): error %v, encoding/xml %v", name, shape.name, got.err, old.err)
		}
		if d := cmp.Diff(old.hosts, got.hosts); d != "" {
			t.Fatalf("%s (%s): hosts differ from encoding/xml's (-old +new):\n%s", name, shape.name, d)
		}
		if d := cmp.Diff(old.info, got.info, cmp.AllowUnexported(pageInfo{})); d != "" {
			t.Fatalf("%s (%s): page info differs (-old +new):\n%s", name, shape.name, d)
		}
	}
	return first
}

// TestFastDecoderSamples holds the fast path to encoding/xml on every real
// host list detection sample.
func TestFastDecoderSamples(t *testing.T) {
	t.Parallel()
	n := 0
	for _, doc := range findSampleDocs(t, samplesDir(t)) {
		if doc.root != rootHLD && doc.root != rootHLDShort {
			continue
		}
		pr := diffDecoders(t, fmt.Sprintf("%s (document %d)", doc.file, doc.n), doc.data)
		t.Logf("%s: %d hosts scanned, %d decoded by encoding/xml", doc.file, pr.scanned, pr.fellBack)
		n += pr.scanned
	}
	if n == 0 {
		t.Error("no host of the samples went through the fast path")
	}
}

// simPage fetches one raw host list detection page of q from c.
func simPage(t testing.TB, c *Client, q DetectionQuery, limit int) []byte {
	t.Helper()
	path, form, err := q.params()
	if err != nil {
		t.Fatal(err)
	}
	form.Set("truncation_limit", fmt.Sprint(limit))
	r, err := c.newFormRequest(path, form)
	if err != nil {
		t.Fatal(err)
	}
	var page []byte
	if err := c.do(t.Context(), r, func(resp *http.Response) error {
		page, err = io.ReadAll(resp.Body)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return page
}

// TestFastDecoderSimulator holds the fast path to encoding/xml on
// simulator pages of every API version, with every option and with none,
// and requires every host to go through the fast path.
func TestFastDecoderSimulator(t *testing.T) {
	t.Parallel()
	// Small under -race or -short: each page is read four ways.
	_, c := startVMSim(t, qualyssim.Config{Assets: testscale.N(t, 30, 150), Seed: 7})
	for _, version := range []string{"2.0", "3.0", "4.0", "5.0"} {
		for _, all := range []bool{true, false} {
			q := DetectionQuery{}
			if all {
				q = AllDetections()
			}
			q.APIVersion = version
			name := fmt.Sprintf("%s/all=%v", version, all)
			page := simPage(t, c, q, testscale.N(t, 30, 200))
			pr := diffDecoders(t, name, page)
			if pr.scanned == 0 || pr.fellBack != 0 {
				t.Errorf("%s: %d hosts scanned, %d decoded by encoding/xml; want all scanned", name, pr.scanned, pr.fellBack)
			}
			old := decodeOld(page)
			dets, mitre, qds := 0, 0, 0
			for _, h := range old.hosts {
				dets += len(h.Detections)
				for _, d := range h.Detections {
					mitre += len(d.MitreAttackList)
					qds += len(d.QDSFactors)
				}
			}
			t.Logf("%s: %d hosts, %d detections, %d ATT&CK entries, %d QDS factors", name, len(old.hosts), dets, mitre, qds)
			if dets == 0 || all && (qds == 0 || (version >= "4.0") != (mitre > 0)) {
				t.Errorf("%s: the page does not exercise the decoder (%d detections, %d QDS factors, %d ATT&CK entries)", name, dets, qds, mitre)
			}
		}
	}
}

// hldEnvelope wraps hosts in a host list detection document.
func hldEnvelope(hosts string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "https://qualysapi.qualys.com/api/2.0/fo/asset/host/vm/detection/dtd/output.dtd">
<HOST_LIST_VM_DETECTION_OUTPUT>
  <RESPONSE>
    <DATETIME>2025-06-01T00:00:00Z</DATETIME>
    <!-- keep-alive -->
    <HOST_LIST>` + hosts + `</HOST_LIST>
    <WARNING><CODE>1980</CODE><TEXT>1 record limit exceeded.</TEXT><URL><![CDATA[https://h/?id_min=99]]></URL></WARNING>
  </RESPONSE>
</HOST_LIST_VM_DETECTION_OUTPUT>
<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION //-->
`)
}

// everyField is a HOST that sets every field of Host and Detection (and of
// the structs they hold), in the wire's quirks: CDATA wrapped in white
// space, text split around CDATA, entities and character references,
// CR LF, HTML-escaped RESULTS, repeated elements, unknown and nested
// elements, attributes in either quote.
const everyField = `
<HOST>
  <ID> 101 </ID><ASSET_ID>202</ASSET_ID><IP>10.0.0.1</IP><IPV6>fe80::1</IPV6>
  <ASSET_RISK_SCORE>700</ASSET_RISK_SCORE><TRURISK_SCORE>650</TRURISK_SCORE><ASSET_CRITICALITY_SCORE>3</ASSET_CRITICALITY_SCORE>
  <TRURISK_SCORE_FACTORS><TRURISK_SCORE_FORMULA><![CDATA[Formula: ACS * (wc * ...)]]></TRURISK_SCORE_FORMULA>
    <VULN_COUNT qds_severity="5">2</VULN_COUNT><VULN_COUNT qds_severity='x'>n/a</VULN_COUNT></TRURISK_SCORE_FACTORS>
  <TRACKING_METHOD>AGENT</TRACKING_METHOD><NETWORK_ID>0</NETWORK_ID>
  <OS>
    <![CDATA[Windows 10 &amp; more]]>
  </OS>
  <OS_CPE><![CDATA[cpe:/o:microsoft:windows_10:::x64:]]></OS_CPE>
  <DNS>a<![CDATA[ b ]]>c &lt;d&gt;</DNS>
  <DNS_DATA><HOSTNAME>host</HOSTNAME><DOMAIN>example.com</DOMAIN><UNKNOWN><X>y</X></UNKNOWN></DNS_DATA>
  <DNS_DATA><FQDN>host.example.com</FQDN></DNS_DATA>
  <CLOUD_PROVIDER>AWS</CLOUD_PROVIDER><CLOUD_SERVICE>EC2</CLOUD_SERVICE><CLOUD_RESOURCE_ID>i-1</CLOUD_RESOURCE_ID>
  <EC2_INSTANCE_ID>i-1</EC2_INSTANCE_ID><NETBIOS>HOST&#x41;&#66;</NETBIOS><QG_HOSTID>qg-1</QG_HOSTID>
  <LAST_BOOT>2025-05-01T00:00:00Z</LAST_BOOT><SERIAL_NUMBER>SN1</SERIAL_NUMBER><HARDWARE_UUID>hw-1</HARDWARE_UUID>
  <FIRST_FOUND_DATE>2020-01-01T00:00:00Z</FIRST_FOUND_DATE><LAST_ACTIVITY>2025-05-02T00:00:00Z</LAST_ACTIVITY>
  <AGENT_STATUS>STATUS_ACTIVE</AGENT_STATUS><CLOUD_AGENT_RUNNING_ON>Host</CLOUD_AGENT_RUNNING_ON>
  <LAST_SCAN_DATETIME>2025-05-03T00:00:00Z</LAST_SCAN_DATETIME><LAST_VULN_SCAN_DATETIME>2025-05-03T00:00:01Z</LAST_VULN_SCAN_DATETIME>
  <LAST_VM_SCANNED_DATE>2025-05-03T00:00:02Z</LAST_VM_SCANNED_DATE><LAST_VM_SCANNED_DURATION> 42 </LAST_VM_SCANNED_DURATION>
  <LAST_VM_AUTH_SCANNED_DATE>2025-05-03T00:00:03Z</LAST_VM_AUTH_SCANNED_DATE><LAST_VM_AUTH_SCANNED_DURATION>x1</LAST_VM_AUTH_SCANNED_DURATION>
  <LAST_PC_SCANNED_DATE>2025-05-03T00:00:04Z</LAST_PC_SCANNED_DATE>
  <LAST_COMPLIANCE_SCAN_DATETIME>2025-05-03T00:00:05Z</LAST_COMPLIANCE_SCAN_DATETIME>
  <LAST_SCAP_SCAN_DATETIME>2025-05-03T00:00:06Z</LAST_SCAP_SCAN_DATETIME>
  <TAGS><TAG><TAG_ID><![CDATA[1]]></TAG_ID><NAME><![CDATA[Cloud Agent]]></NAME><COLOR>#FFF</COLOR><BACKGROUND_COLOR>#000</BACKGROUND_COLOR></TAG>
    <OTHER/><TAG/></TAGS>
  <METADATA><EC2><ATTRIBUTE><NAME>a</NAME><LAST_STATUS>Success</LAST_STATUS><VALUE>v</VALUE><LAST_SUCCESS_DATE>d1</LAST_SUCCESS_DATE>
    <LAST_ERROR_DATE>d2</LAST_ERROR_DATE><LAST_ERROR>404 - Not Found</LAST_ERROR></ATTRIBUTE></EC2>
    <GOOGLE><ATTRIBUTE><NAME>g</NAME><LAST_STATUS>Fail</LAST_STATUS><VALUE/><VALUE>gv</VALUE><LAST_SUCCESS_DATE>d4</LAST_SUCCESS_DATE>
    <LAST_ERROR_DATE>d5</LAST_ERROR_DATE><LAST_ERROR>*   Trying 169.254.169.254...</LAST_ERROR></ATTRIBUTE></GOOGLE>
    <AZURE><ATTRIBUTE><NAME>z</NAME><LAST_STATUS>s</LAST_STATUS><VALUE>zv</VALUE><LAST_SUCCESS_DATE>d6</LAST_SUCCESS_DATE>
    <LAST_ERROR_DATE>d7</LAST_ERROR_DATE><LAST_ERROR>e</LAST_ERROR></ATTRIBUTE></AZURE></METADATA>
  <CLOUD_PROVIDER_TAGS><CLOUD_TAG><NAME>env</NAME><VALUE>prod</VALUE><LAST_SUCCESS_DATE>d3</LAST_SUCCESS_DATE></CLOUD_TAG></CLOUD_PROVIDER_TAGS>
  <OWNER>owner</OWNER><COMMENTS>line 1` + "\r\n" + `line 2` + "\r" + `end</COMMENTS>
  <USER_DEF><VALUE_1>1</VALUE_1><VALUE_2>2</VALUE_2><VALUE_3>3</VALUE_3></USER_DEF>
  <ASSET_GROUP_IDS>1,2,3</ASSET_GROUP_IDS>
  <DETECTION_LIST>
    <DETECTION>
      <UNIQUE_VULN_ID>9001</UNIQUE_VULN_ID><QID>38170</QID><TYPE>Confirmed</TYPE><SEVERITY>3</SEVERITY>
      <PORT>443</PORT><PROTOCOL>tcp</PROTOCOL><FQDN>host.example.com</FQDN><SSL>1</SSL><INSTANCE>inst</INSTANCE>
      <RESULTS><![CDATA[Report-To: {&quot;endpoints&quot;}
doesn&apos;t	resolve &lt;b&gt; ]]]]><![CDATA[> é ✓]]></RESULTS>
      <STATUS>Active</STATUS><FIRST_FOUND_DATETIME>2023-05-16T00:00:00Z</FIRST_FOUND_DATETIME>
      <LAST_FOUND_DATETIME>2023-03-21T00:00:00Z</LAST_FOUND_DATETIME>
      <QDS severity="HIGH">72</QDS><QDS>73</QDS>
      <QDS_FACTORS><QDS_FACTOR name="CVSS"><![CDATA[7.7]]></QDS_FACTOR><QDS_FACTOR name='epss' extra="1">0.9</QDS_FACTOR><QDS_FACTOR>none</QDS_FACTOR></QDS_FACTORS>
      <TIMES_FOUND>12</TIMES_FOUND><LAST_TEST_DATETIME>t1</LAST_TEST_DATETIME><LAST_UPDATE_DATETIME>t2</LAST_UPDATE_DATETIME>
      <LAST_FIXED_DATETIME>t3</LAST_FIXED_DATETIME><FIRST_REOPENED_DATETIME>t4</FIRST_REOPENED_DATETIME>
      <LAST_REOPENED_DATETIME>t5</LAST_REOPENED_DATETIME><TIMES_REOPENED>2</TIMES_REOPENED><SERVICE>http</SERVICE>
      <IS_IGNORED>0</IS_IGNORED><IS_DISABLED>1</IS_DISABLED><AFFECT_RUNNING_KERNEL>1</AFFECT_RUNNING_KERNEL>
      <AFFECT_RUNNING_SERVICE>0</AFFECT_RUNNING_SERVICE><AFFECT_EXPLOITABLE_CONFIG>1</AFFECT_EXPLOITABLE_CONFIG>
      <LAST_PROCESSED_DATETIME>t6</LAST_PROCESSED_DATETIME><ASSET_CVE>CVE-2024-1</ASSET_CVE>
      <MITRE_ATTACK_LIST><MITRE_ATTACK><MITRE_TACTIC_ID>TA0001</MITRE_TACTIC_ID><MITRE_TACTIC_NAME><![CDATA[Initial Access]]></MITRE_TACTIC_NAME>
        <MITRE_TECHNIQUE_ID>T1190</MITRE_TECHNIQUE_ID><MITRE_TECHNIQUE_NAME><![CDATA[Exploit Public-Facing Application]]></MITRE_TECHNIQUE_NAME></MITRE_ATTACK></MITRE_ATTACK_LIST>
      <NEW_FIELD attr="1"><NESTED>x</NESTED></NEW_FIELD>
      <PORT>0<X>9</X></PORT>
    </DETECTION>
    <DETECTION/>
    <OTHER>x</OTHER>
  </DETECTION_LIST>
  <DETECTION_LIST><DETECTION><QID>x</QID><TYPE/><SEVERITY></SEVERITY></DETECTION></DETECTION_LIST>
  <IP>10.0.0.2</IP>
</HOST>
<HOST><ID>102</ID></HOST>
<HOST/>
<OTHER_ITEM/>
`

// TestFastDecoderEveryField decodes everyField both ways and checks that
// it does set every field: a field added to Host or Detection without
// teaching it to the scanner (which would then skip it) fails here.
func TestFastDecoderEveryField(t *testing.T) {
	t.Parallel()
	page := hldEnvelope(everyField)
	pr := diffDecoders(t, "everyField", page)
	if pr.scanned != 2 || pr.fellBack != 1 { // <HOST/> is left to encoding/xml
		t.Errorf("%d hosts scanned, %d decoded by encoding/xml; want 2, 1", pr.scanned, pr.fellBack)
	}
	old := decodeOld(page)
	if len(old.hosts) != 3 {
		t.Fatalf("%d hosts, want 3", len(old.hosts))
	}
	h := old.hosts[0]
	checkAllSet(t, "Host", reflect.ValueOf(h))
	checkAllSet(t, "Detection", reflect.ValueOf(h.Detections[0]))
	if got := h.Detections[0].Results; !strings.Contains(got, "&quot;endpoints&quot;") || !strings.HasSuffix(got, "]]> é ✓") {
		t.Errorf("RESULTS %q: want the HTML escapes kept and the split CDATA joined", got)
	}
	if h.Comments != "line 1\nline 2\nend" || h.NetBIOS != "HOSTAB" || h.DNS != "abc <d>" {
		t.Errorf("COMMENTS %q, NETBIOS %q, DNS %q", h.Comments, h.NetBIOS, h.DNS)
	}
}

// checkAllSet fails for every field of the struct v (and of the structs,
// pointers and first slice elements it holds) that is zero.
func checkAllSet(t *testing.T, path string, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			t.Errorf("%s is not set", path)
			return
		}
		checkAllSet(t, path, v.Elem())
	case reflect.Slice:
		if v.Len() == 0 {
			t.Errorf("%s is empty", path)
			return
		}
		if path != "Host.Detections" { // checked on its own
			checkAllSet(t, path+"[0]", v.Index(0))
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[Int]() {
			if v.Interface().(Int).IsZero() {
				t.Errorf("%s is not set", path)
			}
			return
		}
		for i := range v.NumField() {
			checkAllSet(t, path+"."+v.Type().Field(i).Name, v.Field(i))
		}
	default:
		if v.IsZero() && !strings.HasSuffix(path, "IsIgnored.Value") && !strings.HasSuffix(path, "AffectRunningService.Value") {
			t.Errorf("%s is not set", path)
		}
	}
}

// TestFastDecoderFallback checks hosts the scanner leaves to encoding/xml
// (and malformed ones, where both must fail alike).
func TestFastDecoderFallback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, host string
		scanned    bool // whether the scanner is expected to take it
	}{
		{"plain", `<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QID>2</QID></DETECTION></DETECTION_LIST></HOST>`, true},
		{"comment", `<HOST><ID>1</ID><!-- keep-alive --><OS>a<!-- x -->b</OS></HOST>`, false},
		{"unknown entity", `<HOST><ID>1</ID><OS>a&nbsp;b</OS></HOST>`, false},
		{"bare ampersand", `<HOST><ID>1</ID><OS>a & b</OS></HOST>`, false},
		{"reference too big", `<HOST><ID>1</ID><OS>&#x110000;</OS></HOST>`, false},
		{"reference to NUL", `<HOST><ID>1</ID><OS>&#0;</OS></HOST>`, false},
		{"surrogate reference", `<HOST><ID>1</ID><OS>&#xD800;</OS></HOST>`, true},
		{"namespace", `<HOST><ID>1</ID><q:OS xmlns:q="u">a</q:OS></HOST>`, false},
		{"unquoted attribute", `<HOST><ID>1</ID><DETECTION_LIST><DETECTION><QDS severity=HIGH>1</QDS></DETECTION></DETECTION_LIST></HOST>`, false},
		{"mismatched end", `<HOST><ID>1</ID><OS>a</DNS></HOST>`, false},
		{"unclosed", `<HOST><ID>1</ID><OS>a</OS>`, false},
		{"invalid UTF-8", "<HOST><ID>1</ID><OS>a\xffb</OS></HOST>", false},
		{"control character", "<HOST><ID>1</ID><OS>a\x01b</OS></HOST>", false},
		{"]]> in text", `<HOST><ID>1</ID><OS>a]]>b</OS></HOST>`, false},
		{"processing instruction", `<HOST><ID>1</ID><?pi x?></HOST>`, false},
		{"unterminated CDATA", `<HOST><ID>1</ID><OS><![CDATA[a</OS></HOST>`, false},
		{"attribute with <", `<HOST><ID>1</ID><OS a="<">x</OS></HOST>`, false},
		{"host attribute", `<HOST id="a/"><ID>1</ID></HOST>`, true},
		{"self-closing host", `<HOST/><HOST><ID>2</ID></HOST>`, true},
		{"end tag with space", `<HOST><ID >1</ID ></HOST >`, true},
		{"duplicate attribute", `<HOST><DETECTION_LIST><DETECTION><QDS severity="A" severity = 'B'>1</QDS></DETECTION></DETECTION_LIST></HOST>`, true},
		{"default namespace", `<HOST><OS xmlns="urn:x">a</OS></HOST>`, true},
		{"nested element in text", `<HOST><DETECTION_LIST><DETECTION><TYPE>a<B>x<C/></B>b</TYPE></DETECTION></DETECTION_LIST></HOST>`, true},
		{"attribute entities", `<HOST><DETECTION_LIST><DETECTION><QDS_FACTORS><QDS_FACTOR name="a&amp;b&#x9;` + "\r\n" + `]]>">1</QDS_FACTOR></QDS_FACTORS></DETECTION></DETECTION_LIST></HOST>`, true},
	} {
		page := hldEnvelope(tc.host)
		pr := diffDecoders(t, tc.name, page)
		if (pr.scanned > 0) != tc.scanned {
			t.Errorf("%s: %d hosts scanned, %d decoded by encoding/xml; want scanned %v", tc.name, pr.scanned, pr.fellBack, tc.scanned)
		}
	}
}

// fuzzDetectionEnvelope wraps fuzzed bytes in a host's DETECTION_LIST.
func fuzzDetectionEnvelope(data []byte) []byte {
	var b bytes.Buffer
	b.WriteString("<HOST_LIST_VM_DETECTION_OUTPUT><RESPONSE><DATETIME>2025-06-01T00:00:00Z</DATETIME><HOST_LIST>\n<HOST><ID>1</ID><DETECTION_LIST>")
	b.Write(data)
	b.WriteString("</DETECTION_LIST></HOST>\n<HOST><ID>2</ID></HOST></HOST_LIST></RESPONSE></HOST_LIST_VM_DETECTION_OUTPUT>")
	return b.Bytes()
}

// FuzzDetectionDecoders feeds arbitrary bytes, inside a minimal host list
// detection document, to encoding/xml and to the fast path: both must give
// the same hosts and page information, or the same error.
func FuzzDetectionDecoders(f *testing.F) {
	for _, s := range []string{
		`<DETECTION><QID>38170</QID><TYPE>Confirmed</TYPE><SEVERITY>3</SEVERITY><PORT>0</PORT><SSL>n/a</SSL></DETECTION>`,
		`<DETECTION><QDS severity="LOW">35</QDS><QDS_FACTORS><QDS_FACTOR name="CVSS"><![CDATA[7.7]]></QDS_FACTOR></QDS_FACTORS></DETECTION>`,
		`<DETECTION><RESULTS><![CDATA[a &quot;b&quot;` + "\r\n" + `c]]></RESULTS><STATUS> New </STATUS></DETECTION>`,
		`<DETECTION><MITRE_ATTACK_LIST><MITRE_ATTACK><MITRE_TACTIC_ID>TA0001</MITRE_TACTIC_ID></MITRE_ATTACK></MITRE_ATTACK_LIST></DETECTION>`,
		`<DETECTION><QID>&#x31;&#50;</QID><TYPE>a&amp;b&lt;&gt;&apos;&quot;</TYPE><X><Y/></X></DETECTION><DETECTION/>`,
		`</DETECTION_LIST><TAGS><TAG><NAME>n</NAME></TAG></TAGS><DNS_DATA><FQDN>f</FQDN></DNS_DATA><DETECTION_LIST>`,
		`<DETECTION><TYPE>a<!-- c -->b</TYPE></DETECTION>`,
		`<DETECTION><TYPE>a&nbsp;</TYPE></DETECTION>`,
		`<DETECTION><TYPE>]]></TYPE></DETECTION>`,
		`<DETECTION><TYPE></DETECTION>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		diffDecoders(t, "fuzz", fuzzDetectionEnvelope(data))
	})
}

// BenchmarkDecodeDetections decodes a simulator host list detection page
// of 1000 hosts (every option, API 5.0) with encoding/xml alone and with
// the fast path.
func BenchmarkDecodeDetections(b *testing.B) {
	_, c := startVMSim(b, qualyssim.Config{Assets: 1000, Seed: 1})
	q := AllDetections()
	q.APIVersion = LatestDetectionAPIVersion
	page := simPage(b, c, q, 1000)
	dets := 0
	for _, h := range decodeOld(page).hosts {
		dets += len(h.Detections)
	}
	for _, path := range []string{"encoding_xml", "fast"} {
		b.Run(path, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			for b.Loop() {
				var res decodeResult
				if path == "fast" {
					res, _ = decodeNew(bytes.NewReader(page), pageReaderBufSize, maxScannedHost)
				} else {
					res = decodeOld(page)
				}
				if res.err != nil {
					b.Fatal(res.err)
				}
			}
			b.ReportMetric(float64(dets*b.N)/b.Elapsed().Seconds(), "detections/s")
		})
	}
}
