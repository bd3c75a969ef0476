package qualyssim

import (
	"bytes"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/testscale"
)

// xmlShape records the element paths (and path@attribute) of XML documents
// and, per parent path, which child names were seen before which.
type xmlShape struct {
	paths  map[string]bool
	before map[string]map[[2]string]bool
}

func newXMLShape() *xmlShape {
	return &xmlShape{paths: map[string]bool{}, before: map[string]map[[2]string]bool{}}
}

// add scans data from the first "<"+root (or the first "<" for fragments,
// which are placed under prefix). The root element is recorded as rootAs,
// so a sample with a wrong root name still compares.
func (s *xmlShape) add(data []byte, root, rootAs string, prefix ...string) {
	if i := bytes.Index(data, []byte("<"+root)); i >= 0 && len(prefix) == 0 {
		data = data[i:]
	}
	type frame struct {
		name string
		kids []string
	}
	stack := []frame{}
	for _, p := range prefix {
		stack = append(stack, frame{name: p})
	}
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			b.WriteString("/" + f.name)
		}
		return b.String()
	}
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '<')
		if j < 0 {
			break
		}
		i += j
		rest := data[i:]
		skip := func(end string) {
			k := bytes.Index(rest, []byte(end))
			if k < 0 {
				i = len(data)
				return
			}
			i += k + len(end)
		}
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			skip("-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			skip("]]>")
		case bytes.HasPrefix(rest, []byte("<!")), bytes.HasPrefix(rest, []byte("<?")):
			skip(">")
		case bytes.HasPrefix(rest, []byte("</")):
			k := bytes.IndexByte(rest, '>')
			name := string(bytes.TrimSpace(rest[2:k]))
			if name == root {
				name = rootAs
			}
			for d := len(stack) - 1; d >= 0; d-- {
				if stack[d].name == name {
					stack = stack[:d]
					break
				}
			}
			i += k + 1
		default:
			k := bytes.IndexByte(rest, '>')
			tag := string(rest[1:k])
			selfClose := strings.HasSuffix(tag, "/")
			tag = strings.TrimSuffix(tag, "/")
			fields := strings.Fields(tag)
			if len(fields) == 0 {
				i += k + 1
				continue
			}
			name := fields[0]
			if name == root {
				name = rootAs
			}
			if n := len(stack); n > 0 {
				parent := path()
				if s.before[parent] == nil {
					s.before[parent] = map[[2]string]bool{}
				}
				for _, prev := range stack[n-1].kids {
					if prev != name {
						s.before[parent][[2]string{prev, name}] = true
					}
				}
				if !slices.Contains(stack[n-1].kids, name) {
					stack[n-1].kids = append(stack[n-1].kids, name)
				}
			}
			stack = append(stack, frame{name: name})
			p := path()
			s.paths[p] = true
			for _, f := range fields[1:] {
				if a, _, ok := strings.Cut(f, "="); ok {
					s.paths[p+"@"+a] = true
				}
			}
			if selfClose {
				stack = stack[:len(stack)-1]
			}
			i += k + 1
		}
	}
}

// problems lists the sample paths ours lacks (except those in ignore) and the
// child orders ours contradicts.
func (s *xmlShape) problems(sample *xmlShape, ignore ...string) []string {
	if len(sample.paths) == 0 {
		return []string{"the samples have no elements"}
	}
	var out []string
	for _, p := range slices.Sorted(maps.Keys(sample.paths)) {
		if !s.paths[p] && !slices.Contains(ignore, p) {
			out = append(out, "missing "+p)
		}
	}
	for parent, pairs := range sample.before {
		for pr := range pairs {
			if s.before[parent][[2]string{pr[1], pr[0]}] {
				out = append(out, "order under "+parent+": sample has "+pr[0]+" before "+pr[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// sampleShape reads sample files (relative to the samples folder) into one shape.
func sampleShape(t *testing.T, root, rootAs string, files []string, prefix ...string) *xmlShape {
	t.Helper()
	dir := samplesDir(t)
	s := newXMLShape()
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("sample %s: %v", f, err)
		}
		r := root
		if strings.Contains(f, "conftest__findings_page") {
			r = "HOST_LIST_VM_DETECTION" // the fixture's root is misnamed
		}
		s.add(b, r, rootAs, prefix...)
	}
	return s
}

func TestVMDRConformanceHLD(t *testing.T) {
	t.Parallel()
	const root = "HOST_LIST_VM_DETECTION_OUTPUT"
	sample := sampleShape(t, root, root, []string{
		"demisto-content/Qualysv2/test_data/host_list_detections_raw.xml",
		"tenable-connectors-qualys2tone/extracted-from-test-code/conftest__findings_page__HOST_LIST_VM_DETECTION.xml",
		"paulsena-SN-Qualys-Integration/extracted-from-readme/README__addendum_sample__host_list_vm_detection_output.xml",
		"jupiterone-graph-qualys/test/fixtures/detections.xml",
		"jupiterone-graph-qualys/extracted-from-har/iterateHostDetections_31119415__1_host_detection_200.xml",
		"qualys-api-doc-center/Host List Detection API samples/Sample  1 - Host List Detection XML Output",
		"qualys-api-doc-center/Host List Detection API samples/Sample  7 - Fetch region info for EC2 assets",
	})
	sample.add(mustRead(t, "qualys-api-doc-center/Host List Detection API samples/Sample  2 - Host List Detection XML Output with Truncation"), root, root, root, "RESPONSE")

	e := newVMEnv(t, Config{Assets: 400, Seed: 3})
	ours := newXMLShape()
	// A first page of 20 hosts has every sample path, and every pair of
	// sample elements whose order is checked, that one of 60 has.
	q := url.Values{"action": {"list"}, "truncation_limit": {strconv.Itoa(testscale.N(t, 20, 60))}, "show_asset_id": {"1"}, "show_tags": {"1"}, "show_igs": {"1"},
		"show_qds": {"1"}, "show_qds_factors": {"1"}, "status": {"New,Active,Fixed,Re-Opened"}, "host_metadata": {"all"}, "show_reopened_info": {"1"}}
	for pages := 0; pages < 20; pages++ {
		resp, body := e.call("GET", "/api/2.0/fo/asset/host/vm/detection/", q, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		ours.add(body, root, root)
		next := warningNext(t, body)
		if next == "" || len(ours.problems(sample)) == 0 {
			break
		}
		q.Set("id_min", next)
	}
	for _, p := range ours.problems(sample) {
		t.Error(p)
	}
	t.Logf("%d sample paths, %d simulator paths", len(sample.paths), len(ours.paths))
}

func TestVMDRConformanceHostList(t *testing.T) {
	t.Parallel()
	const root = "HOST_LIST_OUTPUT"
	sample := sampleShape(t, root, root, []string{
		"jupiterone-graph-qualys/extracted-from-har/fetchHostDetails_2031643069__0_host_list_200.xml",
		"jupiterone-graph-qualys/extracted-from-har/fetchScannedHostIdsNone_1396309989__0_host_list_200.xml",
		"jupiterone-graph-qualys/extracted-from-har/iterateHostDetections_31119415__0_host_list_200.xml",
		"jupiterone-graph-qualys/extracted-from-har/steps_741716276__5_host_list_200.xml",
		"tenable-connectors-qualys2tone/extracted-from-test-code/conftest__asset_page__HOST_LIST_OUTPUT.xml",
		"tenable-connectors-qualys2tone/extracted-from-test-code/conftest__asset_page_one__HOST_LIST_OUTPUT_with_WARNING.xml",
		"qualys-api-doc-center/Host List API samples/Sample 1 - Fetch region, accountId, and instanceId info for EC2 assets",
		"qualys-api-doc-center/Host List API samples/Sample 2 - Fetch assets based on scan end dates and scan processed dates",
	})
	sample.add(mustRead(t, "qualys-api-doc-center/Host List API samples/Sample 3 - Record Limit Exceeded Warning"), root, root, root)

	e := newVMEnv(t, Config{Assets: 400, Seed: 3})
	ours := newXMLShape()
	for _, q := range []url.Values{
		{"action": {"list"}, "details": {"None"}, "truncation_limit": {"50"}},
		{"action": {"list"}, "details": {"All/AGs"}, "truncation_limit": {"0"}, "show_asset_id": {"1"}, "show_tags": {"1"}, "show_trurisk": {"1"},
			"show_trurisk_factors": {"1"}, "show_ars": {"1"}, "host_metadata": {"all"}, "show_cloud_tags": {"1"}},
		{"action": {"list"}, "truncation_limit": {"30"}, "details": {"All"}},
	} {
		resp, body := e.call("POST", "/api/2.0/fo/asset/host/", nil, q)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		ours.add(body, root, root)
	}
	for _, p := range ours.problems(sample) {
		t.Error(p)
	}
}

func TestVMDRConformanceKB(t *testing.T) {
	t.Parallel()
	const root = "KNOWLEDGE_BASE_VULN_LIST_OUTPUT"
	sample := sampleShape(t, root, root, []string{
		"demisto-content/Qualysv2/test_data/vulnerabilities_raw.xml",
		"paragbaxi-qualysapi/tests/test_data/tinykb.xml",
		"jupiterone-graph-qualys/extracted-from-har/steps_741716276__6_knowledge_base_200.xml",
		"jupiterone-graph-qualys/extracted-from-har/iterateVulnerabilities_939003581__0_knowledge_base_200.xml",
		"jupiterone-graph-qualys/extracted-from-har/iterateVulnerabilitiesUnknownId_2039106884__0_knowledge_base_200.xml",
		"tenable-connectors-qualys2tone/extracted-from-test-code/conftest__kbs_page__KNOWLEDGE_BASE_VULN_LIST_OUTPUT.xml",
	})
	e := newVMEnv(t, Config{Assets: 20, Seed: 3})
	resp, body := e.call("GET", "/api/2.0/fo/knowledge_base/vuln/", url.Values{"action": {"list"}, "details": {"All"}}, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	ours := newXMLShape()
	ours.add(body, root, root)
	// <GUY> is not Qualys output: the qualysapi test file added it by hand.
	for _, p := range ours.problems(sample, "/"+root+"/RESPONSE/VULN_LIST/VULN/COMPLIANCE_LIST/COMPLIANCE/GUY") {
		t.Error(p)
	}
	for _, want := range []string{"/MITRE_ATTACK_LIST/MITRE_ATTACK/MITRE_TACTIC_ID", "/CORRELATION/MALWARE/MW_SRC/MW_LIST/MW_INFO/MW_ID", "/CVSS_V3/VECTOR_STRING"} {
		if !ours.paths["/"+root+"/RESPONSE/VULN_LIST/VULN"+want] {
			t.Errorf("KB lacks %s", want)
		}
	}
}

func TestVMDRConformanceErrors(t *testing.T) {
	t.Parallel()
	const root = "SIMPLE_RETURN"
	sample := sampleShape(t, root, root, []string{
		"jupiterone-graph-qualys/extracted-from-har/iterateHostDetectionsBadId_4219405639__0_host_detection_400.xml",
		"jupiterone-graph-qualys/extracted-from-har/iterateVulnerabilitiesBadId_2017955229__0_knowledge_base_400.xml",
		"jupiterone-graph-qualys/extracted-from-har/verifyAuthenticationExpired_3066582617__0_activity_log_200.xml",
		"jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__concurrencyLimitXMLBody__code1960.xml",
		"jupiterone-graph-qualys/extracted-from-test-code/client.test.ts__rateLimitXMLBody__code1965.xml",
	})
	e := newVMEnv(t, Config{Assets: 20, Seed: 3, RateLimit: 2, RateWindow: 3600e9})
	ours := newXMLShape()
	for _, ids := range []string{"abc123", "1", "2"} {
		_, body := e.call("POST", "/api/2.0/fo/asset/host/vm/detection/", nil, url.Values{"action": {"list"}, "ids": {ids}})
		ours.add(body, root, root)
	}
	for _, p := range ours.problems(sample) {
		t.Error(p)
	}
	want, _ := os.ReadFile(filepath.Join(samplesDir(t), "jupiterone-graph-qualys/extracted-from-har/iterateHostDetectionsBadId_4219405639__0_host_detection_400.xml"))
	e2 := newVMEnv(t, Config{Assets: 20, Seed: 3})
	_, got := e2.call("POST", "/api/2.0/fo/asset/host/vm/detection/", nil, url.Values{"action": {"list"}, "ids": {"abc123"}})
	if textOf(t, want, "TEXT") != textOf(t, got, "TEXT") {
		t.Errorf("1905 text %q, recorded %q", textOf(t, got, "TEXT"), textOf(t, want, "TEXT"))
	}
}

func mustRead(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir(t), rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
