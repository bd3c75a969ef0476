package qualyssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// retryingWalk walks every page like a careful client: it retries a page on
// 5xx, resets, truncated bodies and a missing hasMore, and logs in again on
// 401. It returns the asset ids and a log of what happened on each attempt.
func retryingWalk(t *testing.T, e *testEnv, pageSize int) (ids []int64, events []string) {
	t.Helper()
	last := int64(0)
	for attempts := 0; attempts < 5000; attempts++ {
		q := url.Values{"pageSize": {fmt.Sprint(pageSize)}, "lastSeenAssetId": {itoa(last)}, "includeFields": {"assetId"}}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+pathSearch+"?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+e.tok)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			events = append(events, "reset")
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil:
			events = append(events, "truncated")
			continue
		case resp.StatusCode == http.StatusUnauthorized:
			events = append(events, "401")
			e.tok = e.login()
			continue
		case resp.StatusCode == http.StatusNoContent:
			events = append(events, "204")
			return ids, events
		case resp.StatusCode != http.StatusOK:
			events = append(events, fmt.Sprint(resp.StatusCode))
			if resp.Header.Get("X-RateLimit-Limit") == "" {
				t.Errorf("fault %d without rate headers", resp.StatusCode)
			}
			continue
		}
		var p map[string]json.RawMessage
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("200 with invalid JSON: %v", err)
		}
		hm, ok := p["hasMore"]
		if !ok {
			events = append(events, "nohasmore")
			continue
		}
		pg := decodePage(t, body)
		for _, raw := range pg.AssetListData.Asset {
			ids = append(ids, assetID(t, raw))
		}
		last = pg.LastSeenAssetID
		events = append(events, "200:"+string(hm))
		if string(hm) == "0" || string(hm) == `"0"` {
			return ids, events
		}
	}
	t.Fatal("walk did not finish")
	return nil, nil
}

func TestFaultsAreRepeatable(t *testing.T) {
	t.Parallel()
	faults, err := ParseFaults("5xx=0.2,reset=0.1,nohasmore=0.15,hasmorestring=0.2,slow=0.05:1ms,expire=0.05")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Assets: 300, Seed: 99, Faults: faults}
	run := func() ([]int64, []string, Stats) {
		e := newEnv(t, cfg)
		ids, events := retryingWalk(t, e, 10)
		return ids, events, e.sim.Stats()
	}
	ids1, ev1, st1 := run()
	ids2, ev2, st2 := run()
	truth, _ := TruthFor(cfg)
	if !slices.Equal(ids1, truth.AssetIDs) || !slices.Equal(ids2, truth.AssetIDs) {
		t.Errorf("a faulty walk lost or duplicated assets: %d / %d of %d", len(ids1), len(ids2), truth.Assets)
	}
	if !slices.Equal(ev1, ev2) {
		t.Errorf("same seed, different fault sequence:\n%v\n%v", ev1, ev2)
	}
	if !maps.Equal(st1.Faults, st2.Faults) || !maps.Equal(st1.Calls, st2.Calls) {
		t.Errorf("stats differ: %+v vs %+v", st1, st2)
	}
	for _, k := range []string{Fault5xx, FaultReset, FaultNoHasMore, FaultHasMoreString, FaultSlow, FaultExpire} {
		if st1.Faults[k] == 0 {
			t.Errorf("fault %s never fired (events %v)", k, ev1)
		}
	}
	if st1.LimitViolations != 0 {
		t.Errorf("faults counted as limit violations: %d", st1.LimitViolations)
	}
	joined := strings.Join(ev1, " ")
	for _, want := range []string{"reset", "nohasmore", `200:"1"`, "401", "200:1"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no %q event in %v", want, ev1)
		}
	}
	c := cfg
	c.Seed = 100
	if _, ev3 := retryingWalk(t, newEnv(t, c), 10); slices.Equal(ev1, ev3) {
		t.Error("different seeds gave the same fault sequence")
	}
}

func TestFaultKinds(t *testing.T) {
	t.Parallel()
	q := url.Values{"pageSize": {"5"}, "includeFields": {"assetId"}}
	for _, tc := range []struct {
		faults string
		check  func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration)
	}{
		{"5xx=1", func(t *testing.T, resp *http.Response, body []byte, err error, _ time.Duration) {
			if err != nil || (resp.StatusCode != 500 && resp.StatusCode != 502 && resp.StatusCode != 503) || len(body) == 0 || len(body) > 300 {
				t.Errorf("5xx: %v %v %q", err, resp, body)
			}
		}},
		{"reset=1", func(t *testing.T, resp *http.Response, body []byte, err error, _ time.Duration) {
			if err == nil {
				t.Errorf("reset: got a complete response %d (%d bytes)", resp.StatusCode, len(body))
			}
		}},
		{"nohasmore=1", func(t *testing.T, resp *http.Response, body []byte, err error, _ time.Duration) {
			if err != nil || resp.StatusCode != 200 || !json.Valid(body) || bytes.Contains(body, []byte("hasMore")) {
				t.Errorf("nohasmore: %v %q", err, body)
			}
		}},
		{"hasmorestring=1", func(t *testing.T, resp *http.Response, body []byte, err error, _ time.Duration) {
			if err != nil || !bytes.Contains(body, []byte(`"hasMore":"1"`)) {
				t.Errorf("hasmorestring: %v %.200s", err, body)
			}
		}},
		{"slow=1:150ms", func(t *testing.T, resp *http.Response, body []byte, err error, took time.Duration) {
			if err != nil || resp.StatusCode != 200 || took < 150*time.Millisecond {
				t.Errorf("slow: %v after %v", err, took)
			}
		}},
		{"expire=1", func(t *testing.T, resp *http.Response, body []byte, err error, _ time.Duration) {
			if err != nil || resp.StatusCode != 401 || !bytes.Contains(body, []byte(`"message":"JWT expired"`)) {
				t.Errorf("expire: %v %s", err, body)
			}
		}},
	} {
		t.Run(tc.faults, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFaults(tc.faults)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, Config{Assets: 30, Seed: 5, Faults: f}) // login proves /auth is never faulted
			req, _ := http.NewRequest(http.MethodPost, e.srv.URL+pathSearch+"?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+e.tok)
			start := time.Now()
			resp, err := e.srv.Client().Do(req)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			tc.check(t, resp, body, err, time.Since(start))
			if r, err := e.srv.Client().Get(e.srv.URL + "/_sim/truth"); err != nil || r.StatusCode != 200 {
				t.Errorf("/_sim/truth faulted: %v", err)
			} else {
				r.Body.Close()
			}
			name, _, _ := strings.Cut(tc.faults, "=")
			if st := e.sim.Stats(); st.Faults[name] != 1 || st.LimitViolations != 0 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

func TestTruncatedPage(t *testing.T) {
	t.Parallel()
	// Find a seed whose first reset is the truncating kind: repeatable by construction.
	for seed := int64(1); seed < 50; seed++ {
		e := newEnv(t, Config{Assets: 30, Seed: seed, Faults: Faults{Reset: 1}})
		q := url.Values{"pageSize": {"10"}, "includeFields": {"assetId"}}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+pathSearch+"?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+e.tok)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			continue // dropped before the response
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil || resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte(`{"responseMessage":"Valid API Access"`)) || json.Valid(body) {
			t.Fatalf("truncated page: status %d err %v body %q", resp.StatusCode, err, body)
		}
		return
	}
	t.Fatal("no seed produced a truncated page")
}

func TestMalformedAssets(t *testing.T) {
	t.Parallel()
	cfg := Config{Assets: 200, Seed: 8, Faults: Faults{Malformed: 0.15}}
	e := newEnv(t, cfg)
	truth := e.sim.Truth()
	if len(truth.MalformedAssetIDs) == 0 || truth.Assets+len(truth.MalformedAssetIDs) != 200 {
		t.Fatalf("truth: %d well-formed, %d malformed", truth.Assets, len(truth.MalformedAssetIDs))
	}
	clean, _ := TruthFor(Config{Assets: 200, Seed: 8})
	all := slices.Sorted(slices.Values(append(slices.Clone(truth.AssetIDs), truth.MalformedAssetIDs...)))
	if !slices.Equal(all, clean.AssetIDs) {
		t.Error("malformation changed the id sequence")
	}
	resp, body := e.post(pathCount, e.tok, "", "")
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`"count":200`)) {
		t.Errorf("count includes malformed assets: %s", body)
	}
	raws, _ := e.walk(url.Values{"pageSize": {"50"}, "includeFields": {"assetId"}}, "")
	if len(raws) != 200 {
		t.Fatalf("walked %d records", len(raws))
	}
	kinds := map[string]int{}
	for k, raw := range raws {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("record %d is not a JSON object: %v", k, err)
		}
		kind := ""
		if v, ok := m["assetId"]; !ok {
			kind = "missing assetId"
		} else if v[0] == '"' {
			kind = "string assetId"
		} else if s := m["softwareListData"]; len(s) > 0 && s[0] == '"' {
			kind = "software wrong type"
		}
		_, isMal := slices.BinarySearch(truth.MalformedAssetIDs, all[k])
		if (kind != "") != isMal {
			t.Errorf("record %d (id %d): kind %q, truth malformed %v", k, all[k], kind, isMal)
		}
		if kind == "" && assetID(t, raw) != all[k] {
			t.Errorf("record %d: id %d, want %d", k, assetID(t, raw), all[k])
		}
		kinds[kind]++
	}
	if len(kinds) != 4 {
		t.Errorf("malformation kinds seen: %v", kinds)
	}
	if st := e.sim.Stats(); st.Faults[FaultMalformed] != int64(len(truth.MalformedAssetIDs)) {
		t.Errorf("stats malformed %d, want %d", st.Faults[FaultMalformed], len(truth.MalformedAssetIDs))
	}
	if !reflect.DeepEqual(clean.MalformedAssetIDs, []int64{}) {
		t.Errorf("no malformation: MalformedAssetIDs = %#v, want empty", clean.MalformedAssetIDs)
	}
}
