package qualyssim

import (
	"encoding/xml"
	"io"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/testscale"
)

// These tests check that every parameter the simulator documents for an
// endpoint (doc.go) is accepted at each API version that has it and has its
// effect on the answer, that it is 1901 at a version that lacks it, and
// that an unknown parameter is 1901 everywhere.

// Decoded answers of the API server, with every element the parameters
// change (any root element).
type (
	pDoc struct {
		Request *struct {
			DateTime  string `xml:"DATETIME"`
			UserLogin string `xml:"USER_LOGIN"`
			Resource  string `xml:"RESOURCE"`
			Params    []struct {
				Key   string `xml:"KEY"`
				Value string `xml:"VALUE"`
			} `xml:"PARAM_LIST>PARAM"`
		} `xml:"REQUEST"`
		Response struct {
			DateTime string   `xml:"DATETIME"`
			Hosts    []pHost  `xml:"HOST_LIST>HOST"`
			IDs      []string `xml:"ID_SET>ID"`
			IDRanges []string `xml:"ID_SET>ID_RANGE"`
			Vulns    []pVuln  `xml:"VULN_LIST>VULN"`
			Warning  *struct {
				Code int    `xml:"CODE"`
				URL  string `xml:"URL"`
			} `xml:"WARNING"`
			Code int    `xml:"CODE"`
			Text string `xml:"TEXT"`
		} `xml:"RESPONSE"`
	}
	pHost struct {
		ID             int64   `xml:"ID"`
		AssetID        int64   `xml:"ASSET_ID"`
		IP             string  `xml:"IP"`
		IPv6           string  `xml:"IPV6"`
		ARS            *int    `xml:"ASSET_RISK_SCORE"`
		TruRisk        *int    `xml:"TRURISK_SCORE"`
		ACS            *int    `xml:"ASSET_CRITICALITY_SCORE"`
		TRFactors      *pTRF   `xml:"TRURISK_SCORE_FACTORS"`
		OS             string  `xml:"OS"`
		LastScan       string  `xml:"LAST_SCAN_DATETIME"` // HLD: processed
		LastActivity   string  `xml:"LAST_ACTIVITY"`      // host list, details=All: processed
		VMScanned      string  `xml:"LAST_VM_SCANNED_DATE"`
		AuthScanned    string  `xml:"LAST_VM_AUTH_SCANNED_DATE"`
		PCScanned      string  `xml:"LAST_PC_SCANNED_DATE"`          // HLD
		ComplianceScan string  `xml:"LAST_COMPLIANCE_SCAN_DATETIME"` // host list
		Tags           []pTag  `xml:"TAGS>TAG"`
		EC2            []pAttr `xml:"METADATA>EC2>ATTRIBUTE"`
		Azure          []pAttr `xml:"METADATA>AZURE>ATTRIBUTE"`
		Google         []pAttr `xml:"METADATA>GOOGLE>ATTRIBUTE"`
		CloudTags      []struct {
			Name  string `xml:"NAME"`
			Value string `xml:"VALUE"`
		} `xml:"CLOUD_PROVIDER_TAGS>CLOUD_TAG"`
		AssetGroupIDs string `xml:"ASSET_GROUP_IDS"`
		Dets          []pDet `xml:"DETECTION_LIST>DETECTION"`
	}
	pTRF struct {
		Counts []int `xml:"VULN_COUNT"`
	}
	pTag struct {
		ID   string `xml:"TAG_ID"`
		Name string `xml:"NAME"`
	}
	pAttr struct {
		Name string `xml:"NAME"`
	}
	pDet struct {
		QID           int      `xml:"QID"`
		Type          string   `xml:"TYPE"`
		Severity      int      `xml:"SEVERITY"`
		Results       *string  `xml:"RESULTS"`
		Status        string   `xml:"STATUS"`
		QDS           *int     `xml:"QDS"`
		Factors       []string `xml:"QDS_FACTORS>QDS_FACTOR"`
		TimesReopened *int     `xml:"TIMES_REOPENED"`
		LastTest      string   `xml:"LAST_TEST_DATETIME"`
		LastUpdate    string   `xml:"LAST_UPDATE_DATETIME"`
		IsIgnored     int      `xml:"IS_IGNORED"`
		IsDisabled    int      `xml:"IS_DISABLED"`
		Kernel        *int     `xml:"AFFECT_RUNNING_KERNEL"`
		Service       *int     `xml:"AFFECT_RUNNING_SERVICE"`
		Config        *int     `xml:"AFFECT_EXPLOITABLE_CONFIG"`
		LastProcessed string   `xml:"LAST_PROCESSED_DATETIME"`
		Mitre         []pMitre `xml:"MITRE_ATTACK_LIST>MITRE_ATTACK"`
	}
	pMitre struct {
		TacticID      string `xml:"MITRE_TACTIC_ID"`
		TacticName    string `xml:"MITRE_TACTIC_NAME"`
		TechniqueID   string `xml:"MITRE_TECHNIQUE_ID"`
		TechniqueName string `xml:"MITRE_TECHNIQUE_NAME"`
	}
	pVuln struct {
		QID        int       `xml:"QID"`
		Published  string    `xml:"PUBLISHED_DATETIME"`
		Modified   string    `xml:"LAST_SERVICE_MODIFICATION_DATETIME"`
		Patchable  int       `xml:"PATCHABLE"`
		CVSS       *struct{} `xml:"CVSS"`
		PCIReasons []string  `xml:"PCI_REASONS>PCI_REASON"`
		Modules    *string   `xml:"SUPPORTED_MODULES"`
		Remote     int       `xml:"DISCOVERY>REMOTE"`
		AuthTypes  []string  `xml:"DISCOVERY>AUTH_TYPE_LIST>AUTH_TYPE"`
		IsDisabled *int      `xml:"IS_DISABLED"`
		ChangeLogs []string  `xml:"CHANGE_LOG_LIST>CHANGE_LOG_INFO>CHANGE_DATE"`
		Mitre      []pMitre  `xml:"MITRE_ATTACK_LIST>MITRE_ATTACK"`
	}
)

// pcase is one parameter of an endpoint: set returns the tested request's
// parameters (the one under test and any companions) from the base answer,
// extra is sent with both the base and the tested request, check compares
// the answers.
type pcase struct {
	param        string
	set          func(t *testing.T, b *pDoc) url.Values
	extra        url.Values
	since, until int // API versions that have it (0: 2 and 5)
	check        func(t *testing.T, b, g *pDoc, set url.Values)
}

func fixed(kv ...string) func(*testing.T, *pDoc) url.Values {
	return func(*testing.T, *pDoc) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
}

func vals(kv ...string) url.Values { return fixed(kv...)(nil, nil) }

func pTime(t *testing.T, s string) int64 {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return tm.Unix()
}

// unixOf parses a date of the answer (0 when it is not one).
func unixOf(s string) int64 {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0
	}
	return tm.Unix()
}

// median returns the median of the non-empty dates f picks.
func median(b *pDoc, f func(*pHost, *pDet) string) string {
	var ds []string
	for i := range b.Response.Hosts {
		h := &b.Response.Hosts[i]
		if len(h.Dets) == 0 {
			if s := f(h, nil); s != "" {
				ds = append(ds, s)
			}
		}
		for j := range h.Dets {
			if s := f(h, &h.Dets[j]); s != "" {
				ds = append(ds, s)
			}
		}
	}
	sort.Strings(ds)
	if len(ds) == 0 {
		return ""
	}
	return ds[len(ds)/2]
}

func hostDate(pick func(*pHost) string) func(*pHost, *pDet) string {
	return func(h *pHost, _ *pDet) string { return pick(h) }
}

func detDate(pick func(*pDet) string) func(*pHost, *pDet) string {
	return func(_ *pHost, d *pDet) string {
		if d == nil {
			return ""
		}
		return pick(d)
	}
}

func countDets(d *pDoc) int {
	n := 0
	for _, h := range d.Response.Hosts {
		n += len(h.Dets)
	}
	return n
}

// narrower checks that g holds something and less than b: the filter kept
// a part of the answer.
func narrower(t *testing.T, b, g *pDoc) {
	t.Helper()
	nb, ng := len(b.Response.Hosts)+countDets(b), len(g.Response.Hosts)+countDets(g)
	if ng == 0 || ng >= nb {
		t.Errorf("the filter kept %d hosts+detections of %d; want some, not all", ng, nb)
	}
}

// sameAnswer checks that g lists the same hosts and detections as b.
func sameAnswer(t *testing.T, b, g *pDoc) {
	t.Helper()
	if len(b.Response.Hosts) != len(g.Response.Hosts) || countDets(b) != countDets(g) {
		t.Errorf("%d hosts, %d detections; want the base's %d, %d", len(g.Response.Hosts), countDets(g), len(b.Response.Hosts), countDets(b))
	}
}

func empty(t *testing.T, _, g *pDoc) {
	t.Helper()
	if len(g.Response.Hosts) > 0 || len(g.Response.IDs)+len(g.Response.IDRanges) > 0 || len(g.Response.Vulns) > 0 {
		t.Errorf("%d hosts, %d vulns; want none", len(g.Response.Hosts), len(g.Response.Vulns))
	}
}

func everyHost(t *testing.T, g *pDoc, what string, ok func(*pHost) bool) {
	t.Helper()
	if len(g.Response.Hosts) == 0 {
		t.Errorf("%s: no host", what)
	}
	for i := range g.Response.Hosts {
		if h := &g.Response.Hosts[i]; !ok(h) {
			t.Errorf("%s: host %d does not", what, h.ID)
			return
		}
	}
}

func everyDet(t *testing.T, g *pDoc, what string, ok func(*pHost, *pDet) bool) {
	t.Helper()
	if countDets(g) == 0 {
		t.Errorf("%s: no detection", what)
	}
	for i := range g.Response.Hosts {
		h := &g.Response.Hosts[i]
		for j := range h.Dets {
			if d := &h.Dets[j]; !ok(h, d) {
				t.Errorf("%s: host %d QID %d does not", what, h.ID, d.QID)
				return
			}
		}
	}
}

func someHost(d *pDoc, ok func(*pHost) bool) bool {
	for i := range d.Response.Hosts {
		if ok(&d.Response.Hosts[i]) {
			return true
		}
	}
	return false
}

func someDet(d *pDoc, ok func(*pDet) bool) bool {
	return someHost(d, func(h *pHost) bool {
		for j := range h.Dets {
			if ok(&h.Dets[j]) {
				return true
			}
		}
		return false
	})
}

// shows checks that g has what ok tests and b (without the option) has not.
func shows(what string, ok func(*pHost) bool) func(t *testing.T, b, g *pDoc, _ url.Values) {
	return func(t *testing.T, b, g *pDoc, _ url.Values) {
		t.Helper()
		if someHost(b, ok) || !someHost(g, ok) {
			t.Errorf("%s: in the base answer %v, with the option %v; want false, true", what, someHost(b, ok), someHost(g, ok))
		}
	}
}

func showsDet(what string, ok func(*pDet) bool) func(t *testing.T, b, g *pDoc, _ url.Values) {
	return shows(what, func(h *pHost) bool {
		return slices.ContainsFunc(h.Dets, func(d pDet) bool { return ok(&d) })
	})
}

func intIs(p *int, v int) bool { return p != nil && *p == v }

// osProfileOf returns the index of the OS profile whose full name is os.
func osProfileOf(t *testing.T, os string) int {
	t.Helper()
	for k, p := range osProfiles {
		if p.fullName == os {
			return k
		}
	}
	t.Fatalf("no OS profile named %q", os)
	return -1
}

// tmplOf returns the template and variant of a QID.
func tmplOf(qid int) (*vulnTmpl, int) {
	for k := range vulnTmpls {
		t := &vulnTmpls[k]
		if qid >= t.base && qid < t.base+t.count {
			return t, qid - t.base
		}
	}
	return nil, 0
}

// paramEnv calls one endpoint and caches the base answers.
type paramEnv struct {
	e    *vmEnv
	path string // with %d for the version
	base url.Values
	// serial runs the cases one after the other (the KB takes one call at a time).
	serial bool
	mu     sync.Mutex
	cache  map[string]*pDoc
}

func (pe *paramEnv) get(t *testing.T, version int, v url.Values) (int, *pDoc, []byte) {
	t.Helper()
	req := pe.e.request("POST", strings.Replace(pe.path, "%d", strconv.Itoa(version), 1), nil, v)
	resp, err := pe.e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var d pDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("decode: %v\n%.500s", err, body)
	}
	d.trim()
	return resp.StatusCode, &d, body
}

// trim removes the whitespace some answers put around CDATA text.
func (d *pDoc) trim() {
	tr := strings.TrimSpace
	for i := range d.Response.Hosts {
		h := &d.Response.Hosts[i]
		h.OS, h.IP, h.IPv6 = tr(h.OS), tr(h.IP), tr(h.IPv6)
		for j := range h.Tags {
			h.Tags[j].ID, h.Tags[j].Name = tr(h.Tags[j].ID), tr(h.Tags[j].Name)
		}
		for j := range h.CloudTags {
			h.CloudTags[j].Name, h.CloudTags[j].Value = tr(h.CloudTags[j].Name), tr(h.CloudTags[j].Value)
		}
		for _, as := range [][]pAttr{h.EC2, h.Azure, h.Google} {
			for j := range as {
				as[j].Name = tr(as[j].Name)
			}
		}
		for j := range h.Dets {
			trimMitre(h.Dets[j].Mitre)
		}
	}
	for i := range d.Response.Vulns {
		trimMitre(d.Response.Vulns[i].Mitre)
	}
}

func trimMitre(ms []pMitre) {
	for k := range ms {
		m := &ms[k]
		m.TacticID, m.TacticName = strings.TrimSpace(m.TacticID), strings.TrimSpace(m.TacticName)
		m.TechniqueID, m.TechniqueName = strings.TrimSpace(m.TechniqueID), strings.TrimSpace(m.TechniqueName)
	}
}

// baseAnswer returns the answer to the base request plus extra at version v.
func (pe *paramEnv) baseAnswer(t *testing.T, v int, extra url.Values) *pDoc {
	t.Helper()
	q := merge(pe.base, extra)
	key := strconv.Itoa(v) + "?" + q.Encode()
	pe.mu.Lock()
	d, ok := pe.cache[key]
	pe.mu.Unlock()
	if ok {
		return d
	}
	status, d, _ := pe.get(t, v, q)
	if status != 200 {
		t.Fatalf("v%d base %s: HTTP %d %s", v, q.Encode(), status, d.Response.Text)
	}
	pe.mu.Lock()
	defer pe.mu.Unlock()
	if pe.cache == nil {
		pe.cache = map[string]*pDoc{}
	}
	pe.cache[key] = d
	return d
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, x := range v {
			out[k] = slices.Clone(x)
		}
	}
	return out
}

// run checks every case at every version.
func (pe *paramEnv) run(t *testing.T, versions []int, cases []pcase) {
	for _, c := range cases {
		t.Run(c.param, func(t *testing.T) {
			if !pe.serial {
				t.Parallel()
			}
			vs := versions
			if c.since == 0 && c.until == 0 && testscale.Small() && len(vs) > 2 {
				// Under -race or -short, a parameter every version has is
				// checked at the oldest and newest only.
				vs = []int{vs[0], vs[len(vs)-1]}
			}
			for _, v := range vs {
				b := pe.baseAnswer(t, v, c.extra)
				set := c.set(t, b)
				if !set.Has(c.param) {
					t.Fatalf("the case does not set %s", c.param)
				}
				status, g, body := pe.get(t, v, merge(pe.base, c.extra, set))
				lo, hi := max(c.since, 2), c.until
				if hi == 0 {
					hi = 5
				}
				if v < lo || v > hi {
					if status != 400 || g.Response.Code != 1901 || !strings.Contains(g.Response.Text, c.param) {
						t.Errorf("v%d %s: HTTP %d CODE %d %q; want 400 CODE 1901 naming it", v, set.Encode(), status, g.Response.Code, g.Response.Text)
					}
					continue
				}
				if status != 200 {
					t.Errorf("v%d %s: HTTP %d CODE %d %q", v, set.Encode(), status, g.Response.Code, g.Response.Text)
					continue
				}
				t.Run("v"+strconv.Itoa(v), func(t *testing.T) {
					c.check(t, b, g, set)
					if t.Failed() {
						t.Logf("request %s; answer %.300s", set.Encode(), body)
					}
				})
			}
		})
	}
}

func newParamVMEnv(t *testing.T) *vmEnv {
	return newVMEnv(t, Config{Assets: testscale.N(t, 25, 60), Seed: 3, Epoch: 2, ConcurrencyLimit: 8})
}

// hostFilterCases are the host filters both host APIs share; b lists hosts
// with their LAST_VM_SCANNED_DATE, OS, IPs, tags, ….
func hostFilterCases(processed func(*pHost) string) []pcase {
	firstHost := func(t *testing.T, b *pDoc) *pHost {
		if len(b.Response.Hosts) == 0 {
			t.Fatal("base answer without hosts")
		}
		return &b.Response.Hosts[0]
	}
	withIPv6 := func(t *testing.T, b *pDoc) *pHost {
		for i := range b.Response.Hosts {
			if b.Response.Hosts[i].IPv6 != "" {
				return &b.Response.Hosts[i]
			}
		}
		t.Fatal("no host with an IPv6 address")
		return nil
	}
	vmScanned := func(h *pHost) string { return h.VMScanned }
	return []pcase{
		{param: "ids", set: func(t *testing.T, b *pDoc) url.Values {
			h := b.Response.Hosts
			return vals("ids", strconv.FormatInt(h[1].ID, 10)+","+strconv.FormatInt(h[3].ID, 10)+"-"+strconv.FormatInt(h[4].ID, 10))
		}, check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			want := []int64{b.Response.Hosts[1].ID, b.Response.Hosts[3].ID, b.Response.Hosts[4].ID}
			var got []int64
			for _, h := range g.Response.Hosts {
				got = append(got, h.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("hosts %v, want %v", got, want)
			}
		}},
		{param: "id_min", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("id_min", strconv.FormatInt(b.Response.Hosts[len(b.Response.Hosts)/2].ID, 10))
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			m, _ := strconv.ParseInt(s.Get("id_min"), 10, 64)
			everyHost(t, g, "ID >= id_min", func(h *pHost) bool { return h.ID >= m })
			narrower(t, b, g)
		}},
		{param: "id_max", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("id_max", strconv.FormatInt(b.Response.Hosts[len(b.Response.Hosts)/2].ID, 10))
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			m, _ := strconv.ParseInt(s.Get("id_max"), 10, 64)
			everyHost(t, g, "ID <= id_max", func(h *pHost) bool { return h.ID <= m })
			narrower(t, b, g)
		}},
		{param: "ips", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("ips", firstHost(t, b).IP+","+b.Response.Hosts[2].IP+"-"+b.Response.Hosts[2].IP)
		}, check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			want := []string{b.Response.Hosts[0].IP, b.Response.Hosts[2].IP}
			everyHost(t, g, "IP in ips", func(h *pHost) bool { return slices.Contains(want, h.IP) })
			narrower(t, b, g)
		}},
		{param: "ipv6", set: func(t *testing.T, b *pDoc) url.Values { return vals("ipv6", withIPv6(t, b).IPv6) },
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				everyHost(t, g, "IPV6 = ipv6", func(h *pHost) bool { return h.IPv6 == s.Get("ipv6") })
				narrower(t, b, g)
			}},
		{param: "ag_ids", set: func(t *testing.T, b *pDoc) url.Values {
			k := osProfileOf(t, firstHost(t, b).OS)
			return vals("ag_ids", strconv.Itoa(470000+k*13))
		}, check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyHost(t, g, "in the OS group", func(h *pHost) bool { return h.OS == b.Response.Hosts[0].OS })
			narrower(t, b, g)
		}},
		{param: "ag_titles", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("ag_titles", firstHost(t, b).OS)
		}, check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyHost(t, g, "in the OS group", func(h *pHost) bool { return h.OS == b.Response.Hosts[0].OS })
			narrower(t, b, g)
		}},
		{param: "network_ids", set: fixed("network_ids", "0"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
		{param: "network_ids", set: fixed("network_ids", "7,9"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { empty(t, b, g) }},
		{param: "compliance_enabled", set: fixed("compliance_enabled", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyHost(t, g, "has a compliance scan", func(h *pHost) bool { return h.PCScanned != "" || h.ComplianceScan != "" })
			narrower(t, b, g)
		}},
		{param: "compliance_enabled", set: fixed("compliance_enabled", "0"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyHost(t, g, "has no compliance scan", func(h *pHost) bool { return h.PCScanned == "" && h.ComplianceScan == "" })
			narrower(t, b, g)
		}},
		{param: "os_pattern", set: fixed("os_pattern", "^Microsoft Windows (10|11)"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyHost(t, g, "OS matches", func(h *pHost) bool {
				return strings.HasPrefix(h.OS, "Microsoft Windows 10") || strings.HasPrefix(h.OS, "Microsoft Windows 11")
			})
			narrower(t, b, g)
		}},
		{param: "vm_processed_after", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("vm_processed_after", median(b, hostDate(processed)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_processed_after"))
				everyHost(t, g, "processed after", func(h *pHost) bool { return pTime(t, processed(h)) > m })
				narrower(t, b, g)
			}},
		{param: "vm_processed_before", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("vm_processed_before", median(b, hostDate(processed)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_processed_before"))
				everyHost(t, g, "processed before", func(h *pHost) bool { return pTime(t, processed(h)) < m })
				narrower(t, b, g)
			}},
		{param: "vm_scan_since", set: func(t *testing.T, b *pDoc) url.Values { return vals("vm_scan_since", median(b, hostDate(vmScanned))) },
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_scan_since"))
				everyHost(t, g, "scanned since", func(h *pHost) bool { return pTime(t, h.VMScanned) >= m })
				narrower(t, b, g)
			}},
		{param: "no_vm_scan_since", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("no_vm_scan_since", median(b, hostDate(vmScanned)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("no_vm_scan_since"))
				everyHost(t, g, "not scanned since", func(h *pHost) bool { return pTime(t, h.VMScanned) < m })
				narrower(t, b, g)
			}},
		{param: "vm_scan_date_after", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("vm_scan_date_after", median(b, hostDate(vmScanned)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_scan_date_after"))
				everyHost(t, g, "scan ended after", func(h *pHost) bool { return pTime(t, h.VMScanned) > m })
				narrower(t, b, g)
			}},
		{param: "vm_scan_date_before", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("vm_scan_date_before", median(b, hostDate(vmScanned)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_scan_date_before"))
				everyHost(t, g, "scan ended before", func(h *pHost) bool { return pTime(t, h.VMScanned) < m })
				narrower(t, b, g)
			}},
		{param: "vm_auth_scan_date_after", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("vm_auth_scan_date_after", median(b, hostDate(vmScanned)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_auth_scan_date_after"))
				everyHost(t, g, "authenticated scan after", func(h *pHost) bool { return h.AuthScanned != "" && pTime(t, h.AuthScanned) > m })
				narrower(t, b, g)
			}},
		{param: "vm_auth_scan_date_before", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("vm_auth_scan_date_before", median(b, hostDate(vmScanned)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("vm_auth_scan_date_before"))
				everyHost(t, g, "authenticated scan before", func(h *pHost) bool { return h.AuthScanned != "" && pTime(t, h.AuthScanned) < m })
				narrower(t, b, g)
			}},
		{param: "show_tags", set: fixed("show_tags", "1"), check: shows("TAGS", func(h *pHost) bool { return len(h.Tags) > 0 })},
		{param: "use_tags", extra: vals("show_tags", "1"), set: func(t *testing.T, b *pDoc) url.Values {
			for _, h := range b.Response.Hosts {
				if len(h.Tags) > 0 {
					return vals("use_tags", "1", "tag_set_include", h.Tags[0].ID)
				}
			}
			t.Fatal("no tagged host")
			return nil
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			everyHost(t, g, "has the tag", func(h *pHost) bool {
				return slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.ID == s.Get("tag_set_include") })
			})
			narrower(t, b, g)
		}},
		// Without use_tags=1 the tag sets do not apply.
		{param: "tag_set_include", set: fixed("tag_set_include", "7714375"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
		{param: "tag_set_by", extra: vals("show_tags", "1"), set: fixed("use_tags", "1", "tag_set_by", "name", "tag_set_include", "Production,Staging"),
			check: func(t *testing.T, b, g *pDoc, _ url.Values) {
				everyHost(t, g, "tagged Production or Staging", func(h *pHost) bool {
					return slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.Name == "Production" || x.Name == "Staging" })
				})
				narrower(t, b, g)
			}},
		{param: "tag_include_selector", extra: vals("show_tags", "1"), set: fixed("use_tags", "1", "tag_set_by", "name", "tag_set_include", "Production,Linux Servers", "tag_include_selector", "all"),
			check: func(t *testing.T, b, g *pDoc, _ url.Values) {
				everyHost(t, g, "tagged Production and Linux Servers", func(h *pHost) bool {
					return slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.Name == "Production" }) &&
						slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.Name == "Linux Servers" })
				})
				narrower(t, b, g)
			}},
		{param: "tag_set_exclude", extra: vals("show_tags", "1"), set: fixed("use_tags", "1", "tag_set_by", "name", "tag_set_exclude", "Production"),
			check: func(t *testing.T, b, g *pDoc, _ url.Values) {
				everyHost(t, g, "not tagged Production", func(h *pHost) bool {
					return !slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.Name == "Production" })
				})
				narrower(t, b, g)
			}},
		{param: "tag_exclude_selector", extra: vals("show_tags", "1"), set: fixed("use_tags", "1", "tag_set_by", "name", "tag_set_exclude", "Production,Linux Servers", "tag_exclude_selector", "all"),
			check: func(t *testing.T, b, g *pDoc, _ url.Values) {
				everyHost(t, g, "not tagged both Production and Linux Servers", func(h *pHost) bool {
					return !(slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.Name == "Production" }) &&
						slices.ContainsFunc(h.Tags, func(x pTag) bool { return x.Name == "Linux Servers" }))
				})
				narrower(t, b, g)
			}},
		{param: "show_asset_id", set: fixed("show_asset_id", "1"), check: shows("ASSET_ID", func(h *pHost) bool { return h.AssetID != 0 })},
		{param: "host_metadata", set: fixed("host_metadata", "all"), check: shows("METADATA", func(h *pHost) bool { return len(h.EC2)+len(h.Azure)+len(h.Google) > 0 })},
		{param: "host_metadata", set: fixed("host_metadata", "ec2"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if !someHost(g, func(h *pHost) bool { return len(h.EC2) > 0 }) || someHost(g, func(h *pHost) bool { return len(h.Azure)+len(h.Google) > 0 }) {
				t.Error("host_metadata=ec2: want EC2 metadata only")
			}
		}},
		{param: "host_metadata_fields", set: fixed("host_metadata", "all", "host_metadata_fields", "instanceId,vmId"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			ok := func(h *pHost) bool {
				for _, a := range slices.Concat(h.EC2, h.Azure, h.Google) {
					if !strings.HasSuffix(a.Name, "/instanceId") && !strings.HasSuffix(a.Name, "/vmId") {
						return false
					}
				}
				return true
			}
			everyHost(t, g, "only the fields asked for", ok)
			if !someHost(g, func(h *pHost) bool { return len(h.EC2)+len(h.Azure) > 0 }) {
				t.Error("no metadata")
			}
		}},
		{param: "show_cloud_tags", set: fixed("show_cloud_tags", "1"), check: shows("CLOUD_PROVIDER_TAGS", func(h *pHost) bool { return len(h.CloudTags) > 0 })},
		{param: "cloud_tag_fields", extra: vals("show_cloud_tags", "1"), set: func(t *testing.T, b *pDoc) url.Values {
			for _, h := range b.Response.Hosts {
				if len(h.CloudTags) > 0 {
					return vals("cloud_tag_fields", h.CloudTags[0].Name)
				}
			}
			t.Fatal("no host with cloud tags")
			return nil
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			n := 0
			for _, h := range g.Response.Hosts {
				for _, c := range h.CloudTags {
					n++
					if c.Name != s.Get("cloud_tag_fields") {
						t.Errorf("host %d: cloud tag %s", h.ID, c.Name)
					}
				}
			}
			if n == 0 {
				t.Error("no cloud tag")
			}
		}},
		{param: "echo_request", set: fixed("echo_request", "1"), check: func(t *testing.T, b, g *pDoc, s url.Values) {
			r := g.Request
			if b.Request != nil || r == nil || r.UserLogin != "qflow" || !strings.HasSuffix(r.Resource, "/fo/asset/host/") && !strings.HasSuffix(r.Resource, "/vm/detection/") {
				t.Fatalf("REQUEST %+v (base %+v)", r, b.Request)
			}
			if !slices.ContainsFunc(r.Params, func(p struct {
				Key   string `xml:"KEY"`
				Value string `xml:"VALUE"`
			}) bool {
				return p.Key == "echo_request" && p.Value == "1"
			}) {
				t.Errorf("PARAM_LIST %+v lacks echo_request", r.Params)
			}
		}},
		{param: "truncation_limit", set: fixed("truncation_limit", "5"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if len(g.Response.Hosts)+len(g.Response.IDs)+len(g.Response.IDRanges) == 0 || len(g.Response.Hosts) > 5 || g.Response.Warning == nil || g.Response.Warning.Code != 1980 {
				t.Errorf("%d hosts, WARNING %+v; want at most 5 and a 1980", len(g.Response.Hosts), g.Response.Warning)
			}
		}},
		{param: "output_format", set: fixed("output_format", "XML"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
	}
}

func TestParamsHostListDetection(t *testing.T) {
	t.Parallel()
	e := newParamVMEnv(t)
	pe := &paramEnv{e: e, path: "/api/%d.0/fo/asset/host/vm/detection/",
		base: vals("action", "list", "truncation_limit", "0", "show_results", "0", "status", "New,Active,Fixed,Re-Opened")}
	lastUpdate := func(d *pDet) string { return d.LastUpdate }
	lastTest := func(d *pDet) string { return d.LastTest }
	lastProc := func(d *pDet) string { return d.LastProcessed }
	days := func(g *pDoc, n int) int64 { return unixOf(g.Response.DateTime) - int64(n)*86400 }
	cases := hostFilterCases(func(h *pHost) string { return h.LastScan })
	cases = append(cases, []pcase{
		{param: "action", set: fixed("action", "list"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
		{param: "max_days_since_last_vm_scan", set: fixed("max_days_since_last_vm_scan", "2"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyHost(t, g, "scanned in the last 2 days", func(h *pHost) bool { return pTime(t, h.VMScanned) >= days(g, 2) })
			narrower(t, b, g)
		}},
		{param: "status", set: fixed("status", "Fixed"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "Fixed", func(_ *pHost, d *pDet) bool { return d.Status == "Fixed" })
			narrower(t, b, g)
		}},
		{param: "severities", set: fixed("severities", "4-5"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "severity 4 or 5", func(_ *pHost, d *pDet) bool { return d.Severity >= 4 })
			narrower(t, b, g)
		}},
		{param: "qids", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("qids", strconv.Itoa(b.Response.Hosts[0].Dets[0].QID))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				everyDet(t, g, "the QID", func(_ *pHost, d *pDet) bool { return strconv.Itoa(d.QID) == s.Get("qids") })
				narrower(t, b, g)
			}},
		{param: "include_vuln_type", set: fixed("include_vuln_type", "potential"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "Potential", func(_ *pHost, d *pDet) bool { return d.Type == "Potential" })
			narrower(t, b, g)
		}},
		{param: "show_igs", set: fixed("show_igs", "1"), check: showsDet("Info detections", func(d *pDet) bool { return d.Type == "Info" && d.Status == "" })},
		{param: "show_qds", set: fixed("show_qds", "1"), check: showsDet("QDS", func(d *pDet) bool { return d.QDS != nil })},
		{param: "show_qds_factors", set: fixed("show_qds_factors", "1"), check: showsDet("QDS_FACTORS", func(d *pDet) bool { return len(d.Factors) > 0 })},
		{param: "qds_min", extra: vals("show_qds", "1"), set: fixed("qds_min", "70"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "QDS >= 70", func(_ *pHost, d *pDet) bool { return d.QDS != nil && *d.QDS >= 70 })
			narrower(t, b, g)
		}},
		{param: "qds_max", extra: vals("show_qds", "1"), set: fixed("qds_max", "39"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "QDS <= 39", func(_ *pHost, d *pDet) bool { return d.QDS != nil && *d.QDS <= 39 })
			narrower(t, b, g)
		}},
		{param: "show_results", set: fixed("show_results", "1"), check: showsDet("RESULTS", func(d *pDet) bool { return d.Results != nil })},
		{param: "show_reopened_info", set: fixed("show_reopened_info", "1"), check: showsDet("TIMES_REOPENED", func(d *pDet) bool { return d.TimesReopened != nil })},
		{param: "include_ignored", set: fixed("include_ignored", "1"), check: showsDet("ignored detections", func(d *pDet) bool { return d.IsIgnored == 1 })},
		{param: "include_disabled", set: fixed("include_disabled", "1"), check: showsDet("disabled detections", func(d *pDet) bool { return d.IsDisabled == 1 })},
		{param: "detection_updated_since", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("detection_updated_since", median(b, detDate(lastUpdate)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("detection_updated_since"))
				everyDet(t, g, "updated since", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastUpdate) >= m })
				narrower(t, b, g)
			}},
		{param: "detection_updated_before", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("detection_updated_before", median(b, detDate(lastUpdate)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("detection_updated_before"))
				everyDet(t, g, "updated before", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastUpdate) < m })
				narrower(t, b, g)
			}},
		{param: "max_days_since_detection_updated", set: fixed("max_days_since_detection_updated", "60"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "updated in the last 60 days", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastUpdate) >= days(g, 60) })
			narrower(t, b, g)
		}},
		{param: "detection_processed_after", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("detection_processed_after", median(b, detDate(lastProc)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("detection_processed_after"))
				everyDet(t, g, "processed after", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastProcessed) > m })
				narrower(t, b, g)
			}},
		{param: "detection_processed_before", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("detection_processed_before", median(b, detDate(lastProc)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("detection_processed_before"))
				everyDet(t, g, "processed before", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastProcessed) < m })
				narrower(t, b, g)
			}},
		{param: "detection_last_tested_since", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("detection_last_tested_since", median(b, detDate(lastTest)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("detection_last_tested_since"))
				everyDet(t, g, "tested since", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastTest) >= m })
				narrower(t, b, g)
			}},
		{param: "detection_last_tested_before", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("detection_last_tested_before", median(b, detDate(lastTest)))
		},
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m := pTime(t, s.Get("detection_last_tested_before"))
				everyDet(t, g, "tested before", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastTest) < m })
				narrower(t, b, g)
			}},
		{param: "detection_last_tested_since_days", set: fixed("detection_last_tested_since_days", "2"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "tested in the last 2 days", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastTest) >= days(g, 2) })
			narrower(t, b, g)
		}},
		{param: "detection_last_tested_before_days", set: fixed("detection_last_tested_before_days", "2"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "tested more than 2 days ago", func(_ *pHost, d *pDet) bool { return pTime(t, d.LastTest) < days(g, 2) })
			narrower(t, b, g)
		}},
		// With every detection listed, the open newer QIDs that supersede are visible.
		{param: "filter_superseded_qids", extra: vals("include_ignored", "1", "include_disabled", "1"), set: fixed("filter_superseded_qids", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			// No detection is left whose host has an open newer QID of its family.
			for _, h := range g.Response.Hosts {
				for _, d := range h.Dets {
					td, vd := tmplOf(d.QID)
					for _, o := range h.Dets {
						if to, vo := tmplOf(o.QID); to == td && td.cumulative() && vo < vd && o.Status != "Fixed" {
							t.Errorf("host %d: QID %d superseded by %d is listed", h.ID, d.QID, o.QID)
						}
					}
				}
			}
			// The base answer has superseded detections, which went.
			superseded := 0
			for _, h := range b.Response.Hosts {
				for _, d := range h.Dets {
					td, vd := tmplOf(d.QID)
					if slices.ContainsFunc(h.Dets, func(o pDet) bool {
						to, vo := tmplOf(o.QID)
						return to == td && td.cumulative() && vo < vd && o.Status != "Fixed"
					}) {
						superseded++
					}
				}
			}
			if superseded == 0 || countDets(g) != countDets(b)-superseded {
				t.Errorf("%d detections, want the base's %d less its %d superseded ones", countDets(g), countDets(b), superseded)
			}
		}},
		{param: "suppress_duplicated_data_from_csv", set: fixed("suppress_duplicated_data_from_csv", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
		// ARF, API 2.0: the filters; AFFECT_* always shown.
		{param: "arf_kernel_filter", until: 2, set: fixed("arf_kernel_filter", "3"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "affects the running kernel", func(_ *pHost, d *pDet) bool { return intIs(d.Kernel, 1) })
			narrower(t, b, g)
		}},
		{param: "arf_service_filter", until: 2, set: fixed("arf_service_filter", "2"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "on a service not running", func(_ *pHost, d *pDet) bool { return intIs(d.Service, 0) })
			narrower(t, b, g)
		}},
		{param: "arf_config_filter", until: 2, set: fixed("arf_config_filter", "4"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyDet(t, g, "config related", func(_ *pHost, d *pDet) bool { return d.Config != nil })
			narrower(t, b, g)
		}},
		{param: "active_kernels_only", until: 2, set: fixed("active_kernels_only", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if someDet(g, func(d *pDet) bool { return intIs(d.Kernel, 0) }) || !someDet(b, func(d *pDet) bool { return intIs(d.Kernel, 0) }) {
				t.Error("detections on non-running kernels are left")
			}
			narrower(t, b, g)
		}},
		// ARF, API 3.0+.
		{param: "show_arf_data", since: 3, set: fixed("show_arf_data", "1"), check: showsDet("AFFECT_*", func(d *pDet) bool { return d.Kernel != nil || d.Service != nil || d.Config != nil })},
		{param: "arf_filter_keys", since: 3, set: fixed("show_arf_data", "1", "arf_filter_keys", "non-running-kernel,non-running-service"),
			check: func(t *testing.T, b, g *pDoc, _ url.Values) {
				if someDet(g, func(d *pDet) bool { return intIs(d.Kernel, 0) || intIs(d.Service, 0) }) || !someDet(g, func(d *pDet) bool { return intIs(d.Kernel, 1) }) {
					t.Error("detections on non-running kernels or services are left")
				}
				narrower(t, b, g)
			}},
		// MITRE ATT&CK, API 4.0+.
		{param: "mitre_attack_details", since: 4, set: fixed("mitre_attack_details", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			showsDet("MITRE_ATTACK_LIST", func(d *pDet) bool { return len(d.Mitre) > 0 })(t, b, g, nil)
			sameAnswer(t, b, g)
			checkDetMitre(t, g)
		}},
	}...)
	pe.run(t, []int{2, 3, 4, 5}, cases)
}

// checkDetMitre checks every detection's ATT&CK list against its QID's KB
// entry: the same pairs, in order; a QID with pairs always lists them.
func checkDetMitre(t *testing.T, g *pDoc) {
	t.Helper()
	for _, h := range g.Response.Hosts {
		for _, d := range h.Dets {
			tm, _ := tmplOf(d.QID)
			var want []pMitre
			for _, m := range tm.mitre {
				mt := mitreTechniques[m]
				want = append(want, pMitre{mt.tacticID, mt.tactic, mt.techID, mt.tech})
			}
			if !slices.Equal(d.Mitre, want) {
				t.Errorf("host %d QID %d: ATT&CK %+v, want %+v", h.ID, d.QID, d.Mitre, want)
				return
			}
		}
	}
}

func TestParamsHostList(t *testing.T) {
	t.Parallel()
	e := newParamVMEnv(t)
	pe := &paramEnv{e: e, path: "/api/%d.0/fo/asset/host/", base: vals("action", "list", "truncation_limit", "0", "details", "All")}
	cases := hostFilterCases(func(h *pHost) string { return h.LastActivity })
	tr := func(h *pHost) int {
		if h.TruRisk == nil {
			return -1
		}
		return *h.TruRisk
	}
	riskMedian := func(b *pDoc) string {
		var rs []int
		for i := range b.Response.Hosts {
			rs = append(rs, tr(&b.Response.Hosts[i]))
		}
		slices.Sort(rs)
		return strconv.Itoa(rs[len(rs)/2])
	}
	scoreRange := func(name string, atLeast bool) pcase {
		return pcase{param: name, extra: vals("show_trurisk", "1"), set: func(t *testing.T, b *pDoc) url.Values { return vals(name, riskMedian(b)) },
			check: func(t *testing.T, b, g *pDoc, s url.Values) {
				m, _ := strconv.Atoi(s.Get(name))
				everyHost(t, g, name, func(h *pHost) bool { return (atLeast && tr(h) >= m) || (!atLeast && tr(h) <= m) })
				narrower(t, b, g)
			}}
	}
	cases = append(cases, []pcase{
		{param: "action", set: fixed("action", "list"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
		{param: "details", set: fixed("details", "None"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if len(g.Response.Hosts) > 0 || len(g.Response.IDs)+len(g.Response.IDRanges) == 0 {
				t.Errorf("details=None: %d hosts, %d IDs", len(g.Response.Hosts), len(g.Response.IDs))
			}
		}},
		{param: "details", set: fixed("details", "All/AGs"), check: shows("ASSET_GROUP_IDS", func(h *pHost) bool { return h.AssetGroupIDs != "" })},
		{param: "show_trurisk", set: fixed("show_trurisk", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			shows("TRURISK_SCORE", func(h *pHost) bool { return h.TruRisk != nil })(t, b, g, nil)
			// As the real payloads: ASSET_RISK_SCORE beside, with the same value, and the ACS.
			everyHost(t, g, "ASSET_RISK_SCORE = TRURISK_SCORE, ACS 1-5", func(h *pHost) bool {
				return h.ARS != nil && h.TruRisk != nil && *h.ARS == *h.TruRisk && h.ACS != nil && *h.ACS >= 1 && *h.ACS <= 5
			})
			if !someHost(g, func(h *pHost) bool { return *h.TruRisk > 0 }) {
				t.Error("every TruRisk is 0")
			}
		}},
		{param: "show_ars", set: fixed("show_ars", "1"), check: shows("ASSET_RISK_SCORE", func(h *pHost) bool { return h.ARS != nil })},
		{param: "show_trurisk_factors", set: fixed("show_trurisk_factors", "1"), check: shows("TRURISK_SCORE_FACTORS", func(h *pHost) bool { return h.TRFactors != nil && len(h.TRFactors.Counts) == 5 })},
		{param: "show_ars_factors", set: fixed("show_ars_factors", "1"), check: shows("TRURISK_SCORE_FACTORS", func(h *pHost) bool { return h.TRFactors != nil && len(h.TRFactors.Counts) == 5 })},
		scoreRange("trurisk_min", true), scoreRange("trurisk_max", false), scoreRange("ars_min", true), scoreRange("ars_max", false),
		{param: "compliance_scan_since", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("compliance_scan_since", median(b, hostDate(func(h *pHost) string { return h.ComplianceScan })))
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			m := pTime(t, s.Get("compliance_scan_since"))
			everyHost(t, g, "compliance scan since", func(h *pHost) bool { return h.ComplianceScan != "" && pTime(t, h.ComplianceScan) >= m })
			narrower(t, b, g)
		}},
		{param: "no_compliance_scan_since", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("no_compliance_scan_since", median(b, hostDate(func(h *pHost) string { return h.ComplianceScan })))
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			m := pTime(t, s.Get("no_compliance_scan_since"))
			everyHost(t, g, "no compliance scan since", func(h *pHost) bool { return h.ComplianceScan == "" || pTime(t, h.ComplianceScan) < m })
			narrower(t, b, g)
		}},
		{param: "scap_scan_since", set: fixed("scap_scan_since", "2020-01-01"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { empty(t, b, g) }},
		{param: "no_scap_scan_since", set: fixed("no_scap_scan_since", "2020-01-01"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { sameAnswer(t, b, g) }},
	}...)
	pe.run(t, []int{2, 3, 4, 5}, cases)
}

func TestParamsKnowledgeBase(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 20, Seed: 3, Epoch: 3})
	pe := &paramEnv{e: e, path: "/api/%d.0/fo/knowledge_base/vuln/", base: vals("action", "list"), serial: true}
	kbNarrower := func(t *testing.T, b, g *pDoc) {
		t.Helper()
		if len(g.Response.Vulns) == 0 || len(g.Response.Vulns) >= len(b.Response.Vulns) {
			t.Errorf("%d QIDs of %d; want some, not all", len(g.Response.Vulns), len(b.Response.Vulns))
		}
	}
	everyVuln := func(t *testing.T, g *pDoc, what string, ok func(*pVuln) bool) {
		t.Helper()
		for i := range g.Response.Vulns {
			if v := &g.Response.Vulns[i]; !ok(v) {
				t.Errorf("%s: QID %d does not", what, v.QID)
				return
			}
		}
	}
	showsVuln := func(what string, ok func(*pVuln) bool) func(t *testing.T, b, g *pDoc, _ url.Values) {
		return func(t *testing.T, b, g *pDoc, _ url.Values) {
			t.Helper()
			if slices.ContainsFunc(b.Response.Vulns, func(v pVuln) bool { return ok(&v) }) || !slices.ContainsFunc(g.Response.Vulns, func(v pVuln) bool { return ok(&v) }) {
				t.Errorf("%s: want it with the option only", what)
			}
		}
	}
	modMedian := func(name string) func(t *testing.T, b *pDoc) url.Values {
		return func(_ *testing.T, b *pDoc) url.Values {
			var ds []string
			for _, v := range b.Response.Vulns {
				ds = append(ds, v.Modified)
			}
			sort.Strings(ds)
			return vals(name, ds[len(ds)/2])
		}
	}
	modCheck := func(name string, after bool) func(t *testing.T, b, g *pDoc, s url.Values) {
		return func(t *testing.T, b, g *pDoc, s url.Values) {
			m := pTime(t, s.Get(name))
			everyVuln(t, g, name, func(v *pVuln) bool {
				x := pTime(t, v.Modified)
				return (after && x > m) || (!after && x < m)
			})
			kbNarrower(t, b, g)
		}
	}
	auth := func(v *pVuln) bool { return len(v.AuthTypes) > 0 }
	cases := []pcase{
		{param: "action", set: fixed("action", "list"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if len(g.Response.Vulns) != len(b.Response.Vulns) {
				t.Error("a different answer")
			}
		}},
		{param: "details", set: fixed("details", "All"), check: showsVuln("CVSS and MITRE_ATTACK_LIST", func(v *pVuln) bool { return v.CVSS != nil && len(v.Mitre) > 0 })},
		{param: "details", set: fixed("details", "None"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if len(g.Response.Vulns) > 0 || len(g.Response.IDs)+len(g.Response.IDRanges) == 0 {
				t.Error("details=None: want an ID_SET")
			}
		}},
		{param: "ids", set: func(t *testing.T, b *pDoc) url.Values { return vals("ids", strconv.Itoa(b.Response.Vulns[3].QID)) }, check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if len(g.Response.Vulns) != 1 || g.Response.Vulns[0].QID != b.Response.Vulns[3].QID {
				t.Errorf("%d QIDs", len(g.Response.Vulns))
			}
		}},
		{param: "id_min", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("id_min", strconv.Itoa(b.Response.Vulns[len(b.Response.Vulns)/2].QID))
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			m, _ := strconv.Atoi(s.Get("id_min"))
			everyVuln(t, g, "QID >= id_min", func(v *pVuln) bool { return v.QID >= m })
			kbNarrower(t, b, g)
		}},
		{param: "id_max", set: func(t *testing.T, b *pDoc) url.Values {
			return vals("id_max", strconv.Itoa(b.Response.Vulns[len(b.Response.Vulns)/2].QID))
		}, check: func(t *testing.T, b, g *pDoc, s url.Values) {
			m, _ := strconv.Atoi(s.Get("id_max"))
			everyVuln(t, g, "QID <= id_max", func(v *pVuln) bool { return v.QID <= m })
			kbNarrower(t, b, g)
		}},
		{param: "last_modified_after", set: modMedian("last_modified_after"), check: modCheck("last_modified_after", true)},
		{param: "last_modified_before", set: modMedian("last_modified_before"), check: modCheck("last_modified_before", false)},
		{param: "last_modified_by_service_after", set: modMedian("last_modified_by_service_after"), check: modCheck("last_modified_by_service_after", true)},
		{param: "last_modified_by_service_before", set: modMedian("last_modified_by_service_before"), check: modCheck("last_modified_by_service_before", false)},
		{param: "code_modified_after", set: modMedian("code_modified_after"), check: modCheck("code_modified_after", true)},
		{param: "code_modified_before", set: modMedian("code_modified_before"), check: modCheck("code_modified_before", false)},
		{param: "last_modified_by_user_after", set: fixed("last_modified_by_user_after", "2000-01-01"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { empty(t, b, g) }},
		{param: "last_modified_by_user_before", set: fixed("last_modified_by_user_before", "2030-01-01"), check: func(t *testing.T, b, g *pDoc, _ url.Values) { empty(t, b, g) }},
		{param: "published_after", set: fixed("published_after", "2025-01-01"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "published after", func(v *pVuln) bool { return v.Published > "2025-01-01" })
			kbNarrower(t, b, g)
		}},
		{param: "published_before", set: fixed("published_before", "2025-01-01"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "published before", func(v *pVuln) bool { return v.Published < "2025-01-01" })
			kbNarrower(t, b, g)
		}},
		{param: "is_patchable", set: fixed("is_patchable", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "patchable", func(v *pVuln) bool { return v.Patchable == 1 })
			kbNarrower(t, b, g)
		}},
		{param: "discovery_method", set: fixed("discovery_method", "RemoteOnly"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "remote only", func(v *pVuln) bool { return v.Remote == 1 && !auth(v) })
			kbNarrower(t, b, g)
		}},
		{param: "discovery_method", set: fixed("discovery_method", "Authenticated"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "authenticated", auth)
			kbNarrower(t, b, g)
		}},
		{param: "discovery_method", set: fixed("discovery_method", "RemoteAndAuthenticated"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "remote and authenticated", func(v *pVuln) bool { return v.Remote == 1 && auth(v) })
			kbNarrower(t, b, g)
		}},
		{param: "discovery_auth_types", set: fixed("discovery_auth_types", "Unix"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			everyVuln(t, g, "Unix authentication", func(v *pVuln) bool { return slices.Contains(v.AuthTypes, "Unix") })
			kbNarrower(t, b, g)
		}},
		{param: "show_pci_reasons", extra: vals("details", "All"), set: fixed("show_pci_reasons", "1"), check: showsVuln("PCI_REASONS", func(v *pVuln) bool { return len(v.PCIReasons) > 0 })},
		{param: "show_supported_modules_info", set: fixed("show_supported_modules_info", "1"), check: showsVuln("SUPPORTED_MODULES", func(v *pVuln) bool { return v.Modules != nil })},
		{param: "show_disabled_flag", set: fixed("show_disabled_flag", "1"), check: showsVuln("IS_DISABLED", func(v *pVuln) bool { return v.IsDisabled != nil })},
		{param: "show_qid_change_log", set: fixed("show_qid_change_log", "1"), check: showsVuln("CHANGE_LOG_LIST", func(v *pVuln) bool { return len(v.ChangeLogs) > 0 })},
		{param: "echo_request", set: fixed("echo_request", "1"), check: func(t *testing.T, b, g *pDoc, _ url.Values) {
			if b.Request != nil || g.Request == nil || !strings.HasSuffix(g.Request.Resource, "/api/2.0/fo/knowledge_base/vuln/") || len(g.Request.Params) != 2 {
				t.Errorf("REQUEST %+v", g.Request)
			}
		}},
	}
	pe.run(t, []int{2}, cases)
}

// TestParamsUnknownAndInvalid checks the errors: an unknown parameter is 1901
// on every endpoint and version, bad values of the parameters are 1905, and
// so are the pairs the guide says exclude each other.
func TestParamsUnknownAndInvalid(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: 20, Seed: 3})
	call := func(path string, v url.Values) (int, *pDoc) {
		resp, body := e.call("POST", path, nil, v)
		var d pDoc
		if err := xml.Unmarshal(body, &d); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return resp.StatusCode, &d
	}
	paths := []string{"/api/2.0/fo/knowledge_base/vuln/"}
	for v := 2; v <= 5; v++ {
		paths = append(paths, "/api/"+strconv.Itoa(v)+".0/fo/asset/host/", "/api/"+strconv.Itoa(v)+".0/fo/asset/host/vm/detection/")
	}
	for _, p := range paths {
		for _, name := range []string{"show_everything", "mitre_attack_detail", "SHOW_TAGS"} {
			status, d := call(p, vals("action", "list", name, "1"))
			if status != 400 || d.Response.Code != 1901 || d.Response.Text != "Unrecognized parameter(s): "+name {
				t.Errorf("%s %s: HTTP %d CODE %d %q", p, name, status, d.Response.Code, d.Response.Text)
			}
		}
	}
	// Parameters of one host API are unknown to the other.
	for p, name := range map[string]string{"/api/5.0/fo/asset/host/": "mitre_attack_details", "/api/5.0/fo/asset/host/vm/detection/": "show_trurisk"} {
		if status, d := call(p, vals("action", "list", name, "1")); status != 400 || d.Response.Code != 1901 {
			t.Errorf("%s %s: HTTP %d CODE %d", p, name, status, d.Response.Code)
		}
	}
	hld := "/api/5.0/fo/asset/host/vm/detection/"
	for _, bad := range []url.Values{
		vals("ips", "10.0.0.300"), vals("ips", "10.0.0.9-10.0.0.1"), vals("ips", "::1"), vals("ipv6", "10.0.0.1"),
		vals("os_pattern", "Windows("), vals("tag_set_by", "label"), vals("tag_include_selector", "most"),
		vals("network_ids", "x"), vals("ag_ids", "0"), vals("compliance_enabled", "2"),
		vals("detection_updated_since", "yesterday"), vals("detection_processed_after", "2025-13-01"),
		vals("max_days_since_detection_updated", "-1"), vals("detection_last_tested_since_days", "x"),
		vals("filter_superseded_qids", "yes"), vals("mitre_attack_details", "2"), vals("output_format", "CSV"),
		vals("arf_filter_keys", "non-running-everything"), vals("qds_min", "0"),
		vals("ag_ids", "470000", "ag_titles", "web"),
		vals("detection_updated_since", "2025-01-01", "max_days_since_detection_updated", "3"),
		vals("detection_last_tested_since", "2025-01-01", "detection_last_tested_since_days", "3"),
		vals("detection_last_tested_before", "2025-01-01", "detection_last_tested_before_days", "3"),
		vals("vm_scan_since", "2025-01-01", "max_days_since_last_vm_scan", "3"),
		vals("no_vm_scan_since", "2025-01-01", "max_days_since_last_vm_scan", "3"),
	} {
		if status, d := call(hld, merge(vals("action", "list"), bad)); status != 400 || d.Response.Code != 1905 {
			t.Errorf("%s: HTTP %d CODE %d %q; want 400 CODE 1905", bad.Encode(), status, d.Response.Code, d.Response.Text)
		}
	}
	for _, bad := range []url.Values{vals("trurisk_min", "1001"), vals("ars_max", "-3"), vals("show_ars_factors", "on"), vals("scap_scan_since", "soon")} {
		if status, d := call("/api/5.0/fo/asset/host/", merge(vals("action", "list"), bad)); status != 400 || d.Response.Code != 1905 {
			t.Errorf("host list %s: HTTP %d CODE %d %q; want 1905", bad.Encode(), status, d.Response.Code, d.Response.Text)
		}
	}
	for _, bad := range []url.Values{vals("discovery_method", "Telepathy"), vals("code_modified_after", "2025-02-30")} {
		if status, d := call("/api/2.0/fo/knowledge_base/vuln/", merge(vals("action", "list"), bad)); status != 400 || d.Response.Code != 1905 {
			t.Errorf("KB %s: HTTP %d CODE %d %q; want 1905", bad.Encode(), status, d.Response.Code, d.Response.Text)
		}
	}
}
