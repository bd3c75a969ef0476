package qualyssim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/qflow/qflow/internal/testscale"
)

// filterRec is what the filter oracle reads from served records (not from the index).
type filterRec struct {
	id         int64
	mod        string
	cat1, cat2 string
	source     string
	tags       []string
}

func TestFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Config{Assets: testscale.N(t, 60, 150), Seed: 21})
	raw, _ := e.walk(url.Values{"pageSize": {"300"}, "includeFields": {"lastModifiedDate,operatingSystem,tagList,inventory"}}, "")
	var recs []filterRec
	for _, r := range raw {
		var a struct {
			AssetID          int64
			LastModifiedDate string
			OperatingSystem  struct{ Category1, Category2 string }
			Inventory        struct{ Source string }
			TagList          *struct{ Tag []struct{ TagName string } }
		}
		if err := json.Unmarshal(r, &a); err != nil {
			t.Fatal(err)
		}
		fr := filterRec{id: a.AssetID, mod: a.LastModifiedDate, cat1: a.OperatingSystem.Category1, cat2: a.OperatingSystem.Category2, source: a.Inventory.Source}
		if a.TagList != nil {
			for _, tg := range a.TagList.Tag {
				fr.tags = append(fr.tags, tg.TagName)
			}
		}
		recs = append(recs, fr)
	}
	byMod := slices.Clone(recs)
	slices.SortFunc(byMod, func(a, b filterRec) int { return strings.Compare(a.mod, b.mod) })
	pivotID, pivotMod := recs[len(recs)/2].id, byMod[len(byMod)/2].mod
	lowID := recs[len(recs)/4].id
	anyTag := func(r filterRec, f func(string) bool) bool { return slices.ContainsFunc(r.tags, f) }
	eqFold := func(v string) func(string) bool { return func(s string) bool { return strings.EqualFold(s, v) } }
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	type filt struct{ field, op, value string }
	cases := []struct {
		name     string
		filters  []filt
		numeric  bool // send the value as a JSON number
		want     func(filterRec) bool
		nonEmpty bool
	}{
		{"id equals", []filt{{"asset.assetID", "EQUALS", id(pivotID)}}, false, func(r filterRec) bool { return r.id == pivotID }, true},
		{"id equals number", []filt{{"asset.assetID", "EQUALS", id(pivotID)}}, true, func(r filterRec) bool { return r.id == pivotID }, true},
		{"id not equals", []filt{{"asset.assetID", "NOT_EQUALS", id(pivotID)}}, false, func(r filterRec) bool { return r.id != pivotID }, true},
		{"id in", []filt{{"asset.assetID", "IN", id(recs[1].id) + ", " + id(recs[7].id) + ",5"}}, false, func(r filterRec) bool { return r.id == recs[1].id || r.id == recs[7].id }, true},
		{"id greater", []filt{{"asset.assetID", "GREATER", id(pivotID)}}, false, func(r filterRec) bool { return r.id > pivotID }, true},
		{"id lesser", []filt{{"asset.assetID", "LESSER", id(pivotID)}}, false, func(r filterRec) bool { return r.id < pivotID }, true},
		{"id gte", []filt{{"asset.assetID", "GREATER_THAN_EQUAL", id(pivotID)}}, false, func(r filterRec) bool { return r.id >= pivotID }, true},
		{"id lte", []filt{{"asset.assetID", "LESS_THAN_EQUAL", id(pivotID)}}, false, func(r filterRec) bool { return r.id <= pivotID }, true},
		{"id range (split walk)", []filt{{"asset.assetID", "GREATER", id(lowID)}, {"asset.assetID", "LESS_THAN_EQUAL", id(pivotID)}}, false, func(r filterRec) bool { return r.id > lowID && r.id <= pivotID }, true},
		{"lowercase operator and field", []filt{{"ASSET.ASSETID", "equals", id(pivotID)}}, false, func(r filterRec) bool { return r.id == pivotID }, true},
		{"date equals", []filt{{"asset.lastUpdated", "EQUALS", pivotMod}}, false, func(r filterRec) bool { return r.mod == pivotMod }, true},
		{"date not equals", []filt{{"asset.lastUpdated", "NOT_EQUALS", pivotMod}}, false, func(r filterRec) bool { return r.mod != pivotMod }, true},
		{"date greater", []filt{{"asset.lastUpdated", "GREATER", pivotMod}}, false, func(r filterRec) bool { return r.mod > pivotMod }, true},
		{"date lesser", []filt{{"asset.lastUpdated", "LESSER", pivotMod}}, false, func(r filterRec) bool { return r.mod < pivotMod }, true},
		{"date gte", []filt{{"asset.lastUpdated", "GREATER_THAN_EQUAL", pivotMod}}, false, func(r filterRec) bool { return r.mod >= pivotMod }, true},
		{"date lte", []filt{{"asset.lastUpdated", "LESS_THAN_EQUAL", pivotMod}}, false, func(r filterRec) bool { return r.mod <= pivotMod }, true},
		{"tag equals", []filt{{"tags.name", "EQUALS", "Production"}}, false, func(r filterRec) bool { return anyTag(r, eqFold("Production")) }, true},
		{"tag equals case-insensitive", []filt{{"tags.name", "EQUALS", "production"}}, false, func(r filterRec) bool { return anyTag(r, eqFold("Production")) }, true},
		{"tag not equals", []filt{{"tags.name", "NOT_EQUALS", "Production"}}, false, func(r filterRec) bool { return !anyTag(r, eqFold("Production")) }, true},
		{"tag contains", []filt{{"tags.name", "CONTAINS", "server"}}, false, func(r filterRec) bool {
			return anyTag(r, func(s string) bool { return strings.Contains(strings.ToLower(s), "server") })
		}, true},
		{"tag in", []filt{{"tags.name", "IN", "Web Servers, Database Servers"}}, false, func(r filterRec) bool {
			return anyTag(r, eqFold("Web Servers")) || anyTag(r, eqFold("Database Servers"))
		}, true},
		{"tag unknown", []filt{{"tags.name", "EQUALS", "No Such Tag"}}, false, func(filterRec) bool { return false }, false},
		{"os cat1 equals", []filt{{"operatingSystem.category1", "EQUALS", "Linux"}}, false, func(r filterRec) bool { return r.cat1 == "Linux" }, true},
		{"os cat1 not equals", []filt{{"operatingSystem.category1", "NOT_EQUALS", "Windows"}}, false, func(r filterRec) bool { return r.cat1 != "Windows" }, true},
		{"os cat1 contains", []filt{{"operatingSystem.category1", "CONTAINS", "IND"}}, false, func(r filterRec) bool { return r.cat1 == "Windows" }, true},
		{"os cat1 in", []filt{{"operatingSystem.category1", "IN", "Mac,Network Operating System"}}, false, func(r filterRec) bool {
			return r.cat1 == "Mac" || r.cat1 == "Network Operating System"
		}, true},
		{"os cat2 equals", []filt{{"operatingSystem.category2", "EQUALS", "Windows Server"}}, false, func(r filterRec) bool { return r.cat2 == "Windows Server" }, true},
		{"os cat2 in", []filt{{"operatingSystem.category2", "IN", "Windows Server,Linux Server"}}, false, func(r filterRec) bool {
			return r.cat2 == "Windows Server" || r.cat2 == "Linux Server"
		}, true},
		{"os cat2 contains", []filt{{"operatingSystem.category2", "CONTAINS", "Desktop"}}, false, func(r filterRec) bool { return strings.Contains(r.cat2, "Desktop") }, true},
		{"os cat2 not equals", []filt{{"operatingSystem.category2", "NOT_EQUALS", "Linux Server"}}, false, func(r filterRec) bool { return r.cat2 != "Linux Server" }, true},
		{"source equals", []filt{{"inventory.source", "EQUALS", "QAGENT"}}, false, func(r filterRec) bool { return r.source == "QAGENT" }, true},
		{"source not equals", []filt{{"inventory.source", "NOT_EQUALS", "QAGENT"}}, false, func(r filterRec) bool { return r.source != "QAGENT" }, true},
		{"source in", []filt{{"inventory.source", "IN", "EASM,IP SCANNER"}}, false, func(r filterRec) bool { return r.source == "EASM" || r.source == "IP SCANNER" }, true},
		{"source contains", []filt{{"inventory.source", "CONTAINS", "scan"}}, false, func(r filterRec) bool { return r.source == "IP SCANNER" }, true},
		{"AND of two", []filt{{"tags.name", "EQUALS", "Production"}, {"operatingSystem.category1", "EQUALS", "Windows"}}, false, func(r filterRec) bool {
			return anyTag(r, eqFold("Production")) && r.cat1 == "Windows"
		}, true},
	}
	for _, tc := range cases {
		var fs []map[string]any
		for _, f := range tc.filters {
			var v any = f.value
			if tc.numeric {
				v = json.Number(f.value)
			}
			fs = append(fs, map[string]any{"field": f.field, "operator": f.op, "value": v})
		}
		body, _ := json.Marshal(map[string]any{"filters": fs, "operation": "AND"})
		var want []int64
		for _, r := range recs {
			if tc.want(r) {
				want = append(want, r.id)
			}
		}
		if tc.nonEmpty && (len(want) == 0 || len(want) == len(recs) && len(tc.filters) > 0 && !strings.Contains(tc.name, "not")) {
			t.Errorf("%s: oracle selects %d of %d assets; the case does not discriminate", tc.name, len(want), len(recs))
		}
		got, _ := e.walk(url.Values{"pageSize": {"13"}, "includeFields": {"assetId"}}, string(body))
		var ids []int64
		for _, r := range got {
			ids = append(ids, assetID(t, r))
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: got %d ids, want %d\n got %v\nwant %v", tc.name, len(ids), len(want), ids, want)
		}
		resp, cb := e.post(pathCount, e.tok, string(body), "application/json")
		if wantBody := fmt.Sprintf(`{"responseCode":"SUCCESS","responseMessage":"Valid API Access","count":%d}`, len(want)); resp.StatusCode != 200 || string(cb) != wantBody {
			t.Errorf("%s: count %d %s, want %s", tc.name, resp.StatusCode, cb, wantBody)
		}
	}
}
