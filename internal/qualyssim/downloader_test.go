package qualyssim

import (
	"github.com/qflow/qflow/internal/testscale"

	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// downloaderDetectionParams are the host list detection parameters of a
// published Qualys downloader (gethld.py, version 1.0 of 2026-04-29), in the
// order it sends them (Python requests, a GET with the parameters in the
// query); ids follows, the host IDs of one batch.
var downloaderDetectionParams = [][2]string{
	{"action", "list"}, {"output_format", "XML"}, {"truncation_limit", "0"}, {"show_asset_id", "1"},
	{"show_reopened_info", "1"}, {"show_tags", "1"}, {"show_results", "1"}, {"show_igs", "1"},
	{"status", "Active,New,Re-Opened,Fixed"}, {"include_ignored", "1"}, {"include_disabled", "1"},
	{"show_qds", "1"}, {"show_qds_factors", "1"}, {"show_arf_data", "1"},
	{"arf_filter_keys", "non-running-kernel"}, {"mitre_attack_details", "1"},
}

// downloaderGet sends a GET the way the downloader does: the query encoded
// in order (Python's urlencode: spaces as "+", commas as %2C), basic auth,
// and its headers (a Content-Type on a GET, its own X-Requested-With and
// User-Agent).
func downloaderGet(t *testing.T, e *vmEnv, path string, params [][2]string) (*http.Response, []byte) {
	t.Helper()
	var q []string
	for _, p := range params {
		q = append(q, url.QueryEscape(p[0])+"="+url.QueryEscape(p[1]))
	}
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+path+"?"+strings.Join(q, "&"), nil)
	if err != nil {
		t.Fatal(err)
	}
	user, pass := e.sim.Credentials()
	req.SetBasicAuth(user, pass)
	ua := "qualys_downloader_hld_0001.xml"
	req.Header.Set("Content-Type", "text/xml")
	req.Header.Set("X-Requested-With", ua)
	req.Header.Set("User-Agent", ua)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// TestDownloaderRequest replays the published downloader against API 5.0:
// the host list of the hosts processed in the last 7 days (details=None),
// then the detections of those hosts in batches of 300 with its exact
// parameters. Every call must succeed and every parameter have its effect.
func TestDownloaderRequest(t *testing.T) {
	t.Parallel()
	e := newVMEnv(t, Config{Assets: testscale.N(t, 40, 120), Seed: 11, Epoch: 9})
	now := e.sim.vmNow()
	after := time.Unix(now, 0).UTC().AddDate(0, 0, -7).Format("2006-01-02T15:04:05Z")
	resp, body := downloaderGet(t, e, "/api/5.0/fo/asset/host/", [][2]string{
		{"action", "list"}, {"details", "None"}, {"vm_processed_after", after}, {"truncation_limit", "0"}})
	if resp.StatusCode != 200 {
		t.Fatalf("host list: HTTP %d: %.500s", resp.StatusCode, body)
	}
	var list pDoc
	if err := xml.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Response.IDRanges) > 0 || len(list.Response.IDs) == 0 {
		// The downloader reads .//ID only: ID_RANGE would lose hosts, and
		// the simulator folds runs of consecutive IDs into ranges.
		t.Logf("host list: %d IDs, %d ID ranges", len(list.Response.IDs), len(list.Response.IDRanges))
	}
	ids := slices.Clone(list.Response.IDs)
	for _, r := range list.Response.IDRanges {
		lo, hi, _ := strings.Cut(r, "-")
		a, _ := strconv.ParseInt(lo, 10, 64)
		b, _ := strconv.ParseInt(hi, 10, 64)
		for id := a; id <= b; id++ {
			ids = append(ids, strconv.FormatInt(id, 10))
		}
	}
	if len(ids) == 0 {
		t.Fatal("no host processed in the last 7 days")
	}
	var hosts []pHost
	for lo := 0; lo < len(ids); lo += 300 {
		batch := ids[lo:min(lo+300, len(ids))]
		params := append(slices.Clone(downloaderDetectionParams), [2]string{"ids", strings.Join(batch, ",")})
		resp, body := downloaderGet(t, e, "/api/5.0/fo/asset/host/vm/detection/", params)
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
			t.Fatalf("detections: HTTP %d %s: %.500s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		var d pDoc
		if err := xml.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		d.trim()
		if d.Response.Warning != nil {
			t.Errorf("truncation_limit=0 page has a WARNING %+v", d.Response.Warning)
		}
		hosts = append(hosts, d.Response.Hosts...)
		if !strings.Contains(string(body), `/api/5.0/fo/asset/host/vm/detection/dtd/output.dtd`) {
			t.Error("not the 5.0 host list detection document")
		}
	}
	if len(hosts) == 0 {
		t.Fatal("no host")
	}
	doc := &pDoc{}
	doc.Response.Hosts = hosts
	for _, h := range hosts {
		if !slices.Contains(ids, strconv.FormatInt(h.ID, 10)) {
			t.Errorf("host %d was not asked for", h.ID)
		}
	}
	statuses := map[string]bool{}
	everyDet(t, doc, "the downloader's detection", func(h *pHost, d *pDet) bool {
		statuses[d.Status] = true
		tm, _ := tmplOf(d.QID)
		switch {
		case d.Results == nil, d.Type != "Info" && (d.QDS == nil || len(d.Factors) == 0):
			return false
		case intIs(d.Kernel, 0): // arf_filter_keys=non-running-kernel
			return false
		case d.Type != "Info" && tm.arf != arfNone && d.Kernel == nil && d.Service == nil && d.Config == nil: // show_arf_data
			return false
		}
		return true
	})
	for _, st := range []string{"New", "Active", "Fixed", "Re-Opened", ""} {
		if !statuses[st] {
			t.Errorf("no detection with STATUS %q (status=Active,New,Re-Opened,Fixed, show_igs=1)", st)
		}
	}
	for what, ok := range map[string]func(*pDet) bool{
		"ignored":         func(d *pDet) bool { return d.IsIgnored == 1 },
		"disabled":        func(d *pDet) bool { return d.IsDisabled == 1 },
		"reopened info":   func(d *pDet) bool { return d.TimesReopened != nil },
		"ATT&CK":          func(d *pDet) bool { return len(d.Mitre) > 0 },
		"running kernel":  func(d *pDet) bool { return intIs(d.Kernel, 1) },
		"Info (show_igs)": func(d *pDet) bool { return d.Type == "Info" },
	} {
		if !someDet(doc, ok) {
			t.Errorf("no %s detection", what)
		}
	}
	checkDetMitre(t, doc)
	if !someHost(doc, func(h *pHost) bool { return h.AssetID != 0 }) || !someHost(doc, func(h *pHost) bool { return len(h.Tags) > 0 }) {
		t.Error("no ASSET_ID or TAGS (show_asset_id, show_tags)")
	}
}
