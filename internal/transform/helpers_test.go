package transform

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/model"
)

// samplesDir returns the shared Qualys samples folder (QFLOW_SAMPLES, else
// ../shared/qualys-samples beside the repository), or skips the test.
func samplesDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("QFLOW_SAMPLES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "qualys-samples")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Qualys samples not found at %s (set QFLOW_SAMPLES to the qualys-samples folder): skipping", dir)
	}
	return dir
}

type sampleAsset struct {
	name string // file#index
	raw  json.RawMessage
}

// sampleAssets returns every asset of the real CSAM v2 sample pages.
func sampleAssets(t testing.TB) []sampleAsset {
	t.Helper()
	dir := samplesDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "elastic-integrations", "qualys_gav", "extracted", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CSAM sample pages under %s", dir)
	}
	var out []sampleAsset
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			AssetListData struct {
				Asset []json.RawMessage `json:"asset"`
			} `json:"assetListData"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for i, a := range page.AssetListData.Asset {
			out = append(out, sampleAsset{name: fmt.Sprintf("%s#%d", filepath.Base(f), i), raw: a})
		}
	}
	return out
}

// defaultCompiled compiles the embedded CSAM map.
func defaultCompiled(t testing.TB) *Compiled {
	t.Helper()
	return defaultCompiledFor(t, model.SourceCSAM)
}

// defaultCompiledFor compiles the embedded map of source.
func defaultCompiledFor(t testing.TB, source model.Source) *Compiled {
	t.Helper()
	data, err := Default(source)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(data, strings.ToLower(string(source))+".yaml", model.NewCatalog())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// renderRecord is the stable, readable JSON form of a record used by the
// golden files: sorted keys, times in RFC 3339 with nanoseconds.
func renderRecord(r *model.Record) []byte {
	conv := func(v model.Values) map[string]any {
		out := make(map[string]any, len(v))
		for k, x := range v {
			if t, ok := x.(time.Time); ok {
				x = t.Format(time.RFC3339Nano)
			}
			out[k] = x
		}
		return out
	}
	lists := map[string][]map[string]any{}
	for path, items := range r.Lists {
		for _, it := range items {
			m := map[string]any{}
			for e, v := range it {
				m[string(e)] = conv(v)
			}
			lists[path] = append(lists[path], m)
		}
	}
	doc := map[string]any{
		"source":     r.Source,
		"native_key": r.NativeKey,
		"host":       conv(r.Host),
		"lists":      lists,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc)
	return b.Bytes()
}

// checkTypes asserts that every value of r has the Go type of its catalog
// field (string, int64, float64, bool, time.Time in UTC, []string).
func checkTypes(t testing.TB, cat *model.Catalog, r *model.Record) {
	t.Helper()
	check := func(e model.Entity, v model.Values) {
		for name, x := range v {
			f, ok := cat.Lookup(string(e) + "." + name)
			if !ok {
				t.Errorf("%s.%s: not a catalog field", e, name)
				continue
			}
			okType := false
			switch f.Type {
			case model.TypeString, model.TypeIP, model.TypeMAC:
				_, okType = x.(string)
			case model.TypeInteger:
				_, okType = x.(int64)
			case model.TypeFloat:
				_, okType = x.(float64)
			case model.TypeBoolean:
				_, okType = x.(bool)
			case model.TypeDatetime:
				var tm time.Time
				tm, okType = x.(time.Time)
				if okType && tm.Location() != time.UTC {
					t.Errorf("%s.%s: time not in UTC: %v", e, name, tm)
				}
			case model.TypeList:
				_, okType = x.([]string)
			}
			if !okType {
				t.Errorf("%s.%s: value %#v is not of type %s", e, name, x, f.Type)
			}
		}
	}
	check(r.Source.RecordEntity(), r.Host)
	for _, items := range r.Lists {
		for _, it := range items {
			if len(it) == 0 {
				t.Errorf("empty item kept")
			}
			for e, v := range it {
				check(e, v)
			}
		}
	}
}

// bigAsset builds a realistic CSAM asset with nSoftware software entries and
// the other lists at sizes seen on servers (not copied from any sample).
func bigAsset(nSoftware int) []byte {
	iso := func(d int) string {
		return time.Date(2024, 1, 1, 8, 30, 0, 0, time.UTC).AddDate(0, 0, d).Format("2006-01-02T15:04:05.000Z")
	}
	sw := make([]any, nSoftware)
	for i := range sw {
		sw[i] = map[string]any{
			"id": int64(-4583906504333030400) + int64(i)*7919, "discoverySources": "Cloud Agent",
			"fullName": fmt.Sprintf("libexample%d:amd64 2.%d.%d-1ubuntu0.%d", i, i%7, i%13, i%3), "softwareType": "Library",
			"isIgnored": i%5 == 0, "ignoredReason": "Library Packages", "category": "Software Development / Libraries",
			"category1": "Software Development", "category2": "Libraries", "productName": fmt.Sprintf("libexample%d", i),
			"component": "Library", "publisher": "Canonical", "edition": "Unknown", "marketVersion": fmt.Sprintf("2.%d", i%7),
			"version": fmt.Sprintf("2.%d.%d-1ubuntu0.%d", i%7, i%13, i%3), "update": fmt.Sprintf("%d-1ubuntu0.%d", i%13, i%3),
			"architecture": "x86_64", "installDate": iso(i % 300), "installPath": fmt.Sprintf("/usr/lib/x86_64-linux-gnu/libexample%d", i),
			"lastUpdated": iso(i%300 + 10), "lastUseDate": iso(i%300 + 20), "language": "C", "formerlyKnownAs": nil,
			"isPackage": true, "isPackageComponent": false, "packageName": fmt.Sprintf("libexample%d", i),
			"productUrl": "https://packages.ubuntu.com/",
			"lifecycle": map[string]any{
				"gaDate": iso(-400), "eolDate": iso(900), "eosDate": iso(1200), "stage": "GA",
				"lifeCycleConfidence": "Exact", "eolSupportStage": "End of Standard Support",
				"eosSupportStage": "End of Extended Support", "detectionScore": 100,
			},
			"supportStageDesc": "Standard Support", "license": map[string]any{"category": "Open Source", "subcategory": "LGPL"},
			"authorization": "Authorized", "discoveredPublisher": "Ubuntu Developers", "discoveredName": fmt.Sprintf("libexample%d", i),
			"discoveredVersion": fmt.Sprintf("2.%d.%d", i%7, i%13), "authorizationDetectionScore": 5,
			"cpeId": nil, "cpe": fmt.Sprintf("cpe:2.3:a:canonical:libexample%d:2.%d:*:*:*:*:*:*:*", i, i%7), "cpeType": "NIST",
		}
	}
	ports := make([]any, 20)
	for i := range ports {
		ports[i] = map[string]any{"port": 1000 + i, "protocol": "TCP", "description": "service port", "detectedService": "http",
			"firstFound": iso(i), "lastUpdated": iso(i + 5), "authorization": "Authorized", "detectionScore": 80, "discoverySources": "Cloud Agent"}
	}
	nics := make([]any, 4)
	for i := range nics {
		nics[i] = map[string]any{"hostname": "web-01", "addressIpV4": fmt.Sprintf("10.20.%d.15", i), "addressIpV6": fmt.Sprintf("fe80::250:56ff:fe81:41%02x", i),
			"macAddress": fmt.Sprintf("00:50:56:81:41:%02x", i), "interfaceName": fmt.Sprintf("ens%d", 160+i), "dnsAddress": "10.20.0.2",
			"gatewayAddress": "10.20.0.1", "manufacturer": "VMware, Inc.", "macVendorIntroDate": 946944000000, "netmask": "255.255.255.0",
			"addresses": fmt.Sprintf("10.20.%d.15", i)}
	}
	vols := make([]any, 6)
	for i := range vols {
		vols[i] = map[string]any{"name": fmt.Sprintf("/data%d", i), "size": int64(48202350592), "free": int64(34645118976)}
	}
	svcs := make([]any, 80)
	for i := range svcs {
		svcs[i] = map[string]any{"name": fmt.Sprintf("unit%d.service", i), "description": "A systemd unit", "status": "loaded/active/running"}
	}
	tags := make([]any, 10)
	for i := range tags {
		tags[i] = map[string]any{"tagId": 25184898 + i, "tagName": fmt.Sprintf("Tag %d", i), "foregroundColor": 0, "backgroundColor": 0,
			"businessImpact": "High", "criticalityScore": 1 + i%5}
	}
	asset := map[string]any{
		"assetId": 67533741, "assetUUID": "3b0e2f7c-0f52-4f0f-9a49-0a1c2d3e4f50", "hostId": 1437386,
		"lastModifiedDate": iso(400), "agentId": "3b0e2f7c-0f52-4f0f-9a49-0a1c2d3e4f50", "createdDate": iso(0),
		"sensorLastUpdatedDate": iso(400), "assetType": "HOST", "address": "10.20.0.15", "dnsName": "web-01.corp.example.com",
		"assetName": "web-01", "netbiosName": "WEB-01", "timeZone": "+00:00", "biosDescription": "Phoenix Technologies LTD 6.00",
		"lastBoot": iso(390), "totalMemory": 3875, "cpuCount": 4, "lastLoggedOnUser": "ops", "domainRole": "Member Server",
		"hwUUID": "422a2b16-4c8b-588a-a20c-c1851ad7e376", "biosSerialNumber": "VMware-42 01 a6 e3", "biosAssetTag": "No Asset Tag",
		"isContainerHost": false, "riskScore": 512, "provider": "AWS",
		"operatingSystem": map[string]any{"osName": "Ubuntu Linux 22.04.5", "fullName": "Canonical Ubuntu 22.04.5 LTS", "category": "Linux / Server",
			"category1": "Linux", "category2": "Server", "productName": "Ubuntu", "publisher": "Canonical", "edition": "Server",
			"marketVersion": "Jammy Jellyfish", "version": "22.04 LTS", "update": "22.04.5", "architecture": "x86_64",
			"lifecycle": map[string]any{"gaDate": iso(-600), "eolDate": iso(1200), "eosDate": iso(3000), "stage": "GA"}, "cpe": "cpe:/o:canonical:ubuntu_linux:22.04"},
		"hardware":    map[string]any{"fullName": "VMware Virtual Platform", "category1": "Virtualized", "category2": "Virtual Machine", "manufacturer": "VMware", "model": "VMware Virtual Platform"},
		"processor":   map[string]any{"description": "Intel(R) Xeon(R) Gold 6430", "speed": 3200, "numCPUs": 4},
		"agent":       map[string]any{"version": "7.2.0.38", "lastCheckedIn": 1752520814000, "lastInventory": 1752520816000, "lastActivity": 0},
		"inventory":   map[string]any{"source": "QAGENT", "created": 1751889561000, "lastUpdated": 1752520814000},
		"activity":    map[string]any{"source": "QAGENT", "lastScannedDate": 1752520814000},
		"criticality": map[string]any{"score": 4, "isDefault": false, "lastUpdated": iso(100)},
		"businessInformation": map[string]any{"company": "Example Corp", "department": "Platform", "ownedBy": "alice", "environment": "Production",
			"managedBy": "bob", "supportedBy": "carol", "supportGroup": "SRE", "operationalStatus": "Operational"},
		"assignedLocation":         map[string]any{"name": "DC1", "city": "Frankfurt", "state": "HE", "country": "DE"},
		"cloudProvider":            map[string]any{"aws": map[string]any{"ec2": map[string]any{"instanceId": "i-0abc123def4567890", "region": map[string]any{"code": "eu-central-1"}}}},
		"openPortListData":         map[string]any{"openPort": ports},
		"networkInterfaceListData": map[string]any{"networkInterface": nics},
		"softwareListData":         map[string]any{"software": sw},
		"volumeListData":           map[string]any{"volume": vols},
		"serviceList":              map[string]any{"service": svcs},
		"tagList":                  map[string]any{"tag": tags},
		"businessAppListData":      map[string]any{"businessApp": []any{map[string]any{"id": "APP-1", "name": "Shop", "environment": "Production"}}},
		"customAttributes":         []any{map[string]any{"key": "rack", "value": "R12", "connectorName": "Qualys"}},
	}
	data, err := json.Marshal(asset)
	if err != nil {
		panic(err)
	}
	return data
}

// sortedKeys returns the keys of a map, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// collectPaths records the schema path and JSON kind of every value in one
// asset: "a.b[].c" → string|integer|number|boolean|null; empty objects and
// lists as object/array.
func collectPaths(t testing.TB, raw []byte, seen map[string]string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		join := func(k string) string {
			if p == "" {
				return k
			}
			return p + "." + k
		}
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 0 && p != "" {
				seen[p] = "object"
			}
			for k, x := range v {
				walk(join(k), x)
			}
		case []any:
			if len(v) == 0 {
				seen[p] = "array"
			}
			for _, x := range v {
				walk(p+"[]", x)
			}
		case string:
			seen[p] = schemaString
		case json.Number:
			if _, ok := parseInt(string(v)); ok {
				if seen[p] != schemaNumber {
					seen[p] = schemaInteger
				}
			} else {
				seen[p] = schemaNumber
			}
		case bool:
			seen[p] = schemaBoolean
		case nil:
			if _, ok := seen[p]; !ok {
				seen[p] = "null"
			}
		}
	}
	walk("", v)
}

// bigVMDRHost builds a VMDR host record (the shape of schemas/vmdr.txt) with
// nDetections detections, each joined with its KnowledgeBase entry as the
// VMDR client does (not copied from any sample).
func bigVMDRHost(nDetections int) []byte {
	iso := func(d int) string {
		return time.Date(2024, 1, 1, 8, 30, 0, 0, time.UTC).AddDate(0, 0, d).Format(time.RFC3339)
	}
	statuses := []string{"New", "Active", "Re-Opened", "Fixed"}
	vulns := make([]any, nDetections)
	for i := range vulns {
		qid := 38000 + i*7
		v := map[string]any{
			"UNIQUE_VULN_ID": 100700000 + i, "QID": qid, "TYPE": "Confirmed", "SEVERITY": 1 + i%5,
			"PORT": 1000 + i%50, "PROTOCOL": "tcp", "FQDN": "", "SSL": i % 2, "INSTANCE": "",
			"RESULTS":              fmt.Sprintf("Vulnerable version: &lt; %d.%d &quot;pkg%d&quot;", i%9, i%4, i),
			"STATUS":               statuses[i%len(statuses)],
			"FIRST_FOUND_DATETIME": iso(i % 200), "LAST_FOUND_DATETIME": iso(i%200 + 100),
			"QDS":         map[string]any{"value": 20 + i%80, "severity": "MEDIUM"},
			"QDS_FACTORS": []any{map[string]any{"name": "exploit_maturity", "value": "poc"}, map[string]any{"name": "CVSS", "value": "5.9"}},
			"TIMES_FOUND": 1 + i%400, "LAST_TEST_DATETIME": iso(i%200 + 100), "LAST_UPDATE_DATETIME": iso(i%200 + 90),
			"LAST_FIXED_DATETIME": iso(i%200 + 50), "FIRST_REOPENED_DATETIME": iso(i%200 + 60), "LAST_REOPENED_DATETIME": iso(i%200 + 60),
			"TIMES_REOPENED": i % 3, "SERVICE": "ssh", "IS_IGNORED": 0, "IS_DISABLED": 0,
			"AFFECT_RUNNING_KERNEL": 0, "AFFECT_RUNNING_SERVICE": 1, "AFFECT_EXPLOITABLE_CONFIG": 0,
			"LAST_PROCESSED_DATETIME": iso(i%200 + 101), "ASSET_CVE": fmt.Sprintf("CVE-2024-%04d", i),
			"QID_INFO": map[string]any{
				"qid": map[string]any{
					"qid": qid, "title": fmt.Sprintf("Example vulnerability %d", i), "vulnType": "Vulnerability", "severity": 1 + i%5,
					"category": "General remote services", "description": "<P>A diagnosis of several sentences describing the flaw.</P>",
					"consequence": "An attacker may execute code.", "solution": "<P>Upgrade to the latest version.</P>",
					"cvssBase": 5.0, "cvssTemporal": 4.3, "cvss3Base": 5.9, "cvss3Temporal": 5.3,
					"cvssAccessVector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:N", "patchExist": i%2 == 0,
					"cveId":         []any{fmt.Sprintf("CVE-2023-%05d", i), fmt.Sprintf("CVE-2024-%05d", i)},
					"publishedDate": iso(-i), "lastServiceModified": iso(i % 30),
					"threatIntel": []any{"Exploit_Public", "Cisa_Known_Exploited_Vulns"},
				},
				"corExploit": []any{map[string]any{"vendorName": "nvd", "ref": fmt.Sprintf("CVE-2023-%05d", i), "description": "exploit", "link": "https://example.com/x"}},
				"corMalware": []any{map[string]any{"vendorName": "Trend Micro", "id": "TROJ_X", "type": "Trojan", "platform": "Windows", "rating": "High"}},
			},
			"MITRE_TACTIC_ID":      []any{"TA0004", "TA0002"},
			"MITRE_TACTIC_NAME":    []any{"Privilege Escalation", "Execution"},
			"MITRE_TECHNIQUE_ID":   []any{"T1068", "T1203"},
			"MITRE_TECHNIQUE_NAME": []any{"Exploitation for Privilege Escalation", "Exploitation for Client Execution"},
		}
		vulns[i] = v
	}
	host := map[string]any{
		"ID": 1000007, "ASSET_ID": 60001875, "IP": "10.26.138.140", "IPV6": "2001:db8:572f:19dd::9e8c",
		"TRACKING_METHOD": "AGENT", "NETWORK_ID": "0", "OS": "Ubuntu Linux 22.04.5", "OS_CPE": "cpe:/o:canonical:ubuntu_linux:22.04",
		"DNS": "web-01.corp.example.com", "DNS_DATA": map[string]any{"HOSTNAME": "web-01", "DOMAIN": "corp.example.com", "FQDN": "web-01.corp.example.com"},
		"CLOUD_PROVIDER": "AWS", "CLOUD_SERVICE": "EC2", "CLOUD_RESOURCE_ID": "i-0abc123", "EC2_INSTANCE_ID": "i-0abc123",
		"NETBIOS": "WEB-01", "QG_HOSTID": "9344043e-d326-4e35-a4ef-189752682154",
		"LAST_SCAN_DATETIME": iso(300), "LAST_VM_SCANNED_DATE": iso(300), "LAST_VM_SCANNED_DURATION": 159,
		"LAST_VM_AUTH_SCANNED_DATE": iso(300), "LAST_VM_AUTH_SCANNED_DURATION": 159, "LAST_PC_SCANNED_DATE": iso(300),
		"TAGS":            []any{map[string]any{"TAG_ID": "7714301", "NAME": "Cloud Agent", "COLOR": "#FFFFFF", "BACKGROUND_COLOR": "#000000"}},
		"VULNERABILITIES": vulns,
	}
	data, err := json.Marshal(host)
	if err != nil {
		panic(err)
	}
	return data
}
