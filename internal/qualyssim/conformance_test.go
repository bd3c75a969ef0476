package qualyssim

import (
	"bytes"
	"encoding/json"
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

// shape records, per JSON path, the set of JSON types seen there. Array
// elements share the path "<array>[]", so an array's shape is the union of
// its elements' shapes.
type shape map[string]map[string]bool

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	default:
		return "object"
	}
}

func (s shape) add(path string, v any) {
	if s[path] == nil {
		s[path] = map[string]bool{}
	}
	s[path][jsonType(v)] = true
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			s.add(path+"."+k, c)
		}
	case []any:
		for _, c := range x {
			s.add(path+"[]", c)
		}
	}
}

func nonNull(types map[string]bool) []string {
	var out []string
	for t := range types {
		if t != "null" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// compatible reports the sample paths that the simulator's shape lacks or types differently.
func (s shape) compatible(sample shape) (problems []string) {
	for _, path := range slices.Sorted(maps.Keys(sample)) {
		ours, ok := s[path]
		if !ok {
			problems = append(problems, "missing "+path)
			continue
		}
		want, got := nonNull(sample[path]), nonNull(ours)
		if len(want) == 0 {
			continue // null in the sample is compatible with anything
		}
		if len(got) == 0 {
			problems = append(problems, path+": only null, sample has "+strings.Join(want, "|"))
			continue
		}
		for _, t := range got {
			if !slices.Contains(want, t) {
				problems = append(problems, path+": type "+t+", sample has "+strings.Join(want, "|"))
			}
		}
		for _, t := range want {
			if !slices.Contains(got, t) {
				problems = append(problems, path+": never "+t+" (sample has it)")
			}
		}
	}
	return problems
}

func decodeNumbers(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v
}

// TestConformanceWithRealSamples compares the structure of simulator search
// pages with the CSAM v2 responses recorded in Elastic's qualys_gav mock.
func TestConformanceWithRealSamples(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(samplesDir(t), "elastic-integrations", "qualys_gav", "extracted")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CSAM sample pages in %s (%v)", dir, err)
	}
	sample := shape{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sample.add("", decodeNumbers(t, b))
	}

	e := newEnv(t, Config{Assets: 1500, Seed: 1})
	ours := shape{}
	var big, negative int
	last := int64(0)
	// A record with its software is some 200 kB of JSON: the small page of
	// full records still holds thousands of software entries.
	pageSize := testscale.N(t, 15, 60)
	for pages := 0; ; pages++ {
		// The first page carries full records; later pages, which only hunt for
		// rare asset-level keys, leave out the (bulky, already covered) software.
		q := url.Values{"pageSize": {strconv.Itoa(pageSize)}, "lastSeenAssetId": {itoa(last)}}
		if pages > 0 {
			q.Set("excludeFields", "softwareListData")
		}
		resp, body := e.search(q, "")
		if resp.StatusCode != 200 {
			t.Fatalf("page %d: status %d", pages, resp.StatusCode)
		}
		v := decodeNumbers(t, body)
		env := v.(map[string]any)
		if keys := slices.Sorted(maps.Keys(env)); !slices.Equal(keys, []string{"assetListData", "count", "hasMore", "lastSeenAssetId", "responseCode", "responseMessage"}) {
			t.Fatalf("envelope keys %v", keys)
		}
		if !bytes.HasPrefix(body, []byte(`{"responseMessage":"Valid API Access","count":`+strconv.Itoa(pageSize)+`,"responseCode":"SUCCESS","lastSeenAssetId":`)) {
			t.Errorf("envelope key order differs from the real API: %.120s", body)
		}
		ours.add("", v)
		// Software ids must be integer literals, within int64, spread over the whole range.
		for _, a := range env["assetListData"].(map[string]any)["asset"].([]any) {
			sl, _ := a.(map[string]any)["softwareListData"].(map[string]any)
			sw, _ := sl["software"].([]any)
			for _, s := range sw {
				n, ok := s.(map[string]any)["id"].(json.Number)
				if !ok || strings.ContainsAny(string(n), ".eE") {
					t.Fatalf("software id %s is not an integer literal", n)
				}
				id, err := strconv.ParseInt(string(n), 10, 64)
				if err != nil {
					t.Fatalf("software id %s: %v", n, err)
				}
				if id > 1<<53 {
					big++
				}
				if id < 0 {
					negative++
				}
			}
		}
		last, _ = env["lastSeenAssetId"].(json.Number).Int64()
		if len(ours.compatible(sample)) == 0 || env["hasMore"].(json.Number) == "0" {
			t.Logf("stopped after %d pages of %d", pages+1, pageSize)
			break
		}
	}
	for _, p := range ours.compatible(sample) {
		t.Error(p)
	}
	if big == 0 || negative == 0 {
		t.Errorf("software ids: %d above 2^53, %d negative; want both", big, negative)
	}
	var extra []string
	for p := range ours {
		if _, ok := sample[p]; !ok && !strings.Contains(p, ".azure.") {
			extra = append(extra, p)
		}
	}
	slices.Sort(extra)
	t.Logf("keys the simulator adds beyond the sample (azure subtree not listed): %v", extra)
}
