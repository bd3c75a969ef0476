package qualyssim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/qflow/qflow/internal/testscale"
)

const (
	pathHLD      = "/api/2.0/fo/asset/host/vm/detection/"
	pathHostList = "/api/2.0/fo/asset/host/"
	pathKB       = "/api/2.0/fo/knowledge_base/vuln/"
)

// allDets selects every detection of a host.
func allDets() url.Values {
	return url.Values{"action": {"list"}, "status": {"New,Active,Fixed,Re-Opened"}, "show_igs": {"1"},
		"include_ignored": {"1"}, "include_disabled": {"1"}}
}

func TestXMLShapeDetectsDifferences(t *testing.T) {
	t.Parallel()
	sample, ours := newXMLShape(), newXMLShape()
	sample.add([]byte(`<R><A x="1"><B/><C>t</C></A></R>`), "R", "R")
	ours.add([]byte(`<R><A><C><![CDATA[<B>]]></C><B/></A></R>`), "R", "R")
	got := ours.problems(sample)
	want := []string{"missing /R/A@x", "order under /R/A: sample has B before C"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
}

func TestVMDRParameterValidation(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 30, Seed: 1})
	tests := []struct {
		name, path, params string
		code               int
		text               string
	}{
		{"unknown", pathHLD, "action=list&foo=1&bar=2", 1901, "Unrecognized parameter(s): foo, bar"},
		{"missing action", pathHLD, "ids=5", 1903, "Missing required parameter(s): action"},
		{"bad action", pathHLD, "action=delete", 1905, "parameter action has invalid value: delete"},
		{"ids text", pathHLD, "action=list&ids=abc123", 1905, "parameter ids has invalid value: abc123 (neither a positive integer nor a range: abc123)"},
		{"ids reversed", pathHLD, "action=list&ids=9-3", 1905, "parameter ids has invalid value: 9-3"},
		{"ids zero", pathHostList, "action=list&ids=0", 1905, "parameter ids has invalid value: 0"},
		{"truncation", pathHLD, "action=list&truncation_limit=-1", 1905, "parameter truncation_limit has invalid value: -1"},
		{"bool", pathHLD, "action=list&show_igs=2", 1905, "parameter show_igs has invalid value: 2"},
		{"severity", pathHLD, "action=list&severities=2-6", 1905, "parameter severities has invalid value: 2-6"},
		{"status", pathHLD, "action=list&status=Open", 1905, "parameter status has invalid value: Open"},
		{"qds", pathHLD, "action=list&qds_min=0", 1905, "parameter qds_min has invalid value: 0"},
		{"date", pathHLD, "action=list&vm_processed_after=yesterday", 1905, "parameter vm_processed_after has invalid value: yesterday"},
		{"vuln type", pathHLD, "action=list&include_vuln_type=both", 1905, "parameter include_vuln_type has invalid value: both"},
		{"v2 rejects show_arf_data", pathHLD, "action=list&show_arf_data=1", 1901, "Unrecognized parameter(s): show_arf_data"},
		{"v3 rejects arf_kernel_filter", "/api/3.0/fo/asset/host/vm/detection/", "action=list&arf_kernel_filter=1", 1901, "Unrecognized parameter(s): arf_kernel_filter"},
		{"v5 rejects arf_config_filter", "/api/5.0/fo/asset/host/vm/detection/", "action=list&arf_config_filter=1", 1901, "Unrecognized parameter(s): arf_config_filter"},
		{"arf range", pathHLD, "action=list&arf_kernel_filter=5", 1905, "parameter arf_kernel_filter has invalid value: 5"},
		{"arf keys", "/api/4.0/fo/asset/host/vm/detection/", "action=list&arf_filter_keys=running", 1905, "parameter arf_filter_keys has invalid value: running"},
		{"host list has no status", pathHostList, "action=list&status=New", 1901, "Unrecognized parameter(s): status"},
		{"host list details", pathHostList, "action=list&details=Full", 1905, "parameter details has invalid value: Full"},
		{"kb has no truncation", pathKB, "action=list&truncation_limit=10", 1901, "Unrecognized parameter(s): truncation_limit"},
		{"kb ids", pathKB, "action=list&ids=abc123", 1905, "parameter ids has invalid value: abc123 (neither a positive integer nor a range: abc123)"},
		{"kb date", pathKB, "action=list&last_modified_after=2024-13-01", 1905, "parameter last_modified_after has invalid value: 2024-13-01"},
		{"ok v2 arf", pathHLD, "action=list&arf_kernel_filter=1&ids=1", 0, ""},
		{"ok v3 arf", "/api/3.0/fo/asset/host/vm/detection/", "action=list&show_arf_data=1&arf_filter_keys=non-running-kernel,config-not-exploitable&ids=1", 0, ""},
		{"ok lists", pathHLD, "action=list&status=new,fixed&severities=1,3-5&qids=6,45000-46000&ids=1,2-9&vm_processed_after=2024-01-01&vm_processed_before=2025-01-01T00:00:00Z", 0, ""},
		{"ok repeated, last wins", pathHLD, "action=list&truncation_limit=x&truncation_limit=5&ids=1", 0, ""},
		{"ok kb", pathKB, "action=list&details=None&ids=6", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, method := range []string{"GET", "POST"} {
				q, _ := url.ParseQuery(tt.params)
				var resp *http.Response
				var body []byte
				if method == "GET" {
					req := e.request("GET", tt.path, nil, nil)
					req.URL.RawQuery = tt.params
					resp, body = e.do(req)
				} else {
					req := e.request("POST", tt.path, nil, q)
					req.Body = io.NopCloser(strings.NewReader(tt.params))
					req.ContentLength = int64(len(tt.params))
					resp, body = e.do(req)
				}
				if resp.Header.Get("X-RateLimit-Remaining") == "" || resp.Header.Get("X-Concurrency-Limit-Limit") == "" {
					t.Errorf("%s: limit headers missing", method)
				}
				if tt.code == 0 {
					if resp.StatusCode != 200 {
						t.Errorf("%s: status %d: %s", method, resp.StatusCode, body)
					}
					continue
				}
				d := decodeDoc(t, body)
				if resp.StatusCode != 400 || d.Response.Code != tt.code || !strings.HasPrefix(d.Response.Text, tt.text) {
					t.Errorf("%s: got %d CODE %d %q, want 400 CODE %d %q", method, resp.StatusCode, d.Response.Code, d.Response.Text, tt.code, tt.text)
				}
				if !bytes.HasPrefix(body, []byte(`<!DOCTYPE SIMPLE_RETURN SYSTEM "`)) {
					t.Errorf("%s: body does not start like the recorded 400: %.80s", method, body)
				}
			}
		})
	}
}

func TestVMDRAuthAndHeaders(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 10, Seed: 1})
	q := url.Values{"action": {"list"}}
	for _, tc := range []struct {
		name   string
		edit   func(*http.Request)
		status int
		code   int
		text   string
	}{
		{"no auth", func(r *http.Request) { r.Header.Del("Authorization") }, 401, 0, "Bad Login/Password"},
		{"bad password", func(r *http.Request) { r.SetBasicAuth("qflow", "nope") }, 401, 0, "Bad Login/Password"},
		{"no X-Requested-With", func(r *http.Request) { r.Header.Del("X-Requested-With") }, 400, 1903, "Missing required header: X-Requested-With"},
		{"PUT", func(r *http.Request) { r.Method = http.MethodPut }, 400, 1908, "Request method (GET or POST)"},
	} {
		req := e.request("GET", pathHLD, q, nil)
		tc.edit(req)
		resp, body := e.do(req)
		d := decodeDoc(t, body)
		if resp.StatusCode != tc.status || d.Response.Code != tc.code || !strings.HasPrefix(d.Response.Text, tc.text) {
			t.Errorf("%s: %d CODE %d %q", tc.name, resp.StatusCode, d.Response.Code, d.Response.Text)
		}
		if tc.status == 401 && resp.Header.Get("X-RateLimit-Limit") != "" {
			t.Errorf("%s: limit headers on an unauthenticated answer", tc.name)
		}
	}
	resp, body := e.call("GET", "/msp/about.php", nil, nil)
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("<API-VERSION")) || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Errorf("about.php: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if st := e.sim.Stats(); st.Calls["GET /msp/about.php"] != 1 || st.Calls["GET "+pathHLD] != 3 {
		t.Errorf("calls %v", st.Calls)
	}
}

func TestVMDRPagingWalksEveryHostOnce(t *testing.T) {
	t.Parallel()
	// Either size takes several pages of each truncation limit.
	hldLimit, listLimit := testscale.N(t, 9, 37), testscale.N(t, 20, 100)
	e := newVMEnv(t, Config{Assets: testscale.N(t, 60, 300), Seed: 2})
	truth := e.sim.Truth()
	check := func(name string, ids []int64, want []int64) {
		t.Helper()
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("%s: ids not strictly ascending", name)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: walked %d hosts, truth has %d", name, len(ids), len(want))
		}
	}
	q := allDets()
	q.Set("truncation_limit", strconv.Itoa(hldLimit))
	q.Set("show_results", "0")
	ids, pages := e.walkHosts("POST", pathHLD, q)
	check("HLD POST", ids, truth.HostIDs)
	if pages != (len(ids)+hldLimit-1)/hldLimit || pages < 3 {
		t.Errorf("HLD: %d pages for %d hosts", pages, len(ids))
	}
	ids, _ = e.walkHosts("GET", "/api/5.0/fo/asset/host/vm/detection/", q)
	check("HLD v5 GET", ids, truth.HostIDs)
	ids, pages = e.walkHosts("GET", pathHostList, url.Values{"action": {"list"}, "details": {"None"}, "truncation_limit": {strconv.Itoa(listLimit)}})
	check("host list ID_SET", ids, truth.HostIDs)
	if pages < 3 {
		t.Errorf("host list ID_SET: %d pages of %d for %d hosts", pages, listLimit, len(ids))
	}
	ids, pages = e.walkHosts("GET", pathHostList, url.Values{"action": {"list"}, "details": {"None"}, "truncation_limit": {"0"}})
	check("host list all", ids, truth.HostIDs)
	if pages != 1 {
		t.Errorf("truncation_limit=0 gave %d pages", pages)
	}
	ids, pages = e.walkHosts("GET", pathHostList, url.Values{"action": {"list"}})
	check("host list default", ids, truth.HostIDs)
	if pages != 1 {
		t.Errorf("default truncation (1000) gave %d pages for %d hosts", pages, len(ids))
	}

	// The WARNING repeats the request with id_min = the next host's ID.
	resp, body := e.call("GET", pathHLD, url.Values{"action": {"list"}, "show_igs": {"1"}, "truncation_limit": {"3"}, "id_min": {"5"}}, nil)
	d := decodeDoc(t, body)
	w := d.Response.Warning
	if resp.StatusCode != 200 || w == nil || w.Code != 1980 || w.Text != "3 record limit exceeded. Use URL to get next batch of results." {
		t.Fatalf("warning %+v", w)
	}
	u, _ := url.Parse(w.URL)
	next := u.Query().Get("id_min")
	if u.Query().Get("show_igs") != "1" || u.Query().Get("truncation_limit") != "3" || strings.Count(u.RawQuery, "id_min") != 1 ||
		!strings.HasPrefix(w.URL, e.srv.URL+pathHLD+"?") || next != itoa(truth.HostIDs[3]) {
		t.Errorf("URL %q (next host %d)", w.URL, truth.HostIDs[3])
	}
	if !bytes.Contains(body, []byte("<URL><![CDATA["+e.srv.URL)) {
		t.Error("URL is not CDATA")
	}
}

func TestVMDRFilters(t *testing.T) {
	t.Parallel()
	// The ids filters below name HostIDs[0] to [4*step]; the small set has
	// more hosts than that, and detections for every filter.
	step := testscale.N(t, 5, 10)
	e := newVMEnv(t, Config{Assets: testscale.N(t, 25, 150), Seed: 4})
	truth := e.sim.Truth()
	get := func(q url.Values) xDoc {
		t.Helper()
		q.Set("action", "list")
		q.Set("truncation_limit", "0")
		if q.Get("show_results") == "" {
			q.Set("show_results", "0")
		}
		resp, body := e.call("GET", pathHLD, q, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%v: %d %s", q, resp.StatusCode, body)
		}
		return decodeDoc(t, body)
	}
	each := func(name string, d xDoc, ok func(h xHost, x xDet) bool) {
		t.Helper()
		n := 0
		for _, h := range d.Response.Hosts {
			if len(h.Detections) == 0 {
				t.Errorf("%s: host %d without detections", name, h.ID)
			}
			for _, x := range h.Detections {
				n++
				if !ok(h, x) {
					t.Errorf("%s: host %d QID %d %s %s sev %d", name, h.ID, x.QID, x.Type, x.Status, x.Severity)
					return
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no detections at all", name)
		}
	}
	each("default", get(url.Values{"show_results": {"1"}, "ids": {fmt.Sprintf("%d-%d", truth.HostIDs[0], truth.HostIDs[4*step])}}), func(_ xHost, x xDet) bool {
		return x.Type != "Info" && x.Status != "Fixed" && x.Ignored == 0 && x.Disabled == 0 && x.Results != nil && x.QDS == nil
	})
	each("fixed", get(url.Values{"status": {"Fixed"}}), func(_ xHost, x xDet) bool { return x.Status == "Fixed" })
	each("severities", get(url.Values{"severities": {"4-5"}, "status": {"New,Active,Fixed,Re-Opened"}}), func(_ xHost, x xDet) bool { return x.Severity >= 4 })
	each("potential", get(url.Values{"include_vuln_type": {"potential"}}), func(_ xHost, x xDet) bool { return x.Type == "Potential" })
	each("igs", get(url.Values{"show_igs": {"1"}, "qids": {"6,45017"}}), func(_ xHost, x xDet) bool {
		return x.Type == "Info" && x.Status == "" && (x.QID == 6 || x.QID == 45017)
	})
	each("qds", get(url.Values{"show_qds": {"1"}, "qds_min": {"90"}}), func(_ xHost, x xDet) bool {
		return x.QDS != nil && x.QDS.Value >= 90 && x.QDS.Severity == "CRITICAL"
	})
	each("no results", get(url.Values{"show_results": {"0"}}), func(_ xHost, x xDet) bool { return x.Results == nil })
	each("ignored", get(url.Values{"include_ignored": {"1"}, "include_disabled": {"1"}, "status": {"New,Active,Fixed,Re-Opened"}}), func(_ xHost, x xDet) bool { return true })
	all := get(allDets())
	ign := 0
	for _, h := range all.Response.Hosts {
		for _, x := range h.Detections {
			ign += x.Ignored
		}
	}
	if ign != truth.Detections.Ignored || ign == 0 {
		t.Errorf("%d ignored detections served, truth %d", ign, truth.Detections.Ignored)
	}

	// Host filters: ids ranges and lists, id_min/id_max.
	a, b, c := truth.HostIDs[step], truth.HostIDs[2*step], truth.HostIDs[3*step]
	d := get(url.Values{"ids": {fmt.Sprintf("%d-%d,%d", a, b, c)}, "status": {"New,Active,Fixed,Re-Opened"}, "show_igs": {"1"}})
	if got, want := d.ids(t), append(slices.Clone(truth.HostIDs[step:2*step+1]), c); !slices.Equal(got, want) {
		t.Errorf("ids: %v, want %v", got, want)
	}
	d = get(url.Values{"id_min": {itoa(a)}, "id_max": {itoa(b)}, "status": {"New,Active,Fixed,Re-Opened"}, "show_igs": {"1"}})
	if got := d.ids(t); !slices.Equal(got, truth.HostIDs[step:2*step+1]) {
		t.Errorf("id_min/id_max: %v", got)
	}

	// ARF: v2 shows AFFECT_* for related detections; v3 only with show_arf_data.
	hasKernel := func(path string, q url.Values) (shown, zero int) {
		q.Set("action", "list")
		q.Set("truncation_limit", "0")
		q.Set("show_results", "0")
		_, body := e.call("GET", path, q, nil)
		d := decodeDoc(t, body)
		for _, h := range d.Response.Hosts {
			for _, x := range h.Detections {
				if x.AffectKernel != nil {
					shown++
					if *x.AffectKernel == "0" {
						zero++
					}
				}
			}
		}
		return shown, zero
	}
	if s, z := hasKernel(pathHLD, url.Values{}); s == 0 || z == 0 {
		t.Errorf("v2: %d AFFECT_RUNNING_KERNEL, %d of them 0", s, z)
	}
	if s, _ := hasKernel("/api/3.0/fo/asset/host/vm/detection/", url.Values{}); s != 0 {
		t.Errorf("v3 without show_arf_data shows %d AFFECT_RUNNING_KERNEL", s)
	}
	if s, z := hasKernel("/api/3.0/fo/asset/host/vm/detection/", url.Values{"show_arf_data": {"1"}, "arf_filter_keys": {"non-running-kernel"}}); s == 0 || z != 0 {
		t.Errorf("v3 arf_filter_keys=non-running-kernel: %d shown, %d not running", s, z)
	}
	if s, z := hasKernel(pathHLD, url.Values{"arf_kernel_filter": {"3"}}); s == 0 || z != 0 {
		t.Errorf("v2 arf_kernel_filter=3: %d shown, %d not running", s, z)
	}
}

// TestVMDRHostsMatchCSAM checks the link between the two APIs: hostId in
// CSAM is the VMDR host ID and the identity fields agree.
func TestVMDRHostsMatchCSAM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 400, Seed: 6})
	ve := &vmEnv{t: t, sim: e.sim, srv: e.srv}
	assets, _ := e.walk(url.Values{"pageSize": {"300"}, "includeFields": {"hostId,address,dnsName,netbiosName,operatingSystem"}}, "")
	type csam struct {
		AssetID     int64  `json:"assetId"`
		HostID      *int64 `json:"hostId"`
		Address     string `json:"address"`
		DNSName     string `json:"dnsName"`
		NetbiosName string `json:"netbiosName"`
		OS          struct {
			FullName string `json:"fullName"`
		} `json:"operatingSystem"`
	}
	byHost := map[int64]csam{}
	noHost := 0
	for _, raw := range assets {
		var a csam
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		if a.HostID == nil {
			noHost++
			continue
		}
		byHost[*a.HostID] = a
	}
	_, body := ve.call("GET", pathHostList, url.Values{"action": {"list"}, "truncation_limit": {"0"}, "show_asset_id": {"1"}}, nil)
	hosts := decodeDoc(t, body).Response.Hosts
	only := 0
	for _, h := range hosts {
		a, ok := byHost[h.ID]
		if !ok {
			only++
			if h.AssetID != 0 {
				t.Errorf("VMDR-only host %d has ASSET_ID %d", h.ID, h.AssetID)
			}
			continue
		}
		// Text elements are CDATA, sometimes wrapped in whitespace (as in real responses).
		h.DNS, h.NetBIOS, h.OS = strings.TrimSpace(h.DNS), strings.TrimSpace(h.NetBIOS), strings.TrimSpace(h.OS)
		if h.AssetID != a.AssetID || h.IP != a.Address || h.DNS != a.DNSName || h.NetBIOS != a.NetbiosName || h.OS != a.OS.FullName {
			t.Errorf("host %d %+v differs from asset %+v", h.ID, h, a)
		}
		delete(byHost, h.ID)
	}
	if len(byHost) != 0 || noHost == 0 || only == 0 || only > len(hosts)/10 {
		t.Errorf("%d CSAM hostIds without VMDR host, %d assets without hostId, %d VMDR-only of %d hosts", len(byHost), noHost, only, len(hosts))
	}
}

func TestVMDRHostsConfig(t *testing.T) {
	t.Parallel()
	// The share of assets with a VMDR host is drawn per asset: of 200 it
	// varies more than of 1000, so the small size takes a seed near the mean.
	n, seed := testscale.N(t, 200, 1000), int64(testscale.N(t, 3, 8))
	def, err := TruthFor(Config{Assets: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	if def.Hosts < n*90/100 || def.Hosts > n*102/100 {
		t.Errorf("default: %d hosts for %d assets", def.Hosts, n)
	}
	if size := unsafe.Sizeof(vmHost{}); size > 16 {
		t.Errorf("vmHost is %d bytes", size)
	}
	sim, err := New(Config{Assets: n, Seed: seed, Epoch: 2, Faults: Faults{StuckHosts: 3}})
	if err != nil {
		t.Fatal(err)
	}
	tf, err := TruthFor(Config{Assets: n, Seed: seed, Epoch: 2, Faults: Faults{StuckHosts: 3}})
	if err != nil || !reflect.DeepEqual(tf, sim.Truth()) || tf.Epoch != 2 || len(tf.StuckHosts) != 3 {
		t.Errorf("TruthFor differs from Server.Truth (%v)", err)
	}
	// Fewer hosts than assets, more (VMDR-only hosts), many more.
	for _, h := range []int{1, n / 2, def.Hosts + 3*n, 9 * n} {
		tr, err := TruthFor(Config{Assets: n, Seed: seed, Hosts: h})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Hosts != h || len(tr.HostIDs) != h || !slices.IsSorted(tr.HostIDs) || len(slices.Compact(slices.Clone(tr.HostIDs))) != h {
			t.Errorf("Hosts=%d: truth has %d (%d ids)", h, tr.Hosts, len(tr.HostIDs))
		}
	}
	if _, err := New(Config{Assets: 10, Faults: Faults{StuckHosts: 50}}); err == nil {
		t.Error("more stuck hosts than hosts accepted")
	}
	if _, err := New(Config{Epoch: -1}); err == nil {
		t.Error("negative epoch accepted")
	}
}

func TestVMDRKBParallelCallsGet409(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 10, Seed: 1, ConcurrencyLimit: 10, Latency: Latency{Base: 300 * time.Millisecond}})
	var wg sync.WaitGroup
	type res struct {
		status int
		body   []byte
		h      http.Header
	}
	out := make([]res, 4)
	for k := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := e.call("GET", pathKB, url.Values{"action": {"list"}, "ids": {"6"}}, nil)
			out[k] = res{resp.StatusCode, body, resp.Header}
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range out {
		switch r.status {
		case 200:
			ok++
		case 409:
			d := decodeDoc(t, r.body)
			if d.Response.Code != 1960 || len(d.Response.Items) != 1 || d.Response.Items[0].Key != "CALLS_TO_FINISH" || d.Response.Items[0].Value != "1" ||
				d.Response.Text != "This API cannot be run again until 1 currently running API instance has finished." {
				t.Errorf("409 body %s", r.body)
			}
			if r.h.Get("X-Concurrency-Limit-Limit") != "1" || r.h.Get("X-RateLimit-Remaining") == "" {
				t.Errorf("409 headers %v", r.h)
			}
		default:
			t.Errorf("status %d", r.status)
		}
	}
	if ok != 1 {
		t.Errorf("%d parallel KB calls succeeded, want 1", ok)
	}
	if v := e.sim.Stats().LimitViolationsByAPI["vm"]; v != 3 {
		t.Errorf("vm violations %d", v)
	}
}

func TestVMDRConcurrencyLimit(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 10, Seed: 1, ConcurrencyLimit: 2, Latency: Latency{Base: 300 * time.Millisecond}})
	var wg sync.WaitGroup
	statuses := make([]int, 5)
	bodies := make([][]byte, 5)
	heads := make([]http.Header, 5)
	for k := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := pathHLD
			if k%2 == 1 {
				path = pathHostList // host list and detections share the VM limits
			}
			resp, body := e.call("GET", path, url.Values{"action": {"list"}}, nil)
			statuses[k], bodies[k], heads[k] = resp.StatusCode, body, resp.Header
		}()
	}
	wg.Wait()
	ok := 0
	for k, st := range statuses {
		for _, h := range limitHeaders {
			if heads[k].Get(h) == "" {
				t.Errorf("status %d: missing %s", st, h)
			}
		}
		switch st {
		case 200:
			ok++
		case 409:
			d := decodeDoc(t, bodies[k])
			if d.Response.Code != 1960 || heads[k].Get("X-Concurrency-Limit-Running") != "2" || d.Response.Items[0].Key != "CALLS_TO_FINISH" {
				t.Errorf("409: %s %v", bodies[k], heads[k])
			}
		default:
			t.Errorf("status %d", st)
		}
	}
	st := e.sim.Stats()
	if ok != 2 || st.VMMaxConcurrency != 2 || st.LimitViolationsByAPI["vm"] != 3 || st.LimitViolationsByAPI["csam"] != 0 {
		t.Errorf("%d ok; stats %+v", ok, st)
	}
}

func TestVMDRRateLimit(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	e := newVMEnv(t, Config{Assets: 10, Seed: 1, RateLimit: 3, RateWindow: time.Hour, Now: clock.Now})
	q := url.Values{"action": {"list"}, "ids": {"1"}}
	for k := range 3 {
		resp, _ := e.call("GET", pathHLD, q, nil)
		if resp.StatusCode != 200 || resp.Header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-k) {
			t.Fatalf("call %d: %d remaining %s", k, resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining"))
		}
		clock.Advance(time.Minute)
	}
	resp, body := e.call("GET", pathKB, url.Values{"action": {"list"}}, nil)
	d := decodeDoc(t, body)
	wait := resp.Header.Get("X-RateLimit-ToWait-Sec")
	if resp.StatusCode != 409 || d.Response.Code != 1965 || d.Response.Items[0].Key != "SECONDS_TO_WAIT" || d.Response.Items[0].Value != wait || wait != "3420" ||
		d.Response.Text != "This API cannot be run again for another 57 minutes." {
		t.Errorf("rate refusal %d %s (ToWait %s)", resp.StatusCode, body, wait)
	}
	// The CSAM gateway keeps its own limiter.
	ce := &testEnv{t: t, sim: e.sim, srv: e.srv}
	ce.tok = ce.login()
	if resp, b := ce.post(pathCount, ce.tok, "", ""); resp.StatusCode != 200 {
		t.Errorf("CSAM count after VMDR rate limit: %d %s", resp.StatusCode, b)
	}
	clock.Advance(58 * time.Minute)
	if resp, _ := e.call("GET", pathHLD, q, nil); resp.StatusCode != 200 {
		t.Errorf("after the window: %d", resp.StatusCode)
	}
}

func TestVMDRAdvance(t *testing.T) {
	t.Parallel()
	n := testscale.N(t, 100, 300)
	e := newVMEnv(t, Config{Assets: n, Seed: 5})
	t0 := e.sim.Truth()
	resp, body := e.do(mustReq(t, "POST", e.srv.URL+"/_sim/advance"))
	var adv struct {
		Epoch    int    `json:"epoch"`
		DateTime string `json:"datetime"`
	}
	if err := json.Unmarshal(body, &adv); err != nil || resp.StatusCode != 200 || adv.Epoch != 1 {
		t.Fatalf("advance: %d %s", resp.StatusCode, body)
	}
	t1 := e.sim.Truth()
	if t1.Epoch != 1 || t1.DateTime != adv.DateTime || len(t1.ChangedHostIDs) < t1.Hosts/10 || len(t1.ChangedHostIDs) > t1.Hosts/3 {
		t.Fatalf("epoch 1: %d, %s, %d changed of %d", t1.Epoch, t1.DateTime, len(t1.ChangedHostIDs), t1.Hosts)
	}
	if reflect.DeepEqual(t0.Detections, t1.Detections) || t1.Detections.Total <= t0.Detections.Total {
		t.Errorf("detections did not move: %+v -> %+v", t0.Detections, t1.Detections)
	}
	if !slices.Equal(t0.HostIDs, t1.HostIDs) {
		t.Error("hosts changed")
	}
	// An incremental pull since the previous DATETIME returns exactly the changed hosts.
	q := allDets()
	q.Set("vm_processed_after", t0.DateTime)
	ids, _ := e.walkHosts("GET", pathHLD, q)
	if !slices.Equal(ids, t1.ChangedHostIDs) {
		t.Errorf("HLD since %s: %d hosts, %d changed", t0.DateTime, len(ids), len(t1.ChangedHostIDs))
	}
	ids, _ = e.walkHosts("GET", pathHostList, url.Values{"action": {"list"}, "details": {"None"}, "vm_processed_after": {t0.DateTime}})
	if !slices.Equal(ids, t1.ChangedHostIDs) {
		t.Errorf("host list since %s: %d hosts", t0.DateTime, len(ids))
	}
	_, body = e.call("GET", pathHLD, url.Values{"action": {"list"}, "ids": {itoa(t1.ChangedHostIDs[0])}, "show_igs": {"1"}}, nil)
	if last := decodeDoc(t, body).Response.Hosts[0].LastScan; last <= t0.DateTime || last >= t1.DateTime {
		t.Errorf("changed host scanned %s, not between %s and %s", last, t0.DateTime, t1.DateTime)
	}
	_, body = e.call("GET", pathKB, url.Values{"action": {"list"}, "last_modified_after": {t0.DateTime}}, nil)
	if v := decodeDoc(t, body).Response.Vulns; len(v) == 0 || len(v) > len(t1.KBQIDs)/10 {
		t.Errorf("%d KB entries modified in epoch 1", len(v))
	}
	// Same data when starting at epoch 1.
	e1 := newVMEnv(t, Config{Assets: n, Seed: 5, Epoch: 1})
	if !reflect.DeepEqual(e1.sim.Truth(), t1) {
		t.Error("Config.Epoch=1 differs from one advance")
	}
	q = allDets()
	q.Set("truncation_limit", strconv.Itoa(testscale.N(t, 15, 40)))
	q.Set("show_qds", "1")
	_, a := e.call("GET", pathHLD, q, nil)
	_, b := e1.call("GET", pathHLD, q, nil)
	if !bytes.Equal(a, bytes.ReplaceAll(b, []byte(e1.srv.URL), []byte(e.srv.URL))) {
		t.Error("HLD page differs between advanced and started-at-epoch servers")
	}
}

func TestVMDRDeterministic(t *testing.T) {
	t.Parallel()
	q := allDets()
	q.Set("truncation_limit", strconv.Itoa(testscale.N(t, 15, 50)))
	q.Set("show_qds_factors", "1")
	page := func(seed int64) []byte {
		e := newVMEnv(t, Config{Assets: testscale.N(t, 50, 150), Seed: seed})
		_, b := e.call("GET", pathHLD, q, nil)
		return bytes.ReplaceAll(b, []byte(e.srv.URL), []byte("BASE"))
	}
	a, b, c := page(9), page(9), page(10)
	if !bytes.Equal(a, b) {
		t.Error("same seed, different pages")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds, same page")
	}
}

func TestVMDRStuckHosts(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 200, Seed: 7, Faults: Faults{StuckHosts: 2}})
	tr := e.sim.Truth()
	if len(tr.StuckHosts) != 2 || tr.StuckDetections == 0 {
		t.Fatalf("truth: stuck %v, %d detections", tr.StuckHosts, tr.StuckDetections)
	}
	total, _ := TruthFor(Config{Assets: 200, Seed: 7})
	if tr.Detections.Total+tr.StuckDetections != total.Detections.Total {
		t.Errorf("%d + %d stuck detections, %d without the fault", tr.Detections.Total, tr.StuckDetections, total.Detections.Total)
	}
	stuck := tr.StuckHosts[0]
	k := slices.Index(tr.HostIDs, stuck)
	call := func(q url.Values) (int, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		req := e.request("GET", pathHLD, q, nil).WithContext(ctx)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		return resp.StatusCode, err
	}
	q := allDets()
	q.Set("ids", itoa(stuck))
	if _, err := call(q); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("page with only the stuck host: %v", err)
	}
	q.Set("ids", fmt.Sprintf("%d-%d", tr.HostIDs[max(0, k-3)], tr.HostIDs[min(len(tr.HostIDs)-1, k+3)]))
	if _, err := call(q); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("page including the stuck host: %v", err)
	}
	// A page that ends just before it delivers (its id is the next id_min).
	if k > 0 {
		q.Set("ids", fmt.Sprintf("%d-%d", tr.HostIDs[0], stuck))
		q.Set("truncation_limit", strconv.Itoa(k))
		if st, err := call(q); err != nil || st != 200 {
			t.Errorf("page before the stuck host: %d %v", st, err)
		}
	}
	// The host list is not affected.
	resp, _ := e.call("GET", pathHostList, url.Values{"action": {"list"}, "ids": {itoa(stuck)}}, nil)
	if resp.StatusCode != 200 {
		t.Errorf("host list: %d", resp.StatusCode)
	}
}

func TestVMDRFaults(t *testing.T) {
	t.Parallel()
	f, err := ParseFaults("expired=1,stuckhost=1")
	if err != nil || f.Expired != 1 || f.StuckHosts != 1 || f.String() != "expired=1,stuckhost=1" {
		t.Fatalf("ParseFaults: %+v %v (%s)", f, err, f.String())
	}
	for _, bad := range []string{"stuckhost=-1", "stuckhost=x", "stuckhost=1,stuckhost=2", "expired=2"} {
		if _, err := ParseFaults(bad); err == nil {
			t.Errorf("ParseFaults(%q) accepted", bad)
		}
	}
	e := newVMEnv(t, Config{Assets: 10, Seed: 1, Faults: Faults{Expired: 1}})
	resp, body := e.call("GET", pathHLD, url.Values{"action": {"list"}}, nil)
	d := decodeDoc(t, body)
	if resp.StatusCode != 200 || d.Response.Code != 2001 || d.Response.Text != "This account has expired." || resp.Header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("expired: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	e = newVMEnv(t, Config{Assets: 10, Seed: 1, Faults: Faults{ServerError: 1}})
	if resp, _ := e.call("GET", pathKB, url.Values{"action": {"list"}}, nil); resp.StatusCode < 500 {
		t.Errorf("5xx fault: %d", resp.StatusCode)
	}
	e = newVMEnv(t, Config{Assets: 10, Seed: 1, Faults: Faults{Reset: 1}})
	req := e.request("GET", pathHLD, url.Values{"action": {"list"}, "show_igs": {"1"}}, nil)
	if resp, err := e.srv.Client().Do(req); err == nil {
		var buf bytes.Buffer
		_, err = buf.ReadFrom(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("reset fault delivered a whole body")
		}
	}
	if st := e.sim.Stats(); st.Faults[FaultReset] != 1 {
		t.Errorf("faults %v", st.Faults)
	}
}

// TestVMDRWireQuirks checks the bytes of a response against the real ones:
// DOCTYPE, dates without milliseconds, CDATA, HTML-escaped RESULTS,
// keep-alive comments and the trailing proprietary comment.
func TestVMDRWireQuirks(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: testscale.N(t, 20, 120), Seed: 1})
	q := allDets()
	q.Set("truncation_limit", "0")
	_, body := e.call("GET", pathHLD, q, nil)
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8" ?>` + "\n" + `<!DOCTYPE HOST_LIST_VM_DETECTION_OUTPUT SYSTEM "` + e.srv.URL + `/api/2.0/fo/asset/host/vm/detection/dtd/output.dtd">`,
		"<!-- keep-alive for HOST_LIST_VM_DETECTION_OUTPUT  -->",
		"<RESULTS><![CDATA[", "&quot;", "&gt;", "\t", "<OS>\n          <![CDATA[",
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("response lacks %q", want)
		}
	}
	if !regexp.MustCompile(`</HOST_LIST_VM_DETECTION_OUTPUT>\n<!-- CONFIDENTIAL AND PROPRIETARY INFORMATION\..* Copyright 2025, Qualys, Inc\. //-->\n$`).Match(body) {
		t.Errorf("trailing comment: %q", body[max(0, len(body)-300):])
	}
	dates := regexp.MustCompile(`<([A-Z_]*(?:DATETIME|DATE))>([^<]*)</`).FindAllSubmatch(body, -1)
	good := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for _, m := range dates {
		if !good.Match(m[2]) {
			t.Fatalf("date %s", m[0])
		}
	}
	if len(dates) < 1000 {
		t.Errorf("only %d dates", len(dates))
	}
	info := regexp.MustCompile(`(?s)<TYPE>Info</TYPE>.*?</DETECTION>`).FindAll(body, -1)
	if len(info) == 0 || bytes.Contains(bytes.Join(info, nil), []byte("<STATUS>")) {
		t.Errorf("%d Info detections, with STATUS: %v", len(info), bytes.Contains(bytes.Join(info, nil), []byte("<STATUS>")))
	}
	_, kb := e.call("GET", pathKB, url.Values{"action": {"list"}, "details": {"All"}}, nil)
	if !bytes.Contains(kb, []byte("<!-- keep-alive for KNOWLEDGE_BASE_VULN_LIST_OUTPUT  -->")) || !bytes.Contains(kb, []byte(`<THREAT_INTEL id="18"><![CDATA[Cisa_Known_Exploited_Vulns]]></THREAT_INTEL>`)) ||
		!bytes.Contains(kb, []byte(`<THREAT_INTEL id="3"><![CDATA[Active_Attacks]]>`)) || !bytes.Contains(kb, []byte(`<A HREF="`)) {
		t.Error("KB lacks keep-alive comments, threat intelligence or HTML")
	}
}

// TestKBCoversDetections checks that the KB holds every QID the detections
// use and that the full KB equals Truth.KBQIDs.
func TestKBCoversDetections(t *testing.T) {
	t.Parallel()
	// The KB does not depend on the assets; 40 use some 260 of its 444 QIDs.
	e := newVMEnv(t, Config{Assets: testscale.N(t, 40, 300), Seed: 12})
	tr := e.sim.Truth()
	q := allDets()
	q.Set("truncation_limit", "0")
	q.Set("show_results", "0")
	_, body := e.call("GET", pathHLD, q, nil)
	used := map[int]bool{}
	for _, h := range decodeDoc(t, body).Response.Hosts {
		for _, x := range h.Detections {
			used[x.QID] = true
		}
	}
	_, body = e.call("GET", pathKB, url.Values{"action": {"list"}, "details": {"None"}}, nil)
	d := decodeDoc(t, body)
	var kb []int
	for _, id := range d.ids(t) {
		kb = append(kb, int(id))
	}
	if !slices.Equal(kb, tr.KBQIDs) || d.ranges() == 0 {
		t.Fatalf("KB ID_SET has %d QIDs (%d ranges), truth %d", len(kb), d.ranges(), len(tr.KBQIDs))
	}
	for qid := range used {
		if _, ok := slices.BinarySearch(kb, qid); !ok {
			t.Errorf("QID %d used by a detection is not in the KB", qid)
		}
	}
	if len(used) < len(kb)/3 {
		t.Errorf("detections use only %d of %d QIDs", len(used), len(kb))
	}
	seen := map[int]string{}
	for _, tm := range vulnTmpls {
		for v := range tm.count {
			if prev, dup := seen[tm.base+v]; dup {
				t.Errorf("QID %d in %q and %q", tm.base+v, prev, tm.title)
			}
			seen[tm.base+v] = tm.title
		}
	}
}

func mustReq(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Config.Rescan sets the share of hosts an epoch rescans; the hosts it
// rescans are exactly those an incremental pull returns.
func TestVMDRRescanShare(t *testing.T) {
	t.Parallel()
	for _, share := range []float64{0.01, 0.5} {
		t.Run(strconv.FormatFloat(share, 'f', -1, 64), func(t *testing.T) {
			n := testscale.N(t, 1000, 3000)
			sim, err := New(Config{Assets: n, Seed: 3, Rescan: share, Epoch: 1})
			if err != nil {
				t.Fatal(err)
			}
			tr := sim.Truth()
			got := float64(len(tr.ChangedHostIDs)) / float64(tr.Hosts)
			if got < share*0.5 || got > share*1.5 || len(tr.ChangedHostIDs) == 0 {
				t.Errorf("Rescan %v: %d of %d hosts changed (%.3f)", share, len(tr.ChangedHostIDs), tr.Hosts, got)
			}
		})
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := New(Config{Rescan: bad}); err == nil || !strings.Contains(err.Error(), "rescan") {
			t.Errorf("Rescan %v: error %v, want one naming rescan", bad, err)
		}
	}
}
