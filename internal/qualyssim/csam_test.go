package qualyssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qflow/qflow/internal/testscale"
)

func TestPagingWalkMatchesTruth(t *testing.T) {
	t.Parallel()
	// Either size is 4 pages, the last one short.
	n, pageSize := testscale.N(t, 14, 60), testscale.N(t, 4, 17)
	cfg := Config{Assets: n, Seed: 7}
	e := newEnv(t, cfg)
	assets, pages := e.walk(url.Values{"pageSize": {strconv.Itoa(pageSize)}, "includeFields": {"softwareListData"}}, "")
	truth := e.sim.Truth()
	if pages != 4 {
		t.Errorf("pages = %d, want 4", pages)
	}
	var ids []int64
	installs := 0
	for _, raw := range assets {
		ids = append(ids, assetID(t, raw))
		var a struct {
			SoftwareListData struct {
				Software []struct {
					FullName    string  `json:"fullName"`
					Version     string  `json:"version"`
					InstallPath *string `json:"installPath"`
				} `json:"software"`
			} `json:"softwareListData"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		sw := a.SoftwareListData.Software
		if len(sw) < 20 || len(sw) > 300 {
			t.Errorf("asset %d has %d software entries, want 20..300", ids[len(ids)-1], len(sw))
		}
		seen := map[string]bool{}
		for _, s := range sw {
			k := s.FullName + "\x00" + s.Version + "\x00"
			if s.InstallPath != nil {
				k += *s.InstallPath
			}
			if seen[k] {
				t.Errorf("asset %d: duplicate software %q", ids[len(ids)-1], k)
			}
			seen[k] = true
		}
		installs += len(sw)
	}
	if !slices.Equal(ids, truth.AssetIDs) {
		t.Errorf("walked ids differ from Truth.AssetIDs (%d vs %d)", len(ids), len(truth.AssetIDs))
	}
	if truth.Assets != n || installs != truth.SoftwareInstalls || len(truth.MalformedAssetIDs) != 0 || truth.Seed != 7 {
		t.Errorf("truth %d assets, %d installs (walked %d), %d malformed, seed %d", truth.Assets, truth.SoftwareInstalls, installs, len(truth.MalformedAssetIDs), truth.Seed)
	}
	for k := 1; k < len(ids); k++ {
		if d := ids[k] - ids[k-1]; d < 1 || d > maxIDStep {
			t.Fatalf("id step %d out of 1..%d", d, maxIDStep)
		}
	}
	if ids[0] < firstAssetID {
		t.Errorf("first id %d", ids[0])
	}
	tf, err := TruthFor(cfg)
	if err != nil || !reflect.DeepEqual(tf, truth) {
		t.Errorf("TruthFor differs from Server.Truth (err %v)", err)
	}
	resp, body := e.post(pathCount, e.tok, "{}", "application/json")
	if resp.StatusCode != http.StatusOK || string(body) != `{"responseCode":"SUCCESS","responseMessage":"Valid API Access","count":`+strconv.Itoa(n)+`}` {
		t.Errorf("count: %d %s", resp.StatusCode, body)
	}
	// /_sim endpoints.
	for _, p := range []string{"/_sim/truth", "/_sim/stats"} {
		r, err := e.srv.Client().Get(e.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		err = json.NewDecoder(r.Body).Decode(&m)
		r.Body.Close()
		if err != nil || r.StatusCode != 200 {
			t.Errorf("%s: %d %v", p, r.StatusCode, err)
		}
	}
	st := e.sim.Stats()
	if st.Calls["POST "+pathSearch] != 4 || st.Calls["POST "+pathAuth] != 1 || st.Calls["POST "+pathCount] != 1 {
		t.Errorf("stats calls %v", st.Calls)
	}
	if st.MaxConcurrency < 1 || st.LimitViolations != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPageSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 400, Seed: 3})
	ids := url.Values{"includeFields": {"assetId"}}
	for _, tc := range []struct {
		size      string
		status    int
		count     int
		msgSubstr string
	}{
		{"", 200, DefaultPageSize, ""},
		{"1", 200, 1, ""},
		{"300", 200, 300, ""},
		{"301", 400, 0, "300"},
		{"1000", 400, 0, "maximum"},
		{"0", 400, 0, "pageSize"},
		{"-5", 400, 0, "pageSize"},
		{"ten", 400, 0, "pageSize"},
	} {
		q := cloneValues(ids)
		if tc.size != "" {
			q.Set("pageSize", tc.size)
		}
		resp, body := e.search(q, "")
		if resp.StatusCode != tc.status {
			t.Errorf("pageSize=%q: status %d, want %d", tc.size, resp.StatusCode, tc.status)
			continue
		}
		if tc.status == 200 {
			if p := decodePage(t, body); p.Count != tc.count || len(p.AssetListData.Asset) != tc.count {
				t.Errorf("pageSize=%q: count %d", tc.size, p.Count)
			}
			continue
		}
		var env struct{ ResponseCode, ResponseMessage string }
		if err := json.Unmarshal(body, &env); err != nil || env.ResponseCode != "FAILED" || !strings.Contains(env.ResponseMessage, tc.msgSubstr) {
			t.Errorf("pageSize=%q: body %s", tc.size, body)
		}
		if resp.Header.Get("X-RateLimit-Limit") == "" {
			t.Errorf("pageSize=%q: 400 without rate headers", tc.size)
		}
	}
}

func TestEmptyResultIs204(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 50, Seed: 4})
	truth := e.sim.Truth()
	last := truth.AssetIDs[len(truth.AssetIDs)-1]
	for name, q := range map[string]url.Values{
		"past the last id":  {"lastSeenAssetId": {itoa(last)}},
		"future update":     {"assetLastUpdated": {"2030-01-01T00:00:00Z"}},
		"now (incremental)": {"assetLastUpdated": {time.Now().UTC().Format(time.RFC3339)}},
	} {
		resp, body := e.search(q, "")
		if resp.StatusCode != http.StatusNoContent || len(body) != 0 {
			t.Errorf("%s: status %d body %q", name, resp.StatusCode, body)
		}
		if resp.Header.Get("X-RateLimit-Remaining") == "" {
			t.Errorf("%s: 204 without rate headers", name)
		}
	}
	resp, body := e.post(pathCount+"?assetLastUpdated=2030-01-01", e.tok, "", "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"count":0`)) {
		t.Errorf("count: %d %s", resp.StatusCode, body)
	}
}

func TestAssetLastUpdatedIsInclusive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 80, Seed: 5})
	assets, _ := e.walk(url.Values{"pageSize": {"300"}, "includeFields": {"lastModifiedDate"}}, "")
	type rec struct {
		id  int64
		mod string
	}
	var all []rec
	for _, raw := range assets {
		var a struct{ LastModifiedDate string }
		_ = json.Unmarshal(raw, &a)
		all = append(all, rec{assetID(t, raw), a.LastModifiedDate})
	}
	pivot := all[len(all)/2].mod
	var want []int64
	for _, r := range all {
		if r.mod >= pivot {
			want = append(want, r.id)
		}
	}
	got, _ := e.walk(url.Values{"pageSize": {"7"}, "includeFields": {"assetId"}, "assetLastUpdated": {pivot}}, "")
	var ids []int64
	for _, raw := range got {
		ids = append(ids, assetID(t, raw))
	}
	if !slices.Equal(ids, want) || !slices.Contains(ids, all[len(all)/2].id) {
		t.Errorf("assetLastUpdated=%s: got %v, want %v", pivot, ids, want)
	}
}

func TestIncludeExcludeFields(t *testing.T) {
	t.Parallel()
	// The small set (half the bytes: records with software are big) has a
	// non-null value for every key the full one has, and lparId besides.
	n := testscale.N(t, 10, 12)
	e := newEnv(t, Config{Assets: n, Seed: int64(testscale.N(t, 15, 6))})
	fetch := func(q url.Values) []map[string]json.RawMessage {
		t.Helper()
		q.Set("pageSize", strconv.Itoa(n))
		resp, body := e.search(q, "")
		if resp.StatusCode != 200 {
			t.Fatalf("%v: %d %s", q, resp.StatusCode, body)
		}
		var out []map[string]json.RawMessage
		for _, raw := range decodePage(t, body).AssetListData.Asset {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	full := fetch(url.Values{})
	check := func(name string, q url.Values, selected func(k string) bool) {
		t.Helper()
		got := fetch(q)
		for i, m := range got {
			for _, k := range assetKeys {
				v, ok := m[k]
				fv, fok := full[i][k]
				switch {
				case !selected(k) && string(v) != "null":
					t.Errorf("%s: non-selected %s = %.40s, want null", name, k, v)
				case selected(k) && (ok != fok || string(fv) != string(v)):
					t.Errorf("%s: selected %s differs from the full record", name, k)
				}
			}
		}
	}
	check("include", url.Values{"includeFields": {"assetName, operatingSystem"}}, func(k string) bool {
		return k == "assetId" || k == "assetName" || k == "operatingSystem"
	})
	check("exclude", url.Values{"excludeFields": {"softwareListData,tagList"}}, func(k string) bool {
		return k != "softwareListData" && k != "tagList"
	})
	check("both", url.Values{"includeFields": {"assetName,tagList"}, "excludeFields": {"tagList"}}, func(k string) bool {
		return k == "assetId" || k == "assetName"
	})
	check("assetId excluded", url.Values{"excludeFields": {"assetId"}}, func(string) bool { return true })
	resp, body := e.search(url.Values{"includeFields": {"software"}}, "")
	if resp.StatusCode != 400 || !strings.Contains(string(body), `unknown field \"software\" in includeFields`) {
		t.Errorf("unknown includeFields name: %d %s", resp.StatusCode, body)
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: 10, Seed: 1})
	for _, tc := range []struct {
		query, body, want string
	}{
		{"lastSeenAssetID=5", "", `unsupported query parameter "lastSeenAssetID"`},
		{"include_fields=a", "", "include_fields"},
		{"lastSeenAssetId=abc", "", "lastSeenAssetId"},
		{"lastSeenAssetId=-1", "", "lastSeenAssetId"},
		{"assetLastUpdated=yesterday", "", "assetLastUpdated"},
		{"", "{", "invalid request body"},
		{"", `{"filters":[]} x`, "trailing data"},
		{"", `{"filter":[]}`, "unknown field"},
		{"", `{"filters":[],"operation":"OR"}`, "AND"},
		{"", `{"filters":[{"field":"asset.name","operator":"EQUALS","value":"x"}]}`, `unsupported field "asset.name"`},
		{"", `{"filters":[{"field":"asset.assetID","operator":"CONTAINS","value":"1"}]}`, `operator "CONTAINS" is not valid for NUMERIC`},
		{"", `{"filters":[{"field":"asset.lastUpdated","operator":"IN","value":"2024-01-01"}]}`, `not valid for DATE`},
		{"", `{"filters":[{"field":"tags.name","operator":"GREATER","value":"x"}]}`, `not valid for STRING`},
		{"", `{"filters":[{"field":"asset.assetID","operator":"EQUALS","value":"12x"}]}`, "not an integer"},
		{"", `{"filters":[{"field":"asset.assetID","operator":"IN","value":"1,x"}]}`, "list of integers"},
		{"", `{"filters":[{"field":"asset.lastUpdated","operator":"GREATER","value":"soon"}]}`, "invalid date"},
		{"", `{"filters":[{"field":"tags.name","operator":"EQUALS"}]}`, "missing value"},
		{"", `{"filters":[{"field":"tags.name","value":"x"}]}`, "missing operator"},
		{"", `{"filters":[{"operator":"EQUALS","value":"x"}]}`, "missing field"},
		{"", `{"filters":[{"field":"tags.name","operator":"EQUALS","value":{"a":1}}]}`, "string or a number"},
	} {
		for _, path := range []string{pathSearch, pathCount} {
			resp, body := e.post(path+"?"+tc.query, e.tok, tc.body, "application/json")
			var env struct{ ResponseCode, ResponseMessage string }
			_ = json.Unmarshal(body, &env)
			if resp.StatusCode != 400 || env.ResponseCode != "FAILED" || !strings.Contains(env.ResponseMessage, tc.want) {
				t.Errorf("%s ?%s %s: %d %s (want message containing %q)", path, tc.query, tc.body, resp.StatusCode, body, tc.want)
			}
		}
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+pathSearch, nil)
	req.Header.Set("Authorization", "Bearer "+e.tok)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET search: %d", resp.StatusCode)
	}
	resp2, _ := e.post("/rest/2.0/search/am/nothing", e.tok, "", "")
	if resp2.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", resp2.StatusCode)
	}
}

func TestDeterminism(t *testing.T) {
	t.Parallel()
	pageBytes := func(seed int64) []byte {
		e := newEnv(t, Config{Assets: 40, Seed: seed})
		resp, body := e.search(url.Values{"pageSize": {"8"}, "lastSeenAssetId": {"0"}}, "")
		if resp.StatusCode != 200 {
			t.Fatalf("seed %d: %d", seed, resp.StatusCode)
		}
		return body
	}
	a, b, c := pageBytes(11), pageBytes(11), pageBytes(12)
	if !bytes.Equal(a, b) {
		t.Error("same seed gave different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave identical bytes")
	}
	if !json.Valid(a) {
		t.Error("page is not valid JSON")
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{
		{Assets: -1},
		{Assets: MaxAssets + 1},
		{RateLimit: 10},
		{RateLimit: -1},
		{TokenTTL: -time.Second},
		{Latency: Latency{Base: -time.Millisecond}},
		{Faults: Faults{ServerError: 1.5}},
		{Faults: Faults{Slow: 0.5}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted an invalid config", cfg)
		} else if !strings.HasPrefix(err.Error(), "qualyssim: invalid config") {
			t.Errorf("error %q lacks context", err)
		}
		if _, err := TruthFor(cfg); err == nil {
			t.Errorf("TruthFor(%+v) accepted an invalid config", cfg)
		}
	}
	s, err := New(Config{Assets: 3})
	if err != nil {
		t.Fatal(err)
	}
	if u, p := s.Credentials(); u != DefaultUsername || p != DefaultPassword {
		t.Errorf("default credentials %q %q", u, p)
	}
	if d, _ := New(Config{}); d.Truth().Assets != DefaultAssets {
		t.Errorf("default assets %d", d.Truth().Assets)
	}
}

func ExampleParseFaults() {
	f, err := ParseFaults("5xx=0.05,slow=0.01:10s")
	fmt.Println(f.ServerError, f.Slow, f.SlowDelay, err)
	// Output: 0.05 0.01 10s <nil>
}
