package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/store"
)

// samplesDir returns the shared Qualys samples folder (QFLOW_SAMPLES, else
// ../shared/qualys-samples beside the repository), or skips.
func samplesDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("QFLOW_SAMPLES")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "qualys-samples")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("Qualys samples not found at %s (set QFLOW_SAMPLES to the qualys-samples folder): %v", dir, err)
	}
	return dir
}

// cloneGateway serves a CSAM gateway whose n assets are clones of one real
// asset (the first of a public sample page): each has its own assetId,
// hostId, agent ID, BIOS serial, hardware UUID, FQDN, NetBIOS name and
// address, and all keep the template's cloud instance ID placeholder
// ("instanceId_value") and its MAC addresses, as VMs cloned from one
// template do.
func cloneGateway(t *testing.T, n int) *httptest.Server {
	t.Helper()
	path := filepath.Join(samplesDir(t), "elastic-integrations", "qualys_gav", "extracted", "rule1_search_am_asset_lastSeenAssetId0_pageSize2.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var page struct {
		AssetListData struct {
			Asset []json.RawMessage `json:"asset"`
		} `json:"assetListData"`
	}
	if err := json.Unmarshal(b, &page); err != nil || len(page.AssetListData.Asset) == 0 {
		t.Fatalf("%s: no asset (%v)", path, err)
	}
	clones := make([][]byte, n)
	for i := range n {
		dec := json.NewDecoder(bytes.NewReader(page.AssetListData.Asset[0]))
		dec.UseNumber()
		var a map[string]any
		if err := dec.Decode(&a); err != nil {
			t.Fatal(err)
		}
		id := 70000000 + i*7
		a["assetId"], a["hostId"] = id, 2000000+i
		a["assetUUID"] = fmt.Sprintf("c10e0000-0000-4000-8000-%012d", i)
		a["agentId"] = fmt.Sprintf("a9e70000-0000-4000-8000-%012d", i)
		a["biosSerialNumber"] = fmt.Sprintf("VMW-CLONE-%05d", i)
		a["hwUUID"] = fmt.Sprintf("422a2b16-0000-4000-8000-%012d", i)
		a["dnsName"] = fmt.Sprintf("clone%05d.corp.example.com", i)
		a["netbiosName"] = fmt.Sprintf("CLONE%05d", i)
		a["assetName"] = fmt.Sprintf("clone%05d", i)
		a["address"] = fmt.Sprintf("10.%d.%d.%d", 20+i/65536, i/256%256, i%256)
		if clones[i], err = json.Marshal(a); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, "eyJhbGciOiJIUzUxMiJ9.e30.c2ln")
	})
	mux.HandleFunc("POST /rest/2.0/count/am/asset", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"responseCode":"SUCCESS","count":%d}`, n)
	})
	mux.HandleFunc("POST /rest/2.0/search/am/asset", func(w http.ResponseWriter, r *http.Request) {
		last, _ := strconv.Atoi(r.URL.Query().Get("lastSeenAssetId"))
		size, _ := strconv.Atoi(r.URL.Query().Get("pageSize"))
		var out [][]byte
		lastID, more := last, 0
		for i := range n {
			id := 70000000 + i*7
			if id <= last {
				continue
			}
			if len(out) == size {
				more = 1
				break
			}
			out = append(out, clones[i])
			lastID = id
		}
		fmt.Fprintf(w, `{"responseCode":"SUCCESS","responseMessage":"Valid API Access","count":%d,"hasMore":%d,"lastSeenAssetId":%d,"assetListData":{"asset":[%s]}}`,
			len(out), more, lastID, bytes.Join(out, []byte(",")))
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

// A CSAM estate cloned from one real asset template: every clone has its
// own agent ID, serial, hardware UUID and FQDN but shares the template's
// placeholder cloud instance ID and MAC. Each clone is its own asset: the
// placeholder never matches (built-in junk), the shared MAC is vetoed by
// the differing serials until it is learned as junk, and qflow rules junk
// and qflow rules conflicts list both.
func TestIdentityClonedAssets(t *testing.T) {
	t.Parallel()
	n := scale(t, 60, 1000)
	ts := cloneGateway(t, n)
	db := filepath.Join(t.TempDir(), "c.db")
	vars := map[string]string{"QUALYS_USERNAME": "u", "QUALYS_PASSWORD": "p"}
	code, out, stderr := qflow(t, vars, "sync", "--gateway-url", ts.URL, "--db", db, "--json", "--log-level", "warn", "--parallel", "1", "--page-size", "50")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s\n%s", code, out, stderr)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.State != "Processed" || sum.Totals.Assets != int64(n) || sum.Assets.New != int64(n) {
		t.Fatalf("%d clones loaded as %d assets (%+v)", n, sum.Totals.Assets, sum.Totals)
	}

	code, out, stderr = qflow(t, nil, "rules", "junk", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("rules junk: %s", stderr)
	}
	var junk struct {
		JunkThreshold int               `json:"junk_threshold"`
		Junk          []store.JunkEntry `json:"junk"`
	}
	if err := json.Unmarshal([]byte(out), &junk); err != nil {
		t.Fatal(err)
	}
	var learnedMAC, placeholder bool
	for _, j := range junk.Junk {
		switch {
		case j.Attribute == "mac" && j.Value == "00:0c:29:15:6a:72" && j.Origin == "learned":
			learnedMAC = j.Machines > int64(junk.JunkThreshold) && j.Records == int64(n)
		case j.Attribute == "cloud_instance_id" && j.Value == "instanceId_value" && j.Origin == "builtin":
			placeholder = j.Records == int64(n)
		}
	}
	if !learnedMAC || !placeholder {
		t.Errorf("rules junk lacks the learned MAC or the built-in placeholder with their counts:\n%s", out)
	}
	code, out, _ = qflow(t, nil, "rules", "junk", "--db", db)
	if code != 0 || !strings.Contains(out, "00:0c:29:15:6a:72") || !strings.Contains(out, "learned") {
		t.Errorf("rules junk (text):\n%s", out)
	}

	code, out, stderr = qflow(t, nil, "rules", "conflicts", "--db", db, "--json", "--limit", "0")
	if code != 0 {
		t.Fatalf("rules conflicts: %s", stderr)
	}
	var cs []store.Conflict
	if err := json.Unmarshal([]byte(out), &cs); err != nil {
		t.Fatal(err)
	}
	vetoes := 0
	for _, c := range cs {
		if c.Kind == "veto" && c.Attribute == "bios_serial" && c.Value != c.OtherValue && c.AssetID != c.OtherAssetID && c.OtherAssetID != 0 {
			vetoes++
		}
	}
	// Until the MAC is junk, each clone's MAC finds the earlier clones, and
	// each of those is vetoed by its serial.
	if vetoes == 0 || vetoes > junk.JunkThreshold*(junk.JunkThreshold+1)/2 {
		t.Errorf("%d serial vetoes, want some and at most %d (the MAC stops matching once junk):\n%s", vetoes, junk.JunkThreshold*(junk.JunkThreshold+1)/2, out)
	}

	// A second run changes no identity.
	code, out, stderr = qflow(t, vars, "sync", "--gateway-url", ts.URL, "--db", db, "--json", "--log-level", "warn", "--parallel", "1", "--page-size", "50", "--full")
	if code != 0 {
		t.Fatalf("second sync: %s", stderr)
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil || sum.Totals.Assets != int64(n) {
		t.Errorf("second run: %d assets (%v)", sum.Totals.Assets, err)
	}
}
