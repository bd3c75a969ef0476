package qualyssim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// vmEnv is a simulator behind a real HTTP server, called with basic auth.
type vmEnv struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
}

func newVMEnv(t *testing.T, cfg Config) *vmEnv {
	t.Helper()
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &vmEnv{t: t, sim: sim, srv: srv}
}

// request builds an authenticated API-server request; form goes in a POST body.
func (e *vmEnv) request(method, path string, query, form url.Values) *http.Request {
	u := e.srv.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	u2, p := e.sim.Credentials()
	req.SetBasicAuth(u2, p)
	req.Header.Set("X-Requested-With", "qflow-test")
	return req
}

func (e *vmEnv) do(req *http.Request) (*http.Response, []byte) {
	e.t.Helper()
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return resp, b
}

func (e *vmEnv) call(method, path string, query, form url.Values) (*http.Response, []byte) {
	e.t.Helper()
	return e.do(e.request(method, path, query, form))
}

// follow requests a WARNING URL of a previous page.
func (e *vmEnv) follow(rawURL string) (*http.Response, []byte) {
	e.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		e.t.Fatalf("WARNING URL %q: %v", rawURL, err)
	}
	return e.call("GET", u.Path, u.Query(), nil)
}

// Decoded shapes of the API-server documents (any root element).
type (
	xDoc struct {
		Response struct {
			DateTime string  `xml:"DATETIME"`
			Hosts    []xHost `xml:"HOST_LIST>HOST"`
			IDSet    struct {
				Items []struct {
					XMLName xml.Name
					Value   string `xml:",chardata"`
				} `xml:",any"`
			} `xml:"ID_SET"`
			Vulns   []xVuln   `xml:"VULN_LIST>VULN"`
			Warning *xWarning `xml:"WARNING"`
			Code    int       `xml:"CODE"`
			Text    string    `xml:"TEXT"`
			Items   []struct {
				Key   string `xml:"KEY"`
				Value string `xml:"VALUE"`
			} `xml:"ITEM_LIST>ITEM"`
		} `xml:"RESPONSE"`
	}
	xWarning struct {
		Code int    `xml:"CODE"`
		Text string `xml:"TEXT"`
		URL  string `xml:"URL"`
	}
	xHost struct {
		ID         int64  `xml:"ID"`
		AssetID    int64  `xml:"ASSET_ID"`
		IP         string `xml:"IP"`
		Tracking   string `xml:"TRACKING_METHOD"`
		OS         string `xml:"OS"`
		DNS        string `xml:"DNS"`
		NetBIOS    string `xml:"NETBIOS"`
		LastScan   string `xml:"LAST_SCAN_DATETIME"`
		Detections []xDet `xml:"DETECTION_LIST>DETECTION"`
	}
	xDet struct {
		QID      int       `xml:"QID"`
		Type     string    `xml:"TYPE"`
		Severity int       `xml:"SEVERITY"`
		Status   string    `xml:"STATUS"`
		Results  *struct{} `xml:"RESULTS"` // nil when absent
		QDS      *struct {
			Severity string `xml:"severity,attr"`
			Value    int    `xml:",chardata"`
		} `xml:"QDS"`
		Ignored      int     `xml:"IS_IGNORED"`
		Disabled     int     `xml:"IS_DISABLED"`
		AffectKernel *string `xml:"AFFECT_RUNNING_KERNEL"`
	}
	xVuln struct {
		QID      int    `xml:"QID"`
		Title    string `xml:"TITLE"`
		Modified string `xml:"LAST_SERVICE_MODIFICATION_DATETIME"`
	}
)

func decodeDoc(t *testing.T, b []byte) xDoc {
	t.Helper()
	var d xDoc
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("decode XML: %v\n%.400s", err, b)
	}
	return d
}

// ids returns the host IDs of a page, expanding ID_SET ranges.
func (d xDoc) ids(t *testing.T) []int64 {
	var out []int64
	for _, h := range d.Response.Hosts {
		out = append(out, h.ID)
	}
	for _, it := range d.Response.IDSet.Items {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(it.Value), "-")
		if isRange != (it.XMLName.Local == "ID_RANGE") {
			t.Fatalf("%s %q", it.XMLName.Local, it.Value)
		}
		a, err1 := strconv.ParseInt(lo, 10, 64)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.ParseInt(hi, 10, 64)
		}
		if err1 != nil || err2 != nil {
			t.Fatalf("%s %q", it.XMLName.Local, it.Value)
		}
		for n := a; n <= b; n++ {
			out = append(out, n)
		}
	}
	return out
}

// ranges counts the ID_RANGE elements of an ID_SET.
func (d xDoc) ranges() int {
	n := 0
	for _, it := range d.Response.IDSet.Items {
		if it.XMLName.Local == "ID_RANGE" {
			n++
		}
	}
	return n
}

// warningNext returns the id_min of a page's WARNING URL, or "".
func warningNext(t *testing.T, body []byte) string {
	t.Helper()
	d := decodeDoc(t, body)
	if d.Response.Warning == nil {
		return ""
	}
	u, err := url.Parse(strings.TrimSpace(d.Response.Warning.URL))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("id_min")
}

// textOf returns the trimmed text of the first element named name.
func textOf(t *testing.T, b []byte, name string) string {
	t.Helper()
	i := bytes.Index(b, []byte("<"+name+">"))
	j := bytes.Index(b, []byte("</"+name+">"))
	if i < 0 || j < i {
		return ""
	}
	return strings.TrimSpace(string(b[i+len(name)+2 : j]))
}

// walkHosts follows the WARNING URLs from the first page and returns every
// host ID in order and the number of pages.
func (e *vmEnv) walkHosts(method, path string, q url.Values) (ids []int64, pages int) {
	e.t.Helper()
	var resp *http.Response
	var body []byte
	if method == "POST" {
		resp, body = e.call("POST", path, nil, q)
	} else {
		resp, body = e.call("GET", path, q, nil)
	}
	for {
		if resp.StatusCode != 200 {
			e.t.Fatalf("page %d: status %d: %s", pages, resp.StatusCode, body)
		}
		pages++
		d := decodeDoc(e.t, body)
		ids = append(ids, d.ids(e.t)...)
		if d.Response.Warning == nil {
			return ids, pages
		}
		if pages > 10000 {
			e.t.Fatal("walk does not end")
		}
		resp, body = e.follow(strings.TrimSpace(d.Response.Warning.URL))
	}
}
