package qualys

// Every real host list detection, host list, KnowledgeBase and SIMPLE_RETURN
// XML sample under ../shared/qualys-samples, decoded with the functions the
// services use.

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/secret"
)

// sampleRoot finds the start tag of a document root the API server sends.
var sampleRoot = regexp.MustCompile(`<(HOST_LIST_VM_DETECTION_OUTPUT|HOST_LIST_VM_DETECTION|HOST_LIST_OUTPUT|KNOWLEDGE_BASE_VULN_LIST_OUTPUT|SIMPLE_RETURN)[\s>]`)

// sampleDoc is one XML document found in a sample file.
type sampleDoc struct {
	file string // relative to the samples directory
	n    int    // index of the document in the file
	root string
	data []byte
}

// findSampleDocs walks dir and returns every document whose root is one of
// sampleRoot's, from the root start tag to its end tag (or the end of the
// file): whole .xml files, documents embedded in YAML mock configurations
// and in the documentation's prose. JSON, HAR, CSV, Markdown and schema
// files are left out.
func findSampleDocs(t *testing.T, dir string) []sampleDoc {
	t.Helper()
	var docs []sampleDoc
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json", ".har", ".csv", ".md", ".dtd", ".xsd":
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		locs := sampleRoot.FindAllSubmatchIndex(b, -1)
		for i := 0; i < len(locs); {
			loc := locs[i]
			root := string(b[loc[2]:loc[3]])
			start := loc[0]
			if len(locs) == 1 && strings.HasSuffix(path, ".xml") {
				start = 0 // the whole file, prolog and trailing comments included
			}
			end := len(b)
			if k := strings.Index(string(b[loc[1]:]), "</"+root+">"); k >= 0 {
				end = loc[1] + k + len("</"+root+">")
			}
			docs = append(docs, sampleDoc{file: rel, n: len(docs), root: root, data: b[start:end]})
			for i < len(locs) && locs[i][0] < end { // the next document starts after this one
				i++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// decodedSample is what the service decoders made of a document.
type decodedSample struct {
	info  pageInfo
	hosts []Host
	ids   []int64
	vulns []Vuln
}

// decodeSample decodes a document with the item decoders of the services.
func decodeSample(root string, data []byte) (*decodedSample, error) {
	var d decodedSample
	var roots []string
	var item func(dec *xml.Decoder, se *xml.StartElement) error
	hosts := func(dec *xml.Decoder, se *xml.StartElement) error {
		return decodeHostItem(dec, se, func(_ int64, h Host) bool { d.hosts = append(d.hosts, h); return true })
	}
	switch root {
	case rootHLD, rootHLDShort:
		roots, item = hldRoots, hosts
	case rootHostList:
		roots = hostListRoots
		item = func(dec *xml.Decoder, se *xml.StartElement) error {
			if se.Name.Local == "HOST" {
				return hosts(dec, se)
			}
			return decodeIDItem(dec, se, func(id, _ int64) bool { d.ids = append(d.ids, id); return true })
		}
	case rootKB:
		roots = kbRoots
		item = func(dec *xml.Decoder, se *xml.StartElement) error {
			return decodeVulnItem(dec, se, func(_ int64, v Vuln) bool { d.vulns = append(d.vulns, v); return true })
		}
	}
	var err error
	d.info, err = readPage(strings.NewReader(string(data)), roots, nil, item)
	return &d, err
}

func TestDecodeRealSamples(t *testing.T) {
	t.Parallel()
	dir := samplesDir(t)
	docs := findSampleDocs(t, dir)
	c, err := NewClient(Options{APIURL: "https://qualysapi.qg1.apps.qualys.com", Username: "u", Password: secret.New("p")})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse("https://qualysapi.qg1.apps.qualys.com/api/2.0/fo/asset/host/vm/detection/")
	byFile := map[string]*decodedSample{}
	errsByFile := map[string]error{}
	roots := map[string]int{}
	for _, doc := range docs {
		d, err := decodeSample(doc.root, doc.data)
		if err != nil {
			if strings.HasPrefix(doc.file, "qualys-api-doc-center/") {
				t.Logf("%s: skipped, not a complete document: %v", doc.file, err) // the documentation elides with "..."
				continue
			}
			t.Errorf("%s (document %d, <%s>): %v", doc.file, doc.n, doc.root, err)
			continue
		}
		roots[doc.root]++
		if doc.root != rootSimpleReturn {
			if _, err := parseDateTime(d.info.dateTime); err != nil {
				t.Errorf("%s: %v", doc.file, err)
			}
		} else {
			errsByFile[doc.file] = c.simpleReturnError("POST /x", u, sampleStatus(doc.file), http.Header{}, d.info.ret)
		}
		for _, v := range []any{d.hosts, d.vulns} {
			if _, err := json.Marshal(v); err != nil {
				t.Errorf("%s: json: %v", doc.file, err)
			}
		}
		if _, dup := byFile[doc.file]; !dup {
			byFile[doc.file] = d
		}
	}
	t.Logf("decoded documents by root: %v", roots)
	for _, r := range []string{rootHLD, rootHLDShort, rootHostList, rootKB, rootSimpleReturn} {
		if roots[r] == 0 {
			t.Errorf("no sample with root %s decoded", r)
		}
	}

	get := func(file string) *decodedSample {
		t.Helper()
		d := byFile[file]
		if d == nil {
			t.Fatalf("sample %s not decoded", file)
		}
		return d
	}
	countDets := func(hs []Host) (n int) {
		for _, h := range hs {
			n += len(h.Detections)
		}
		return n
	}

	// XSOAR host list detection: 2 hosts, 8 detections, RESULTS still escaped.
	xsoar := get("demisto-content/Qualysv2/test_data/host_list_detections_raw.xml")
	if len(xsoar.hosts) != 2 || countDets(xsoar.hosts) != 8 {
		t.Errorf("XSOAR HLD: %d hosts, %d detections, want 2 and 8", len(xsoar.hosts), countDets(xsoar.hosts))
	}
	quoted := false
	for _, h := range xsoar.hosts {
		for _, det := range h.Detections {
			quoted = quoted || strings.Contains(det.Results, "&quot;")
			if det.QID == 0 || det.Type == "" || det.Results != strings.TrimSpace(det.Results) {
				t.Errorf("XSOAR detection %+v", det)
			}
		}
	}
	if !quoted {
		t.Error("XSOAR RESULTS lost their &quot; entity text")
	}
	if h := xsoar.hosts[0]; h.ID == 0 || h.DNSData == nil || h.DNSData.Hostname == "" {
		t.Errorf("XSOAR host %+v", h)
	}

	// Elastic mock: CDATA wrapped in whitespace is trimmed; QDS and factors.
	elastic := get("elastic-integrations/qualys_vmdr/_dev__deploy__docker__files__config.yml")
	if len(elastic.hosts) != 1 || countDets(elastic.hosts) != 2 {
		t.Fatalf("Elastic HLD: %d hosts, %d detections", len(elastic.hosts), countDets(elastic.hosts))
	}
	eh := elastic.hosts[0]
	if eh.OS != "Windows 2016/2019/10" || eh.DNSData.FQDN != "adfssrvr.adfs.local" || eh.NetBIOS != "ADFSSRVR" {
		t.Errorf("Elastic host CDATA not trimmed: %q %q %q", eh.OS, eh.DNSData.FQDN, eh.NetBIOS)
	}
	if d := eh.Detections[0]; d.UniqueVulnID != 5555555555 || d.QDS == nil || d.QDS.Value != IntOf(35) || d.QDS.Severity != "LOW" || len(d.QDSFactors) == 0 {
		t.Errorf("Elastic detection %+v", d)
	}

	// Tenable fixture: wrong root accepted, ASSET_ID, TAGS, QDS HIGH 72 with 7 factors.
	ten := get("tenable-connectors-qualys2tone/extracted-from-test-code/conftest__findings_page__HOST_LIST_VM_DETECTION.xml")
	if len(ten.hosts) != 1 || countDets(ten.hosts) != 1 {
		t.Fatalf("Tenable HLD: %d hosts", len(ten.hosts))
	}
	if th := ten.hosts[0]; th.AssetID != 234567 || len(th.Tags) != 1 || th.Tags[0].TagID != "12345" ||
		th.Detections[0].QDS.Value != IntOf(72) || len(th.Detections[0].QDSFactors) != 7 {
		t.Errorf("Tenable host %+v", th)
	}

	// paulsena: truncated page with the next page's id_min.
	ps := get("paulsena-SN-Qualys-Integration/extracted-from-readme/README__addendum_sample__host_list_vm_detection_output.xml")
	if n, ok := ps.info.warning.nextIDMin(); !ok || n != 3700609 || ps.info.warning.Code != "1980" || len(ps.hosts) != 1 || countDets(ps.hosts) != 10 {
		t.Errorf("paulsena: next %d %v, warning %+v, %d hosts, %d detections", n, ok, ps.info.warning, len(ps.hosts), countDets(ps.hosts))
	}

	// Empty results: a RESPONSE with only DATETIME.
	empty := get("jupiterone-graph-qualys/extracted-from-har/iterateHostDetections_31119415__1_host_detection_200.xml")
	if len(empty.hosts) != 0 || empty.info.dateTime == "" {
		t.Errorf("empty HLD: %+v", empty)
	}

	// Host list details=None: IDs.
	if ids := get("jupiterone-graph-qualys/extracted-from-har/fetchScannedHostIds_571760531__0_host_list_200.xml").ids; len(ids) == 0 {
		t.Error("J1 host IDs: none")
	}
	// Host list with details (Tenable): host-list-only fields.
	tl := get("tenable-connectors-qualys2tone/extracted-from-test-code/conftest__asset_page__HOST_LIST_OUTPUT.xml")
	if len(tl.hosts) == 0 || tl.hosts[0].TruRiskScore.IsZero() || tl.hosts[0].LastBoot == "" || tl.hosts[0].TruRiskScoreFactors == nil {
		t.Errorf("Tenable host list: %+v", tl.hosts)
	}

	// KnowledgeBase.
	for file, want := range map[string]int{
		"jupiterone-graph-qualys/extracted-from-har/steps_741716276__6_knowledge_base_200.xml":                            42,
		"paragbaxi-qualysapi/tests/test_data/tinykb.xml":                                                                  5,
		"demisto-content/Qualysv2/test_data/vulnerabilities_raw.xml":                                                      2,
		"jupiterone-graph-qualys/extracted-from-har/iterateVulnerabilitiesUnknownId_2039106884__0_knowledge_base_200.xml": 0,
	} {
		d := get(file)
		if len(d.vulns) != want {
			t.Errorf("%s: %d VULNs, want %d", file, len(d.vulns), want)
		}
		for _, v := range d.vulns {
			if v.QID == 0 || v.Title != strings.TrimSpace(v.Title) {
				t.Errorf("%s: VULN %d %q", file, v.QID, v.Title)
			}
		}
	}
	tiny := get("paragbaxi-qualysapi/tests/test_data/tinykb.xml").vulns
	cvss := 0
	for _, v := range tiny {
		if v.CVSS != nil && v.CVSS.Base != nil && v.CVSS.Base.Source == "service" && v.CVSS.Base.Value.Valid {
			cvss++
		}
	}
	if cvss == 0 {
		t.Error(`tinykb: no CVSS BASE with source="service"`)
	}
	raw := get("demisto-content/Qualysv2/test_data/vulnerabilities_raw.xml").vulns
	emptyExploit, noList := false, false
	for _, v := range raw {
		if v.Correlation == nil {
			continue
		}
		for _, src := range v.Correlation.Exploits {
			noList = noList || len(src.Exploits) == 0
			for _, e := range src.Exploits {
				emptyExploit = emptyExploit || e == (Exploit{})
			}
		}
	}
	if !emptyExploit || !noList {
		t.Errorf("XSOAR KB: empty EXPLT %v, EXPLT_SRC without EXPLT_LIST %v", emptyExploit, noList)
	}

	// SIMPLE_RETURN errors.
	for file, check := range map[string]func(error) bool{
		"jupiterone-graph-qualys/extracted-from-har/iterateHostDetectionsBadId_4219405639__0_host_detection_400.xml": func(err error) bool {
			var a *APIError
			r, _ := retryable(err)
			return errors.As(err, &a) && a.Code == "1905" && a.StatusCode == 400 && !r
		},
		"jupiterone-graph-qualys/extracted-from-har/verifyAuthenticationExpired_3066582617__0_activity_log_200.xml": func(err error) bool {
			var a *AuthError
			r, _ := retryable(err)
			return errors.As(err, &a) && a.Code == "2001" && a.StatusCode == 200 && !r
		},
		"jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__rateLimitXMLBody__code1965.xml": func(err error) bool {
			var rl *RateLimitError
			r, wait := retryable(err)
			return errors.As(err, &rl) && rl.Err.Code == "1965" && r && wait == 68928*time.Second &&
				strings.HasPrefix(rl.Err.Message, "This API cannot be run again")
		},
		"jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__concurrencyLimitXMLBody__code1960.xml": func(err error) bool {
			var rl *RateLimitError
			r, _ := retryable(err)
			return errors.As(err, &rl) && rl.Err.Code == "1960" && r
		},
		"jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__incompleteRegistrationXMLBody__code2003.xml": func(err error) bool {
			var a *AuthError
			return errors.As(err, &a) && a.Code == "2003"
		},
		"jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__xml__code1903.xml": func(err error) bool {
			r, _ := retryable(err)
			return strings.Contains(err.Error(), "1903") && !r
		},
	} {
		if err := errsByFile[file]; err == nil || !check(err) {
			t.Errorf("%s: %v", file, err)
		}
	}
	if d := get("jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__rateLimitXMLBody__code1965.xml"); d.info.ret.DateTime != "2017-04-12T14:52:39Z" {
		t.Errorf("SIMPLE_RETURN DATETIME %q not trimmed", d.info.ret.DateTime)
	}
}

// sampleStatus is the HTTP status a sample came with: from its file name
// (…_400.xml), 409 for the documentation's limit examples, else 200.
func sampleStatus(file string) int {
	switch {
	case strings.HasSuffix(file, "_400.xml"):
		return 400
	case strings.Contains(file, "code1965"), strings.Contains(file, "code1960"), strings.Contains(file, "code2003"), strings.Contains(file, "code2011"):
		return 409
	case strings.Contains(file, "code1903"):
		return 400
	}
	return 200
}
